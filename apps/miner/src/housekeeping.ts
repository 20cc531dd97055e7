import {
  type AssignmentState,
  InvalidTransitionError,
  isTerminalAssignmentState,
  type MinerAssignment,
  type MinerAssignments,
  type SimulationQueues,
  TERMINAL_ASSIGNMENT_STATES,
} from '@fold/job-store';
import type { Logger } from 'pino';
import { fetchedAt, jobLayout, listJobDirs, removeJobDir } from './job-files.js';

/** When files and records go. */
export interface RetentionPolicy {
  /** A finished job's files are purged this long after it finished, ms. */
  readonly retentionMs: number;
  /** ... or this long after the validator fetched its artefacts, ms. */
  readonly purgeAfterFetchMs: number;
  /** Records of ended jobs whose files are gone are deleted this long after they ended, ms. */
  readonly recordRetentionMs: number;
}

/** A staged directory (an assign in progress) older than this is a leftover of a crash. */
const STAGED_GRACE_MS = 3_600_000;
/** A directory without a record younger than this may be an assign in progress. */
const ORPHAN_GRACE_MS = 600_000;
/** A job still `received` after this long lost its enqueue to a crash. */
const RECEIVED_GRACE_MS = 60_000;

/** What {@link purgeDecision} looks at. */
export interface PurgeInput {
  readonly nowMs: number;
  /** Undefined for a staged (incoming) directory. */
  readonly isJobDir: boolean;
  readonly dirModifiedMs: number;
  /** The assignment, or undefined when there is no record. */
  readonly state: AssignmentState | undefined;
  readonly endedAtMs: number | undefined;
  readonly fetchedAtMs: number | undefined;
  /** A runner may still hold the files (its simulation is active in the queue). */
  readonly simulationActive: boolean;
}

/**
 * Whether a job directory's files go now. Active jobs stay; finished ones go after the retention
 * period, or sooner once the validator fetched the artefacts; failed, cancelled and expired ones
 * go as soon as no runner holds them; directories without a record, and staged directories,
 * once they are old enough not to be an assign in progress. Pure.
 */
export function purgeDecision(input: PurgeInput, policy: RetentionPolicy): string | undefined {
  const age = (since: number | undefined) => input.nowMs - (since ?? input.nowMs);
  if (!input.isJobDir) {
    return age(input.dirModifiedMs) >= STAGED_GRACE_MS ? 'staged leftover' : undefined;
  }
  if (input.state === undefined) {
    return age(input.dirModifiedMs) >= ORPHAN_GRACE_MS ? 'no assignment record' : undefined;
  }
  if (!isTerminalAssignmentState(input.state) || input.simulationActive) return undefined;
  if (input.state !== 'finished') return input.state;
  if (input.fetchedAtMs !== undefined && age(input.fetchedAtMs) >= policy.purgeAfterFetchMs) {
    return 'fetched';
  }
  return age(input.endedAtMs) >= policy.retentionMs ? 'retention' : undefined;
}

/** What a housekeeping round did. */
export interface HousekeepingReport {
  readonly expired: string[];
  readonly failed: string[];
  readonly purged: string[];
  readonly deletedRecords: string[];
}

/**
 * One round: expires assignments past their deadline (their simulations are cancelled), fails
 * assignments whose simulation was lost, purges job files per {@link purgeDecision} and deletes
 * old records of ended jobs. Every step is idempotent, so several processes may run it.
 */
export async function runHousekeeping(services: {
  readonly assignments: MinerAssignments;
  readonly queues: SimulationQueues;
  readonly workDir: string;
  readonly policy: RetentionPolicy;
  readonly logger: Logger;
  readonly nowMs?: number;
}): Promise<HousekeepingReport> {
  const { assignments, queues, workDir, policy, logger } = services;
  const nowMs = services.nowMs ?? Date.now();
  const report: HousekeepingReport = { expired: [], failed: [], purged: [], deletedRecords: [] };
  const end = async (assignment: MinerAssignment, state: 'expired' | 'failed', error: string) => {
    try {
      await assignments.update(assignment.id, { state, error });
    } catch (e) {
      if (e instanceof InvalidTransitionError) return false; // it ended meanwhile
      throw e;
    }
    return true;
  };

  for (const overdue of await assignments.listOverdue(nowMs)) {
    if (await end(overdue, 'expired', 'deadline passed')) {
      await queues.cancel(overdue.id, 'deadline');
      report.expired.push(overdue.id);
    }
  }

  for (const state of ['received', 'queued', 'running'] as const) {
    for (const assignment of await assignments.listByState(state)) {
      if (state === 'received' && nowMs - assignment.updatedAt < RECEIVED_GRACE_MS) continue;
      const status = await queues.status(assignment.id);
      let lost: string | undefined;
      if (status === undefined) lost = 'its simulation was lost';
      else if (status.state === 'failed') lost = status.failedReason ?? 'its simulation failed';
      else if (status.state === 'completed') lost = 'its simulation ended without a result';
      if (lost !== undefined && (await end(assignment, 'failed', lost.slice(0, 500)))) {
        report.failed.push(assignment.id);
      }
    }
  }

  const dirs = await listJobDirs(workDir);
  const ids = dirs.flatMap((d) => (d.assignmentId === undefined ? [] : [d.assignmentId]));
  const records = new Map((await assignments.getMany(ids)).map((r) => [r.id, r]));
  for (const dir of dirs) {
    const record = dir.assignmentId === undefined ? undefined : records.get(dir.assignmentId);
    const terminal = record !== undefined && isTerminalAssignmentState(record.state);
    const simulationActive = terminal && (await queues.status(record.id))?.state === 'active';
    const reason = purgeDecision(
      {
        nowMs,
        isJobDir: dir.assignmentId !== undefined,
        dirModifiedMs: dir.modifiedMs,
        state: record?.state,
        endedAtMs: terminal ? record.updatedAt : undefined,
        fetchedAtMs:
          dir.assignmentId === undefined
            ? undefined
            : await fetchedAt(jobLayout(workDir, dir.assignmentId)),
        simulationActive,
      },
      policy,
    );
    if (reason === undefined) continue;
    await removeJobDir(workDir, dir.path);
    report.purged.push(dir.name);
    logger.info({ dir: dir.name, reason }, 'job files purged');
  }

  const remaining = new Set((await listJobDirs(workDir)).map((d) => d.name));
  for (const state of TERMINAL_ASSIGNMENT_STATES) {
    for (const assignment of await assignments.listByState(state, { limit: 1_000 })) {
      if (remaining.has(assignment.id)) continue;
      if (nowMs - assignment.updatedAt < policy.recordRetentionMs) continue;
      if (await assignments.delete(assignment.id)) report.deletedRecords.push(assignment.id);
    }
  }
  return report;
}
