import { spawn } from 'node:child_process';
import { closeSync, openSync, readdirSync, readFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { InterruptedError, NetworkTimeoutError, ProcessExitedError } from './errors.js';

/** Options of {@link startServiceProcess}. */
export interface ServiceProcessOptions {
  /** Name in messages: `miner bob`, `validator`. */
  readonly name: string;
  /** The Node script to run (a built CLI, `dist/cli.js`). */
  readonly script: string;
  readonly args: readonly string[];
  /** Added to this process's environment. */
  readonly env: Readonly<Record<string, string>>;
  /** Combined stdout and stderr, appended. */
  readonly logPath: string;
  readonly cwd?: string;
}

/** A CLI running in its own process group, its output in a log file of JSON lines. */
export interface ServiceProcess {
  readonly name: string;
  readonly pid: number;
  readonly logPath: string;
  /** The log's JSON records so far (lines that are not JSON are skipped). */
  records(): Promise<Record<string, unknown>[]>;
  /**
   * Resolves with the first record that `match` accepts.
   * @throws {ProcessExitedError} when the process exits first
   * @throws {NetworkTimeoutError} after `timeoutMs`
   * @throws {InterruptedError} when `signal` aborts
   */
  waitForRecord(
    what: string,
    match: (record: Record<string, unknown>) => boolean,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<Record<string, unknown>>;
  /** The exit, once it happened. */
  readonly exit: { exitCode: number | null; signal: string | null } | undefined;
  /** Settles when the process exits. */
  readonly exited: Promise<{ exitCode: number | null; signal: string | null }>;
  /**
   * Stops it: SIGTERM to the process (it checkpoints and exits cleanly), SIGKILL to its whole
   * group after `graceMs`; then anything left in its group (an `mdrun` it started) is killed.
   */
  stop(graceMs?: number): Promise<void>;
  /** SIGKILL to its whole process group at once, as a crash of the machine would. */
  kill(): Promise<void>;
  /** The last lines of its log. */
  logTail(lines?: number): string;
}

const DEFAULT_STOP_GRACE_MS = 60_000;
const LOG_POLL_MS = 150;

/**
 * Starts `node <script> <args>` as the leader of a new process group (so that a signal to the
 * group reaches whatever it starts, `mdrun` included, and a Ctrl-C in the terminal reaches only
 * this process), its stdout and stderr appended to `logPath` by the kernel: the process keeps
 * logging whatever happens to this one.
 */
export function startServiceProcess(options: ServiceProcessOptions): ServiceProcess {
  const fd = openSync(options.logPath, 'a', 0o600);
  let child: ReturnType<typeof spawn>;
  try {
    child = spawn(process.execPath, [options.script, ...options.args], {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', fd, fd],
      detached: true,
      shell: false,
    });
  } finally {
    closeSync(fd);
  }
  const pid = child.pid;
  let exit: { exitCode: number | null; signal: string | null } | undefined;
  const exited = new Promise<{ exitCode: number | null; signal: string | null }>((resolve) => {
    child.once('exit', (exitCode, signal) => {
      exit = { exitCode, signal };
      resolve(exit);
    });
    child.once('error', () => {
      exit ??= { exitCode: null, signal: null };
      resolve(exit);
    });
  });
  if (pid === undefined) {
    throw new ProcessExitedError(
      options.name,
      { exitCode: null, signal: null },
      options.logPath,
      '',
    );
  }
  // The group must not keep this process alive on its own: the caller decides when it ends.
  child.unref();

  const reader = new JsonLogReader(options.logPath);
  const logTail = (lines = 30) => tailOf(options.logPath, lines);
  const handle: ServiceProcess = {
    name: options.name,
    pid,
    logPath: options.logPath,
    records: () => reader.read(),
    get exit() {
      return exit;
    },
    exited,
    async waitForRecord(what, match, timeoutMs, abort) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        if (abort?.aborted) throw new InterruptedError(String(abort.reason ?? 'signal'));
        const found = (await reader.read()).find(match);
        if (found !== undefined) return found;
        if (exit !== undefined) {
          throw new ProcessExitedError(options.name, exit, options.logPath, logTail());
        }
        if (Date.now() > deadline) {
          throw new NetworkTimeoutError(`${what} (${options.name})`, timeoutMs, {
            file: options.logPath,
          });
        }
        await sleep(LOG_POLL_MS);
      }
    },
    async stop(graceMs = DEFAULT_STOP_GRACE_MS) {
      if (exit === undefined) {
        signal(pid, 'SIGTERM');
        const timer = setTimeout(() => signalGroup(pid, 'SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      await killGroup(pid);
    },
    async kill() {
      signalGroup(pid, 'SIGKILL');
      await exited;
      await killGroup(pid);
    },
    logTail,
  };
  return handle;
}

/** Sends a signal to one process; a process that is gone is not an error. */
function signal(pid: number, name: NodeJS.Signals): void {
  try {
    process.kill(pid, name);
  } catch (error) {
    if ((error as { code?: string }).code !== 'ESRCH') throw error;
  }
}

/** Sends a signal to every process of a group; a group that is gone is not an error. */
export function signalGroup(pgid: number, name: NodeJS.Signals): boolean {
  try {
    process.kill(-pgid, name);
    return true;
  } catch (error) {
    if ((error as { code?: string }).code === 'ESRCH') return false;
    throw error;
  }
}

/** Pids of the live (not zombie) processes of a process group, read from /proc (Linux). */
export function groupMembers(pgid: number): number[] {
  const members: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync('/proc').filter((name) => /^\d+$/.test(name));
  } catch {
    return members;
  }
  for (const entry of entries) {
    const stat = procStat(Number(entry));
    if (stat !== undefined && stat.pgid === pgid && stat.state !== 'Z') members.push(Number(entry));
  }
  return members;
}

/** Whether a process runs (exists and is not a zombie). */
export function isAlive(pid: number): boolean {
  const stat = procStat(pid);
  if (stat !== undefined) return stat.state !== 'Z' && stat.state !== 'X';
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Kills whatever is left of a process group (SIGTERM, then SIGKILL after `graceMs`) and waits
 * until none of it runs.
 */
export async function killGroup(pgid: number, graceMs = 5_000): Promise<void> {
  if (groupMembers(pgid).length === 0) return;
  signalGroup(pgid, 'SIGTERM');
  const deadline = Date.now() + graceMs;
  while (groupMembers(pgid).length > 0) {
    if (Date.now() > deadline) {
      signalGroup(pgid, 'SIGKILL');
      break;
    }
    await sleep(100);
  }
  while (groupMembers(pgid).length > 0) await sleep(50);
}

function procStat(pid: number): { state: string; pgid: number } | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // pid (comm) state ppid pgrp ...: comm may hold spaces and parentheses; the fields after the
  // last closing parenthesis are plain.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const state = rest[0];
  const pgid = Number(rest[2]);
  if (state === undefined || !Number.isInteger(pgid)) return undefined;
  return { state, pgid };
}

function tailOf(path: string, lines: number): string {
  try {
    const text = readFileSync(path, 'utf8');
    return text
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch {
    return '';
  }
}

/** Reads a growing log of JSON lines incrementally. */
class JsonLogReader {
  #offset = 0;
  #partial = '';
  readonly #records: Record<string, unknown>[] = [];

  constructor(private readonly path: string) {}

  async read(): Promise<Record<string, unknown>[]> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.path, 'r');
    } catch {
      return this.#records;
    }
    try {
      const { size } = await handle.stat();
      if (size > this.#offset) {
        const buffer = Buffer.alloc(size - this.#offset);
        await handle.read(buffer, 0, buffer.length, this.#offset);
        this.#offset = size;
        const parts = (this.#partial + buffer.toString('utf8')).split('\n');
        this.#partial = parts.pop() ?? '';
        for (const line of parts) {
          if (!line.startsWith('{')) continue;
          try {
            const value: unknown = JSON.parse(line);
            if (typeof value === 'object' && value !== null && !Array.isArray(value))
              this.#records.push(value as Record<string, unknown>);
          } catch {
            // A line that is not JSON (a stack trace, a warning of Node) is not a record.
          }
        }
      }
    } finally {
      await handle.close();
    }
    return this.#records;
  }
}
