/** Every failure this package reports, as a string literal a caller can switch on. */
export type PdbDatasetErrorCode =
  | 'INVALID_OPTIONS'
  | 'INVALID_PDB_ID'
  | 'ENTRY_NOT_FOUND'
  | 'DOWNLOAD_FAILED'
  | 'ENTRY_TOO_LARGE'
  | 'CORRUPT_GZIP'
  | 'NOT_PDB'
  | 'TRUNCATED_ENTRY'
  | 'BAD_RECORD'
  | 'NO_COORDINATES'
  | 'CATALOG_INVALID'
  | 'CATALOG_EXHAUSTED'
  | 'NO_PROTEIN'
  | 'TOO_MANY_CHAINS'
  | 'PREPARATION_FAILED'
  | 'NO_STABLE_CONFIGURATION'
  | 'CACHE_CORRUPT'
  | 'JOB_SPEC_INVALID';

/** Options every error of this package accepts. */
export interface PdbDatasetErrorOptions {
  /** What was wrong, for programs: the PDB id, file, field, residue, candidate... */
  readonly details?: Readonly<Record<string, unknown>>;
  /** The lower-level error this one explains. */
  readonly cause?: unknown;
}

/**
 * Base class of every error thrown by `@fold/pdb-dataset`. `code` says what failed, `details`
 * names the input (PDB id, file, line, residue) and `cause` keeps the underlying error.
 */
export class PdbDatasetError extends Error {
  override name = 'PdbDatasetError';
  readonly code: PdbDatasetErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: PdbDatasetErrorCode, message: string, options: PdbDatasetErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }
}

/** Options or arguments given by a caller are out of range or malformed. */
export class InvalidOptionsError extends PdbDatasetError {
  override name = 'InvalidOptionsError';
  constructor(message: string, options: PdbDatasetErrorOptions = {}) {
    super('INVALID_OPTIONS', message, options);
  }
}

/** A string that is not a 4-character PDB id (digit, then three letters or digits). */
export class InvalidPdbIdError extends PdbDatasetError {
  override name = 'InvalidPdbIdError';
  constructor(id: string) {
    super(
      'INVALID_PDB_ID',
      `${JSON.stringify(id.slice(0, 40))} is not a PDB id: expected a digit followed by three letters or digits, e.g. 1ubq`,
      { details: { id: id.slice(0, 40) } },
    );
  }
}

/** Fetching an entry failed: not in the mirror, not downloadable, or the download was refused. */
export class PdbSourceError extends PdbDatasetError {
  override name = 'PdbSourceError';
}

/**
 * An entry's bytes are not a usable PDB-format file: corrupt gzip, not PDB text, truncated,
 * over the size limit, a malformed record, or no coordinates.
 */
export class PdbParseError extends PdbDatasetError {
  override name = 'PdbParseError';
}

/** The id catalogue file is malformed, or sampling ran out of ids that are not in use. */
export class CatalogError extends PdbDatasetError {
  override name = 'CatalogError';
}

/**
 * Cleaning and repair left nothing that can be simulated, or hit a limit (no protein residues,
 * more segments than PDB chain ids). The message names why.
 */
export class PdbRepairError extends PdbDatasetError {
  override name = 'PdbRepairError';
}

/** Outcome of one tried candidate configuration, as kept in errors and provenance. */
export interface CandidateFailure {
  readonly candidate: string;
  readonly stage: string;
  readonly reason: string;
}

/**
 * No candidate configuration prepared, minimised and stayed stable in the short NVT run.
 * `attempts` lists every candidate tried with the stage that failed and why.
 */
export class NoStableConfigurationError extends PdbDatasetError {
  override name = 'NoStableConfigurationError';
  readonly attempts: readonly CandidateFailure[];
  constructor(
    id: string,
    attempts: readonly CandidateFailure[],
    options: PdbDatasetErrorOptions = {},
  ) {
    const reasons = [...new Set(attempts.map((a) => `${a.stage}: ${a.reason}`))].slice(0, 3);
    super(
      'NO_STABLE_CONFIGURATION',
      `no stable configuration for ${id} after ${attempts.length} candidate(s); ${reasons.join('; ')}`,
      { ...options, details: { id, attempts: attempts.length, ...(options.details ?? {}) } },
    );
    this.attempts = attempts;
  }
}

/** A cached preparation on disk does not match its recorded hashes; delete the entry to rebuild. */
export class CacheCorruptError extends PdbDatasetError {
  override name = 'CacheCorruptError';
  constructor(message: string, options: PdbDatasetErrorOptions = {}) {
    super('CACHE_CORRUPT', message, options);
  }
}

/** A job specification failed schema validation or its files do not match their sha256. */
export class JobSpecError extends PdbDatasetError {
  override name = 'JobSpecError';
  constructor(message: string, options: PdbDatasetErrorOptions = {}) {
    super('JOB_SPEC_INVALID', message, options);
  }
}
