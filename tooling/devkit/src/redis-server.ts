import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rename, rm, stat, unlink, writeFile } from 'node:fs/promises';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { execa, type ResultPromise } from 'execa';

/** Failures of the development Redis service. */
export type RedisServerErrorCode =
  | 'REDIS_NOT_INSTALLED'
  | 'REDIS_BAD_OPTION'
  | 'REDIS_START_FAILED'
  | 'REDIS_STOP_FAILED';

/** Base class of every error raised while starting, probing or stopping `redis-server`. */
export class RedisServerError extends Error {
  override name = 'RedisServerError';
  readonly code: RedisServerErrorCode;
  readonly details: Readonly<Record<string, unknown>>;
  constructor(
    code: RedisServerErrorCode,
    message: string,
    options?: { details?: Record<string, unknown>; cause?: unknown },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.details = Object.freeze({ ...options?.details });
  }
}

/** `redis-server` is not on the PATH (or not at the configured location). */
export class RedisServerNotInstalledError extends RedisServerError {
  override name = 'RedisServerNotInstalledError';
  constructor(binary: string, cause?: unknown) {
    super(
      'REDIS_NOT_INSTALLED',
      `${binary} was not found: install it with \`apt-get install redis-server\`, ` +
        'or point FOLD_REDIS_SERVER at the binary',
      { details: { binary }, cause },
    );
  }
}

/**
 * How the append-only file reaches the disk. `always` fsyncs before each write is acknowledged,
 * so nothing acknowledged is lost even when the server is killed (or the machine loses power);
 * `everysec` can lose up to about a second of writes on a machine crash.
 */
export type AppendFsync = 'always' | 'everysec';

/** Options of {@link startRedisServer}. */
export interface StartRedisServerOptions {
  /** Where the append-only file and the log live; created when missing. Default: a new temp dir, removed by `stop()`. */
  dataDir?: string;
  /** Loopback port; 0 or undefined picks a free one. */
  port?: number;
  /** Require this password (`requirepass`); printable ASCII without spaces, 1 to 512 characters. */
  password?: string;
  /** Persist every write to the append-only file. Default true. */
  appendOnly?: boolean;
  /** Default `always`: the job store's writes are small and few, and the crash tests rely on it. */
  appendFsync?: AppendFsync;
  /** The server binary. Default: `$FOLD_REDIS_SERVER` or `redis-server` on the PATH. */
  binary?: string;
  /** How long to wait for the first PONG, in ms. Default 15,000 (loading a large AOF takes time). */
  startTimeoutMs?: number;
}

/** A running `redis-server` owned by the caller. */
export interface RedisServerHandle {
  readonly host: '127.0.0.1';
  readonly port: number;
  /** `redis://[:password@]127.0.0.1:<port>`, ready for ioredis. */
  readonly url: string;
  readonly password: string | undefined;
  readonly dataDir: string;
  /** Process id of the current server process (changes on restart), undefined once stopped. */
  readonly pid: number | undefined;
  /**
   * Shuts the server down cleanly (SIGTERM: the AOF is flushed) and waits for it to exit. A data
   * dir created by {@link startRedisServer} is then removed. @throws {RedisServerError} REDIS_STOP_FAILED
   */
  stop(): Promise<void>;
  /** Kills the server with SIGKILL, as a crash would; the data dir is kept for `restart()`. */
  kill(): Promise<void>;
  /** Stops the server cleanly if it runs, then starts it again on the same port and data dir. */
  restart(): Promise<void>;
}

const HOST = '127.0.0.1';
const CONFIG_FILE = 'redis.conf';
const LOG_FILE = 'redis.log';
const STDERR_FILE = 'redis.stderr';
const STOP_TIMEOUT_MS = 15_000;

function defaultBinary(): string {
  return process.env.FOLD_REDIS_SERVER ?? 'redis-server';
}

function checkPassword(password: string | undefined): void {
  if (password === undefined) return;
  // Printable ASCII without spaces or quotes: it goes into a config file and into URLs.
  if (!/^[\x21\x23-\x26\x28-\x5b\x5d-\x7e]{1,512}$/.test(password)) {
    throw new RedisServerError(
      'REDIS_BAD_OPTION',
      'the Redis password must be 1 to 512 printable ASCII characters without spaces, quotes or backslashes',
      { details: { field: 'password' } },
    );
  }
}

