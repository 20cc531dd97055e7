import { type ChildProcess, spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { ALICE, APP_DIR, waitFor } from './helpers.js';

/** The built CLIs the tests run (build them first: turbo does before `test`). */
export const VALIDATOR_CLI = join(APP_DIR, 'dist', 'cli.js');
export const MINER_CLI = join(
  dirname(createRequire(import.meta.url).resolve('@fold/miner/package.json')),
  'dist',
  'cli.js',
);

/** A CLI started as a child process, its JSON log lines collected. */
export interface CliProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  records(): Record<string, unknown>[];
  readonly exited: Promise<number | null>;
  waitForLog(
    what: string,
    match: (record: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** Stops it with SIGTERM (SIGKILL after `graceMs`) unless it already exited. */
  stop(graceMs?: number): Promise<void>;
}

/** Runs `node <cli> <args>` with extra environment variables. */
export function startCli(
  cli: string,
  args: readonly string[],
  env: Record<string, string>,
): CliProcess {
  const child = spawn(process.execPath, [cli, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  const collect = (chunk: Buffer) => {
    const parts = (partial + chunk.toString('utf8')).split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter((l) => l.length > 0));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const records = () =>
    lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  return {
    child,
    lines,
    records,
    exited,
    waitForLog: (what, match, timeoutMs = 60_000) =>
      waitFor(
        what,
        async () => {
          if (child.exitCode !== null)
            throw new Error(
              `${what}: the process exited with ${child.exitCode}:\n${lines.slice(-20).join('\n')}`,
            );
          return records().find(match);
        },
        timeoutMs,
        100,
      ),
    async stop(graceMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A `fold-miner` process on loopback, serving //Alice as a development validator. */
export interface LocalMiner {
  readonly process: CliProcess;
  readonly hotkey: string;
  readonly port: number;
}

/**
 * Starts `fold-miner run` on one core and one slot, its axon on a free loopback port, its state
 * under `fold:miner:<name>` in Redis and `<workDir>/<name>` on disk, and waits until it serves.
 */
export async function startLocalMiner(options: {
  readonly name: string;
  readonly uri: string;
  readonly redisUrl: string;
  readonly workDir: string;
  readonly core: number;
}): Promise<LocalMiner> {
  const miner = startCli(
    MINER_CLI,
    [
      'run',
      '--axon-host',
      '127.0.0.1',
      '--axon-port',
      '0',
      '--redis-url',
      options.redisUrl,
      '--redis-prefix',
      `fold:miner:${options.name}`,
      '--work-dir',
      join(options.workDir, options.name),
      '--cpus',
      '1',
      '--cpu-slots',
      '1',
      '--first-core',
      String(options.core),
      '--dev-allow',
      ALICE,
      '--commit-interval-seconds',
      '10',
      '--checkpoint-interval-minutes',
      '0.1',
      '--log-level',
      'info',
    ],
    { FOLD_MINER_HOTKEY_URI: options.uri },
  );
  try {
    const started = await miner.waitForLog(
      `${options.name} to start`,
      (r) => r.msg === 'miner started',
      120_000,
    );
    const axon = started.axon as { port: number; hotkey: string };
    return { process: miner, hotkey: axon.hotkey, port: axon.port };
  } catch (error) {
    await miner.stop();
    throw error;
  }
}
