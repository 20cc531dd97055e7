import { JobNotVerifiableError } from '@fold/energy-verifier';
import type { JobAssignment, ValidatorJob } from '@fold/job-store';
import { type ClaimableFrames, FoldAssign, type SynapseRequest } from '@fold/synapse';
import { mapWithLimit } from './concurrency.js';
import type { ValidatorContext } from './context.js';
import { type MinerInfo, type MinerSnapshot, selectMiners } from './miner-pool.js';
import { distinctMinerSeed } from './seeds.js';
import type { MinerJobState } from './validator-state.js';
import { claimableFrames } from './verifiers.js';

/** Assignments a job may accumulate, replacements of dropped miners included. */
export function maxAssignmentsPerJob(minersPerJob: number): number {
  return Math.min(256, minersPerJob * 3);
}

/** The job id a miner knows for a generation of a job (rebases start new generations). */
export function minerJobIdOf(jobId: string, generation: number): string {
  return generation === 0 ? jobId : `${jobId}-r${generation}`;
}

/** Assignments that count toward a job's miners: running, about to, or done. */
export function countsTowardMiners(assignment: JobAssignment): boolean {
  return (
    assignment.state === 'assigned' ||
    assignment.state === 'running' ||
    assignment.state === 'finished'
  );
}

/** Assignments a miner is working on. */
export function isLiveAssignment(assignment: JobAssignment): boolean {
  return assignment.state === 'assigned' || assignment.state === 'running';
}

/**
 * The assignment request of a miner's current generation: the prepared job (generation 0) or a
 * rebase's (the best verified structure as coordinates, the production stage only, new
 * velocities from the miner's seed).
 */
export async function assignRequest(
  context: ValidatorContext,
  job: ValidatorJob,
  state: MinerJobState,
): Promise<SynapseRequest<typeof FoldAssign>> {
  const view = await context.prepared.get(job.jobId, state.generation);
  let claimable: ClaimableFrames[] | undefined;
  try {
    claimable = claimableFrames(
      await context.verifiers.get(job.jobId, state.generation, state.minerJobId),
    );
  } catch (error) {
    // The job ends as unverifiable at its first claim; the miner may run it meanwhile.
    if (!(error instanceof JobNotVerifiableError)) throw error;
  }
  return {
    job_id: state.minerJobId,
    protein_id: view.spec.pdbId,
    input_bundle: view.inputBundle,
    params: view.params,
    seed: state.seed,
    deadline_unix_ms:
      (job.activatedAt ?? job.createdAt) + context.config.jobDeadlineHours * 3_600_000,
    ...(claimable === undefined ? {} : { claimable_frames: claimable }),
  };
}

/** One assignment to send. */
interface Delivery {
  readonly job: ValidatorJob;
  readonly assignment: JobAssignment;
  readonly state: MinerJobState;
  readonly miner: MinerInfo;
}

/** What {@link staffJobs} did. */
export interface StaffingResult {
  readonly assigned: number;
  readonly delivered: number;
  readonly dropped: number;
}

/**
 * Gives every active job its miners: sends assignments not yet accepted (after a restart too:
 * a miner that already has the job answers `duplicate_job`), and, where fewer than
 * `minersPerJob` miners are running or have finished a job, picks new ones from the metagraph
 * (highest priority jobs first) and records them before anything is sent, with deterministic
 * transition ids and seeds, so a crash between the two never assigns twice.
 * @param states the miners' protocol states per job; updated in place and saved.
 */
