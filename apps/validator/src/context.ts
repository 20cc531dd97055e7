import type { JobStore, JobTable } from '@fold/job-store';
import type { PdbSource } from '@fold/pdb-dataset';
import type { Logger } from 'pino';
import type { ValidatorConfig } from './config.js';
import type { ValidatorMetrics } from './metrics.js';
import type { MinerCaller } from './miner-calls.js';
import type { MinerCapacity, MinerDirectory } from './miner-pool.js';
import type { PreparedJobs } from './prepared-jobs.js';
import type { ScoreLedger } from './score-ledger.js';
import type { ValidatorState } from './validator-state.js';
import type { JobVerifiers } from './verifiers.js';

/**
 * Everything the validator's tasks share: configuration, the stores, the way to miners, the
 * score book. Built once by {@link startValidator}; tasks receive it and hold no state of their
 * own beyond what is here (all durable state is in Redis and the work directory).
 */
export interface ValidatorContext {
  readonly config: ValidatorConfig;
  readonly logger: Logger;
  readonly store: JobStore;
  readonly jobs: JobTable;
  readonly state: ValidatorState;
  readonly ledger: ScoreLedger;
  readonly prepared: PreparedJobs;
  /** The verifiers of the jobs (built once per job and generation). */
  readonly verifiers: JobVerifiers;
  readonly caller: MinerCaller;
  readonly directory: MinerDirectory;
  readonly source: PdbSource;
  readonly metrics: ValidatorMetrics;
  /** The validator's hotkey (SS58). */
  readonly hotkey: string;
  /** The secret salt of seeds (from Redis). */
  readonly salt: string;
  /** What miners last said about their free slots (memory only: unknown after a restart). */
  readonly capacity: Map<number, MinerCapacity>;
  /** The clock, ms since the epoch. */
  readonly now: () => number;
}
