import type { JobStore } from './connection.js';
import { InvalidInputError, JobNotFoundError } from './errors.js';
import {
  applyJobTransition,
  JOB_STATUSES,
  type JobStatus,
  type JobTransition,
  JobTransitionSchema,
  type NewValidatorJob,
  NewValidatorJobSchema,
  newJobRecord,
  type ValidatorJobRecord,
  ValidatorJobRecordSchema,
} from './job-record.js';
import { RecordCodec } from './record-codec.js';
import { type UpdateOptions, type Versioned, VersionedTable } from './versioned-table.js';

/** A validator job as stored, with its version. */
export type ValidatorJob = Versioned<ValidatorJobRecord>;

/** Options of {@link openJobTable}. */
export interface JobTableOptions {
  /** Entries kept in each job's history, verdicts and commitments. Default 2,000. */
  logLimit?: number;
}

/** Options of {@link JobTable.transition}. */
export interface TransitionOptions extends UpdateOptions {
  /** The clock of the transition, ms since the epoch. Default `Date.now()`. */
  nowMs?: number;
}

const recordCodec = new RecordCodec('validator job', ValidatorJobRecordSchema);
const newJobCodec = new RecordCodec('new validator job', NewValidatorJobSchema);
const transitionCodec = new RecordCodec('job transition', JobTransitionSchema);

// Listing order inside a status: higher priority first, then older first. Scores stay below 2^53.
const PRIORITY_SCORE_STEP = 1e13;

function statusScore(job: ValidatorJobRecord): number {
  return (9 - job.priority) * PRIORITY_SCORE_STEP + job.createdAt;
}

function checkStatus(status: string): asserts status is JobStatus {
  if (!(JOB_STATUSES as readonly string[]).includes(status)) {
    throw new InvalidInputError(`unknown job status "${status}"`, { field: 'status' });
  }
}

/**
 * The validator's job table: job → protein, parameters, assigned miners and seeds, status, best
 * verified result, history of verified energies, verdicts and commitments seen. Transitions are
 * atomic, versioned and idempotent; jobs are indexed by status (priority first) for listing.
 */
export class JobTable {
  private readonly table: VersionedTable<typeof ValidatorJobRecordSchema>;

  constructor(
    store: JobStore,
    private readonly options: JobTableOptions = {},
  ) {
    const logLimit = options.logLimit ?? 2_000;
    if (!Number.isInteger(logLimit) || logLimit < 1) {
      throw new InvalidInputError(`logLimit must be a positive integer, not ${logLimit}`, {
        field: 'logLimit',
      });
    }
    this.table = new VersionedTable({
      store,
      namespace: 'vjob',
      codec: recordCodec,
      what: 'validator job',
      notFound: (id) => new JobNotFoundError(id),
      indexesOf: (job) => [{ key: this.statusKey(job.status), score: statusScore(job) }],
    });
  }

  private statusKey(status: JobStatus): string {
    return this.table.indexKey('status', status);
  }

  /**
   * Creates a job in status `pending`; returns the existing one (`created: false`) when the id is
   * taken, so a retried creation is harmless.
   * @throws {InvalidInputError}
   */
  async create(
    input: NewValidatorJob,
    options: { nowMs?: number } = {},
  ): Promise<{ job: ValidatorJob; created: boolean }> {
    const checked = newJobCodec.checkInput(input);
    const { record, created } = await this.table.create(
      checked.jobId,
      newJobRecord(checked, options.nowMs ?? Date.now()),
    );
    return { job: record, created };
  }

  /** The job, or undefined. @throws {CorruptRecordError} */
  async get(jobId: string): Promise<ValidatorJob | undefined> {
    return this.table.get(jobId);
  }

  /** The job. @throws {JobNotFoundError} */
  async require(jobId: string): Promise<ValidatorJob> {
    return this.table.require(jobId);
  }

  /**
   * Applies a transition atomically (see {@link applyJobTransition}). With `transitionId`, applying
   * it again is a no-op; with `expectedVersion`, it applies only to that version.
   * @throws {InvalidInputError} malformed transition
   * @throws {InvalidTransitionError} not allowed in the job's state
   * @throws {VersionConflictError} stale `expectedVersion`
   * @throws {JobNotFoundError}
   */
  async transition(
    jobId: string,
    transition: JobTransition,
    options: TransitionOptions = {},
  ): Promise<{ job: ValidatorJob; applied: boolean }> {
    const checked = transitionCodec.checkInput(transition, { jobId });
    const limits = { logLimit: this.options.logLimit };
    const { record, applied } = await this.table.update(
      jobId,
      (current) => applyJobTransition(current, checked, options.nowMs ?? Date.now(), limits),
      options,
    );
    return { job: record, applied };
  }

  /** Jobs in a status, highest priority first, then oldest first. */
  async listByStatus(
    status: JobStatus,
    options: { offset?: number; limit?: number } = {},
  ): Promise<ValidatorJob[]> {
    checkStatus(status);
    return this.table.list(this.statusKey(status), options);
  }

  /** Ids of the jobs in a status, in listing order. */
  async listIdsByStatus(
    status: JobStatus,
    options: { offset?: number; limit?: number } = {},
  ): Promise<string[]> {
    checkStatus(status);
    return this.table.listIds(this.statusKey(status), options);
  }

  /** Number of jobs in a status. */
  async countByStatus(status: JobStatus): Promise<number> {
    checkStatus(status);
    return this.table.count(this.statusKey(status));
  }

  /** Number of jobs in every status. */
  async counts(): Promise<Record<JobStatus, number>> {
    const counts = await Promise.all(JOB_STATUSES.map((s) => this.countByStatus(s)));
    return Object.fromEntries(JOB_STATUSES.map((s, i) => [s, counts[i] ?? 0])) as Record<
      JobStatus,
      number
    >;
  }

  /** Removes a job and its index entries; false when there was none. @throws {VersionConflictError} */
  async delete(jobId: string, options: { expectedVersion?: number } = {}): Promise<boolean> {
    return this.table.delete(jobId, options);
  }
}

/** Opens the validator's job table on a store. */
export function openJobTable(store: JobStore, options: JobTableOptions = {}): JobTable {
  return new JobTable(store, options);
}
