import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, statSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { chainSpecPath } from './shared-data.js';

/** How chopsticks makes blocks: one per submitted extrinsic, batched, or only on `dev_newBlock`. */
export type BuildBlockMode = 'Instant' | 'Batch' | 'Manual';

/** An account given a free balance in the genesis state. */
export interface EndowedAccount {
  /** SS58 address (any network prefix). */
  readonly address: string;
  /** Free balance in rao (1 TAO = 1e9 rao). */
  readonly freeRao: bigint;
}

/** Options of {@link startChopsticks}. */
export interface ChopsticksOptions {
  /** Raw chain spec to run; default {@link chainSpecPath} (`FOLD_CHAIN_SPEC`). */
  readonly specPath?: string;
  /** Loopback port to listen on; 0 or omitted picks a free one. */
  readonly port?: number;
  /** SS58 address written as the `Sudo` key; default //Alice. */
  readonly sudoKey?: string;
  /** Accounts funded at genesis; default //Alice with 1e18 rao. */
  readonly endowed?: readonly EndowedAccount[];
  /** Default `Instant`: a block per submitted extrinsic. */
  readonly buildBlockMode?: BuildBlockMode;
  /** The runtime's own log level, 0 (off) to 5 (trace); default 0. */
  readonly runtimeLogLevel?: number;
  /** How long start-up may take before it fails; default 60 s. */
  readonly startTimeoutMs?: number;
  /**
   * Directory for the generated config and the log. Default: a fresh temporary directory that
   * `stop()` removes. A given directory is kept.
   */
  readonly stateDir?: string;
  /** Let the node outlive this process (the `fold-chain-node start` daemon). Default false. */
  readonly detached?: boolean;
}

/** A running chopsticks node. */
export interface ChopsticksNode {
  /** `ws://127.0.0.1:PORT`, for @polkadot/api. */
  readonly endpoint: string;
  /** `http://127.0.0.1:PORT`: the same JSON-RPC over HTTP POST. */
  readonly httpEndpoint: string;
  readonly port: number;
  readonly pid: number;
  /** The node's combined stdout and stderr. */
  readonly logPath: string;
  readonly configPath: string;
  /** Stops the node (SIGTERM, then SIGKILL after 10 s) and removes a temporary state dir. */
  stop(): Promise<void>;
  /** Kills the node at once (SIGKILL); the state dir stays. */
  kill(): void;
  /** Settles when the process exits, for whatever reason. */
  readonly exited: Promise<{ exitCode: number | null; signal: string | null }>;
}

/** What went wrong starting or talking to chopsticks. */
export type ChopsticksErrorCode =
  | 'CHOPSTICKS_BAD_OPTION'
  | 'CHOPSTICKS_PORT_IN_USE'
  | 'CHOPSTICKS_EXITED'
  | 'CHOPSTICKS_TIMEOUT'
  | 'CHOPSTICKS_RPC_FAILED'
  | 'CHOPSTICKS_NO_BLOCK';

/** Raised by {@link startChopsticks} and {@link chopsticksRpc}. */
export class ChopsticksError extends Error {
  override name = 'ChopsticksError';
  readonly code: ChopsticksErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(
    code: ChopsticksErrorCode,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.code = code;
    this.details = Object.freeze({ ...(options.details ?? {}) });
  }
}

/** //Alice, the well-known development key: sudo and funded by default. */
export const ALICE_ADDRESS = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const DEFAULT_ENDOWMENT_RAO = 10n ** 18n;
const LOOPBACK = '127.0.0.1';
const STOP_GRACE_MS = 10_000;
// Base58 alphabet; an SS58 address is 35 to 50 of these characters for the key sizes in use.
const SS58_PATTERN = /^[1-9A-HJ-NP-Za-km-z]{35,50}$/;
const LISTENING_PATTERN = /RPC listening on http:\/\/([^\s]+):(\d+) and ws:\/\//;
const LOG_TAIL_BYTES = 4_000;

