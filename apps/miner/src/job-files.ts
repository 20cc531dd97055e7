import { randomBytes } from 'node:crypto';
import { lstat, mkdir, readdir, readFile, rename, rm } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import {
  checkTopologyIncludes,
  GromacsError,
  readGroSummary,
  writeFileAtomic,
} from '@fold/gromacs-runner';
import {
  type BundleFile,
  ClaimableFramesSchema,
  type SimulationParams,
  writeBundleToDir,
} from '@fold/synapse';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { JobFilesMissingError, JobInputError } from './errors.js';

/** Directory of job directories inside the work directory. */
export const JOBS_DIR = 'jobs';
const INCOMING_PREFIX = '.incoming-';
const META_FILE = 'job.json';
const FETCHED_FILE = 'fetched.json';
const FINALIZED_PREFIX = 'finalized-';
const MAX_META_BYTES = 4 * 1024 * 1024;

/** Where a job's files live. */
export interface JobLayout {
  readonly dir: string;
  /** The input bundle's files, as received. */
  readonly inputsDir: string;
  /** The runner's work directory (stage files, checkpoints, `fold-run.json`). */
  readonly runDir: string;
  /** Extracted best frames. */
  readonly framesDir: string;
  readonly metaPath: string;
  readonly fetchedPath: string;
}

const ASSIGNMENT_ID = /^[1-9A-HJ-NP-Za-km-z]{46,48}\.[A-Za-z0-9_-]{1,128}$/;

/**
 * The layout of a job's directory: `<workDir>/jobs/<assignment id>/` with `inputs/`, `run/`,
 * `frames/`, `job.json`. Assignment ids are `<SS58 hotkey>.<job id>`, both allowlisted, so they
 * are safe directory names.
 * @throws {JobInputError} for an id outside that shape.
 */
export function jobLayout(workDir: string, assignmentId: string): JobLayout {
  if (!ASSIGNMENT_ID.test(assignmentId)) {
    throw new JobInputError(`${JSON.stringify(assignmentId.slice(0, 200))} is not a job id`, {
      details: { field: 'job_id' },
    });
  }
  const dir = join(resolve(workDir), JOBS_DIR, assignmentId);
  return {
    dir,
    inputsDir: join(dir, 'inputs'),
    runDir: join(dir, 'run'),
    framesDir: join(dir, 'frames'),
    metaPath: join(dir, META_FILE),
    fetchedPath: join(dir, FETCHED_FILE),
  };
}

/** The input files of a job by role. */
export interface JobInputs {
  readonly gro: string;
  readonly top: string;
  readonly itps: readonly string[];
}

/**
 * Sorts an input bundle into its coordinates (exactly one `.gro`), topology (exactly one `.top`)
 * and includes (`.itp`), and checks that the topology includes only those includes and
 * force-field files. Pure.
 * @throws {JobInputError} for other files, a missing or second structure or topology, or an
 *   include the bundle does not hold.
 */
export function classifyInputs(files: readonly BundleFile[]): JobInputs {
  const byExt = (ext: string) => files.filter((f) => f.name.endsWith(ext)).map((f) => f.name);
  const gros = byExt('.gro');
  const tops = byExt('.top');
  const itps = byExt('.itp');
  const others = files.filter(
    (f) => !f.name.endsWith('.gro') && !f.name.endsWith('.top') && !f.name.endsWith('.itp'),
  );
  if (others.length > 0) {
    throw new JobInputError(
      `the input bundle may hold .gro, .top and .itp files only, not ${others[0]?.name}`,
      { details: { field: 'input_bundle', file: others[0]?.name } },
    );
  }
  if (gros.length !== 1 || tops.length !== 1) {
    throw new JobInputError(
      `the input bundle needs exactly one .gro and one .top file (got ${gros.length} and ${tops.length})`,
      { details: { field: 'input_bundle' } },
    );
  }
  const [gro, top] = [gros[0] as string, tops[0] as string];
  const includes: string[] = [];
  try {
    for (const file of files) {
      if (file.name.endsWith('.top') || file.name.endsWith('.itp')) {
        includes.push(
          ...checkTopologyIncludes(Buffer.from(file.bytes).toString('utf8'), file.name),
        );
      }
    }
  } catch (error) {
    if (!(error instanceof GromacsError)) throw error;
    throw new JobInputError(error.message, {
      details: { field: 'input_bundle', ...error.details },
      cause: error,
    });
  }
  const missing = includes.filter((name) => !itps.includes(name));
  if (missing.length > 0) {
    throw new JobInputError(`the topology includes ${missing.join(', ')}, not in the bundle`, {
      details: { field: 'input_bundle', file: missing[0] },
    });
  }
  return { gro, top, itps };
}