function checkPort(port: number | undefined): void {
  if (port === undefined) return;
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new RedisServerError('REDIS_BAD_OPTION', `invalid port ${port}: expected 0 to 65535`, {
      details: { field: 'port', port },
    });
  }
}

/** Quotes a value the way redis.conf's parser reads double-quoted strings. */
function quoteConfigValue(value: string): string {
  let out = '"';
  for (const ch of value) {
    const code = ch.codePointAt(0) ?? 0;
    if (ch === '"' || ch === '\\') out += `\\${ch}`;
    else if (code < 0x20 || code === 0x7f) out += `\\x${code.toString(16).padStart(2, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}

/** The server configuration: loopback only, protected mode, AOF as the one persistence. */
export function renderRedisConfig(options: {
  port: number;
  dataDir: string;
  password?: string;
  appendOnly: boolean;
  appendFsync: AppendFsync;
}): string {
  const lines = [
    '# Written by fold-redis / startRedisServer; regenerated on every start.',
    `bind ${HOST}`,
    'protected-mode yes',
    `port ${options.port}`,
    'daemonize no',
    `dir ${quoteConfigValue(options.dataDir)}`,
    `logfile ${quoteConfigValue(join(options.dataDir, LOG_FILE))}`,
    `appendonly ${options.appendOnly ? 'yes' : 'no'}`,
    `appendfsync ${options.appendFsync}`,
    // The AOF is the one persistence: no RDB snapshots forking beside it.
    'save ""',
    // BullMQ requires that Redis never evicts its keys.
    'maxmemory-policy noeviction',
  ];
  if (options.password !== undefined)
    lines.push(`requirepass ${quoteConfigValue(options.password)}`);
  return `${lines.join('\n')}\n`;
}

async function writeFileAtomic(path: string, content: string, mode: number): Promise<void> {
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, content, { mode });
  await rename(temp, path);
}

/** Asks the kernel for a free loopback port. */
async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

function respCommand(...args: string[]): string {
  return `*${args.length}\r\n${args.map((a) => `$${Buffer.byteLength(a)}\r\n${a}\r\n`).join('')}`;
}

/**
 * Result of {@link pingRedis}: `PONG` and the server's process id, or the error the server sent
 * (`NOAUTH ...`, `LOADING ...`) or the socket error.
 */
export type PingResult = { ok: true; pid: number } | { ok: false; reply: string };

type RespReply = { kind: 'simple' | 'error' | 'bulk'; text: string };

/** Reads complete RESP replies (simple strings, errors, bulk strings) from the start of `buffer`. */
function readReplies(buffer: Buffer): RespReply[] {
  const replies: RespReply[] = [];
  let offset = 0;
  while (offset < buffer.length) {
    const lineEnd = buffer.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const type = String.fromCharCode(buffer[offset] ?? 0);
    const head = buffer.toString('latin1', offset + 1, lineEnd);
    if (type === '+' || type === '-') {
      replies.push({ kind: type === '+' ? 'simple' : 'error', text: head });
      offset = lineEnd + 2;
    } else if (type === '$') {
      const length = Number(head);
      if (buffer.length < lineEnd + 2 + length + 2) break;
      replies.push({
        kind: 'bulk',
        text: buffer.toString('utf8', lineEnd + 2, lineEnd + 2 + length),
      });
      offset = lineEnd + 2 + length + 2;
    } else {
      replies.push({ kind: 'error', text: `unexpected reply type ${type}` });
      break;
    }
  }
  return replies;
}

/**
 * Sends `AUTH` (when a password is given), `PING` and `INFO server` over a raw socket. Resolves
 * with the server's pid on PONG, so that a caller can tell its own server from another one on the
 * same port; resolves `{ ok: false }` on any error reply or socket error, never throws.
 */
export async function pingRedis(options: {
  host?: string;
  port: number;
  password?: string;
  timeoutMs?: number;
}): Promise<PingResult> {
  const commands =
    (options.password === undefined ? '' : respCommand('AUTH', options.password)) +
    respCommand('PING') +
    respCommand('INFO', 'server');
  const expected = options.password === undefined ? 2 : 3;
  return new Promise((done) => {
    const socket = createConnection({ host: options.host ?? HOST, port: options.port });
    let buffer = Buffer.alloc(0);
    const finish = (result: PingResult): void => {
      socket.destroy();
      done(result);
    };
    socket.setTimeout(options.timeoutMs ?? 1_000, () => finish({ ok: false, reply: 'timeout' }));
    socket.on('error', (error) => finish({ ok: false, reply: error.message }));
    socket.on('connect', () => socket.write(commands));
    socket.on('data', (chunk: Buffer) => {
      buffer = Buffer.concat([buffer, chunk]);
      if (buffer.length > 64 * 1024) return finish({ ok: false, reply: 'reply too large' });
      const replies = readReplies(buffer);
      const error = replies.find((r) => r.kind === 'error');
      if (error !== undefined) return finish({ ok: false, reply: error.text });
      if (replies.length < expected) return;
      const pong = replies[expected - 2];
      const info = replies[expected - 1]?.text ?? '';
      const pid = Number(/^process_id:(\d+)/m.exec(info)?.[1]);
      if (pong?.text !== 'PONG' || !Number.isInteger(pid)) {
        return finish({ ok: false, reply: pong?.text ?? 'no reply' });
      }
      finish({ ok: true, pid });
    });
  });
}

function tail(text: string, maxChars = 2_000): string {
  return text.length > maxChars ? text.slice(-maxChars) : text;
}

async function readTail(path: string): Promise<string> {
  try {
    return tail(await readFile(path, 'utf8'));
  } catch {
    return '';
  }
}

function isMissingBinary(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const { code, cause } = error as { code?: unknown; cause?: unknown };
  if (code === 'ENOENT') return true;
  return cause !== undefined && cause !== error && isMissingBinary(cause);
}

interface ResolvedOptions {
  dataDir: string;
  password: string | undefined;
  appendOnly: boolean;
  appendFsync: AppendFsync;
  binary: string;
  startTimeoutMs: number;
}

type ExitInfo = { exitCode: number | undefined; signal: string | undefined; error: unknown };

class RedisProcess {
  private exit: ExitInfo | undefined;
  private stderr = '';
  readonly exited: Promise<ExitInfo>;

  constructor(readonly subprocess: ResultPromise) {
    subprocess.stderr?.on('data', (chunk: Buffer) => {
      this.stderr = tail(this.stderr + chunk.toString('utf8'), 4_000);
    });
    this.exited = subprocess.then(
      // With `reject: false` a failed spawn (a missing binary) resolves with the error as result.
      (result) =>
        this.setExit({
          exitCode: result.exitCode,
          signal: result.signal,
          error: result.failed ? result : undefined,
        }),
      (error: unknown) => {
        const { exitCode, signal } = error as { exitCode?: number; signal?: string };
        return this.setExit({ exitCode, signal, error });
      },
    );
  }

  private setExit(info: ExitInfo): ExitInfo {
    this.exit = info;
    return info;
  }

  get pid(): number | undefined {
    return this.subprocess.pid;
  }
  get exitInfo(): ExitInfo | undefined {
    return this.exit;
  }
  get stderrTail(): string {
    return this.stderr;
  }
}

function spawnRedis(binary: string, configPath: string): ResultPromise {
  return execa(binary, [configPath], {
    cleanup: true,
    stdin: 'ignore',
    stdout: 'ignore',
    stderr: 'pipe',
    buffer: false,
    reject: false,
    forceKillAfterDelay: false,
  });
}

/**
 * Spawns a server that outlives this process. Plain `spawn` rather than execa: execa routes file
 * outputs through the parent, and the parent exits right after start; stderr must go to a file
 * descriptor the child owns.
 */
function spawnDetached(
  binary: string,
  configPath: string,
  stderrFd: number,
): {
  pid: number | undefined;
  exitInfo: () => ExitInfo | undefined;
  kill: () => void;
  unref: () => void;
} {
  const child = spawn(binary, [configPath], {
    detached: true,
    stdio: ['ignore', 'ignore', stderrFd],
  });
  let exit: ExitInfo | undefined;
  child.on('error', (error) => {
    exit ??= { exitCode: undefined, signal: undefined, error };
  });
  child.on('exit', (code, signal) => {
    exit ??= { exitCode: code ?? undefined, signal: signal ?? undefined, error: undefined };
  });
  return {
    pid: child.pid,
    exitInfo: () => exit,
    kill: () => child.kill('SIGKILL'),
    unref: () => child.unref(),
  };
}

/**
 * Waits until the server answers PING, or fails with its own words when it exits first or takes
 * longer than `timeoutMs`.
 */
async function waitUntilReady(options: {
  port: number;
  password: string | undefined;
  timeoutMs: number;
  /** The spawned process: a PONG from another server on the same port does not count. */
  pid: number | undefined;
  hasExited: () => ExitInfo | undefined;
  describeFailure: () => Promise<string>;
}): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  let last = '';
  for (;;) {
    const exit = options.hasExited();
    if (exit !== undefined) {
      throw new RedisServerError(
        'REDIS_START_FAILED',
        `redis-server exited during start-up (code ${exit.exitCode ?? '-'}, signal ${exit.signal ?? '-'}):\n` +
          (await options.describeFailure()),
        { details: { port: options.port, exitCode: exit.exitCode, signal: exit.signal } },
      );
    }
    const ping = await pingRedis({
      port: options.port,
      password: options.password,
      timeoutMs: 500,
    });
    if (ping.ok && ping.pid === options.pid) return;
    last = ping.ok ? `PONG from another redis-server (pid ${ping.pid})` : ping.reply;
    if (Date.now() > deadline) {
      throw new RedisServerError(
        'REDIS_START_FAILED',
        `redis-server did not answer PING within ${options.timeoutMs} ms (last reply: ${last}):\n` +
          (await options.describeFailure()),
        { details: { port: options.port, lastReply: last } },
      );
    }
    await sleep(50);
  }
}

function addressInUse(text: string): boolean {
  return /address already in use/i.test(text);
}

class ManagedRedisServer implements RedisServerHandle {
  readonly host = HOST;
  private process: RedisProcess | undefined;

  constructor(
    readonly port: number,
    private readonly options: ResolvedOptions,
    private readonly ownsDataDir: boolean,
  ) {}

  get url(): string {
    return redisUrl(this.port, this.options.password);
  }
  get password(): string | undefined {
    return this.options.password;
  }
  get dataDir(): string {
    return this.options.dataDir;
  }
  get pid(): number | undefined {
    return this.process?.exitInfo === undefined ? this.process?.pid : undefined;
  }

  /** Spawns the server and waits for PING. */
  async launch(): Promise<void> {
    const configPath = join(this.options.dataDir, CONFIG_FILE);
    await writeFileAtomic(
      configPath,
      renderRedisConfig({
        port: this.port,
        dataDir: this.options.dataDir,
        password: this.options.password,
        appendOnly: this.options.appendOnly,
        appendFsync: this.options.appendFsync,
      }),
      0o600,
    );
    const child = new RedisProcess(spawnRedis(this.options.binary, configPath));
    this.process = child;
    const logPath = join(this.options.dataDir, LOG_FILE);
    try {
      await waitUntilReady({
        port: this.port,
        password: this.options.password,
        timeoutMs: this.options.startTimeoutMs,
        pid: child.pid,
        hasExited: () => child.exitInfo,
        describeFailure: async () => `${child.stderrTail}${await readTail(logPath)}`,
      });
    } catch (error) {
      const exit = child.exitInfo;
      if (exit !== undefined && isMissingBinary(exit.error)) {
        throw new RedisServerNotInstalledError(this.options.binary, exit.error);
      }
      if (exit === undefined) {
        child.subprocess.kill('SIGKILL');
        await child.exited;
      }
      throw error;
    }
  }

  private async terminate(signal: 'SIGTERM' | 'SIGKILL'): Promise<void> {
    const child = this.process;
    if (child === undefined || child.exitInfo !== undefined) return;
    child.subprocess.kill(signal);
    const timer = new AbortController();
    const exit = await Promise.race([
      child.exited,
      sleep(STOP_TIMEOUT_MS, undefined, { signal: timer.signal }).then(
        () => undefined,
        () => undefined,
      ),
    ]);
    timer.abort();
    if (exit === undefined) {
      child.subprocess.kill('SIGKILL');
      await child.exited;
      throw new RedisServerError(
        'REDIS_STOP_FAILED',
        `redis-server (pid ${child.pid}) did not exit within ${STOP_TIMEOUT_MS} ms of ${signal}; it was killed`,
        { details: { pid: child.pid, port: this.port } },
      );
    }
    if (signal === 'SIGTERM' && exit.exitCode !== 0) {
      throw new RedisServerError(
        'REDIS_STOP_FAILED',
        `redis-server did not shut down cleanly (code ${exit.exitCode ?? '-'}, signal ${exit.signal ?? '-'}):\n` +
          (await readTail(join(this.options.dataDir, LOG_FILE))),
        { details: { pid: child.pid, port: this.port, exitCode: exit.exitCode } },
      );
    }
  }

  async stop(): Promise<void> {
    try {
      await this.terminate('SIGTERM');
    } finally {
      if (this.ownsDataDir) await rm(this.options.dataDir, { recursive: true, force: true });
    }
  }

  async kill(): Promise<void> {
    await this.terminate('SIGKILL');
  }

  async restart(): Promise<void> {
    await this.terminate('SIGTERM');
    await this.launch();
  }
}

function redisUrl(port: number, password: string | undefined): string {
  const auth = password === undefined ? '' : `:${encodeURIComponent(password)}@`;
  return `redis://${auth}${HOST}:${port}`;
}

function resolveOptions(options: StartRedisServerOptions, dataDir: string): ResolvedOptions {
  return {
    dataDir,
    password: options.password,
    appendOnly: options.appendOnly ?? true,
    appendFsync: options.appendFsync ?? 'always',
    binary: options.binary ?? defaultBinary(),
    startTimeoutMs: options.startTimeoutMs ?? 15_000,
  };
}

function checkFsync(value: string | undefined): void {
  if (value !== undefined && value !== 'always' && value !== 'everysec') {
    throw new RedisServerError(
      'REDIS_BAD_OPTION',
      `appendFsync must be "always" or "everysec", not "${value}"`,
      {
        details: { field: 'appendFsync' },
      },
    );
  }
}

/**
 * Starts `redis-server` on loopback for tests, benchmarks and demos, and waits until it answers
 * PING. The server is bound to 127.0.0.1 in protected mode, with the append-only file on (fsync
 * `always` by default) in `dataDir`. It is killed when this process exits.
 * @throws {RedisServerNotInstalledError} when the binary is missing
 * @throws {RedisServerError} REDIS_BAD_OPTION, REDIS_START_FAILED
 */
export async function startRedisServer(
  options: StartRedisServerOptions = {},
): Promise<RedisServerHandle> {
  checkPassword(options.password);
  checkPort(options.port);
  checkFsync(options.appendFsync);
  const ownsDataDir = options.dataDir === undefined;
  const dataDir =
    options.dataDir === undefined
      ? await mkdtemp(join(tmpdir(), 'fold-redis-'))
      : resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const resolved = resolveOptions(options, dataDir);
  const pickPort = options.port === undefined || options.port === 0;
  // A picked port can be taken by someone else before redis binds it: pick again a few times.
  for (let attempt = 1; ; attempt++) {
    const port = pickPort ? await freePort() : (options.port as number);
    const server = new ManagedRedisServer(port, resolved, ownsDataDir);
    try {
      await server.launch();
      return server;
    } catch (error) {
      const retry =
        pickPort &&
        attempt < 4 &&
        error instanceof RedisServerError &&
        error.code === 'REDIS_START_FAILED' &&
        addressInUse(error.message);
      if (!retry) {
        if (ownsDataDir) await rm(dataDir, { recursive: true, force: true });
        throw error;
      }
    }
  }
}

// ---------------------------------------------------------------------------------------------
// A detached server for `fold-redis start|stop|status`: its pid and port live in the data dir.

const STATE_FILE = 'fold-redis.json';
const PID_FILE = 'redis.pid';

/** What `fold-redis start` records in the data dir about the server it detached. */
export interface RedisDaemonState {
  readonly pid: number;
  readonly host: '127.0.0.1';
  readonly port: number;
  readonly dataDir: string;
  readonly startedAt: string;
  readonly passwordRequired: boolean;
}

function parseDaemonState(text: string, path: string): RedisDaemonState {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new RedisServerError('REDIS_BAD_OPTION', `${path} is not valid JSON; remove it`, {
      details: { file: path },
      cause,
    });
  }
  const v = value as Partial<Record<keyof RedisDaemonState, unknown>>;
  if (
    typeof value !== 'object' ||
    value === null ||
    !Number.isInteger(v.pid) ||
    (v.pid as number) <= 1 ||
    !Number.isInteger(v.port) ||
    v.host !== HOST ||
    typeof v.dataDir !== 'string' ||
    typeof v.startedAt !== 'string' ||
    typeof v.passwordRequired !== 'boolean'
  ) {
    throw new RedisServerError(
      'REDIS_BAD_OPTION',
      `${path} does not describe a fold-redis server; remove it`,
      {
        details: { file: path },
      },
    );
  }
  return value as RedisDaemonState;
}

