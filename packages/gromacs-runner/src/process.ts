import { open } from 'node:fs/promises';
import { resolve } from 'node:path';
import { execa } from 'execa';
import {
  GmxAbortedError,
  GmxCommandError,
  type GmxFailure,
  GmxNotFoundError,
  GmxTimeoutError,
  GromppWarningsError,
  Pdb2gmxMissingAtomError,
  Pdb2gmxUnexpectedAtomError,
  Pdb2gmxUnknownResidueError,
  UnknownForceFieldError,
} from './errors.js';
import { classifyPdb2gmxError, parseFatalError, parseGromppWarnings } from './fatal-error.js';

/** The gmx subcommands this package runs. */
export type GmxSubcommand =
  | 'pdb2gmx'
  | 'editconf'
  | 'solvate'
  | 'grompp'
  | 'genion'
  | 'mdrun'
  | 'trjconv'
  | 'energy'
  | 'dump'
  | 'check';

const SUBCOMMANDS: ReadonlySet<string> = new Set<GmxSubcommand>([
  'pdb2gmx',
  'editconf',
  'solvate',
  'grompp',
  'genion',
  'mdrun',
  'trjconv',
  'energy',
  'dump',
  'check',
]);

/** How to find and start GROMACS. */
export interface GmxOptions {
  /**
   * The gmx binary: a path or a name looked up on PATH. Defaults to the `FOLD_GMX` environment
   * variable, then `gmx`. Point it at a CUDA build (e.g. `/opt/gromacs-cuda/bin/gmx`) to use GPUs.
   */
  readonly gmxPath?: string;
  /** Extra environment for every gmx process (e.g. `GMXLIB` for additional force fields). */
  readonly env?: Readonly<Record<string, string>>;
  /** Default grace between SIGTERM and SIGKILL when a run is cancelled, in ms (default 20,000). */
  readonly killGraceMs?: number;
}

/** Per-call options of every gmx subcommand. */
export interface GmxCallOptions {
  /** Working directory of the run; relative file names are resolved against it. */
  readonly cwd: string;
  /** Cancels the run: SIGTERM (mdrun then writes a checkpoint), SIGKILL after `killGraceMs`. */
  readonly signal?: AbortSignal;
  /** Wall-clock limit in ms; the process is stopped like a cancellation when it is reached. */
  readonly timeoutMs?: number;
  /** Grace between SIGTERM and SIGKILL in ms; overrides the {@link GmxOptions} default. */
  readonly killGraceMs?: number;
  /** Called with the process id as soon as gmx has started. */
  readonly onSpawn?: (pid: number) => void;
  /**
   * Send stderr to this file (relative to `cwd`, truncated first) instead of a pipe, and discard
   * stdout. A process writing to a pipe dies of SIGPIPE once its parent is gone; with a file, an
   * mdrun whose runner was killed keeps running until the next runner stops it cleanly. The file
   * is read back for error reports.
   */
  readonly stderrFile?: string;
}

/** Low-level call options: {@link GmxCallOptions} plus what goes to stdin. */
export interface GmxExecOptions extends GmxCallOptions {
  /** Text written to stdin, then stdin is closed (default: closed at once, so prompts fail fast). */
  readonly input?: string;
  /** Largest stdout or stderr kept, in bytes (default 512 MiB; `gmx dump` of big systems is large). */
  readonly maxBufferBytes?: number;
}

/** Output of a successful gmx run. */
export interface GmxExecResult {
  readonly subcommand: string;
  readonly args: readonly string[];
  readonly stdout: string;
  readonly stderr: string;
  readonly durationMs: number;
}

/** The binary the runner uses when none is given: `FOLD_GMX`, else `gmx` on PATH. */
export function resolveGmxPath(gmxPath?: string): string {
  const chosen = gmxPath ?? process.env.FOLD_GMX ?? 'gmx';
  if (chosen.length === 0) return 'gmx';
  return chosen;
}

async function readTail(path: string, maxBytes: number): Promise<string> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch {
    // Never created: the process did not start; its failure is reported from the exit status.
    return '';
  }
  try {
    const size = (await handle.stat()).size;
    const length = Math.min(size, maxBytes);
    const buffer = Buffer.alloc(length);
    await handle.read(buffer, 0, length, size - length);
    return buffer.toString('utf8');
  } finally {
    await handle.close();
  }
}

function tail(text: string, lines: number): string {
  return text.split(/\r?\n/).slice(-lines).join('\n');
}

/**
 * Turns a failed run into the most specific error: pdb2gmx structure problems, grompp warnings, an
 * unknown force field, or a {@link GmxCommandError} carrying GROMACS's error text.
 */
