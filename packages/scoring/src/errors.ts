/**
 * Every failure of this package is a {@link ScoringError} with a string-literal `code`, the
 * `details` a caller needs (field, job, uid, value) and the original `cause`. Subclasses exist where
 * a caller reacts differently: fix its configuration, drop a result for a job that has ended,
 * discard a corrupt snapshot.
 */
export type ScoringErrorCode =
  | 'INVALID_PARAMETER'
  | 'INVALID_INPUT'
  | 'INVALID_COORDINATES'
  | 'UNKNOWN_JOB'
  | 'JOB_EXISTS'
  | 'DUPLICATE_RESULT'
  | 'TIME_WENT_BACKWARDS'
  | 'NO_BEST_RESULT'
  | 'INVALID_WEIGHTS'
  | 'INVALID_SNAPSHOT';

/** Options shared by every error constructor. */
export interface ScoringErrorOptions {
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/** Base class of every error this package throws. */
export class ScoringError extends Error {
  override name = 'ScoringError';
  readonly code: ScoringErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ScoringErrorCode, message: string, options?: ScoringErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = Object.freeze({ ...(options?.details ?? {}) });
  }
}

/** A scoring parameter (a preset field, an option) is out of its allowed range. Fix the config. */
export class InvalidParameterError extends ScoringError {
  override name = 'InvalidParameterError';
  constructor(field: string, value: unknown, expected: string) {
    super(
      'INVALID_PARAMETER',
      `scoring parameter ${field} is ${show(value)}; expected ${expected}`,
      {
        details: { field, value, expected },
      },
    );
  }
}

/**
 * A value handed to the score book or to a pure function (an energy, a uid, a hotkey, a time,
 * coordinates) is malformed. The message names the field and what was expected.
 */
export class InvalidInputError extends ScoringError {
  override name = 'InvalidInputError';
  constructor(
    field: string,
    value: unknown,
    expected: string,
    options?: { code?: 'INVALID_INPUT' | 'INVALID_COORDINATES' | 'INVALID_WEIGHTS' },
  ) {
    super(options?.code ?? 'INVALID_INPUT', `${field} is ${show(value)}; expected ${expected}`, {
      details: { field, value: typeof value === 'object' ? '[object]' : value, expected },
    });
  }
}

/**
 * The job is not open in this score book: never opened, already ended (early stop or
 * {@link ScoreBook.endJob}). A validator usually drops a late result for an ended job.
 */
export class UnknownJobError extends ScoringError {
  override name = 'UnknownJobError';
  constructor(jobId: string) {
    super('UNKNOWN_JOB', `job '${jobId}' is not open in this score book (never opened, or ended)`, {
      details: { jobId },
    });
  }
}

/** A snapshot given to {@link ScoreBook.fromJSON} is not one this version wrote, or is corrupt. */
export class InvalidSnapshotError extends ScoringError {
  override name = 'InvalidSnapshotError';
  constructor(path: string, problem: string) {
    super('INVALID_SNAPSHOT', `score book snapshot is invalid at ${path}: ${problem}`, {
      details: { path, problem },
    });
  }
}

function show(value: unknown): string {
  if (typeof value === 'string')
    return `'${value.length > 80 ? `${value.slice(0, 80)}...` : value}'`;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') {
    return String(value);
  }
  if (value === null) return 'null';
  if (value === undefined) return 'missing';
  if (Array.isArray(value)) return `an array of length ${value.length}`;
  return `a ${typeof value}`;
}
