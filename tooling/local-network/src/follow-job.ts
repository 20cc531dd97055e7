import { setTimeout as sleep } from 'node:timers/promises';
import {
  InterruptedError,
  LocalNetworkError,
  NetworkTimeoutError,
  ProcessExitedError,
} from './errors.js';
import type { PhaseClock } from './phases.js';
import type { ServiceProcess } from './service-process.js';
import type { JobDetail, ValidatorApi, ValidatorStatus, WeightsRecord } from './validator-api.js';

/** Weights as the chain stores them for one validator. */
export interface ChainWeights {
  readonly uids: readonly number[];
  readonly weights: readonly number[];
}

/** Where a job is, seen from the validator. */
export type JobStep = 'preparation' | 'simulation' | 'verification' | 'ended';

const PREPARING = new Set(['pending', 'preparing']);
const ENDED = new Set(['finished', 'early-stopped', 'failed', 'cancelled']);
const MINER_BUSY = new Set(['assigned', 'running']);

/**
 * The step a job is at: prepared until active; simulated while a miner runs it; verified once
 * every miner is done until the validator ends the job (claims left to verify). Pure.
 */
export function jobStep(job: Pick<JobDetail, 'status' | 'minerDetails'>): JobStep {
  if (ENDED.has(job.status)) return 'ended';
  if (PREPARING.has(job.status)) return 'preparation';
  if (job.minerDetails.length === 0 || job.minerDetails.some((m) => MINER_BUSY.has(m.state))) {
    return 'simulation';
  }
  return 'verification';
}

/** Whether the chain holds exactly what the validator recorded as set. Pure. */
export function weightsMatch(record: WeightsRecord, chain: ChainWeights): boolean {
  if (record.uids.length !== chain.uids.length || record.uids.length === 0) return false;
  const onChain = new Map(chain.uids.map((uid, i) => [uid, chain.weights[i]]));
  return record.uids.every((uid, i) => onChain.get(uid) === record.weights[i]);
}

/** A job followed to the end: its last state, the weights set after it, and the chain's. */
export interface FollowedJob {
  readonly job: JobDetail;
  readonly status: ValidatorStatus;
  /** The validator's record of the weights it set after the job ended. */
  readonly weights: WeightsRecord;
  /** The same weights read back from the chain. */
  readonly chainWeights: ChainWeights;
}

/** What {@link followJob} needs. */
export interface FollowJobOptions {
  readonly api: ValidatorApi;
  readonly jobId: string;
  /** Reads the validator's weights from the chain. */
  readonly readChainWeights: () => Promise<ChainWeights>;
  /** The network process that exited unasked, if any: following stops with its error. */
  readonly crashed: () => ServiceProcess | undefined;
  readonly phases: PhaseClock;
  /** Called after every poll with the job and the validator's status. */
  readonly onUpdate?: (job: JobDetail, status: ValidatorStatus) => void;
  readonly timeoutMs: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Follows a submitted job through preparation, simulation and verification to its end, then
 * waits for weights set after the end and reads them back from the chain until they match.
 * Times each of those phases on `phases`.
 * @throws {LocalNetworkError} JOB_FAILED when the job fails or is cancelled
 * @throws {ProcessExitedError} when a process of the network exits unasked
 * @throws {NetworkTimeoutError} after `timeoutMs`
 * @throws {InterruptedError} when `signal` aborts
 */
export async function followJob(options: FollowJobOptions): Promise<FollowedJob> {
  const { api, jobId, phases } = options;
  const deadline = Date.now() + options.timeoutMs;
  const pollMs = options.pollMs ?? 1_000;
  phases.start('preparation');
  for (;;) {
    if (options.signal?.aborted)
      throw new InterruptedError(String(options.signal.reason ?? 'signal'));
    const crashed = options.crashed();
    if (crashed !== undefined) {
      throw new ProcessExitedError(
        crashed.name,
        crashed.exit ?? { exitCode: null, signal: null },
        crashed.logPath,
        crashed.logTail(),
      );
    }
    const [job, status] = await Promise.all([api.job(jobId), api.status()]);
    options.onUpdate?.(job, status);
    const step = jobStep(job);
    if (step !== 'preparation') phases.end('preparation');
    if (step === 'verification' || step === 'ended') phases.end('simulation');
    else if (step === 'simulation') phases.start('simulation');
    if (step === 'ended') {
      phases.end('verification');
      if (job.status === 'failed' || job.status === 'cancelled') {
        throw new LocalNetworkError(
          'JOB_FAILED',
          `job ${jobId} ${job.status}: ${job.statusReason ?? 'no reason given'}`,
          { details: { jobId, status: job.status } },
        );
      }
      if (!job.verdicts.some((v) => v.accepted)) {
        throw new LocalNetworkError(
          'WEIGHTS_NOT_SET',
          `job ${jobId} ${job.status} without a verified result, so no miner has a score to weigh${
            job.verdicts.length === 0
              ? ' (no miner claimed a frame)'
              : `: ${job.verdicts.map((v) => `uid ${v.uid}: ${v.reason ?? 'rejected'}`).join('; ')}`
          }`,
          { details: { jobId, status: job.status } },
        );
      }
      phases.start('weights');
      const record = status.lastWeights;
      if (record !== null && record.mode === 'set' && record.at >= (job.endedAt ?? 0)) {
        const chainWeights = await options.readChainWeights();
        if (weightsMatch(record, chainWeights)) {
          phases.end('weights');
          return { job, status, weights: record, chainWeights };
        }
      }
    } else if (step === 'verification') {
      phases.start('verification');
    }
    if (Date.now() > deadline) {
      const waitingFor =
        step === 'ended' ? 'weights on chain after the job ended' : `the job's ${step} to end`;
      throw new NetworkTimeoutError(waitingFor, options.timeoutMs, { jobId, step });
    }
    await sleep(
      pollMs,
      undefined,
      options.signal === undefined ? {} : { signal: options.signal },
    ).catch(() => {});
  }
}
