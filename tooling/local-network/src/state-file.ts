import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { StateFileError } from './errors.js';

/** Name of the state file inside a network's directory. */
export const STATE_FILE = 'network.json';
const MAX_STATE_BYTES = 256 * 1024;

const Pid = Type.Integer({ minimum: 2, maximum: 2 ** 22 });
const Port = Type.Integer({ minimum: 1, maximum: 65_535 });
const Path = Type.String({ minLength: 1, maxLength: 4096 });
const Ss58 = Type.String({ pattern: '^[1-9A-HJ-NP-Za-km-z]{46,48}$' });
const LoopbackUrl = (scheme: string) =>
  Type.String({ pattern: `^${scheme}://127\\.0\\.0\\.1:[0-9]{1,5}$` });

const CliProcessSchema = Type.Object({
  name: Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' }),
  pid: Pid,
  /** The CLI it runs: a pid is only trusted while its command line still names it. */
  script: Path,
  hotkey: Ss58,
  uid: Type.Integer({ minimum: 0, maximum: 65_535 }),
  logPath: Path,
  workDir: Path,
});

/** What a running local network is: written once everything runs, read by `status` and `down`. */
export const NetworkStateSchema = Type.Object(
  {
    version: Type.Literal(1),
    name: Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' }),
    dir: Path,
    startedAt: Type.String({ maxLength: 64 }),
    /** The process that started it and stops it when it ends, or null for a detached network. */
    ownerPid: Type.Union([Pid, Type.Null()]),
    netuid: Type.Integer({ minimum: 0, maximum: 65_535 }),
    chain: Type.Object({
      pid: Pid,
      endpoint: LoopbackUrl('ws'),
      httpEndpoint: LoopbackUrl('http'),
      stateDir: Path,
    }),
    redis: Type.Object({
      pid: Pid,
      url: Type.String({ pattern: '^redis://127\\.0\\.0\\.1:[0-9]{1,5}$' }),
      dataDir: Path,
    }),
    validator: Type.Intersect([
      CliProcessSchema,
      Type.Object({
        apiUrl: LoopbackUrl('http'),
        metricsUrl: Type.String({ pattern: '^http://127\\.0\\.0\\.1:[0-9]{1,5}/metrics$' }),
        dashboardUrl: Type.Union([Type.String({ maxLength: 200 }), Type.Null()]),
        token: Type.String({ minLength: 16, maxLength: 256, pattern: '^[\\x21-\\x7e]+$' }),
      }),
    ]),
    miners: Type.Array(
      Type.Intersect([
        CliProcessSchema,
        Type.Object({ axonIp: Type.String({ pattern: '^127\\.[0-9.]{5,11}$' }), axonPort: Port }),
      ]),
      { minItems: 1, maxItems: 16 },
    ),
  },
  { additionalProperties: false },
);

/** {@link NetworkStateSchema}. */
export type NetworkState = Static<typeof NetworkStateSchema>;

const ajv = new Ajv({ allErrors: false, strict: false });
const checkState = ajv.compile<NetworkState>(NetworkStateSchema);

/** The state file of the network in `dir`. */
export function stateFilePath(dir: string): string {
  return join(dir, STATE_FILE);
}

/**
 * Parses and validates a state file's text.
 * @throws {StateFileError} when it is not JSON or not a network's state
 */
export function parseNetworkState(text: string, file: string): NetworkState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new StateFileError(`${file} is not JSON: remove it`, file, cause);
  }
  if (!checkState(value)) {
    const error = checkState.errors?.[0];
    throw new StateFileError(
      `${file} does not describe a local network (${error?.instancePath || '/'} ${error?.message ?? 'is invalid'}): remove it`,
      file,
    );
  }
  return value;
}

/**
 * Reads the state of the network in `dir`, or undefined when it has none.
 * @throws {StateFileError} when the file is too large, unreadable or invalid
 */
export async function readNetworkState(dir: string): Promise<NetworkState | undefined> {
  const file = stateFilePath(dir);
  try {
    const info = await stat(file);
    if (info.size > MAX_STATE_BYTES) {
      throw new StateFileError(`${file} is over ${MAX_STATE_BYTES} bytes: remove it`, file);
    }
    return parseNetworkState(await readFile(file, 'utf8'), file);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    if (error instanceof StateFileError) throw error;
    throw new StateFileError(`cannot read ${file}: ${(error as Error).message}`, file, error);
  }
}

/** Writes the state file atomically (temporary name in the same directory, then rename). */
export async function writeNetworkState(state: NetworkState): Promise<void> {
  const file = stateFilePath(state.dir);
  await mkdir(dirname(file), { recursive: true });
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}

/** Removes the state file of the network in `dir` (nothing when it has none). */
export async function removeNetworkState(dir: string): Promise<void> {
  await rm(stateFilePath(dir), { force: true });
}

/** Name of the list of started parts inside a network's directory. */
export const PARTS_FILE = 'parts.json';

/**
 * One part of a network as it is recorded the moment it starts, so that whatever started can be
 * stopped even when the process that started it died half-way.
 */
export const StartedPartSchema = Type.Union([
  Type.Object(
    { kind: Type.Literal('process'), name: Type.String({ maxLength: 64 }), pid: Pid, script: Path },
    { additionalProperties: false },
  ),
  Type.Object({ kind: Type.Literal('redis'), dataDir: Path }, { additionalProperties: false }),
  Type.Object({ kind: Type.Literal('chain'), stateDir: Path }, { additionalProperties: false }),
]);
/** {@link StartedPartSchema}. */
export type StartedPart = Static<typeof StartedPartSchema>;

const PartsSchema = Type.Array(StartedPartSchema, { maxItems: 64 });
const checkParts = ajv.compile<StartedPart[]>(PartsSchema);

/**
 * The parts recorded in `dir`, oldest first (empty when there is no record).
 * @throws {StateFileError} when the record is unreadable or invalid
 */
export async function readStartedParts(dir: string): Promise<StartedPart[]> {
  const file = join(dir, PARTS_FILE);
  let text: string;
  try {
    const info = await stat(file);
    if (info.size > MAX_STATE_BYTES) {
      throw new StateFileError(`${file} is over ${MAX_STATE_BYTES} bytes: remove it`, file);
    }
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return [];
    if (error instanceof StateFileError) throw error;
    throw new StateFileError(`cannot read ${file}: ${(error as Error).message}`, file, error);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new StateFileError(`${file} is not JSON: remove it`, file, cause);
  }
  if (!checkParts(value)) {
    throw new StateFileError(`${file} is not a list of started parts: remove it`, file);
  }
  return value;
}

/** Records the parts started so far (atomic rewrite of the whole list). */
export async function writeStartedParts(dir: string, parts: readonly StartedPart[]): Promise<void> {
  await mkdir(dir, { recursive: true });
  const file = join(dir, PARTS_FILE);
  const temporary = `${file}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(parts, null, 2)}\n`, { mode: 0o600 });
  await rename(temporary, file);
}

/** Removes the record of started parts. */
export async function removeStartedParts(dir: string): Promise<void> {
  await rm(join(dir, PARTS_FILE), { force: true });
}
