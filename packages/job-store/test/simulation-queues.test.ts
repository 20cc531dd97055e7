import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RedisServerHandle } from '@fold/devkit';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import {
  InvalidInputError,
  type JobStore,
  openSimulationQueues,
  type SimulationJobData,
  type SimulationQueues,
  type SimulationResources,
  type SimulationWorker,
  startSimulationWorker,
  UnrecoverableError,
} from '../src/index.js';
import {
  connectTestStore,
  freshPrefix,
  HOTKEYS,
  spawnChild,
  startTestRedis,
  stopChild,
  waitFor,
} from './support.js';

let server: RedisServerHandle;
let workDir: string;
const cleanups: (() => Promise<void>)[] = [];

beforeAll(async () => {
  server = await startTestRedis();
  workDir = await mkdtemp(join(tmpdir(), 'fold-sim-'));
});

afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

afterAll(async () => {
  await server?.stop();
  await rm(workDir, { recursive: true, force: true });
});

async function setUp(resources: SimulationResources, label: string) {
  const store = await connectTestStore(server, freshPrefix(label));
  const queues = await openSimulationQueues(store, { resources, attempts: 2, backoffMs: 50 });
  cleanups.push(async () => {
    await queues.close();
    await store.close();
  });
  return { store, queues };
}

async function worker<R>(
  store: JobStore,
  resources: SimulationResources,
  processor: Parameters<typeof startSimulationWorker<R>>[1]['processor'],
): Promise<SimulationWorker<R>> {
  const started = await startSimulationWorker(store, {
    resources,
    processor,
    lockDurationMs: 2_000,
    stalledIntervalMs: 1_000,
  });
  cleanups.push(() => started.close({ abortRunning: true }));
  return started;
}

function job(
  validatorJobId: string,
  resource: { kind: 'cpu' } | { kind: 'gpu'; gpuId?: string } = { kind: 'cpu' },
) {
  return {
    validatorHotkey: HOTKEYS.alice,
    validatorJobId,
    stage: 'nvt',
    workDir: join(workDir, validatorJobId),
    resource,
  };
}

async function settled(queues: SimulationQueues, id: string) {
  return waitFor(`${id} to finish`, async () => {
    const status = await queues.status(id);
    return status?.state === 'completed' || status?.state === 'failed' ? status : undefined;
  });
}

