/**
 * Every failure this package reports, as one base class with a string code and the offending
 * field, peer or file in `details`. The axon turns each code into the Bittensor status code that a
 * Python dendrite expects (see {@link statusCodeOf}); the dendrite reports the same codes back.
 */
export type SynapseErrorCode =
  | 'REQUEST_INVALID'
  | 'JSON_MALFORMED'
  | 'BODY_HASH_MISMATCH'
  | 'UNKNOWN_SYNAPSE'
  | 'AXON_HOTKEY_MISMATCH'
  | 'SIGNATURE_INVALID'
  | 'NONCE_STALE'
  | 'NONCE_REPLAYED'
  | 'BLACKLISTED'
  | 'TIMEOUT'
  | 'BODY_TOO_LARGE'
  | 'SCHEMA_INVALID'
  | 'BUNDLE_CORRUPT'
  | 'BUNDLE_FILE_NAME_INVALID'
  | 'BUNDLE_LIMIT_EXCEEDED'
  | 'BUNDLE_INTEGRITY'
  | 'BUNDLE_FILE_MISSING'
  | 'BUNDLE_WRITE_REFUSED'
  | 'HANDLER_FAILED'
  | 'OVERLOADED'
  | 'PRIORITY_FAILED'
  | 'TRANSPORT_FAILED'
  | 'RESPONSE_INVALID'
  | 'AXON_SIGNATURE_INVALID'
  | 'AXON_STATUS'
  | 'CONFIG_INVALID';

/** Options every error of this package takes. */
export interface SynapseErrorOptions {
  /** What was wrong: the field, peer, file, limit and the value seen. */
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/** Base class of every error thrown or reported by `@fold/synapse`. */
export class SynapseError extends Error {
  override name = 'SynapseError';
  readonly code: SynapseErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: SynapseErrorCode, message: string, options?: SynapseErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = Object.freeze({ ...(options?.details ?? {}) });
  }
}

/** A request the axon cannot parse: bad path, method, headers or body text (400). */
export class RequestFormatError extends SynapseError {
  override name = 'RequestFormatError';
  constructor(
    code: 'REQUEST_INVALID' | 'JSON_MALFORMED' | 'BODY_HASH_MISMATCH',
    message: string,
    options?: SynapseErrorOptions,
  ) {
    super(code, message, options);
  }
}

/** The path names a synapse this axon does not serve (404). */
export class UnknownSynapseError extends SynapseError {
  override name = 'UnknownSynapseError';
  constructor(message: string, options?: SynapseErrorOptions) {
    super('UNKNOWN_SYNAPSE', message, options);
  }
}

/** The request failed signature, addressee or nonce checks (401). */
export class VerificationError extends SynapseError {
  override name = 'VerificationError';
  constructor(
    code: 'AXON_HOTKEY_MISMATCH' | 'SIGNATURE_INVALID' | 'NONCE_STALE' | 'NONCE_REPLAYED',
    message: string,
    options?: SynapseErrorOptions,
  ) {
    super(code, message, options);
  }
}

/** The application's blacklist hook refused the caller (403). */
export class BlacklistedError extends SynapseError {
  override name = 'BlacklistedError';
  constructor(message: string, options?: SynapseErrorOptions) {
    super('BLACKLISTED', message, options);
  }
}

/** A request, a queue wait, a handler or a call ran past its timeout (408). */
export class SynapseTimeoutError extends SynapseError {
  override name = 'SynapseTimeoutError';
  constructor(message: string, options?: SynapseErrorOptions) {
    super('TIMEOUT', message, options);
  }
}

/** A request or response body is larger than its limit (413). */
export class BodyTooLargeError extends SynapseError {
  override name = 'BodyTooLargeError';
  constructor(message: string, options?: SynapseErrorOptions) {
    super('BODY_TOO_LARGE', message, options);
  }
}

/** A body that parsed as JSON but breaks the synapse's schema (422). */
export class SchemaError extends SynapseError {
  override name = 'SchemaError';
  constructor(message: string, options?: SynapseErrorOptions) {
    super('SCHEMA_INVALID', message, options);
  }
}

/** Base of the file-bundle codec's errors. */
export class BundleError extends SynapseError {
  override name = 'BundleError';
}

/** The bytes are not a bundle this codec wrote: bad structure, version or compressed stream (422). */
export class BundleCorruptError extends BundleError {
  override name = 'BundleCorruptError';
  constructor(message: string, options?: SynapseErrorOptions) {
    super('BUNDLE_CORRUPT', message, options);
  }
}

/** A file name outside the allowlist: separators, `..`, control characters, other extensions (422). */
export class BundleFileNameError extends BundleError {
  override name = 'BundleFileNameError';
  constructor(message: string, options?: SynapseErrorOptions) {
    super('BUNDLE_FILE_NAME_INVALID', message, options);
  }
}