// Nodes started without `detached` die with this process, also when a test run ends abruptly.
const liveChildren = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of liveChildren) child.kill('SIGKILL');
});

/** The chopsticks entry script, resolved from this package's dependencies (no npx wrapper). */
export function chopsticksScriptPath(): string {
  const require = createRequire(import.meta.url);
  // The package's export map hides chopsticks.cjs; it sits at the package root, two levels
  // above the resolved CommonJS entry (dist/cjs/index.js).
  const entry = require.resolve('@acala-network/chopsticks');
  const script = resolve(dirname(entry), '..', '..', 'chopsticks.cjs');
  if (!existsSync(script)) {
    throw new ChopsticksError('CHOPSTICKS_BAD_OPTION', `chopsticks.cjs not found at ${script}`, {
      details: { file: script },
    });
  }
  return script;
}

/**
 * The chopsticks config for a local Subtensor chain: genesis from a raw spec, a Sudo key and
 * funded accounts. Pure; exported for tests and for the CLI's `--print-config`.
 * @throws {ChopsticksError} CHOPSTICKS_BAD_OPTION on an unusable option
 */
export function chopsticksConfig(options: {
  specPath: string;
  port: number;
  buildBlockMode: BuildBlockMode;
  sudoKey: string;
  endowed: readonly EndowedAccount[];
  runtimeLogLevel: number;
}): Record<string, unknown> {
  const { specPath, port, buildBlockMode, sudoKey, endowed, runtimeLogLevel } = options;
  if (!isAbsolute(specPath)) {
    throw badOption(
      'specPath',
      `chain spec path must be absolute, got ${JSON.stringify(specPath)}`,
    );
  }
  // chopsticks runs its config file through lodash's template engine before parsing it, so
  // template delimiters in a path would be evaluated as code.
  if (/\$\{|<%|%>|[\r\n]/.test(specPath)) {
    throw badOption('specPath', 'chain spec path contains template delimiters or line breaks');
  }
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw badOption('port', `port must be an integer in 0..65535, got ${port}`);
  }
  if (!['Instant', 'Batch', 'Manual'].includes(buildBlockMode)) {
    throw badOption('buildBlockMode', `unknown build block mode ${JSON.stringify(buildBlockMode)}`);
  }
  if (!Number.isInteger(runtimeLogLevel) || runtimeLogLevel < 0 || runtimeLogLevel > 5) {
    throw badOption('runtimeLogLevel', `runtime log level must be 0..5, got ${runtimeLogLevel}`);
  }
  checkAddress('sudoKey', sudoKey);
  const accounts = new Map<string, bigint>();
  for (const account of endowed) {
    checkAddress('endowed', account.address);
    if (
      typeof account.freeRao !== 'bigint' ||
      account.freeRao < 0n ||
      account.freeRao >= 2n ** 64n
    ) {
      throw badOption('endowed', `balance of ${account.address} must be a u64 bigint of rao`);
    }
    accounts.set(account.address, account.freeRao);
  }
  return {
    genesis: specPath,
    port,
    host: LOOPBACK,
    'build-block-mode': buildBlockMode,
    'runtime-log-level': runtimeLogLevel,
    'import-storage': {
      Sudo: { Key: sudoKey },
      System: {
        Account: [...accounts].map(([address, free]) => [
          [address],
          { providers: 1, data: { free: free.toString() } },
        ]),
      },
    },
  };
}

/**
 * Starts chopsticks on a raw Subtensor chain spec, as one node process listening on loopback.
 * Resolves once the WebSocket answers and the chain head is at block #1 or later (a block is made
 * with `dev_newBlock` when the start-up block failed, which the runtime's slot check sometimes
 * causes).
 * @throws {MissingSharedDataError} when the default chain spec is missing
 * @throws {ChopsticksError} on a bad option, a busy port, an early exit or a start-up timeout
 */
