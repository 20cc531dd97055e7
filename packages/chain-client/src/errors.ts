/** Every failure code of @fold/chain-client. */
export type ChainErrorCode =
  | 'CONNECTION_FAILED'
  | 'CONNECTION_LOST'
  | 'TIMEOUT'
  | 'DISPATCH_FAILED'
  | 'RATE_LIMITED'
  | 'TX_REJECTED'
  | 'NONCE_TAKEN'
  | 'METADATA_MISMATCH'
  | 'DECODE_FAILED'
  | 'INVALID_ARGUMENT'
  | 'KEY_INVALID'
  | 'REVEAL_STORE_FAILED'
  | 'NOT_FOUND';

/** Base of every error this package throws; `details` never holds key material. */
export class ChainError extends Error {
  override name = 'ChainError';
  readonly code: ChainErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(
    code: ChainErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }
}

/** The node could not be reached, the socket dropped past the retry budget, or a wait timed out. */
export class ConnectionError extends ChainError {
  override name = 'ConnectionError';
}

/**
 * The runtime refused a call that was included in a block: `ExtrinsicFailed`, or the inner
 * result of `sudo.Sudid`. `error` is the runtime's `section.Name`, e.g.
 * `subtensorModule.SettingWeightsTooFast`.
 */
export class DispatchError extends ChainError {
  override name = 'DispatchError';
  /** `section.Name` as the runtime's metadata names it (`module` errors), or the variant name. */
  readonly error: string;
  /** The pallet, e.g. `subtensorModule`; `undefined` for non-module errors (`BadOrigin`, ...). */
  readonly section: string | undefined;
  /** The runtime's documentation line for the error, when it has one. */
  readonly docs: string;
  /** Whether the error is the inner result of a `sudo` call (the extrinsic itself succeeded). */
  readonly viaSudo: boolean;
  constructor(
    error: {
      name: string;
      section: string | undefined;
      docs: string;
      viaSudo: boolean;
      blockHash?: string;
      call: string;
    },
    options: { code?: ChainErrorCode; message?: string; details?: Record<string, unknown> } = {},
  ) {
    const full = error.section ? `${error.section}.${error.name}` : error.name;
    super(
      options.code ?? 'DISPATCH_FAILED',
      options.message ??
        `${error.call} failed${error.viaSudo ? ' inside sudo' : ''}: ${full}${error.docs ? ` (${error.docs})` : ''}`,
      {
        details: {
          error: full,
          call: error.call,
          viaSudo: error.viaSudo,
          blockHash: error.blockHash,
          ...options.details,
        },
      },
    );
    this.error = full;
    this.section = error.section;
    this.docs = error.docs;
    this.viaSudo = error.viaSudo;
  }
}

/**
 * A rate limit stands in the way: predicted from the hyperparameters before submitting (nothing
 * was sent), or the runtime's own rate-limit error. `allowedAtBlock` is the first block at which
 * the call passes, when it can be computed.
 */
export class RateLimitedError extends DispatchError {
  override name = 'RateLimitedError';
  readonly allowedAtBlock: number | undefined;
  readonly currentBlock: number;
  /** True when the client refused before submitting, from the chain's hyperparameters. */
  readonly predicted: boolean;
  constructor(
    error: ConstructorParameters<typeof DispatchError>[0],
    limit: { allowedAtBlock: number | undefined; currentBlock: number; predicted: boolean },
  ) {
    const full = error.section ? `${error.section}.${error.name}` : error.name;
    const when =
      limit.allowedAtBlock === undefined
        ? ''
        : `; allowed again at block #${limit.allowedAtBlock} (now #${limit.currentBlock})`;
    super(error, {
      code: 'RATE_LIMITED',
      message: `${error.call} is rate limited: ${full}${when}${limit.predicted ? ' (not submitted)' : ''}`,
      details: { ...limit },
    });
    this.allowedAtBlock = limit.allowedAtBlock;
    this.currentBlock = limit.currentBlock;
    this.predicted = limit.predicted;
  }
}

/** The transaction pool refused the extrinsic before any block (1010 invalid, bad proof, ...). */
export class TransactionRejectedError extends ChainError {
  override name = 'TransactionRejectedError';
}

/**
 * A call or runtime API of this runtime differs from what this client was written for (a new
 * argument, a renamed field, a missing pallet): nothing was submitted.
 */
export class MetadataMismatchError extends ChainError {
  override name = 'MetadataMismatchError';
}

/** A caller-supplied value is out of range or malformed (uids, weights, ip, port, netuid). */
export class InvalidArgumentError extends ChainError {
  override name = 'InvalidArgumentError';
}

/** A key URI or key file could not be turned into an sr25519 key pair. Never holds the secret. */
export class KeyError extends ChainError {
  override name = 'KeyError';
}

/** The pending-reveal store could not be read or written. */
export class RevealStoreError extends ChainError {
  override name = 'RevealStoreError';
}
