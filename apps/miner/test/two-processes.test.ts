import type { RedisServerHandle } from '@fold/devkit';
import { type AxonTarget, Dendrite, FoldAssign, FoldProgress } from '@fold/synapse';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  assignRequest,
  cleanup,
  devKeys,
  type Fixture,
  jobFixture,
  type MinerProcess,
  scratchDir,
  spawnMiner,
  stageParams,
  startRedis,
  waitFor,
} from './support.js';

const JOBS = ['split-a', 'split-b', 'split-c', 'split-d'];

let redis: RedisServerHandle;
let workDir: string;
let fixture: Fixture;
let keys: Awaited<ReturnType<typeof devKeys>>;
let alice: Dendrite;
const processes: MinerProcess[] = [];

function common(core: number): string[] {
  return [
    '--redis-url',
    redis.url,
    '--work-dir',
    workDir,
    // One core each: the two processes pin to different cores of the machine.
    '--cpus',
    '1',
    '--first-core',
    String(core),
    '--cpu-slots',
    '1',
    '--cluster-cpu-slots',
    '2',
    '--max-queued-jobs',
    '2',
    '--commit-interval-seconds',
    '0',
    '--progress-interval-seconds',
    '0.5',
    '--log-level',
    'info',
  ];
}

beforeAll(async () => {
  [redis, fixture, keys] = await Promise.all([startRedis(), jobFixture(), devKeys()]);
  workDir = await scratchDir('split');
  alice = new Dendrite({ keypair: keys.alice.pair });
}, 120_000);

afterAll(async () => {
  alice?.close();
  for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGTERM');
  await Promise.all(processes.map((p) => p.exited));
  await redis?.stop();
  await cleanup(workDir);
});

describe('two miner processes on one Redis', () => {
  it('split the jobs received by one axon, each job run once', async () => {
    const env = { FOLD_MINER_HOTKEY_URI: '//Bob' };
    const front = spawnMiner(
      [
        'run',
        '--axon-host',
        '127.0.0.1',
        '--axon-port',
        '0',
        '--dev-allow',
        keys.alice.address,
        ...common(0),
      ],
      env,
    );
    const back = spawnMiner(['run', '--no-axon', ...common(1)], env);
    processes.push(front, back);
    const started = await front.waitForLog('the axon', (r) => r.msg === 'miner started');
    await back.waitForLog('the worker', (r) => r.msg === 'miner started');
    expect(back.records().find((r) => r.msg === 'miner started')?.axon).toBeUndefined();
    const axon = started.axon as AxonTarget;

    for (const jobId of JOBS) {
      const result = await alice.call(
        axon,
        FoldAssign,
        assignRequest(fixture, jobId, stageParams(fixture.spec, { nvt: 100 })),
        { timeoutMs: 30_000 },
      );
      if (!result.ok || !result.response.accepted) throw new Error(`${jobId} refused`);
    }
    await waitFor(
      'every job to finish',
      async () => {
        const result = await alice.call(axon, FoldProgress, {
          jobs: Object.fromEntries(JOBS.map((j) => [j, ''])),
        });
        if (!result.ok) return undefined;
        const states = Object.values(result.response.progress).map((p) => p.state);
        if (states.includes('failed')) throw new Error('a job failed');
        return states.length === JOBS.length && states.every((s) => s === 'finished')
          ? true
          : undefined;
      },
      240_000,
      500,
    );
    const startedJobs = (p: MinerProcess) =>
      p.records().flatMap((r) => (r.msg === 'simulation started' ? [String(r.job)] : []));
    const byFront = startedJobs(front);
    const byBack = startedJobs(back);
    expect(byFront.length).toBeGreaterThanOrEqual(1);
    expect(byBack.length).toBeGreaterThanOrEqual(1);
    expect([...byFront, ...byBack].sort()).toEqual(
      JOBS.map((j) => `${keys.alice.address}.${j}`).sort(),
    );
    const pins = (p: MinerProcess) =>
      p
        .records()
        .flatMap((r) =>
          r.msg === 'simulation started' ? [(r.resources as { pinOffset?: number }).pinOffset] : [],
        );
    expect(new Set(pins(front))).toEqual(new Set([0]));
    expect(new Set(pins(back))).toEqual(new Set([1]));
  }, 300_000);
});
