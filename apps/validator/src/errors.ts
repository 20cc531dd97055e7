/** What went wrong in the validator; one string per failure a caller may handle differently. */
export type ValidatorErrorCode =
  | 'CONFIG_INVALID'
  | 'CONFIG_FILE_UNREADABLE'
  | 'STARTUP_FAILED'
  | 'JOB_PARAMS_INVALID'
  | 'JOB_FILES_INVALID'
  | 'STORE_CORRUPT'
  | 'API_BAD_REQUEST'
  | 'API_UNAUTHORIZED'
  | 'API_NOT_FOUND'
  | 'API_CONFLICT'
  | 'API_PAYLOAD_TOO_LARGE'
  | 'API_UNSUPPORTED_MEDIA_TYPE'
  | 'API_UNPROCESSABLE'
  | 'API_INTERNAL';

/** Options every validator error takes. */
export interface ValidatorErrorOptions {
  /** What the error is about: the field, job, miner, file. Never key material or tokens. */
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/** Base class of every error thrown by the validator app. */
export class ValidatorError extends Error {
  override name = 'ValidatorError';
  readonly code: ValidatorErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: ValidatorErrorCode, message: string, options?: ValidatorErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = Object.freeze({ ...options?.details });
  }
}

/**
 * The configuration (file, environment or flags) is unusable. `details.field` names the setting,
 * `details.source` where its value came from (`file`, `env`, `flag` or `default`).
 */
export class ConfigError extends ValidatorError {
  override name = 'ConfigError';
  constructor(
    message: string,
    options?: ValidatorErrorOptions & { code?: 'CONFIG_INVALID' | 'CONFIG_FILE_UNREADABLE' },
  ) {
    super(options?.code ?? 'CONFIG_INVALID', message, options);
  }
}

/** Something the validator needs at start is missing or unreachable (Redis, chain, gmx, key). */
export class StartupError extends ValidatorError {
  override name = 'StartupError';
  constructor(message: string, options?: ValidatorErrorOptions) {
    super('STARTUP_FAILED', message, options);
  }
}

/**
 * A job's parameters cannot be turned into what miners run: a stage the job does not have, an
 * mdp option the protocol does not carry, a step count out of range. `details.field` names it.
 */
export class JobParamsError extends ValidatorError {
  override name = 'JobParamsError';
  constructor(message: string, options?: ValidatorErrorOptions) {
    super('JOB_PARAMS_INVALID', message, options);
  }
}

/** A job's prepared files in the work directory are missing or do not match their hashes. */
export class JobFilesError extends ValidatorError {
  override name = 'JobFilesError';
  constructor(message: string, options?: ValidatorErrorOptions) {
    super('JOB_FILES_INVALID', message, options);
  }
}

/** A value the validator keeps in Redis beside the job table does not parse or validate. */
export class StoreCorruptError extends ValidatorError {
  override name = 'StoreCorruptError';
  constructor(message: string, options?: ValidatorErrorOptions) {
    super('STORE_CORRUPT', message, options);
  }
}

/** HTTP status of each API error code. */
export const API_STATUS: Readonly<Record<ApiErrorCode, number>> = {
  API_BAD_REQUEST: 400,
  API_UNAUTHORIZED: 401,
  API_NOT_FOUND: 404,
  API_CONFLICT: 409,
  API_PAYLOAD_TOO_LARGE: 413,
  API_UNSUPPORTED_MEDIA_TYPE: 415,
  API_UNPROCESSABLE: 422,
  API_INTERNAL: 500,
};

/** The codes an API request can fail with. */
export type ApiErrorCode = Extract<ValidatorErrorCode, `API_${string}`>;

/**
 * A request to the HTTP API was refused. Answered as `{ error: code, message, field? }` with the
 * status of {@link API_STATUS}; `details.field` names the request field that was wrong.
 */
export class ApiError extends ValidatorError {
  override name = 'ApiError';
  readonly statusCode: number;
  constructor(code: ApiErrorCode, message: string, options?: ValidatorErrorOptions) {
    super(code, message, options);
    this.statusCode = API_STATUS[code];
  }
}