/** A per-file size, total size, file count or compression ratio limit was exceeded (413). */
export class BundleLimitError extends BundleError {
  override name = 'BundleLimitError';
  constructor(message: string, options?: SynapseErrorOptions) {
    super('BUNDLE_LIMIT_EXCEEDED', message, options);
  }
}

/** A file's content does not match the SHA-256 it was sent under (422). */
export class BundleIntegrityError extends BundleError {
  override name = 'BundleIntegrityError';
  constructor(message: string, options?: SynapseErrorOptions) {
    super('BUNDLE_INTEGRITY', message, options);
  }
}

/** A file travelled as a hash the receiver does not hold. */
export class BundleMissingFileError extends BundleError {
  override name = 'BundleMissingFileError';
  constructor(message: string, options?: SynapseErrorOptions) {
    super('BUNDLE_FILE_MISSING', message, options);
  }
}

/** Writing a bundle to a directory was refused (a path outside it, an unresolved file). */
export class BundleWriteError extends BundleError {
  override name = 'BundleWriteError';
  constructor(message: string, options?: SynapseErrorOptions) {
    super('BUNDLE_WRITE_REFUSED', message, options);
  }
}

/** A handler threw or answered outside its response schema (500). */
export class HandlerError extends SynapseError {
  override name = 'HandlerError';
  constructor(message: string, options?: SynapseErrorOptions) {
    super('HANDLER_FAILED', message, options);
  }
}

/** The axon cannot take the request now: queue full or priority hook failed (503). */
export class OverloadedError extends SynapseError {
  override name = 'OverloadedError';
  constructor(
    code: 'OVERLOADED' | 'PRIORITY_FAILED',
    message: string,
    options?: SynapseErrorOptions,
  ) {
    super(code, message, options);
  }
}

/** The dendrite could not reach the axon or lost the connection. */
export class TransportError extends SynapseError {
  override name = 'TransportError';
  constructor(message: string, options?: SynapseErrorOptions) {
    super('TRANSPORT_FAILED', message, options);
  }
}

/** The axon's answer is unusable: bad JSON, schema, or a signature from another hotkey. */
export class ResponseError extends SynapseError {
  override name = 'ResponseError';
  constructor(
    code: 'RESPONSE_INVALID' | 'AXON_SIGNATURE_INVALID',
    message: string,
    options?: SynapseErrorOptions,
  ) {
    super(code, message, options);
  }
}

/** The axon answered with a status other than 200; `details.statusCode` holds it. */
export class AxonStatusError extends SynapseError {
  override name = 'AxonStatusError';
  readonly statusCode: number;
  constructor(statusCode: number, message: string, options?: SynapseErrorOptions) {
    super('AXON_STATUS', message, {
      ...options,
      details: { ...(options?.details ?? {}), statusCode },
    });
    this.statusCode = statusCode;
  }
}

/** Options given to an axon, dendrite or codec that cannot work. */
export class ConfigError extends SynapseError {
  override name = 'ConfigError';
  constructor(message: string, options?: SynapseErrorOptions) {
    super('CONFIG_INVALID', message, options);
  }
}

const STATUS_BY_CODE: Readonly<Record<SynapseErrorCode, number>> = {
  REQUEST_INVALID: 400,
  JSON_MALFORMED: 400,
  BODY_HASH_MISMATCH: 400,
  UNKNOWN_SYNAPSE: 404,
  AXON_HOTKEY_MISMATCH: 401,
  SIGNATURE_INVALID: 401,
  NONCE_STALE: 401,
  NONCE_REPLAYED: 401,
  BLACKLISTED: 403,
  TIMEOUT: 408,
  BODY_TOO_LARGE: 413,
  BUNDLE_LIMIT_EXCEEDED: 413,
  SCHEMA_INVALID: 422,
  BUNDLE_CORRUPT: 422,
  BUNDLE_FILE_NAME_INVALID: 422,
  BUNDLE_INTEGRITY: 422,
  BUNDLE_FILE_MISSING: 422,
  BUNDLE_WRITE_REFUSED: 500,
  HANDLER_FAILED: 500,
  CONFIG_INVALID: 500,
  OVERLOADED: 503,
  PRIORITY_FAILED: 503,
  TRANSPORT_FAILED: 503,
  RESPONSE_INVALID: 422,
  AXON_SIGNATURE_INVALID: 401,
  AXON_STATUS: 500,
};

/**
 * The HTTP status an axon answers for an error, following the Python SDK where it has one
 * (`bittensor/core/axon.py`, `log_and_handle_error`: 401 verification, 403 blacklist,
 * 404 unknown synapse, 503 priority) and the HTTP meaning elsewhere (413, 422). Errors that are
 * not {@link SynapseError}s are internal failures: 500.
 */
export function statusCodeOf(error: unknown): number {
  if (error instanceof AxonStatusError) return error.statusCode;
  if (error instanceof SynapseError) return STATUS_BY_CODE[error.code];
  return 500;
}
