import { JobNotVerifiableError } from '@fold/energy-verifier';
import type { JobAssignment, ValidatorJob } from '@fold/job-store';
import { FoldProgress } from '@fold/synapse';
import { isLiveAssignment, staffJobs } from './assignment.js';
import { mapWithLimit } from './concurrency.js';
import type { ValidatorContext } from './context.js';
import { endJob, MAX_LISTED_JOBS, openInBook } from './job-lifecycle.js';
import type { MinerInfo } from './miner-pool.js';
import { type IdentifiedTransition, interpretReport, type ScoringView } from './progress-report.js';
import type { Claim, MinerJobState } from './validator-state.js';
import type { ClaimPolicy } from './verifiers.js';

/** Jobs per progress query (the protocol's limit). */
export const JOBS_PER_QUERY = 256;

/** What a progress round did. */
export interface RoundSummary {
  readonly activeJobs: number;
  readonly queries: number;
  readonly failedQueries: number;
  readonly reports: number;
  readonly claims: number;
  readonly endedJobs: number;
  readonly assigned: number;
  readonly elapsedMs: number;
}

interface Entry {
  readonly job: ValidatorJob;
  readonly assignment: JobAssignment;
  readonly state: MinerJobState;
}

/**
 * One progress round: ends jobs past their deadline, staffs jobs (see {@link staffJobs}), queries
 * every miner once for all its jobs (up to {@link JOBS_PER_QUERY} per call, `queryConcurrency`
 * miners at once, each call with the query timeout), records what changed through the job
 * table's idempotent transitions, queues claimed improvements for verification, drops miners
 * that stopped answering, and closes the score book's round of every job without pending claims
 * (a job with claims closes its round when they are judged). Jobs the book stops early, and jobs
 * all of whose miners are done, end here.
 */
