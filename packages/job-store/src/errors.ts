/** What went wrong in the job store; one string per failure a caller may handle differently. */
export type JobStoreErrorCode =
  | 'INVALID_OPTIONS'
  | 'INVALID_INPUT'
  | 'CONNECTION_FAILED'
  | 'CONNECTION_LOST'
  | 'REDIS_ERROR'
  | 'VERSION_CONFLICT'
  | 'JOB_NOT_FOUND'
  | 'ASSIGNMENT_NOT_FOUND'
  | 'INVALID_TRANSITION'
  | 'CORRUPT_RECORD';

/** Base class of every error thrown by `@fold/job-store`. */
export class JobStoreError extends Error {
  override name = 'JobStoreError';
  readonly code: JobStoreErrorCode;
  /** What the error is about: the key, job id, field, versions. */
  readonly details: Readonly<Record<string, unknown>>;
  constructor(
    code: JobStoreErrorCode,
    message: string,
    options?: { details?: Record<string, unknown>; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = Object.freeze({ ...options?.details });
  }
}

/** Options given to the store (URL, prefix, limits) are not usable. */
export class InvalidOptionsError extends JobStoreError {
  override name = 'InvalidOptionsError';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('INVALID_OPTIONS', message, { details });
  }
}

/** A record, transition, payload or progress value failed validation before it was stored. */
export class InvalidInputError extends JobStoreError {
  override name = 'InvalidInputError';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('INVALID_INPUT', message, { details });
  }
}

/** The first connection to Redis could not be made. */
export class ConnectionFailedError extends JobStoreError {
  override name = 'ConnectionFailedError';
  constructor(message: string, options?: { details?: Record<string, unknown>; cause?: unknown }) {
    super('CONNECTION_FAILED', message, options);
  }
}

/**
 * A command failed because the connection to Redis dropped and did not come back within the
 * configured reconnection attempts. The store keeps reconnecting; the operation may be retried.
 */
export class ConnectionLostError extends JobStoreError {
  override name = 'ConnectionLostError';
  constructor(message: string, options?: { details?: Record<string, unknown>; cause?: unknown }) {
    super('CONNECTION_LOST', message, options);
  }
}

/** The record changed since the caller read it (expected version does not match). */
export class VersionConflictError extends JobStoreError {
  override name = 'VersionConflictError';
  constructor(
    readonly id: string,
    readonly expectedVersion: number,
    readonly actualVersion: number,
  ) {
    super(
      'VERSION_CONFLICT',
      `${id} is at version ${actualVersion}, not ${expectedVersion}: read it again and retry`,
      { details: { id, expectedVersion, actualVersion } },
    );
  }
}

/** No validator job (or simulation job) with this id. */
export class JobNotFoundError extends JobStoreError {
  override name = 'JobNotFoundError';
  constructor(readonly jobId: string) {
    super('JOB_NOT_FOUND', `no job ${jobId}`, { details: { jobId } });
  }
}

/** No miner assignment with this id. */
export class AssignmentNotFoundError extends JobStoreError {
  override name = 'AssignmentNotFoundError';
  constructor(readonly assignmentId: string) {
    super('ASSIGNMENT_NOT_FOUND', `no assignment ${assignmentId}`, { details: { assignmentId } });
  }
}

/** The transition is not allowed from the record's current state (e.g. activating a finished job). */
export class InvalidTransitionError extends JobStoreError {
  override name = 'InvalidTransitionError';
  constructor(message: string, details: Record<string, unknown> = {}) {
    super('INVALID_TRANSITION', message, { details });
  }
}

/** A stored record does not parse or does not match its schema. */
export class CorruptRecordError extends JobStoreError {
  override name = 'CorruptRecordError';
  constructor(message: string, options?: { details?: Record<string, unknown>; cause?: unknown }) {
    super('CORRUPT_RECORD', message, options);
  }
}