export async function startChopsticks(options: ChopsticksOptions = {}): Promise<ChopsticksNode> {
  const specPath = resolve(options.specPath ?? chainSpecPath());
  if (!existsSync(specPath) || !statSync(specPath).isFile()) {
    throw badOption('specPath', `chain spec not found at ${specPath}`);
  }
  const requestedPort = options.port ?? 0;
  const config = chopsticksConfig({
    specPath,
    port: requestedPort,
    buildBlockMode: options.buildBlockMode ?? 'Instant',
    sudoKey: options.sudoKey ?? ALICE_ADDRESS,
    endowed: options.endowed ?? [{ address: ALICE_ADDRESS, freeRao: DEFAULT_ENDOWMENT_RAO }],
    runtimeLogLevel: options.runtimeLogLevel ?? 0,
  });
  if (requestedPort !== 0 && !(await portIsFree(requestedPort))) {
    throw new ChopsticksError(
      'CHOPSTICKS_PORT_IN_USE',
      `port ${requestedPort} on ${LOOPBACK} is in use: pick another or omit the port`,
      { details: { port: requestedPort } },
    );
  }
  const script = chopsticksScriptPath();
  const ownsStateDir = options.stateDir === undefined;
  const stateDir = options.stateDir
    ? resolve(options.stateDir)
    : await mkdtemp(join(tmpdir(), 'fold-chopsticks-'));
  await mkdir(stateDir, { recursive: true });
  const configPath = join(stateDir, 'chopsticks.yml');
  const logPath = join(stateDir, 'chopsticks.log');
  // JSON is valid YAML, and needs no YAML writer.
  await writeFile(configPath, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });

  const detached = options.detached ?? false;
  // node:child_process rather than execa: execa pipes file outputs through this process, and a
  // detached node must write its log itself after this process has gone. No shell either way.
  const logFd = openSync(logPath, 'a');
  let child: ChildProcess;
  try {
    child = spawn(process.execPath, [script, `--config=${configPath}`], {
      stdio: ['ignore', logFd, logFd],
      env: chopsticksEnv(),
      detached,
      shell: false,
    });
  } finally {
    closeSync(logFd);
  }
  let exited: { exitCode: number | null; signal: string | null } | undefined;
  let spawnError: Error | undefined;
  const exitPromise = new Promise<void>((resolveExit) => {
    child.once('exit', (exitCode, signal) => {
      exited = { exitCode, signal };
      liveChildren.delete(child);
      resolveExit();
    });
    child.once('error', (error) => {
      exited = { exitCode: null, signal: null };
      spawnError = error;
      liveChildren.delete(child);
      resolveExit();
    });
  });
  const pid = child.pid;
  if (detached) child.unref();
  else liveChildren.add(child);

  const removeState = async () => {
    if (ownsStateDir) await rm(stateDir, { recursive: true, force: true });
  };
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
      await exitPromise;
      clearTimeout(timer);
    }
    await removeState();
  };
  if (pid === undefined) {
    await exitPromise;
    await removeState();
    throw new ChopsticksError('CHOPSTICKS_EXITED', `node could not run ${script}`, {
      details: { command: script },
      cause: spawnError,
    });
  }

  try {
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    const port = await waitForListening(logPath, deadline, () => exited, timeoutMs);
    if (requestedPort !== 0 && port !== requestedPort) {
      throw new ChopsticksError(
        'CHOPSTICKS_PORT_IN_USE',
        `chopsticks moved from the busy port ${requestedPort} to ${port}`,
        { details: { port: requestedPort, actualPort: port } },
      );
    }
    const httpEndpoint = `http://${LOOPBACK}:${port}`;
    await ensureFirstBlock(httpEndpoint);
    return {
      endpoint: `ws://${LOOPBACK}:${port}`,
      httpEndpoint,
      port,
      pid,
      logPath,
      configPath,
      stop,
      kill: () => {
        child.kill('SIGKILL');
      },
      exited: exitPromise.then(() => exited ?? { exitCode: null, signal: null }),
    };
  } catch (error) {
    const tail = await logTail(logPath);
    await stop();
    if (error instanceof ChopsticksError) {
      throw new ChopsticksError(error.code, error.message, {
        details: { ...error.details, logTail: tail },
        cause: error.cause,
      });
    }
    throw error;
  }
}