async function readDaemonState(dataDir: string): Promise<RedisDaemonState | undefined> {
  const path = join(dataDir, STATE_FILE);
  let text: string;
  try {
    const info = await stat(path);
    if (info.size > 64 * 1024) {
      throw new RedisServerError('REDIS_BAD_OPTION', `${path} is too large to be a state file`, {
        details: { file: path },
      });
    }
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return undefined;
    throw error;
  }
  return parseDaemonState(text, path);
}

/** True while `pid` is a live (not zombie) redis-server process. */
function isRedisProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  const procStat = `/proc/${pid}/stat`;
  if (!existsSync(procStat)) return true;
  try {
    const fields = readFileSync(procStat, 'utf8');
    const state = fields.slice(fields.lastIndexOf(')') + 2, fields.lastIndexOf(')') + 3);
    if (state === 'Z' || state === 'X') return false;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
    // The pid may have been reused by an unrelated process since the state file was written.
    return cmdline.includes('redis-server') || fields.includes('(redis-server)');
  } catch {
    return false;
  }
}

/** Options of {@link startRedisDaemon}. */
export interface StartRedisDaemonOptions {
  dataDir: string;
  port?: number;
  password?: string;
  appendFsync?: AppendFsync;
  binary?: string;
  startTimeoutMs?: number;
}