export function errorForFailure(
  failure: GmxFailure,
  context?: { forceField?: string },
): GmxCommandError {
  const message = failure.fatalError ?? '';
  if (failure.subcommand === 'pdb2gmx' && message) {
    const problem = classifyPdb2gmxError(message);
    switch (problem?.kind) {
      case 'missing-atom':
        return new Pdb2gmxMissingAtomError(failure, problem);
      case 'unknown-residue':
        return new Pdb2gmxUnknownResidueError(failure, problem);
      case 'unexpected-atom':
        return new Pdb2gmxUnexpectedAtomError(failure, problem);
      case 'unknown-force-field':
        return new UnknownForceFieldError(failure, context?.forceField ?? problem.forceField);
      default:
        break;
    }
  }
  if (failure.subcommand === 'grompp' && /Too many warnings/.test(message)) {
    return new GromppWarningsError(failure, parseGromppWarnings(failure.stderrTail));
  }
  return new GmxCommandError(failure);
}

/**
 * Starts GROMACS processes: argument arrays only (never a shell), `GMX_MAXBACKUP=-1` so that reruns
 * overwrite instead of leaving `#file.1#` backups, stdin closed unless text is given, cancellation
 * by SIGTERM then SIGKILL.
 */
export class GmxProcess {
  /** The binary that is started. */
  readonly path: string;
  readonly #env: Readonly<Record<string, string>>;
  readonly #killGraceMs: number;

  constructor(options: GmxOptions = {}) {
    this.path = resolveGmxPath(options.gmxPath);
    this.#env = options.env ?? {};
    this.#killGraceMs = options.killGraceMs ?? 20_000;
  }

  /**
   * Runs `gmx <subcommand> ...args` (or `gmx ...args` when subcommand is null).
   * @throws {GmxNotFoundError} when the binary cannot be started.
   * @throws {GmxAbortedError} when `signal` aborted the run.
   * @throws {GmxTimeoutError} when `timeoutMs` passed.
   * @throws {GmxCommandError} (or a subclass) when gmx exited non-zero or was killed.
   */
  async exec(
    subcommand: GmxSubcommand | null,
    args: readonly string[],
    options: GmxExecOptions,
  ): Promise<GmxExecResult> {
    if (subcommand !== null && !SUBCOMMANDS.has(subcommand)) {
      throw new TypeError(`unsupported gmx subcommand: ${String(subcommand)}`);
    }
    const label = subcommand ?? args[0] ?? 'gmx';
    if (options.signal?.aborted) {
      throw new GmxAbortedError(`gmx ${label} was cancelled before it started`, {
        cause: options.signal.reason,
      });
    }
    const argv = subcommand === null ? [...args] : [subcommand, ...args];
    const started = performance.now();
    const child = execa(this.path, argv, {
      cwd: options.cwd,
      env: { ...this.#env, GMX_MAXBACKUP: '-1' },
      extendEnv: true,
      input: options.input ?? '',
      ...(options.stderrFile
        ? { stdout: 'ignore' as const, stderr: { file: resolve(options.cwd, options.stderrFile) } }
        : {}),
      reject: false,
      stripFinalNewline: false,
      maxBuffer: options.maxBufferBytes ?? 512 * 1024 * 1024,
      ...(options.signal ? { cancelSignal: options.signal } : {}),
      ...(options.timeoutMs !== undefined ? { timeout: options.timeoutMs } : {}),
      killSignal: 'SIGTERM',
      forceKillAfterDelay: options.killGraceMs ?? this.#killGraceMs,
    });
    if (child.pid !== undefined) options.onSpawn?.(child.pid);
    const result = await child;
    const durationMs = performance.now() - started;
    const stdout = typeof result.stdout === 'string' ? result.stdout : '';
    const stderr = options.stderrFile
      ? await readTail(resolve(options.cwd, options.stderrFile), 256 * 1024)
      : typeof result.stderr === 'string'
        ? result.stderr
        : '';
    if (result.failed) {
      const spawnCode = (result as { code?: unknown }).code;
      if (spawnCode === 'ENOENT' || spawnCode === 'EACCES') {
        throw new GmxNotFoundError(this.path, { cause: result });
      }
      const fatal = parseFatalError(stderr);
      const failure: GmxFailure = {
        subcommand: label,
        args: argv.slice(subcommand === null ? 0 : 1),
        exitCode: result.exitCode ?? null,
        signal: result.signal ?? null,
        fatalKind: fatal?.kind ?? null,
        fatalError: fatal?.message ?? null,
        stderrTail: tail(stderr, subcommand === 'grompp' ? 400 : 40),
        cwd: options.cwd,
      };
      if (result.isCanceled) {
        throw new GmxAbortedError(`gmx ${label} was cancelled`, {
          details: { ...failure },
          cause: options.signal?.reason,
        });
      }
      if (result.timedOut) {
        throw new GmxTimeoutError(
          `gmx ${label} ran longer than ${options.timeoutMs} ms and was stopped`,
          {
            details: { ...failure },
          },
        );
      }
      throw errorForFailure(failure);
    }
    return { subcommand: label, args: argv, stdout, stderr, durationMs };
  }
}
