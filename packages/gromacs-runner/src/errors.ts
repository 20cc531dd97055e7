/**
 * Every failure of this package is a {@link GromacsError} with a string-literal `code`, the
 * `details` a caller needs (subcommand, exit code, file, field) and the original `cause`.
 * Subclasses exist where a caller reacts differently (fix the structure, try another force field,
 * resume later, install GROMACS).
 */
export type RunnerErrorCode =
  | 'GMX_NOT_FOUND'
  | 'GMX_FAILED'
  | 'GROMPP_WARNINGS'
  | 'PDB2GMX_MISSING_ATOM'
  | 'PDB2GMX_UNKNOWN_RESIDUE'
  | 'PDB2GMX_UNEXPECTED_ATOM'
  | 'UNKNOWN_FORCE_FIELD'
  | 'ABORTED'
  | 'TIMEOUT'
  | 'INVALID_INPUT'
  | 'INVALID_MDP'
  | 'EDR_FORMAT'
  | 'TRR_FORMAT'
  | 'PARSE_FAILED'
  | 'RUN_STATE_MISMATCH'
  | 'RUN_LOCKED'
  | 'GPU_UNAVAILABLE';

/** Options shared by every error constructor. */
export interface GromacsErrorOptions {
  readonly details?: Readonly<Record<string, unknown>>;
  readonly cause?: unknown;
}

/** Base class of every error this package throws. */
export class GromacsError extends Error {
  override name = 'GromacsError';
  readonly code: RunnerErrorCode;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: RunnerErrorCode, message: string, options?: GromacsErrorOptions) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = Object.freeze({ ...(options?.details ?? {}) });
  }
}

/** The `gmx` binary could not be started (not installed, not on PATH, or `gmxPath` is wrong). */
export class GmxNotFoundError extends GromacsError {
  override name = 'GmxNotFoundError';
  constructor(gmxPath: string, options?: { cause?: unknown }) {
    super(
      'GMX_NOT_FOUND',
      `GROMACS binary '${gmxPath}' was not found or cannot be executed. Install GROMACS 2022 ` +
        `(Debian/Ubuntu: apt-get install gromacs), or point the runner at a build with the ` +
        `gmxPath option or the FOLD_GMX environment variable (e.g. FOLD_GMX=/opt/gromacs/bin/gmx).`,
      { details: { gmxPath }, cause: options?.cause },
    );
  }
}

/** What a failed `gmx` invocation left behind; shared by {@link GmxCommandError} and subclasses. */
export interface GmxFailure {
  /** The gmx subcommand, e.g. `grompp`. */
  readonly subcommand: string;
  /** The argument array after the subcommand (never a shell string). */
  readonly args: readonly string[];
  /** Process exit code; null when the process was ended by a signal. */
  readonly exitCode: number | null;
  /** The signal that ended the process, if any. */
  readonly signal: string | null;
  /** The heading of GROMACS's error block (`Fatal error`, `Inconsistency in user input`, ...). */
  readonly fatalKind: string | null;
  /** The text of GROMACS's error block, lines joined with spaces; null when none was printed. */
  readonly fatalError: string | null;
  /** The last lines of stderr, for logs. */
  readonly stderrTail: string;
  /** The working directory of the run. */
  readonly cwd: string;
}

/** A `gmx` subcommand exited non-zero or was killed. */
export class GmxCommandError extends GromacsError {
  override name = 'GmxCommandError';
  readonly subcommand: string;
  readonly exitCode: number | null;
  readonly fatalError: string | null;

