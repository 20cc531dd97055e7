// Set-up shared by the integration suites: a real redis-server, stores under fresh prefixes, and
// child worker processes.
import { randomBytes } from 'node:crypto';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { type RedisServerHandle, startRedisServer } from '@fold/devkit';
import { execa, type ResultPromise } from 'execa';
import {
  connectJobStore,
  type JobStore,
  type JobStoreOptions,
  type SimulationResources,
} from '../src/index.js';

const here = dirname(fileURLToPath(import.meta.url));
export const packageDir = join(here, '..');

/** SS58 addresses of the well-known dev accounts, used as hotkeys. */
export const HOTKEYS = {
  alice: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
  bob: '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty',
  charlie: '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y',
  dave: '5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy',
} as const;

export function freshPrefix(label: string): string {
  return `fold-test:${label}:${randomBytes(4).toString('hex')}`;
}

/** A redis-server in a temp dir with `appendfsync always`, stopped (and removed) by `stop()`. */
export async function startTestRedis(): Promise<RedisServerHandle> {
  return startRedisServer({ appendFsync: 'always' });
}

/** A store that gives up on a lost connection quickly, so that failure tests stay short. */
export async function connectTestStore(
  server: RedisServerHandle,
  prefix: string,
  options: Partial<JobStoreOptions> = {},
): Promise<JobStore> {
  return connectJobStore({
    url: server.url,
    prefix,
    commandRetries: 3,
    maxReconnectDelayMs: 200,
    ...options,
  });
}

/** Polls until `check` returns a value other than undefined. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 20_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

/** What a child process does; see test/processes/child.ts. */
export type ChildTask =
  | {
      kind: 'simulation-worker';
      url: string;
      prefix: string;
      resources: SimulationResources;
      lockDurationMs: number;
      stalledIntervalMs: number;
      behaviour: 'checkpointed' | 'probe' | 'until-aborted';
      steps: number;
      stepMs: number;
    }
  | {
      kind: 'table-writer';
      url: string;
      prefix: string;
      jobId: string;
      hotkey: string;
      uid: number;
      count: number;
      /** Transition ids that both writers apply (each must take effect once). */
      sharedIds: string[];
      ownIdPrefix: string;
    };

/** A running child process; `ready` resolves when it printed `ready`. */
export interface Child {
  readonly pid: number;
  readonly process: ResultPromise;
  readonly ready: Promise<void>;
  output(): string;
}

/** Starts a child process running TypeScript through tsx (one process: kill -9 hits it). */
export function spawnChild(task: ChildTask): Child {
  const child = execa(
    process.execPath,
    ['--import', 'tsx', join(here, 'processes', 'child.ts'), JSON.stringify(task)],
    {
      cwd: packageDir,
      reject: false,
      buffer: false,
      stdout: 'pipe',
      stderr: 'pipe',
      env: { NODE_OPTIONS: '' },
    },
  );
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString('utf8');
      if (output.includes('ready\n')) resolve();
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    void child.then((result) =>
      reject(
        new Error(`child exited (${result.exitCode ?? result.signal}) before ready:\n${output}`),
      ),
    );
  });
  // Exits after `ready` are checked by the tests themselves.
  ready.catch(() => {});
  const pid = child.pid;
  if (pid === undefined) throw new Error('child process has no pid');
  return { pid, process: child, ready, output: () => output };
}

/** Kills a child if it still runs and waits for it. */
export async function stopChild(child: Child, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.process.exitCode === null && child.process.signalCode === null)
    child.process.kill(signal);
  await child.process;
}
