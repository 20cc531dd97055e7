// Two stores under different prefixes on one redis-server: neither sees the other's data, and
// every key either writes (BullMQ's included) starts with its own prefix.
import type { RedisServerHandle } from '@fold/devkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type JobStore,
  type JobTable,
  openJobTable,
  openScheduler,
  openSimulationQueues,
  type Scheduler,
  type SimulationJobData,
  type SimulationQueues,
  type SimulationWorker,
  startSimulationWorker,
} from '../src/index.js';
import { connectTestStore, freshPrefix, HOTKEYS, startTestRedis, waitFor } from './support.js';

const RESOURCES = { cpu: { concurrency: 1 } };

interface Side {
  store: JobStore;
  table: JobTable;
  queues: SimulationQueues;
  scheduler: Scheduler;
  worker?: SimulationWorker<string>;
  seen: SimulationJobData[];
}

let server: RedisServerHandle;
let a: Side;
let b: Side;

async function openSide(prefix: string): Promise<Side> {
  const store = await connectTestStore(server, prefix);
  const queues = await openSimulationQueues(store, { resources: RESOURCES, backoffMs: 50 });
  return { store, table: openJobTable(store), queues, scheduler: openScheduler(store), seen: [] };
}

async function startWorker(side: Side): Promise<void> {
  side.worker = await startSimulationWorker(side.store, {
    resources: RESOURCES,
    lockDurationMs: 2_000,
    stalledIntervalMs: 1_000,
    processor: async (job) => {
      side.seen.push(job);
      return side.store.prefix;
    },
  });
}

function simulation(validatorJobId: string, workDir: string) {
  return {
    validatorHotkey: HOTKEYS.alice,
    validatorJobId,
    stage: 'nvt',
    workDir,
    resource: { kind: 'cpu' },
  } as const;
}

async function completed(side: Side, id: string) {
  return waitFor(
    `${id} to complete under ${side.store.prefix}`,
    async () => {
      const status = await side.queues.status(id);
      return status?.state === 'completed' ? status : undefined;
    },
    10_000,
  );
}

async function allKeys(store: JobStore): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await store.redis.scan(cursor, 'COUNT', 1_000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

beforeAll(async () => {
  server = await startTestRedis();
  const prefixA = freshPrefix('iso');
  // B's prefix extends A's as a string, so only the `:` after a prefix tells their keys apart.
  a = await openSide(prefixA);
  b = await openSide(`${prefixA}-b`);
});

afterAll(async () => {
  for (const side of [a, b]) {
    await side?.worker?.close({ abortRunning: true });
    await side?.scheduler.close();
    await side?.queues.close();
    await side?.store.close();
  }
  await server?.stop();
});

describe('two stores with different prefixes on one redis-server', () => {
  it('keeps validator jobs with the same id apart', async () => {
    await a.table.create({ jobId: 'same-id', proteinId: '1ubq', params: {} });
    await b.table.create({ jobId: 'same-id', proteinId: '1l2y', params: {} });
    await a.table.create({ jobId: 'only-a', proteinId: '2jof', params: {} });
    await a.table.transition('only-a', { type: 'activate' });

    expect((await a.table.require('same-id')).proteinId).toBe('1ubq');
    expect((await b.table.require('same-id')).proteinId).toBe('1l2y');
    expect(await b.table.get('only-a')).toBeUndefined();
    expect(await b.table.listIdsByStatus('active')).toEqual([]);
    expect(await a.table.listIdsByStatus('active')).toEqual(['only-a']);
    expect(await b.table.countByStatus('pending')).toBe(1);
  });

  it('runs each store’s simulations only on workers of that store', async () => {
    const inA = await a.queues.enqueue(simulation('sim-1', '/var/lib/fold-a/sim-1'));
    const inB = await b.queues.enqueue(simulation('sim-1', '/var/lib/fold-b/sim-1'));
    // The same simulation id is new in each store.
    expect([inA.created, inB.created]).toEqual([true, true]);
    expect(inA.id).toBe(inB.id);

    await startWorker(a);
    expect((await completed(a, inA.id)).result).toBe(a.store.prefix);
    expect((await b.queues.status(inB.id))?.state).toBe('waiting');

    await startWorker(b);
    expect((await completed(b, inB.id)).result).toBe(b.store.prefix);
    expect(a.seen.map((job) => job.workDir)).toEqual(['/var/lib/fold-a/sim-1']);
    expect(b.seen.map((job) => job.workDir)).toEqual(['/var/lib/fold-b/sim-1']);
  }, 20_000);

  it('cancels a simulation in one store without touching the same id in the other', async () => {
    await a.worker?.close();
    await b.worker?.close();
    const inA = await a.queues.enqueue(simulation('sim-2', '/var/lib/fold-a/sim-2'));
    const inB = await b.queues.enqueue(simulation('sim-2', '/var/lib/fold-b/sim-2'));
    expect(await a.queues.cancel(inA.id, 'job ended')).toBe('removed');
    expect(await a.queues.status(inA.id)).toBeUndefined();
    expect(await b.queues.status(inB.id)).toMatchObject({ state: 'waiting', cancelled: false });
  });

  it('writes every key, BullMQ’s included, under one of the two prefixes', async () => {
    await a.scheduler.schedule('progress-round', { everyMs: 60_000 });
    await b.scheduler.schedule('set-weights', { cron: '0 * * * *' });
    const keys = await allKeys(a.store);
    const underA = keys.filter((key) => key.startsWith(`${a.store.prefix}:`));
    const underB = keys.filter((key) => key.startsWith(`${b.store.prefix}:`));

    expect(keys.filter((key) => !underA.includes(key) && !underB.includes(key))).toEqual([]);
    for (const [side, under] of [
      [a, underA],
      [b, underB],
    ] as const) {
      const rest = under.map((key) => key.slice(side.store.prefix.length + 1));
      expect(rest).toEqual(
        expect.arrayContaining(['vjob:rec:same-id', `sim:route:${HOTKEYS.alice}.sim-1`]),
      );
      expect(rest.some((key) => key.startsWith('q:sim-cpu:'))).toBe(true);
      expect(rest.some((key) => key.startsWith('q:sched-'))).toBe(true);
    }
  });
});