  constructor(failure: GmxFailure, options?: { code?: RunnerErrorCode; message?: string }) {
    const how =
      failure.exitCode === null
        ? `was killed by ${failure.signal ?? 'a signal'}`
        : `exited with code ${failure.exitCode}`;
    const message =
      options?.message ??
      `gmx ${failure.subcommand} ${how}` +
        (failure.fatalError
          ? `: ${failure.fatalError}`
          : failure.stderrTail
            ? `; stderr ends with: ${lastLine(failure.stderrTail)}`
            : '');
    super(options?.code ?? 'GMX_FAILED', message, { details: { ...failure } });
    this.subcommand = failure.subcommand;
    this.exitCode = failure.exitCode;
    this.fatalError = failure.fatalError;
  }
}

function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] ?? '';
}

/** grompp stopped because of warnings; `warnings` holds their texts. Raise `maxWarnings` only if they are understood. */
export class GromppWarningsError extends GmxCommandError {
  override name = 'GromppWarningsError';
  readonly warnings: readonly string[];
  constructor(failure: GmxFailure, warnings: readonly string[]) {
    super(failure, {
      code: 'GROMPP_WARNINGS',
      message:
        `gmx grompp stopped on ${warnings.length} warning(s): ` +
        warnings.map((w, i) => `(${i + 1}) ${w}`).join(' ') +
        ' Fix the inputs, or allow them explicitly with maxWarnings.',
    });
    this.warnings = warnings;
  }
}

/** Base of pdb2gmx failures that name a residue of the input structure. */
export class Pdb2gmxError extends GmxCommandError {
  override name = 'Pdb2gmxError';
  /** Residue name as in the input, e.g. `ARG`. */
  readonly residueName: string;
  /** Residue number as pdb2gmx reports it (the input's residue sequence number); null if not given. */
  readonly residueNumber: number | null;
  constructor(
    failure: GmxFailure,
    code: RunnerErrorCode,
    message: string,
    residue: { residueName: string; residueNumber: number | null },
  ) {
    super(failure, { code, message });
    this.residueName = residue.residueName;
    this.residueNumber = residue.residueNumber;
  }
}

/** pdb2gmx found a residue lacking an atom its force-field entry needs (`atomName` null for an incomplete ring). */
export class Pdb2gmxMissingAtomError extends Pdb2gmxError {
  override name = 'Pdb2gmxMissingAtomError';
  readonly atomName: string | null;
  constructor(
    failure: GmxFailure,
    where: { residueName: string; residueNumber: number | null; atomName: string | null },
  ) {
    super(
      failure,
      'PDB2GMX_MISSING_ATOM',
      `pdb2gmx: residue ${where.residueName}${where.residueNumber ?? ''} is missing ` +
        (where.atomName ? `atom ${where.atomName}` : 'atoms of its ring') +
        '; rebuild the missing atoms (or drop the entry) before preparing it.',
      where,
    );
    this.atomName = where.atomName;
  }
}

/** pdb2gmx does not know a residue (ligand, modified residue, typo) in the chosen force field. */
export class Pdb2gmxUnknownResidueError extends Pdb2gmxError {
  override name = 'Pdb2gmxUnknownResidueError';
  constructor(failure: GmxFailure, where: { residueName: string; residueNumber: number | null }) {
    super(
      failure,
      'PDB2GMX_UNKNOWN_RESIDUE',
      `pdb2gmx: residue ${where.residueName}${where.residueNumber ?? ''} is not in the force ` +
        'field; remove or rename it (HETATM ligands and modified residues need their own topology).',
      where,
    );
  }
}

/** pdb2gmx found an atom that the residue's force-field entry does not have (often hydrogen naming). */
export class Pdb2gmxUnexpectedAtomError extends Pdb2gmxError {
  override name = 'Pdb2gmxUnexpectedAtomError';
  readonly atomName: string;
  constructor(
    failure: GmxFailure,
    where: { residueName: string; residueNumber: number | null; atomName: string },
  ) {
    super(
      failure,
      'PDB2GMX_UNEXPECTED_ATOM',
      `pdb2gmx: atom ${where.atomName} of residue ${where.residueName}${where.residueNumber ?? ''} ` +
        'is not in the force field entry; rename it, or drop hydrogens (ignoreHydrogens).',
      where,
    );
    this.atomName = where.atomName;
  }
}