/**
 * The number of atoms in the bundle's coordinates.
 * @throws {JobInputError} when the .gro file is not one.
 */
export function atomCountOf(files: readonly BundleFile[], gro: string): number {
  const file = files.find((f) => f.name === gro);
  try {
    return readGroSummary(Buffer.from(file?.bytes ?? new Uint8Array()).toString('latin1'))
      .atomCount;
  } catch (error) {
    throw new JobInputError(`${gro} is not a .gro file: ${(error as Error).message}`, {
      details: { field: 'input_bundle', file: gro },
      cause: error,
    });
  }
}

const MetaSchema = Type.Object(
  {
    version: Type.Literal(1),
    assignmentId: Type.String({ pattern: ASSIGNMENT_ID.source }),
    params: Type.Record(Type.String(), Type.Unknown()),
    seed: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
    inputs: Type.Object({
      gro: Type.String({ maxLength: 100 }),
      top: Type.String({ maxLength: 100 }),
      itps: Type.Array(Type.String({ maxLength: 100 }), { maxItems: 64 }),
    }),
    atomCount: Type.Integer({ minimum: 0 }),
    inputBytes: Type.Integer({ minimum: 0 }),
    estimateBytes: Type.Integer({ minimum: 0 }),
    /** The frame interval floor the job was planned with (the plan must not change on resume). */
    minFrameIntervalSteps: Type.Integer({ minimum: 0 }),
    /** The frames the validator can verify (absent: any frame). */
    claimable: Type.Optional(Type.Array(ClaimableFramesSchema, { maxItems: 4 })),
  },
  { additionalProperties: false },
);

/** What the miner keeps beside a job's files: the parameters as received and what it admitted. */
export type JobMeta = Omit<Static<typeof MetaSchema>, 'params'> & {
  readonly params: SimulationParams;
};

const checkMeta = new Ajv({ strict: false }).compile(MetaSchema);

/**
 * Writes a new job's inputs and meta file into a fresh directory under `jobs/` with a temporary
 * name, so that a half-written job is never taken for a job. {@link commitJobDir} moves it into
 * place. @returns the temporary directory.
 */
export async function stageJobDir(
  workDir: string,
  files: readonly BundleFile[],
  meta: JobMeta,
): Promise<string> {
  const temp = join(
    resolve(workDir),
    JOBS_DIR,
    `${INCOMING_PREFIX}${randomBytes(8).toString('hex')}`,
  );
  await mkdir(join(temp, 'inputs'), { recursive: true });
  try {
    await writeBundleToDir(join(temp, 'inputs'), files);
    await mkdir(join(temp, 'run'));
    await mkdir(join(temp, 'frames'));
    await writeFileAtomic(join(temp, META_FILE), `${JSON.stringify(meta)}\n`);
  } catch (error) {
    await rm(temp, { recursive: true, force: true });
    throw error;
  }
  return temp;
}

/** Moves a staged job directory to its place; fails if a directory is already there. */
export async function commitJobDir(staged: string, layout: JobLayout): Promise<void> {
  try {
    await rename(staged, layout.dir);
  } catch (error) {
    await rm(staged, { recursive: true, force: true });
    throw error;
  }
}