describe('simulation queues', () => {
  it('enqueues a job once under <validator hotkey>.<job id>, however often it is sent', async () => {
    const { queues } = await setUp({ cpu: { concurrency: 1 } }, 'enqueue');
    const first = await queues.enqueue(job('once'));
    const again = await queues.enqueue(job('once'));
    expect(first).toEqual({ id: `${HOTKEYS.alice}.once`, queueName: 'sim-cpu', created: true });
    expect(again.created).toBe(false);
    expect((await queues.counts())['sim-cpu']?.waiting).toBe(1);
  });

  it('sends a job for any GPU to the least loaded GPU queue', async () => {
    const { queues } = await setUp(
      {
        gpus: [
          { id: '0', concurrency: 1 },
          { id: '1', concurrency: 1 },
        ],
      },
      'gpu-route',
    );
    const placed = [];
    for (const id of ['g1', 'g2', 'g3', 'g4'])
      placed.push((await queues.enqueue(job(id, { kind: 'gpu' }))).queueName);
    expect(placed.sort()).toEqual(['sim-gpu-0', 'sim-gpu-0', 'sim-gpu-1', 'sim-gpu-1']);
    await expect(queues.enqueue(job('g5', { kind: 'gpu', gpuId: '7' }))).rejects.toThrow(
      /GPU 7 is not configured/,
    );
    await expect(queues.enqueue(job('c1'))).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('refuses to start a worker for a queue whose limit was never set', async () => {
    const store = await connectTestStore(server, freshPrefix('no-limit'));
    cleanups.push(() => store.close());
    await expect(
      startSimulationWorker(store, {
        resources: { gpus: [{ id: '0', concurrency: 1 }] },
        processor: async () => 'x',
      }),
    ).rejects.toThrow(/open the simulation queues/);
  });

  it('refuses a work dir outside an absolute, normalised path', async () => {
    const { queues } = await setUp({ cpu: { concurrency: 1 } }, 'bad-dir');
    await expect(queues.enqueue({ ...job('bad'), workDir: '../../etc' })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });

  it('runs a job and reports its progress and result', async () => {
    const resources = { cpu: { concurrency: 2 } };
    const { store, queues } = await setUp(resources, 'run');
    await worker(store, resources, async (data: SimulationJobData, ctx) => {
      await ctx.updateProgress({ stage: data.stage, step: 500, totalSteps: 500 });
      await ctx.heartbeat();
      return { energyKjMol: -42, attempt: ctx.attempt };
    });
    const { id } = await queues.enqueue(job('run-1'));
    const status = await settled(queues, id);
    expect(status).toMatchObject({
      state: 'completed',
      progress: { stage: 'nvt', step: 500, totalSteps: 500 },
      result: { energyKjMol: -42, attempt: 1 },
      attemptsStarted: 1,
    });
    expect(await queues.cancel(id)).toBe('finished');
    expect((await queues.status(id))?.cancelled).toBe(false);
    await expect(queues.cancel('../../etc')).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('retries a failing job with backoff, but not one failing with UnrecoverableError', async () => {
    const resources = { cpu: { concurrency: 2 } };
    const { store, queues } = await setUp(resources, 'retry');
    await worker(store, resources, async (data: SimulationJobData, ctx) => {
      if (data.validatorJobId === 'bad-input')
        throw new UnrecoverableError('topology does not match the structure');
      if (ctx.attempt === 1) throw new Error('mdrun exited with a transient fault');
      return 'ok';
    });
    const flaky = await queues.enqueue(job('flaky'));
    const bad = await queues.enqueue(job('bad-input'));
    expect(await settled(queues, flaky.id)).toMatchObject({
      state: 'completed',
      attemptsStarted: 2,
      failedAttempts: 1,
      result: 'ok',
    });
    expect(await settled(queues, bad.id)).toMatchObject({
      state: 'failed',
      attemptsStarted: 1,
      failedReason: 'topology does not match the structure',
    });
  });

  it('fails a job whose stored payload is malformed without running the processor', async () => {
    const resources = { cpu: { concurrency: 1 } };
    const { store, queues } = await setUp(resources, 'payload');
    let ran = false;
    await worker(store, resources, async () => {
      ran = true;
      return 'ran';
    });
    const raw = new Queue('sim-cpu', store.bullmq());
    cleanups.push(() => raw.close());
    await raw.add(
      'simulation',
      { id: 'x', workDir: '/etc/../root' },
      { jobId: `${HOTKEYS.bob}.tampered` },
    );
    const status = await settled(queues, `${HOTKEYS.bob}.tampered`);
    expect(status.state).toBe('failed');
    expect(status.failedReason).toMatch(/bad simulation payload/);
    expect(ran).toBe(false);
  });

  it('removes a waiting job on cancel and refuses to enqueue it again', async () => {
    const { queues } = await setUp({ cpu: { concurrency: 1 } }, 'cancel-waiting');
    const { id } = await queues.enqueue(job('waiting'));
    expect(await queues.cancel(id, 'validator dropped the job')).toBe('removed');
    expect(await queues.status(id)).toBeUndefined();
    await expect(queues.enqueue(job('waiting'))).rejects.toThrow(/was cancelled/);
    expect(await queues.cancel(`${HOTKEYS.bob}.never-enqueued`)).toBe('not-found');
  });

  it('aborts a running job in another process on cancel, and fails it without retries', async () => {
    const resources = { cpu: { concurrency: 1 } };
    const { store, queues } = await setUp(resources, 'cancel-running');
    const child = spawnChild({
      kind: 'simulation-worker',
      url: server.url,
      prefix: store.prefix,
      resources,
      lockDurationMs: 2_000,
      stalledIntervalMs: 1_000,
      behaviour: 'until-aborted',
      steps: 1,
      stepMs: 1,
    });
    cleanups.push(() => stopChild(child));
    await child.ready;
    const { id } = await queues.enqueue(job('long-md'));
    // Wait for the processor itself (a cancel before it starts is refused earlier, see above).
    await waitFor('the processor to start', async () =>
      (await store.redis.llen(store.key('test', 'events'))) > 0 ? true : undefined,
    );
    const cancelledAt = Date.now();
    expect(await queues.cancel(id, 'job ended early')).toBe('signalled');
    const status = await settled(queues, id);
    expect(Date.now() - cancelledAt).toBeLessThan(5_000);
    expect(status).toMatchObject({ state: 'failed', cancelled: true, attemptsStarted: 1 });
    expect(status.failedReason).toBe('cancelled: job ended early');
    const events = (await store.redis.lrange(store.key('test', 'events'), 0, -1)).map(
      (e) => JSON.parse(e) as { event: string; pid: number },
    );
    expect(events.map((e) => e.event)).toEqual(['start', 'aborted']);
    expect(events[1]?.pid).toBe(child.pid);
  });

  it('puts running jobs back to waiting, without using an attempt, when a worker shuts down', async () => {
    const resources = { cpu: { concurrency: 1 } };
    const { store, queues } = await setUp(resources, 'shutdown');
    const first = await startSimulationWorker(store, {
      resources,
      lockDurationMs: 2_000,
      stalledIntervalMs: 1_000,
      processor: async (_data, ctx) => {
        await sleep(60_000, undefined, { signal: ctx.signal });
        return 'never';
      },
    });
    const { id } = await queues.enqueue(job('interrupted'));
    await waitFor('the job to run', async () =>
      (await queues.status(id))?.state === 'active' ? true : undefined,
    );
    await first.close({ abortRunning: true });
    expect((await queues.status(id))?.state).toBe('waiting');
    await worker(store, resources, async (_data, ctx) => `resumed on attempt ${ctx.attempt}`);
    expect(await settled(queues, id)).toMatchObject({
      state: 'completed',
      result: 'resumed on attempt 2',
      failedAttempts: 0,
    });
  });
});