export async function staffJobs(
  context: ValidatorContext,
  active: readonly ValidatorJob[],
  states: Map<string, Map<number, MinerJobState>>,
  snapshot: MinerSnapshot,
): Promise<StaffingResult> {
  const { config, capacity } = context;
  const byUid = new Map(snapshot.miners.map((m) => [m.uid, m]));
  const load = new Map<number, number>();
  for (const job of active)
    for (const a of job.assignments)
      if (isLiveAssignment(a)) load.set(a.uid, (load.get(a.uid) ?? 0) + 1);

  const deliveries: Delivery[] = [];
  let assigned = 0;
  for (let job of active) {
    const jobStates = states.get(job.jobId) ?? new Map<number, MinerJobState>();
    states.set(job.jobId, jobStates);
    const counted = job.assignments.filter(countsTowardMiners).length;
    const missing = Math.min(
      config.minersPerJob - counted,
      maxAssignmentsPerJob(config.minersPerJob) - job.assignments.length,
    );
    if (missing > 0) {
      const chosen = selectMiners({
        jobId: job.jobId,
        candidates: snapshot.miners,
        exclude: new Set(job.assignments.map((a) => a.uid)),
        capacity,
        load,
        count: missing,
      });
      const seeds = new Set(job.assignments.map((a) => a.seed));
      for (const miner of chosen) {
        const seed = distinctMinerSeed(
          {
            validatorHotkey: context.hotkey,
            jobId: job.jobId,
            minerHotkey: miner.hotkey,
            salt: context.salt,
          },
          seeds,
        );
        seeds.add(seed);
        const result = await context.jobs.transition(
          job.jobId,
          { type: 'assign', miners: [{ uid: miner.uid, hotkey: miner.hotkey, seed }] },
          { transitionId: `assign:${job.jobId}:${miner.uid}` },
        );
        job = result.job;
        if (result.applied) assigned++;
        load.set(miner.uid, (load.get(miner.uid) ?? 0) + 1);
        const known = capacity.get(miner.uid);
        if (known !== undefined)
          capacity.set(miner.uid, { ...known, assignedSince: known.assignedSince + 1 });
        context.logger.info(
          { event: 'job.assigned', jobId: job.jobId, uid: miner.uid, hotkey: miner.hotkey },
          `assigned ${job.jobId} to uid ${miner.uid}`,
        );
      }
    }
    for (const assignment of job.assignments) {
      // Running assignments too: a rebase starts a new generation that must be sent.
      if (!isLiveAssignment(assignment)) continue;
      let state = jobStates.get(assignment.uid);
      if (state === undefined || state.hotkey !== assignment.hotkey) {
        state = {
          uid: assignment.uid,
          hotkey: assignment.hotkey,
          minerJobId: minerJobIdOf(job.jobId, 0),
          generation: 0,
          seed: assignment.seed,
          delivered: false,
          deliveryAttempts: 0,
          etag: '',
          failedQueries: 0,
        };
        jobStates.set(assignment.uid, state);
      }
      if (state.delivered) continue;
      const miner = byUid.get(assignment.uid);
      if (miner === undefined || miner.hotkey !== assignment.hotkey) continue;
      deliveries.push({ job, assignment, state, miner });
    }
  }

  let delivered = 0;
  let dropped = 0;
  const outcomes = await mapWithLimit(deliveries, config.queryConcurrency, (d) =>
    deliver(context, d),
  );
  const toSave: { jobId: string; state: MinerJobState }[] = [];
  for (const [i, outcome] of outcomes.entries()) {
    const d = deliveries[i] as Delivery;
    states.get(d.job.jobId)?.set(d.assignment.uid, outcome.state);
    toSave.push({ jobId: d.job.jobId, state: outcome.state });
    if (outcome.state.delivered) delivered++;
    if (outcome.drop !== undefined) {
      dropped++;
      await context.jobs.transition(
        d.job.jobId,
        {
          type: 'set-assignment-state',
          uid: d.assignment.uid,
          hotkey: d.assignment.hotkey,
          state: 'dropped',
        },
        { transitionId: `drop:${d.job.jobId}:${d.assignment.uid}` },
      );
      context.logger.warn(
        {
          event: 'job.miner-dropped',
          jobId: d.job.jobId,
          uid: d.assignment.uid,
          reason: outcome.drop,
        },
        `dropped uid ${d.assignment.uid} from ${d.job.jobId}: ${outcome.drop}`,
      );
    }
  }
  await context.state.saveMinerStates(toSave);
  return { assigned, delivered, dropped };
}

async function deliver(
  context: ValidatorContext,
  d: Delivery,
): Promise<{ state: MinerJobState; drop?: string }> {
  const request = await assignRequest(context, d.job, d.state);
  const result = await context.caller.call(d.miner, FoldAssign, request, {
    timeoutMs: context.config.assignTimeoutSeconds * 1000,
  });
  const attempts = d.state.deliveryAttempts + 1;
  if (!result.ok) {
    const state = { ...d.state, deliveryAttempts: attempts };
    context.logger.warn(
      {
        event: 'assign.failed',
        jobId: d.job.jobId,
        uid: d.miner.uid,
        status: result.statusCode,
        attempts,
      },
      `assigning ${d.state.minerJobId} to uid ${d.miner.uid} failed: ${result.statusMessage}`,
    );
    return attempts >= context.config.maxFailedQueries
      ? {
          state,
          drop: `assignment failed ${attempts} times: ${result.statusMessage}`.slice(0, 300),
        }
      : { state };
  }
  const answer = result.response;
  context.capacity.set(d.miner.uid, {
    freeSlots: answer.free_slots,
    totalSlots: context.capacity.get(d.miner.uid)?.totalSlots ?? null,
    assignedSince: 0,
  });
  if (answer.accepted || answer.reject_reason === 'duplicate_job') {
    context.logger.info(
      {
        event: 'assign.delivered',
        jobId: d.job.jobId,
        uid: d.miner.uid,
        minerJobId: d.state.minerJobId,
        bytes: result.bytesSent,
      },
      `uid ${d.miner.uid} took ${d.state.minerJobId}`,
    );
    return { state: { ...d.state, delivered: true, deliveryAttempts: attempts } };
  }
  return {
    state: { ...d.state, deliveryAttempts: attempts },
    drop: `the miner refused the assignment: ${answer.reject_reason ?? 'no reason'}`,
  };
}
