/** What went wrong in the miner; one string per failure a caller may handle differently. */
export type MinerErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_FILE_UNREADABLE'
  | 'GMX_UNAVAILABLE'
  | 'GPU_UNAVAILABLE'
  | 'REDIS_UNAVAILABLE'
  | 'CHAIN_UNAVAILABLE'
  | 'AXON_NOT_SERVED'
  | 'JOB_INPUT_INVALID'
  | 'JOB_FILES_MISSING'
  | 'DISK_ESTIMATE_EXCEEDED'
  | 'FRAME_EXTRACTION_FAILED';

/** Options every miner error takes. */
export interface MinerErrorOptions {
  /** What the error is about: the field, file, job, command. Never key material. */
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/** Base class of every error thrown by the miner app. */
export class MinerError extends Error {
  override name = 'MinerError';
  readonly code: MinerErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: MinerErrorCode, message: string, options?: MinerErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = Object.freeze({ ...options?.details });
  }
}

/**
 * The configuration (file, environment or flags) is unusable. `details.field` names the setting,
 * `details.source` where its value came from (`file`, `env`, `flag` or `default`).
 */
export class ConfigError extends MinerError {
  override name = 'ConfigError';
  constructor(
    message: string,
    options?: MinerErrorOptions & { code?: 'CONFIG_INVALID' | 'CONFIG_FILE_UNREADABLE' },
  ) {
    super(options?.code ?? 'CONFIG_INVALID', message, options);
  }
}

/**
 * Something the miner needs at start is missing or unreachable: `gmx` (GMX_UNAVAILABLE), a
 * configured GPU (GPU_UNAVAILABLE), Redis (REDIS_UNAVAILABLE), the chain (CHAIN_UNAVAILABLE), or
 * the axon could not be registered on chain (AXON_NOT_SERVED).
 */
export class StartupError extends MinerError {
  override name = 'StartupError';
  constructor(
    code:
      | 'GMX_UNAVAILABLE'
      | 'GPU_UNAVAILABLE'
      | 'REDIS_UNAVAILABLE'
      | 'CHAIN_UNAVAILABLE'
      | 'AXON_NOT_SERVED',
    message: string,
    options?: MinerErrorOptions,
  ) {
    super(code, message, options);
  }
}

/**
 * An assigned job cannot be run as sent: its input files or parameters are refused. The assign
 * handler answers `invalid_input` (or `unsupported`) for it.
 */
export class JobInputError extends MinerError {
  override name = 'JobInputError';
  readonly rejectReason: 'invalid_input' | 'unsupported';
  constructor(
    message: string,
    options?: MinerErrorOptions & { rejectReason?: 'invalid_input' | 'unsupported' },
  ) {
    super('JOB_INPUT_INVALID', message, options);
    this.rejectReason = options?.rejectReason ?? 'invalid_input';
  }
}

/** A job's directory or one of its files is gone (purged, or removed by hand). */
export class JobFilesMissingError extends MinerError {
  override name = 'JobFilesMissingError';
  constructor(message: string, options?: MinerErrorOptions) {
    super('JOB_FILES_MISSING', message, options);
  }
}

/**
 * A running job wrote more than the disk space it was admitted with; it is stopped so that the
 * disk quota holds.
 */
export class DiskEstimateExceededError extends MinerError {
  override name = 'DiskEstimateExceededError';
  constructor(message: string, options?: MinerErrorOptions) {
    super('DISK_ESTIMATE_EXCEEDED', message, options);
  }
}

/** An extracted best frame is not the frame asked for (the trajectory did not hold it). */
export class FrameExtractionError extends MinerError {
  override name = 'FrameExtractionError';
  constructor(message: string, options?: MinerErrorOptions) {
    super('FRAME_EXTRACTION_FAILED', message, options);
  }
}
