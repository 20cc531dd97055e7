import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);
const cliOf = (pkg: string) =>
  join(dirname(require.resolve(`${pkg}/package.json`)), 'dist', 'cli.js');

/** The built CLIs (turbo builds them before `test`). */
export const VALIDATOR_CLI = cliOf('@fold/validator');
export const MINER_CLI = cliOf('@fold/miner');

/** A CLI run as a child process; its JSON log lines are kept. */
export interface CliProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly lines: string[];
  /** Resolves with the first log record `match` accepts; rejects if the process exits first. */
  waitForLog(
    what: string,
    match: (record: Record<string, unknown>) => boolean,
    timeoutMs: number,
  ): Promise<Record<string, unknown>>;
  /** SIGTERM, then SIGKILL after `graceMs`, unless it already exited. */
  stop(graceMs?: number): Promise<void>;
}

function parseRecord(line: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(line);
    return typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : null;
  } catch {
    return null; // a line that is not a JSON log record (a warning printed by Node)
  }
}

/** Runs `node <cli> <args>` with extra environment variables. */
export function startCli(
  name: string,
  cli: string,
  args: readonly string[],
  env: Readonly<Record<string, string>>,
  logPath?: string,
): CliProcess {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  // Kept on disk too: the place to look when a test fails.
  const log = logPath === undefined ? null : createWriteStream(logPath, { flags: 'a' });
  const waiters = new Set<() => void>();
  let partial = '';
  const collect = (chunk: Buffer) => {
    log?.write(chunk);
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter((l) => l.length > 0));
    for (const wake of waiters) wake();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.once('exit', () => {
    log?.end();
    for (const wake of waiters) wake();
  });

  return {
    name,
    child,
    lines,
    waitForLog(what, match, timeoutMs) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < lines.length; seen++) {
            const record = parseRecord(lines[seen] ?? '');
            if (record !== null && match(record)) {
              done();
              resolve(record);
              return;
            }
          }
          if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(
              new Error(
                `${name} exited (${child.exitCode ?? child.signalCode}) before ${what}:\n${lines.slice(-15).join('\n')}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${name}: timed out after ${timeoutMs} ms waiting for ${what}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async stop(graceMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}