/**
 * One JSON-RPC call over HTTP POST to a chopsticks node (it serves HTTP and WebSocket on one port).
 * @throws {ChopsticksError} CHOPSTICKS_RPC_FAILED on a transport error or an error answer
 */
export async function chopsticksRpc(
  httpEndpoint: string,
  method: string,
  params: readonly unknown[] = [],
  timeoutMs = 30_000,
): Promise<unknown> {
  let body: unknown;
  try {
    const response = await fetch(httpEndpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 1, jsonrpc: '2.0', method, params }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    body = await response.json();
  } catch (cause) {
    throw new ChopsticksError('CHOPSTICKS_RPC_FAILED', `${method} to ${httpEndpoint} failed`, {
      details: { method, endpoint: httpEndpoint },
      cause,
    });
  }
  if (typeof body !== 'object' || body === null) {
    throw new ChopsticksError('CHOPSTICKS_RPC_FAILED', `${method}: answer is not a JSON object`, {
      details: { method },
    });
  }
  if ('error' in body) {
    throw new ChopsticksError(
      'CHOPSTICKS_RPC_FAILED',
      `${method} failed: ${describe(body.error)}`,
      {
        details: { method, error: body.error },
      },
    );
  }
  return 'result' in body ? body.result : undefined;
}

/**
 * The head block number of a node, read over HTTP.
 * @throws {ChopsticksError} CHOPSTICKS_RPC_FAILED
 */
export async function chopsticksHeadNumber(httpEndpoint: string): Promise<number> {
  const header = await chopsticksRpc(httpEndpoint, 'chain_getHeader');
  const number =
    typeof header === 'object' && header !== null && 'number' in header ? header.number : undefined;
  if (typeof number !== 'string' || !/^0x[0-9a-f]+$/i.test(number)) {
    throw new ChopsticksError('CHOPSTICKS_RPC_FAILED', 'chain_getHeader gave no block number', {
      details: { method: 'chain_getHeader' },
    });
  }
  return Number.parseInt(number, 16);
}

/**
 * Makes `count` blocks at once with chopsticks' `dev_newBlock` (about 0.25 s a block).
 * @throws {ChopsticksError} CHOPSTICKS_RPC_FAILED
 */
export async function chopsticksNewBlocks(httpEndpoint: string, count = 1): Promise<void> {
  if (!Number.isInteger(count) || count < 1) throw badOption('count', 'count must be ≥ 1');
  await chopsticksRpc(httpEndpoint, 'dev_newBlock', [{ count }], 60_000 + count * 2_000);
}

function chopsticksEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined) env[key] = value;
  }
  // chopsticks reads these from the environment and refuses to start on an unknown value;
  // PORT would override the configured port.
  delete env.PORT;
  env.LOG_LEVEL = 'info';
  env.LOG_COMPACT = 'true';
  env.VERBOSE_LOG = 'false';
  env.DISABLE_AUTO_HRMP = 'false';
  env.DISABLE_PLUGINS = 'false';
  return env;
}

