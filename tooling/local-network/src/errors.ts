/** What went wrong starting, running or stopping a local network. */
export type LocalNetworkErrorCode =
  | 'NETWORK_BAD_OPTION'
  | 'CLI_NOT_BUILT'
  | 'PORT_IN_USE'
  | 'PROCESS_EXITED'
  | 'NETWORK_TIMEOUT'
  | 'API_FAILED'
  | 'JOB_FAILED'
  | 'WEIGHTS_NOT_SET'
  | 'STATE_INVALID'
  | 'ALREADY_RUNNING'
  | 'NOT_RUNNING'
  | 'STOP_FAILED'
  | 'INTERRUPTED';

/** Base class of every error of `@fold/local-network`. */
export class LocalNetworkError extends Error {
  override name = 'LocalNetworkError';
  readonly code: LocalNetworkErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(
    code: LocalNetworkErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }
}

/** A process of the network (a miner, the validator) exited while it was needed. */
export class ProcessExitedError extends LocalNetworkError {
  override name = 'ProcessExitedError';
  constructor(
    processName: string,
    exit: { exitCode: number | null; signal: string | null },
    logPath: string,
    logTail: string,
  ) {
    super(
      'PROCESS_EXITED',
      `${processName} exited (exit code ${exit.exitCode ?? 'none'}, signal ${exit.signal ?? 'none'}); its log is ${logPath}:\n${logTail}`,
      { details: { process: processName, ...exit, file: logPath } },
    );
  }
}

/** Something the network waited for did not happen in time. */
export class NetworkTimeoutError extends LocalNetworkError {
  override name = 'NetworkTimeoutError';
  constructor(what: string, timeoutMs: number, details: Record<string, unknown> = {}) {
    super(
      'NETWORK_TIMEOUT',
      `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}`,
      {
        details: { what, timeoutMs, ...details },
      },
    );
  }
}

/** The validator's API refused a request or answered something that is not what it documents. */
export class ApiError extends LocalNetworkError {
  override name = 'ApiError';
  constructor(message: string, details: Record<string, unknown> = {}, cause?: unknown) {
    super('API_FAILED', message, { details, cause });
  }
}

/** A network's state file is missing, unreadable, or does not describe a network. */
export class StateFileError extends LocalNetworkError {
  override name = 'StateFileError';
  constructor(message: string, file: string, cause?: unknown) {
    super('STATE_INVALID', message, { details: { file }, cause });
  }
}

/** The run was stopped by SIGINT or SIGTERM before it finished. */
export class InterruptedError extends LocalNetworkError {
  override name = 'InterruptedError';
  constructor(signal: string) {
    super('INTERRUPTED', `stopped by ${signal}`, { details: { signal } });
  }
}
