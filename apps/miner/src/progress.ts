import type { AssignmentState, MinerAssignment, MinerAssignments } from '@fold/job-store';
import {
  type FoldProgress,
  type JobState,
  STAGE_NAMES,
  type StageName,
  type SynapseRequest,
  type SynapseResponse,
} from '@fold/synapse';
import { type CapacityPolicy, countActiveJobs, freeSlots, jobCapacity } from './capacity.js';

type ProgressResponse = SynapseResponse<typeof FoldProgress>;
type ProgressReport = ProgressResponse['progress'][string];

/** The protocol's job state for an assignment state. Pure. */
export function reportedState(state: AssignmentState): JobState {
  switch (state) {
    case 'received':
    case 'queued':
      return 'queued';
    case 'running':
      return 'running';
    case 'finished':
      return 'finished';
    case 'failed':
      return 'failed';
    case 'cancelled':
    case 'expired':
      return 'cancelled';
  }
}

/** The etag of an assignment: its record version, which every change bumps. */
export function etagOf(assignment: MinerAssignment): string {
  return `v${assignment.version}`;
}

function stageName(stage: string | undefined): StageName | null {
  return stage !== undefined && (STAGE_NAMES as readonly string[]).includes(stage)
    ? (stage as StageName)
    : null;
}

function printable(text: string | undefined): string | null {
  if (text === undefined) return null;
  return text.replace(/[^\x20-\x7e]/g, '?').slice(0, 256);
}

/**
 * One job's progress as the protocol reports it: state, stage, step, simulated time, speed and
 * the committed best frame (energy, stage, step, commitment; all null until one is committed).
 * No files. Pure.
 */
export function progressReport(assignment: MinerAssignment): ProgressReport {
  const committed = assignment.commitment !== undefined;
  return {
    etag: etagOf(assignment),
    state: reportedState(assignment.state),
    stage: stageName(assignment.stage),
    step: assignment.step,
    simulated_time_ps: assignment.simulatedTimePs ?? 0,
    best_potential_energy_kj_mol: committed ? (assignment.bestEnergyKjMol ?? null) : null,
    best_stage: committed ? stageName(assignment.bestStage) : null,
    best_step: committed ? (assignment.bestFrameStep ?? null) : null,
    best_commitment: committed ? (assignment.commitment ?? null) : null,
    ns_per_day: assignment.nsPerDay ?? null,
    updated_unix_ms: assignment.updatedAt,
    error: printable(assignment.error),
  };
}

/**
 * Answers a progress query from the store: for each of the caller's jobs either its report (when
 * its etag changed since the one the validator sent), `unchanged`, or `unknown`, plus the
 * miner's free and total slots. Jobs are looked up under the caller's own hotkey, so a validator
 * only ever sees its own jobs.
 */
export async function answerProgress(
  request: SynapseRequest<typeof FoldProgress>,
  validatorHotkey: string,
  services: { readonly assignments: MinerAssignments; readonly capacity: CapacityPolicy },
): Promise<ProgressResponse> {
  const { assignments, capacity } = services;
  const jobIds = Object.keys(request.jobs);
  const [found, active] = await Promise.all([
    assignments.getMany(jobIds.map((jobId) => assignments.idFor(validatorHotkey, jobId))),
    countActiveJobs(assignments),
  ]);
  const byJobId = new Map(found.map((a) => [a.validatorJobId, a]));
  const response: ProgressResponse = {
    progress: {},
    unchanged: [],
    unknown: [],
    free_slots: freeSlots(active, capacity),
    total_slots: jobCapacity(capacity),
  };
  for (const jobId of jobIds) {
    const assignment = byJobId.get(jobId);
    if (assignment === undefined) response.unknown.push(jobId);
    else if (request.jobs[jobId] === etagOf(assignment)) response.unchanged.push(jobId);
    else response.progress[jobId] = progressReport(assignment);
  }
  return response;
}