async function waitForListening(
  logPath: string,
  deadline: number,
  exited: () => { exitCode: number | null; signal: string | null } | undefined,
  timeoutMs: number,
): Promise<number> {
  let offset = 0;
  let pending = '';
  for (;;) {
    const handle = await open(logPath, 'r');
    try {
      const { size } = await handle.stat();
      if (size > offset) {
        const buffer = Buffer.alloc(size - offset);
        await handle.read(buffer, 0, buffer.length, offset);
        offset = size;
        // biome-ignore lint/suspicious/noControlCharactersInRegex: strips ANSI colour codes
        pending += buffer.toString('utf8').replace(/\u001b\[[0-9;]*m/g, '');
        const match = LISTENING_PATTERN.exec(pending);
        if (match) return Number(match[2]);
        pending = pending.slice(-500);
      }
    } finally {
      await handle.close();
    }
    const exit = exited();
    if (exit) {
      throw new ChopsticksError(
        'CHOPSTICKS_EXITED',
        `chopsticks exited during start-up (exit code ${exit.exitCode ?? 'none'}, signal ${exit.signal ?? 'none'}); see its log`,
        { details: { ...exit, file: logPath } },
      );
    }
    if (Date.now() > deadline) {
      throw new ChopsticksError(
        'CHOPSTICKS_TIMEOUT',
        `chopsticks did not listen within ${timeoutMs} ms`,
        { details: { timeoutMs, file: logPath } },
      );
    }
    await sleep(100);
  }
}

/**
 * Makes sure the chain has a block after genesis: block #1 fails to build now and then ("Timestamp
 * slot must match CurrentSlot"), and every signed extrinsic is then refused with badProof until a
 * block exists. Makes one with `dev_newBlock` when the head is #0.
 * @throws {ChopsticksError} CHOPSTICKS_NO_BLOCK when three blocks in a row fail
 */
export async function ensureFirstBlock(httpEndpoint: string): Promise<void> {
  for (let attempt = 0; attempt < 3; attempt++) {
    if ((await chopsticksHeadNumber(httpEndpoint)) >= 1) return;
    await chopsticksNewBlocks(httpEndpoint, 1);
  }
  if ((await chopsticksHeadNumber(httpEndpoint)) >= 1) return;
  throw new ChopsticksError('CHOPSTICKS_NO_BLOCK', 'chopsticks could not build block #1', {
    details: { endpoint: httpEndpoint },
  });
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen(port, LOOPBACK, () => {
      server.close(() => resolvePort(true));
    });
  });
}

async function logTail(logPath: string): Promise<string> {
  try {
    const text = await readFile(logPath, 'utf8');
    return text.slice(-LOG_TAIL_BYTES);
  } catch {
    return '';
  }
}

/**
 * Whether `pid` is a live chopsticks process started with `configPath` (guards a stale pid file
 * against a reused pid). Linux only: reads /proc.
 */
export function isChopsticksProcess(pid: number, configPath: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    return (
      cmdline.some((arg) => arg.endsWith('chopsticks.cjs')) &&
      cmdline.includes(`--config=${configPath}`)
    );
  } catch {
    return false;
  }
}

function checkAddress(field: string, address: string): void {
  if (typeof address !== 'string' || !SS58_PATTERN.test(address)) {
    throw badOption(field, `${JSON.stringify(address)} is not an SS58 address`);
  }
}

function badOption(field: string, message: string): ChopsticksError {
  return new ChopsticksError('CHOPSTICKS_BAD_OPTION', message, { details: { field } });
}

function describe(value: unknown): string {
  if (typeof value === 'object' && value !== null && 'message' in value) {
    return String(value.message);
  }
  return JSON.stringify(value);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolveSleep) => setTimeout(resolveSleep, ms));
}

/** What `fold-chain-node start` records in its state dir (`node.json`). */
export interface ChopsticksDaemonState {
  readonly pid: number;
  readonly port: number;
  readonly endpoint: string;
  readonly httpEndpoint: string;
  readonly stateDir: string;
  readonly configPath: string;
  readonly logPath: string;
  readonly specPath: string;
  readonly buildBlockMode: BuildBlockMode;
  readonly startedAt: string;
}

/** Options of {@link startChopsticksDaemon}: those of {@link startChopsticks}, with a state dir. */
export type StartChopsticksDaemonOptions = Omit<ChopsticksOptions, 'detached' | 'stateDir'> & {
  /** Where the config, log and `node.json` live, e.g. `.fold/chain`. */
  readonly stateDir: string;
};

const STATE_FILE = 'node.json';

/**
 * Starts a detached chopsticks node that outlives this process and records it in
 * `<stateDir>/node.json`; does nothing but report it when one already runs for that dir.
 * @throws {ChopsticksError} as {@link startChopsticks}
 */