/** The force field asked for is not installed with this GROMACS (nor under GMXLIB). */
export class UnknownForceFieldError extends GmxCommandError {
  override name = 'UnknownForceFieldError';
  constructor(failure: GmxFailure, forceField: string) {
    super(failure, {
      code: 'UNKNOWN_FORCE_FIELD',
      message: `force field '${forceField}' is not installed with this GROMACS (looked in its data directory and GMXLIB).`,
    });
  }
}

/** The operation was cancelled through its AbortSignal; a stage stopped this way can be resumed. */
export class GmxAbortedError extends GromacsError {
  override name = 'GmxAbortedError';
  constructor(message: string, options?: GromacsErrorOptions) {
    super('ABORTED', message, options);
  }
}

/** A gmx command ran past its `timeoutMs` and was stopped. */
export class GmxTimeoutError extends GromacsError {
  override name = 'GmxTimeoutError';
  constructor(message: string, options?: GromacsErrorOptions) {
    super('TIMEOUT', message, options);
  }
}

/** An argument (file name, group, parameter) was refused before anything ran. */
export class InvalidInputError extends GromacsError {
  override name = 'InvalidInputError';
  constructor(field: string, message: string, options?: GromacsErrorOptions) {
    super('INVALID_INPUT', `${field}: ${message}`, {
      details: { field, ...(options?.details ?? {}) },
      cause: options?.cause,
    });
  }
}

/** An mdp parameter set is invalid: unknown option, bad value, duplicate after normalisation. */
export class MdpError extends GromacsError {
  override name = 'MdpError';
  constructor(key: string, message: string, options?: GromacsErrorOptions) {
    super('INVALID_MDP', `mdp option '${key}': ${message}`, {
      details: { key, ...(options?.details ?? {}) },
      cause: options?.cause,
    });
  }
}

/** An .edr energy file is not in the format this reader understands (or is corrupt). */
export class EdrFormatError extends GromacsError {
  override name = 'EdrFormatError';
  constructor(message: string, details: { file?: string; offset: number }) {
    super('EDR_FORMAT', message, { details });
  }
}

/** A `.trr` trajectory is malformed, truncated or over a limit (`details.file`, `details.offset`). */
export class TrrFormatError extends GromacsError {
  override name = 'TrrFormatError';
  constructor(message: string, details: { file?: string; offset: number }) {
    super('TRR_FORMAT', message, { details });
  }
}

/** GROMACS output (log, dump, version text) did not have the expected shape. */
export class GmxParseError extends GromacsError {
  override name = 'GmxParseError';
  constructor(message: string, options?: GromacsErrorOptions) {
    super('PARSE_FAILED', message, options);
  }
}

/** A work directory holds a run of different inputs or parameters: use a fresh directory. */
export class RunStateMismatchError extends GromacsError {
  override name = 'RunStateMismatchError';
  constructor(workDir: string, message: string, details?: Readonly<Record<string, unknown>>) {
    super('RUN_STATE_MISMATCH', message, { details: { workDir, ...(details ?? {}) } });
  }
}

/** Another live process is running stages in this work directory. */
export class RunLockedError extends GromacsError {
  override name = 'RunLockedError';
  constructor(workDir: string, ownerPid: number) {
    super(
      'RUN_LOCKED',
      `work directory ${workDir} is in use by process ${ownerPid}; wait for it or stop it first.`,
      { details: { workDir, ownerPid } },
    );
  }
}

/** GPU offload was required but the GROMACS build or the machine has no usable GPU. */
export class GpuUnavailableError extends GromacsError {
  override name = 'GpuUnavailableError';
  constructor(message: string, details?: Readonly<Record<string, unknown>>) {
    super('GPU_UNAVAILABLE', message, details ? { details } : undefined);
  }
}
