import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { groupMembers, isAlive } from '../src/service-process.js';
import { readStartedParts } from '../src/state-file.js';

// fold-network as a person runs it: the built CLI as a child process. A development network
// started, inspected and stopped; the main job run to its end, failing on a bad entry and
// interrupted by SIGINT, each leaving no process behind.

const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fold-network-cli-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  readonly code: number | null;
  readonly signal: string | null;
  readonly stdout: string;
  readonly stderr: string;
}

interface Started {
  readonly child: ReturnType<typeof spawn>;
  readonly done: Promise<Run>;
}

function start(args: readonly string[]): Started {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString('utf8');
  });
  const done = new Promise<Run>((resolve) =>
    child.once('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
  return { child, done };
}

const cli = (args: readonly string[]) => start(args).done;

/**
 * Every pid a network in `networkDir` records while `running` lasts: its apps (parts.json)
 * and its daemons (their own state files).
 */
function watchPids(networkDir: string, running: Promise<unknown>): Promise<Set<number>> {
  const pids = new Set<number>();
  const collect = async () => {
    for (const part of await readStartedParts(networkDir).catch(() => [])) {
      if (part.kind === 'process') pids.add(part.pid);
    }
    for (const file of ['chain/node.json', 'redis/fold-redis.json']) {
      try {
        const pid = (JSON.parse(readFileSync(join(networkDir, file), 'utf8')) as { pid?: unknown })
          .pid;
        if (typeof pid === 'number') pids.add(pid);
      } catch {
        // Not written yet, or already removed.
      }
    }
  };
  let finished = false;
  void running.finally(() => {
    finished = true;
  });
  return (async () => {
    while (!finished) {
      await collect();
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    return pids;
  })();
}

function expectAllGone(pids: ReadonlySet<number>): void {
  for (const pid of pids) {
    expect({ pid, alive: isAlive(pid) }).toEqual({ pid, alive: false });
    expect(groupMembers(pid)).toEqual([]);
  }
}

describe('fold-network --help', () => {
  it('describes every command with an example', async () => {
    for (const command of [[], ['demo'], ['up'], ['down'], ['status']]) {
      const run = await cli([...command, '--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/Examples?:\n\s+(# .*\n\s+)?fold-network /);
    }
  });

  it('refuses a bad PDB id before starting anything', async () => {
    const run = await cli(['demo', '--dir', join(dir, 'refused'), '--pdb', '../x']);
    expect(run.code).not.toBe(0);
    expect(run.stderr).toMatch(/PDB id/);
    expect(await readStartedParts(join(dir, 'refused'))).toEqual([]);
  });
});

describe('the development network', () => {
  const networkDir = () => join(dir, 'dev');

  it('starts in the background, reports its endpoints, serves the API and metrics, and stops', async () => {
    const upRun = start([
      'up',
      '--dir',
      networkDir(),
      '--chain-port',
      '0',
      '--api-port',
      '0',
      '--json',
    ]);
    const pids = watchPids(networkDir(), upRun.done);
    const up = await upRun.done;
    expect(up.code).toBe(0);
    const state = JSON.parse(up.stdout) as {
      validator: { apiUrl: string; metricsUrl: string; pid: number };
      chain: { endpoint: string };
    };
    expect(state.chain.endpoint).toMatch(/^ws:\/\/127\.0\.0\.1:\d+$/);

    // It outlived the command that started it.
    const status = await cli(['status', '--dir', networkDir(), '--json']);
    expect(status.code).toBe(0);
    const report = JSON.parse(status.stdout) as { running: boolean; headNumber: number | null };
    expect(report.running).toBe(true);
    expect(report.headNumber).toBeGreaterThan(0);
    const api = await fetch(`${state.validator.apiUrl}/api/status`);
    expect(api.status).toBe(200);
    const metrics = await fetch(state.validator.metricsUrl);
    expect(await metrics.text()).toContain('fold_validator_');
    const text = await cli(['status', '--dir', networkDir()]);
    expect(text.stdout).toContain(`metrics     ${state.validator.metricsUrl}`);

    const down = await cli(['down', '--dir', networkDir()]);
    expect(down.code).toBe(0);
    expectAllGone(await pids);
    const after = await cli(['status', '--dir', networkDir()]);
    expect(after.code).toBe(3);
    expect(after.stdout).toContain('no network running');
  }, 240_000);

  it('says there is nothing to stop when nothing runs', async () => {
    const down = await cli(['down', '--dir', join(dir, 'empty')]);
    expect(down.code).toBe(0);
    expect(down.stdout).toContain('nothing to stop');
  });
});

describe('the main job', () => {
  it('runs the job through both miners, prints the summary with the chain weights, exits 0 and leaves nothing running', async () => {
    const networkDir = join(dir, 'main-job');
    const run = start(['demo', '--dir', networkDir, '--json']);
    const pids = watchPids(networkDir, run.done);
    const result = await run.done;
    expect({ code: result.code, stderr: result.code === 0 ? '' : result.stderr }).toEqual({
      code: 0,
      stderr: '',
    });
    const summary = JSON.parse(result.stdout) as {
      status: string;
      best: { uid: number; energyKjMol: number } | null;
      miners: { uid: number; name: string; accepted: number }[];
      weights: { onChain: { uid: number; weight: number }[] };
      weightsLanded: boolean;
    };
    expect(summary.weightsLanded).toBe(true);
    expect(summary.best).not.toBeNull();
    expect(summary.best!.energyKjMol).toBeLessThan(0);
    expect(summary.miners.map((m) => m.name).sort()).toEqual(['bob', 'charlie']);
    expect(summary.miners.some((m) => m.accepted > 0)).toBe(true);
    // The chain holds the weights max-normalised, and only miners with verified results have
    // any (which of them leads depends on the rounds each held the best).
    const weights = summary.weights.onChain;
    expect(Math.max(...weights.map((e) => e.weight))).toBe(65_535);
    const verified = new Set(summary.miners.filter((m) => m.accepted > 0).map((m) => m.uid));
    for (const e of weights.filter((w) => w.weight > 0)) expect(verified.has(e.uid)).toBe(true);
    // Progress went to stderr while the job ran.
    expect(result.stderr).toMatch(/md|stage|step/i);
    const seen = await pids;
    expect(seen.size).toBe(5);
    expectAllGone(seen);
    expect(await readStartedParts(networkDir)).toEqual([]);
  }, 480_000);

  it('stops every process it started when the job is refused, and exits 1', async () => {
    const networkDir = join(dir, 'refused-job');
    const run = start(['demo', '--dir', networkDir, '--pdb', '9zzz']);
    const pids = watchPids(networkDir, run.done);
    const result = await run.done;
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/POST \/api\/jobs answered 4\d\d/);
    const seen = await pids;
    // Chain, Redis, two miners and the validator had started.
    expect(seen.size).toBe(5);
    expectAllGone(seen);
    expect(await readStartedParts(networkDir)).toEqual([]);
  }, 240_000);

  it('stops every process it started on SIGINT during start-up, and exits 130', async () => {
    const networkDir = join(dir, 'interrupted');
    const run = start(['demo', '--dir', networkDir]);
    const pids = watchPids(networkDir, run.done);
    // Interrupt once both miners run.
    for (;;) {
      const parts = await readStartedParts(networkDir).catch(() => []);
      if (parts.filter((p) => p.kind === 'process').length >= 2) break;
      if (run.child.exitCode !== null) break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    run.child.kill('SIGINT');
    const result = await run.done;
    expect(result.code).toBe(130);
    expect(result.stderr).toContain('stopped by SIGINT');
    const seen = await pids;
    expect(seen.size).toBeGreaterThanOrEqual(4);
    expectAllGone(seen);
  }, 240_000);
});