/**
 * Reads and checks a job's meta file.
 * @throws {JobFilesMissingError} when the job's directory or meta file is gone or unreadable.
 */
export async function readJobMeta(layout: JobLayout): Promise<JobMeta> {
  let text: string;
  try {
    const info = await lstat(layout.metaPath);
    if (!info.isFile() || info.size > MAX_META_BYTES) throw new Error('not a plain meta file');
    text = await readFile(layout.metaPath, 'utf8');
  } catch (error) {
    throw new JobFilesMissingError(`job files of ${layout.dir} are missing`, {
      details: { file: layout.metaPath },
      cause: error,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new JobFilesMissingError(`${layout.metaPath} is not JSON`, { cause: error });
  }
  if (!checkMeta(parsed)) {
    throw new JobFilesMissingError(`${layout.metaPath} is not a job meta file`, {
      details: { file: layout.metaPath, error: checkMeta.errors?.[0]?.message },
    });
  }
  return parsed as JobMeta;
}

/** Records that the validator fetched the job's artefacts (the first time only). */
export async function markFetched(layout: JobLayout, nowMs: number): Promise<void> {
  if ((await fetchedAt(layout)) !== undefined) return;
  await writeFileAtomic(layout.fetchedPath, `${JSON.stringify({ fetchedAtMs: nowMs })}\n`);
}

/** When the validator first fetched the job's artefacts, or undefined. */
export async function fetchedAt(layout: JobLayout): Promise<number | undefined> {
  try {
    const value = JSON.parse(await readFile(layout.fetchedPath, 'utf8')) as {
      fetchedAtMs?: unknown;
    };
    return typeof value.fetchedAtMs === 'number' ? value.fetchedAtMs : undefined;
  } catch {
    return undefined;
  }
}

/** The marker of a stage whose best frame was settled and whose trajectory was removed. */
export function finalizedMarker(layout: JobLayout, stage: string): string {
  return join(layout.framesDir, `${FINALIZED_PREFIX}${stage}`);
}

/** Bytes under a directory (regular files; links are not followed). 0 when it is gone. */
export async function dirSizeBytes(dir: string): Promise<number> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0;
    throw error;
  }
  let total = 0;
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) total += await dirSizeBytes(path);
    else if (entry.isFile()) {
      try {
        total += (await lstat(path)).size;
      } catch (error) {
        // Files come and go while mdrun and the purge run (temporary checkpoints).
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
      }
    }
  }
  return total;
}

/** A directory under `jobs/`: a job's (by assignment id) or a staged one. */
export interface JobDirEntry {
  readonly name: string;
  readonly path: string;
  /** The assignment id, or undefined for a staged (incoming) directory. */
  readonly assignmentId: string | undefined;
  readonly modifiedMs: number;
}

/** The directories under `<workDir>/jobs`. */
export async function listJobDirs(workDir: string): Promise<JobDirEntry[]> {
  const root = join(resolve(workDir), JOBS_DIR);
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(root, { withFileTypes: true });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
  const out: JobDirEntry[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const path = join(root, entry.name);
    const info = await lstat(path).catch(() => undefined);
    if (info === undefined) continue;
    out.push({
      name: entry.name,
      path,
      assignmentId: ASSIGNMENT_ID.test(entry.name) ? entry.name : undefined,
      modifiedMs: info.mtimeMs,
    });
  }
  return out;
}

/**
 * Removes a job's directory, refusing any path that is not directly under `<workDir>/jobs`.
 */
export async function removeJobDir(workDir: string, path: string): Promise<void> {
  const root = join(resolve(workDir), JOBS_DIR);
  const rel = relative(root, resolve(path));
  if (rel === '' || rel.startsWith('..') || rel.includes(sep)) {
    throw new Error(`refusing to remove ${path}: not a job directory under ${root}`);
  }
  await rm(path, { recursive: true, force: true });
}