/**
 * Starts a detached `redis-server` that outlives this process, records its pid and port in the
 * data dir, and waits for PING. When one already runs for this data dir, returns it instead.
 * @throws {RedisServerNotInstalledError}
 * @throws {RedisServerError} REDIS_BAD_OPTION, REDIS_START_FAILED
 */
export async function startRedisDaemon(
  options: StartRedisDaemonOptions,
): Promise<{ state: RedisDaemonState; alreadyRunning: boolean }> {
  checkPassword(options.password);
  checkPort(options.port);
  checkFsync(options.appendFsync);
  const dataDir = resolve(options.dataDir);
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  const existing = await readDaemonState(dataDir);
  if (existing !== undefined && isRedisProcessAlive(existing.pid)) {
    return { state: existing, alreadyRunning: true };
  }
  const resolved = resolveOptions(options, dataDir);
  const port = options.port === undefined || options.port === 0 ? await freePort() : options.port;
  const configPath = join(dataDir, CONFIG_FILE);
  await writeFileAtomic(
    configPath,
    renderRedisConfig({
      port,
      dataDir,
      password: resolved.password,
      appendOnly: resolved.appendOnly,
      appendFsync: resolved.appendFsync,
    }),
    0o600,
  );
  const stderrPath = join(dataDir, STDERR_FILE);
  const stderrFd = openSync(stderrPath, 'w', 0o600);
  let child: ReturnType<typeof spawnDetached>;
  try {
    child = spawnDetached(resolved.binary, configPath, stderrFd);
  } finally {
    closeSync(stderrFd);
  }
  const logPath = join(dataDir, LOG_FILE);
  try {
    await waitUntilReady({
      port,
      password: resolved.password,
      timeoutMs: resolved.startTimeoutMs,
      pid: child.pid,
      hasExited: child.exitInfo,
      describeFailure: async () => `${await readTail(stderrPath)}${await readTail(logPath)}`,
    });
  } catch (error) {
    const exit = child.exitInfo();
    if (exit !== undefined && isMissingBinary(exit.error)) {
      throw new RedisServerNotInstalledError(resolved.binary, exit.error);
    }
    if (exit === undefined) child.kill();
    throw error;
  }
  const pid = child.pid;
  if (pid === undefined) {
    throw new RedisServerError('REDIS_START_FAILED', 'redis-server started without a pid', {
      details: { port },
    });
  }
  const state: RedisDaemonState = {
    pid,
    host: HOST,
    port,
    dataDir,
    startedAt: new Date().toISOString(),
    passwordRequired: resolved.password !== undefined,
  };
  await writeFileAtomic(join(dataDir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`, 0o600);
  await writeFileAtomic(join(dataDir, PID_FILE), `${pid}\n`, 0o644);
  child.unref();
  return { state, alreadyRunning: false };
}

async function removeDaemonFiles(dataDir: string): Promise<void> {
  for (const name of [STATE_FILE, PID_FILE]) {
    await unlink(join(dataDir, name)).catch((error: { code?: string }) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}

/**
 * Stops the server started by {@link startRedisDaemon} for this data dir: SIGTERM (Redis flushes
 * the AOF and exits), then waits up to `timeoutMs`.
 * @throws {RedisServerError} REDIS_STOP_FAILED when it does not exit in time
 */
export async function stopRedisDaemon(
  dataDir: string,
  options: { timeoutMs?: number } = {},
): Promise<{ wasRunning: boolean; pid?: number }> {
  const dir = resolve(dataDir);
  const state = await readDaemonState(dir);
  if (state === undefined) return { wasRunning: false };
  if (!isRedisProcessAlive(state.pid)) {
    await removeDaemonFiles(dir);
    return { wasRunning: false, pid: state.pid };
  }
  process.kill(state.pid, 'SIGTERM');
  const timeoutMs = options.timeoutMs ?? STOP_TIMEOUT_MS;
  const deadline = Date.now() + timeoutMs;
  while (isRedisProcessAlive(state.pid)) {
    if (Date.now() > deadline) {
      throw new RedisServerError(
        'REDIS_STOP_FAILED',
        `redis-server (pid ${state.pid}) did not exit within ${timeoutMs} ms of SIGTERM; ` +
          `see ${join(dir, LOG_FILE)}`,
        { details: { pid: state.pid, dataDir: dir } },
      );
    }
    await sleep(50);
  }
  await removeDaemonFiles(dir);
  return { wasRunning: true, pid: state.pid };
}

/** What {@link redisDaemonStatus} found. */
export interface RedisDaemonStatus {
  readonly running: boolean;
  /** The server answered PING (with the password, when one is given). */
  readonly responding: boolean;
  readonly state: RedisDaemonState | undefined;
  /** The server's error when it runs but did not answer PONG (e.g. `NOAUTH ...`). */
  readonly reply?: string;
}

/** Reports whether the server recorded in `dataDir` runs and answers PING. Never starts anything. */
export async function redisDaemonStatus(
  dataDir: string,
  options: { password?: string } = {},
): Promise<RedisDaemonStatus> {
  const state = await readDaemonState(resolve(dataDir));
  if (state === undefined || !isRedisProcessAlive(state.pid)) {
    return { running: false, responding: false, state };
  }
  const ping = await pingRedis({ port: state.port, password: options.password });
  return ping.ok
    ? { running: true, responding: true, state }
    : { running: true, responding: false, state, reply: ping.reply };
}

/** The URL of a recorded server, with the password when given. */
export function redisDaemonUrl(state: RedisDaemonState, password?: string): string {
  return redisUrl(state.port, password);
}
