// Worker processes sharing one Redis: crash recovery (kill -9), work splitting, GPU limits.
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RedisServerHandle } from '@fold/devkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type JobStore,
  openSimulationQueues,
  type SimulationQueues,
  type SimulationResources,
} from '../src/index.js';
import {
  type Child,
  type ChildTask,
  connectTestStore,
  freshPrefix,
  HOTKEYS,
  spawnChild,
  startTestRedis,
  stopChild,
  waitFor,
} from './support.js';

interface Event {
  id: string;
  pid: number;
  at: number;
  event: 'start' | 'finish';
  fromStep?: number;
  attempt?: number;
  running?: number;
}

let server: RedisServerHandle;
let workDir: string;
const children: Child[] = [];
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await startTestRedis();
  workDir = await mkdtemp(join(tmpdir(), 'fold-workers-'));
});

afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => stopChild(c, 'SIGKILL')));
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await server?.stop();
  await rm(workDir, { recursive: true, force: true });
});

async function setUp(resources: SimulationResources, label: string) {
  const store = await connectTestStore(server, freshPrefix(label));
  const queues = await openSimulationQueues(store, { resources, attempts: 1 });
  cleanups.push(async () => {
    await queues.close();
    await store.close();
  });
  return { store, queues };
}

function startWorker(
  store: JobStore,
  resources: SimulationResources,
  behaviour: 'checkpointed' | 'probe',
  steps: number,
  stepMs: number,
): Child {
  const task: ChildTask = {
    kind: 'simulation-worker',
    url: server.url,
    prefix: store.prefix,
    resources,
    lockDurationMs: 2_000,
    stalledIntervalMs: 1_000,
    behaviour,
    steps,
    stepMs,
  };
  const child = spawnChild(task);
  children.push(child);
  return child;
}

async function events(store: JobStore): Promise<Event[]> {
  return (await store.redis.lrange(store.key('test', 'events'), 0, -1)).map(
    (e) => JSON.parse(e) as Event,
  );
}

async function enqueueMany(
  queues: SimulationQueues,
  count: number,
  resource: { kind: 'cpu' } | { kind: 'gpu'; gpuId: string },
) {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const dir = join(workDir, `${queues.queueNames[0]}-${Date.now()}-${i}`);
    await mkdir(dir, { recursive: true });
    ids.push(
      (
        await queues.enqueue({
          validatorHotkey: HOTKEYS.bob,
          validatorJobId: `job-${i}`,
          stage: 'nvt',
          workDir: dir,
          resource,
        })
      ).id,
    );
  }
  return ids;
}

async function allCompleted(queues: SimulationQueues, ids: string[], timeoutMs: number) {
  return waitFor(
    `${ids.length} jobs to complete`,
    async () => {
      const states = await Promise.all(ids.map(async (id) => (await queues.status(id))?.state));
      if (states.some((s) => s === 'failed')) throw new Error(`a job failed: ${states.join(', ')}`);
      return states.every((s) => s === 'completed') ? true : undefined;
    },
    timeoutMs,
  );
}

describe('simulation workers in separate processes', () => {
  it('resumes every job of a worker killed with SIGKILL from its checkpoint, never running one twice at once', async () => {
    const resources = { cpu: { concurrency: 3 } };
    const { store, queues } = await setUp(resources, 'crash');
    const doomed = startWorker(store, resources, 'checkpointed', 20, 100);
    await doomed.ready;
    const ids = await enqueueMany(queues, 3, { kind: 'cpu' });
    await waitFor('every job to pass step 3', async () => {
      const steps = await Promise.all(
        ids.map(async (id) => (await queues.status(id))?.progress?.step ?? 0),
      );
      return steps.every((s) => s >= 3) ? true : undefined;
    });
    doomed.process.kill('SIGKILL');
    await doomed.process;
    const killedAt = Date.now();

    const survivor = startWorker(store, resources, 'checkpointed', 20, 100);
    await survivor.ready;
    await allCompleted(queues, ids, 30_000);

    const log = await events(store);
    for (const id of ids) {
      const mine = log.filter((e) => e.id === id);
      const starts = mine.filter((e) => e.event === 'start');
      const finishes = mine.filter((e) => e.event === 'finish');
      expect(starts.map((e) => e.pid)).toEqual([doomed.pid, survivor.pid]);
      expect(finishes.map((e) => e.pid)).toEqual([survivor.pid]);
      // The second run began after the first runner was dead, from the checkpoint it left.
      expect(starts[1]!.at).toBeGreaterThanOrEqual(killedAt);
      expect(starts[1]!.fromStep).toBeGreaterThanOrEqual(3);
      expect(starts[1]!.attempt).toBe(2);
      const status = await queues.status(id);
      expect(status).toMatchObject({
        state: 'completed',
        failedAttempts: 0,
        result: { pid: survivor.pid },
      });
    }
  }, 60_000);

  it('splits jobs between two worker processes, each job run by exactly one', async () => {
    // The miner has 4 CPU slots in all; each process (machine) runs 2 of them.
    const { store, queues } = await setUp({ cpu: { concurrency: 4 } }, 'split');
    const local = { cpu: { concurrency: 2 } };
    const workers = [
      startWorker(store, local, 'probe', 1, 150),
      startWorker(store, local, 'probe', 1, 150),
    ];
    await Promise.all(workers.map((w) => w.ready));
    const ids = await enqueueMany(queues, 24, { kind: 'cpu' });
    await allCompleted(queues, ids, 30_000);

    const starts = (await events(store)).filter((e) => e.event === 'start');
    expect(starts.map((e) => e.id).sort()).toEqual([...ids].sort());
    const byPid = new Map<number, number>();
    for (const e of starts) byPid.set(e.pid, (byPid.get(e.pid) ?? 0) + 1);
    expect([...byPid.keys()].sort()).toEqual(workers.map((w) => w.pid).sort());
    expect(Math.max(...starts.map((e) => e.running ?? 0))).toBeLessThanOrEqual(4);
  }, 60_000);

  it('never runs more than 2 jobs on a GPU limited to 2, with two processes serving it', async () => {
    const resources = { gpus: [{ id: '0', concurrency: 2 }] };
    const { store, queues } = await setUp(resources, 'gpu');
    // Each process alone would run 2 at once: together they could run 4 without the global limit.
    const workers = [
      startWorker(store, resources, 'probe', 3, 100),
      startWorker(store, resources, 'probe', 3, 100),
    ];
    await Promise.all(workers.map((w) => w.ready));
    const ids = await enqueueMany(queues, 10, { kind: 'gpu', gpuId: '0' });
    await allCompleted(queues, ids, 30_000);

    const starts = (await events(store)).filter((e) => e.event === 'start');
    expect(starts).toHaveLength(10);
    expect(Math.max(...starts.map((e) => e.running ?? 0))).toBe(2);
  }, 60_000);
});
