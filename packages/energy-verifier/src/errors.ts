/**
 * Errors of the verifier itself. A miner's bad artefacts never throw: they become reasons in a
 * rejected {@link Verdict}. What throws is the validator's own side: an unusable job
 * specification or options, a malformed verification request, or GROMACS failing on the
 * validator's own inputs.
 */
export type VerifierErrorCode =
  | 'INVALID_OPTIONS'
  | 'INVALID_JOB'
  | 'INVALID_REQUEST'
  | 'SETUP_FAILED'
  | 'VERIFIER_CLOSED';

/** Options shared by every error constructor. */
export interface VerifierErrorOptions {
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/** Base class of every error this package throws. */
export class VerifierError extends Error {
  override name = 'VerifierError';
  readonly code: VerifierErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: VerifierErrorCode, message: string, options?: VerifierErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = Object.freeze({ ...(options?.details ?? {}) });
  }
}

/** An option of {@link JobVerifier.create} or a tolerance is out of range (`details.field`). */
export class VerifierOptionsError extends VerifierError {
  override name = 'VerifierOptionsError';
  constructor(field: string, message: string, options?: VerifierErrorOptions) {
    super('INVALID_OPTIONS', `${field}: ${message}`, {
      ...options,
      details: { field, ...(options?.details ?? {}) },
    });
  }
}

/**
 * The job cannot be verified as specified: an invalid job specification, a stage whose output
 * intervals leave no room for the reproduction check, or job files that do not match the spec.
 */
export class JobNotVerifiableError extends VerifierError {
  override name = 'JobNotVerifiableError';
  constructor(message: string, options?: VerifierErrorOptions) {
    super('INVALID_JOB', message, options);
  }
}

/**
 * A verification request is malformed (the validator's bug, not the miner's): a missing claim
 * field, a hotkey that is not SS58, an unknown stage (`details.field`).
 */
export class VerificationRequestError extends VerifierError {
  override name = 'VerificationRequestError';
  constructor(field: string, message: string, options?: VerifierErrorOptions) {
    super('INVALID_REQUEST', `${field}: ${message}`, {
      ...options,
      details: { field, ...(options?.details ?? {}) },
    });
  }
}

/**
 * GROMACS failed on the validator's own inputs while building the job's run inputs (the
 * `cause` is the runner's `GromacsError`): a broken installation or job files, not a miner's fault.
 */
export class VerifierSetupError extends VerifierError {
  override name = 'VerifierSetupError';
  constructor(message: string, options?: VerifierErrorOptions) {
    super('SETUP_FAILED', message, options);
  }
}

/** {@link JobVerifier.verify} was called after {@link JobVerifier.close}. */
export class VerifierClosedError extends VerifierError {
  override name = 'VerifierClosedError';
  constructor() {
    super('VERIFIER_CLOSED', 'the verifier was closed; create a new one for this job');
  }
}