export async function runProgressRound(
  context: ValidatorContext,
  signal: AbortSignal,
): Promise<RoundSummary> {
  const started = performance.now();
  const { config, logger } = context;
  const book = context.ledger.book;
  let nowMs = context.now();
  const snapshot = await context.directory.snapshot();
  if (snapshot.hotkeys.length > 0) book.syncMetagraph(snapshot.hotkeys);

  let endedJobs = 0;
  let failedQueries = 0;
  let reports = 0;
  const calls: { miner: MinerInfo | undefined; entries: Entry[] }[] = [];
  const claims: Claim[] = [];
  const listed = await context.jobs.listByStatus('active', { limit: MAX_LISTED_JOBS });
  const active: ValidatorJob[] = [];
  for (const job of listed) {
    const deadline = (job.activatedAt ?? job.createdAt) + config.jobDeadlineHours * 3_600_000;
    if (nowMs >= deadline) {
      await endJob(
        context,
        job.jobId,
        job.best === undefined ? 'failed' : 'finished',
        'deadline reached',
        {
          reasonForMiners: 'deadline',
        },
      );
      endedJobs++;
      continue;
    }
    await openInBook(context, job);
    active.push(job);
  }

  const states = await context.state.minerStatesOf(active.map((j) => j.jobId));
  const staffing = await staffJobs(context, active, states, snapshot);
  // The jobs again, with the assignments staffing made (only those opened in the book above).
  const opened = new Set(active.map((j) => j.jobId));
  const current = new Map<string, ValidatorJob>();
  for (const job of await context.jobs.listByStatus('active', { limit: MAX_LISTED_JOBS }))
    if (opened.has(job.jobId)) current.set(job.jobId, job);
  if (signal.aborted) return summary();

  // Every delivered, live assignment, grouped by miner.
  const byUid = new Map<number, Entry[]>();
  for (const job of current.values()) {
    for (const assignment of job.assignments) {
      if (!isLiveAssignment(assignment)) continue;
      const state = states.get(job.jobId)?.get(assignment.uid);
      if (state === undefined || !state.delivered || state.hotkey !== assignment.hotkey) continue;
      const list = byUid.get(assignment.uid) ?? [];
      list.push({ job, assignment, state });
      byUid.set(assignment.uid, list);
    }
  }
  const miners = new Map<number, MinerInfo>(snapshot.miners.map((m) => [m.uid, m]));
  for (const [uid, entries] of byUid) {
    for (let i = 0; i < entries.length; i += JOBS_PER_QUERY)
      calls.push({ miner: miners.get(uid), entries: entries.slice(i, i + JOBS_PER_QUERY) });
  }

  nowMs = context.now();
  const transitions = new Map<string, IdentifiedTransition[]>();
  const addTransition = (jobId: string, t: IdentifiedTransition) => {
    const list = transitions.get(jobId) ?? [];
    list.push(t);
    transitions.set(jobId, list);
  };
  const newStates: { jobId: string; state: MinerJobState }[] = [];

  const answers = await mapWithLimit(calls, config.queryConcurrency, async (call) => {
    if (call.miner === undefined || call.miner.hotkey !== call.entries[0]?.assignment.hotkey)
      return null;
    const jobs: Record<string, string> = {};
    for (const e of call.entries) jobs[e.state.minerJobId] = e.state.etag;
    // Each call ends by its own timeout; an aborted round stops between phases.
    return context.caller.call(
      call.miner,
      FoldProgress,
      { jobs },
      {
        timeoutMs: config.queryTimeoutSeconds * 1000,
      },
    );
  });

  // What can be claimed comes from the job's verifier, read only for jobs with a new best frame.
  const policies = new Map<string, ClaimPolicy>();
  const unverifiable = new Map<string, string>();
  for (const [i, result] of answers.entries()) {
    if (result === null || !result.ok) continue;
    for (const e of (calls[i] as (typeof calls)[number]).entries) {
      const commitment = result.response.progress[e.state.minerJobId]?.best_commitment ?? null;
      if (commitment === null || commitment === e.state.consideredCommitment) continue;
      const key = `${e.job.jobId}:${e.state.generation}`;
      if (policies.has(key) || unverifiable.has(e.job.jobId)) continue;
      try {
        policies.set(
          key,
          await context.verifiers.policy(e.job.jobId, e.state.generation, e.state.minerJobId),
        );
      } catch (error) {
        if (!(error instanceof JobNotVerifiableError)) throw error;
        unverifiable.set(e.job.jobId, error.message);
      }
    }
  }
  const scoringViews = new Map<string, ScoringView>();
  const scoringOf = (jobId: string, generation: number): ScoringView => {
    const key = `${jobId}:${generation}`;
    let view = scoringViews.get(key);
    if (view === undefined) {
      const jobView = book.jobView(jobId);
      const policy = policies.get(key);
      view = {
        bestEnergyKjMol: jobView.bestEnergyKjMol,
        threshold: book.params.threshold,
        atomCount: jobView.atomCount,
        barred: new Set(jobView.barred),
        claimable: policy === undefined ? () => false : policy.claimable,
      };
      scoringViews.set(key, view);
    }
    return view;
  };
  for (const [i, result] of answers.entries()) {
    const call = calls[i] as (typeof calls)[number];
    if (result === null || !result.ok) {
      failedQueries++;
      for (const e of call.entries) {
        const failed = e.state.failedQueries + 1;
        newStates.push({ jobId: e.job.jobId, state: { ...e.state, failedQueries: failed } });
        if (failed >= config.maxFailedQueries) {
          addTransition(e.job.jobId, {
            transition: {
              type: 'set-assignment-state',
              uid: e.assignment.uid,
              hotkey: e.assignment.hotkey,
              state: 'dropped',
            },
            transitionId: `drop:${e.job.jobId}:${e.assignment.uid}`,
          });
          logger.warn(
            {
              event: 'job.miner-dropped',
              jobId: e.job.jobId,
              uid: e.assignment.uid,
              reason: 'unreachable',
            },
            `dropped uid ${e.assignment.uid} from ${e.job.jobId}: ${failed} failed queries`,
          );
        }
      }
      continue;
    }
    const answer = result.response;
    context.capacity.set(call.entries[0]?.assignment.uid ?? -1, {
      freeSlots: answer.free_slots,
      totalSlots: answer.total_slots,
      assignedSince: 0,
    });
    const unknown = new Set(answer.unknown);
    for (const e of call.entries) {
      const report = answer.progress[e.state.minerJobId];
      if (report !== undefined) {
        reports++;
        const outcome = interpretReport({
          jobId: e.job.jobId,
          assignment: e.assignment,
          state: e.state,
          report,
          scoring: scoringOf(e.job.jobId, e.state.generation),
          nowMs,
        });
        newStates.push({ jobId: e.job.jobId, state: outcome.state });
        for (const t of outcome.transitions) addTransition(e.job.jobId, t);
        if (outcome.claim !== null) claims.push(outcome.claim);
      } else if (unknown.has(e.state.minerJobId)) {
        addTransition(e.job.jobId, {
          transition: {
            type: 'set-assignment-state',
            uid: e.assignment.uid,
            hotkey: e.assignment.hotkey,
            state: 'dropped',
          },
          transitionId: `drop:${e.job.jobId}:${e.assignment.uid}`,
        });
        logger.warn(
          {
            event: 'job.miner-dropped',
            jobId: e.job.jobId,
            uid: e.assignment.uid,
            reason: 'unknown job',
          },
          `dropped uid ${e.assignment.uid} from ${e.job.jobId}: the miner does not know the job`,
        );
      } else if (e.state.failedQueries !== 0) {
        newStates.push({ jobId: e.job.jobId, state: { ...e.state, failedQueries: 0 } });
      }
    }
  }

  // Claims first, so that a crash after this point re-reads them rather than losing them.
  await context.state.addClaims(claims);
  await context.state.saveMinerStates(newStates);
  await mapWithLimit([...transitions.entries()], 32, async ([jobId, list]) => {
    for (const { transition, transitionId } of list) {
      const { job } = await context.jobs.transition(jobId, transition, { transitionId, nowMs });
      current.set(jobId, job);
    }
  });
  for (const claim of claims) {
    logger.info(
      {
        event: 'claim.queued',
        jobId: claim.jobId,
        uid: claim.uid,
        stage: claim.stage,
        step: claim.step,
        energyKjMol: claim.energyKjMol,
      },
      `uid ${claim.uid} claims ${claim.energyKjMol.toFixed(1)} kJ/mol in ${claim.jobId}`,
    );
  }

  for (const [jobId, why] of unverifiable) {
    await endJob(context, jobId, 'failed', `the job cannot be verified: ${why}`.slice(0, 500));
    current.delete(jobId);
    endedJobs++;
  }

  // Close the score book's round of jobs with nothing waiting for verification.
  const pending = new Set((await context.state.pendingClaims()).map((c) => c.jobId));
  nowMs = context.now();
  for (const job of current.values()) {
    if (pending.has(job.jobId)) continue;
    if (!book.openJobIds().includes(job.jobId)) continue;
    const outcome = book.closeRound(job.jobId, nowMs);
    if (outcome.ended !== null) {
      await context.ledger.save();
      await endJob(context, job.jobId, 'early-stopped', `early stop: ${outcome.ended}`);
      endedJobs++;
      continue;
    }
    const live = job.assignments.some(isLiveAssignment);
    const finished = job.assignments.some((a) => a.state === 'finished');
    if (!live && finished) {
      await context.ledger.save();
      await endJob(context, job.jobId, 'finished', 'every miner finished its stages');
      endedJobs++;
    }
  }
  await context.ledger.save();
  return summary();

  function summary(): RoundSummary {
    return {
      activeJobs: active.length,
      queries: calls.length,
      failedQueries,
      reports,
      claims: claims.length,
      endedJobs,
      assigned: staffing.assigned,
      elapsedMs: Math.round(performance.now() - started),
    };
  }
}