export async function startChopsticksDaemon(
  options: StartChopsticksDaemonOptions,
): Promise<{ state: ChopsticksDaemonState; alreadyRunning: boolean }> {
  const stateDir = resolve(options.stateDir);
  const existing = await readDaemonState(stateDir);
  if (existing && isChopsticksProcess(existing.pid, existing.configPath)) {
    return { state: existing, alreadyRunning: true };
  }
  await mkdir(stateDir, { recursive: true });
  // A fresh log per start: the readiness check scans it for the listening line.
  await rm(join(stateDir, 'chopsticks.log'), { force: true });
  const specPath = resolve(options.specPath ?? chainSpecPath());
  const buildBlockMode = options.buildBlockMode ?? 'Instant';
  const node = await startChopsticks({ ...options, specPath, stateDir, detached: true });
  const state: ChopsticksDaemonState = {
    pid: node.pid,
    port: node.port,
    endpoint: node.endpoint,
    httpEndpoint: node.httpEndpoint,
    stateDir,
    configPath: node.configPath,
    logPath: node.logPath,
    specPath,
    buildBlockMode,
    startedAt: new Date().toISOString(),
  };
  const statePath = join(stateDir, STATE_FILE);
  const temporary = `${statePath}.${process.pid}.tmp`;
  await writeFile(temporary, `${JSON.stringify(state, null, 2)}\n`);
  await rename(temporary, statePath);
  return { state, alreadyRunning: false };
}

/**
 * Stops the node recorded in `<stateDir>/node.json` (SIGTERM, SIGKILL after `timeoutMs`) and
 * removes the record. A record whose process is gone is removed too.
 */
export async function stopChopsticksDaemon(
  stateDir: string,
  options: { timeoutMs?: number } = {},
): Promise<{ wasRunning: boolean; pid?: number }> {
  const dir = resolve(stateDir);
  const state = await readDaemonState(dir);
  if (!state) return { wasRunning: false };
  const running = isChopsticksProcess(state.pid, state.configPath);
  if (running) {
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + (options.timeoutMs ?? STOP_GRACE_MS);
    while (isChopsticksProcess(state.pid, state.configPath)) {
      if (Date.now() > deadline) {
        process.kill(state.pid, 'SIGKILL');
        break;
      }
      await sleep(100);
    }
  }
  await rm(join(dir, STATE_FILE), { force: true });
  return { wasRunning: running, pid: state.pid };
}

/** Whether the node of `<stateDir>` runs, and its head block number when it answers. */
export interface ChopsticksDaemonStatus {
  readonly running: boolean;
  readonly state?: ChopsticksDaemonState;
  readonly headNumber?: number;
  readonly error?: string;
}

/** Reads `<stateDir>/node.json`, checks the process and asks the node for its head. */
export async function chopsticksDaemonStatus(stateDir: string): Promise<ChopsticksDaemonStatus> {
  const state = await readDaemonState(resolve(stateDir));
  if (!state || !isChopsticksProcess(state.pid, state.configPath)) return { running: false };
  try {
    return { running: true, state, headNumber: await chopsticksHeadNumber(state.httpEndpoint) };
  } catch (error) {
    return { running: true, state, error: (error as Error).message };
  }
}

async function readDaemonState(stateDir: string): Promise<ChopsticksDaemonState | undefined> {
  let text: string;
  try {
    text = await readFile(join(stateDir, STATE_FILE), 'utf8');
  } catch {
    return undefined;
  }
  if (text.length > 64 * 1024) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null) return undefined;
  const record = value as Record<string, unknown>;
  const strings = ['endpoint', 'httpEndpoint', 'stateDir', 'configPath', 'logPath', 'specPath'];
  if (
    !Number.isInteger(record.pid) ||
    !Number.isInteger(record.port) ||
    !strings.every((key) => typeof record[key] === 'string') ||
    !/^http:\/\/127\.0\.0\.1:\d+$/.test(String(record.httpEndpoint))
  ) {
    return undefined;
  }
  return record as unknown as ChopsticksDaemonState;
}
