// Redis killed with SIGKILL and restarted from its append-only file: nothing acknowledged is lost.
import type { RedisServerHandle } from '@fold/devkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  JOB_STATUSES,
  type JobStore,
  type JobTable,
  MINER_ASSIGNMENT_STATES,
  type MinerAssignments,
  openJobTable,
  openMinerAssignments,
  openScheduler,
  openSimulationQueues,
  type SimulationQueues,
  startSimulationWorker,
} from '../src/index.js';
import { connectTestStore, freshPrefix, HOTKEYS, startTestRedis, waitFor } from './support.js';

const MINERS = [
  { uid: 1, hotkey: HOTKEYS.alice },
  { uid: 2, hotkey: HOTKEYS.bob },
  { uid: 3, hotkey: HOTKEYS.charlie },
  { uid: 4, hotkey: HOTKEYS.dave },
];

let server: RedisServerHandle;
let store: JobStore;
let table: JobTable;
let assignments: MinerAssignments;
let queues: SimulationQueues;

beforeAll(async () => {
  server = await startTestRedis();
  store = await connectTestStore(server, freshPrefix('aof'));
  table = openJobTable(store);
  assignments = openMinerAssignments(store);
  queues = await openSimulationQueues(store, { resources: { cpu: { concurrency: 2 } } });
});

afterAll(async () => {
  await queues?.close();
  await store?.close();
  await server?.stop();
});

async function populate(): Promise<void> {
  for (let j = 0; j < 12; j++) {
    const jobId = `aof-${j}`;
    await table.create({
      jobId,
      proteinId: '1l2y',
      params: { box: 'dodecahedron', seedBase: j },
      priority: j % 3,
    });
    await table.transition(jobId, { type: 'start-preparing' });
    await table.transition(jobId, {
      type: 'assign',
      miners: MINERS.map((m, i) => ({ ...m, seed: j * 10 + i })),
    });
    if (j % 4 === 0) continue;
    await table.transition(jobId, { type: 'activate' });
    for (const [i, m] of MINERS.entries()) {
      await table.transition(jobId, {
        type: 'record-progress',
        ...m,
        stage: 'md',
        step: 1_000 * (i + 1),
      });
      await table.transition(
        jobId,
        {
          type: 'record-verdict',
          ...m,
          accepted: i !== 3,
          step: 1_000,
          energyKjMol: -1e5 - i * 37.5 - j,
          reason: i === 3 ? 'rerun energy differs' : undefined,
        },
        { transitionId: `verdict-${m.uid}-1000` },
      );
      await table.transition(jobId, {
        type: 'record-commitment',
        ...m,
        commitment: `c${j}x${i}`,
        step: 1_000,
      });
    }
    if (j % 4 === 3) await table.transition(jobId, { type: 'end', status: 'finished' });
  }
  for (let a = 0; a < 8; a++) {
    const { assignment } = await assignments.create({
      validatorHotkey: HOTKEYS.alice,
      validatorJobId: `miner-${a}`,
      proteinId: '1ubq',
      params: { temperatureK: 300 + a },
      seed: a,
      deadlineAt: 1_000_000 + a,
      filesDir: `/var/lib/fold/miner/${a}`,
    });
    if (a % 2 === 0) {
      await assignments.update(assignment.id, {
        state: 'running',
        stage: 'npt',
        step: 40 * a,
        bestEnergyKjMol: -9_000 - a,
        bytesUsed: a * 1_000,
      });
    }
  }
  for (let s = 0; s < 4; s++) {
    await queues.enqueue({
      validatorHotkey: HOTKEYS.bob,
      validatorJobId: `queued-${s}`,
      stage: 'nvt',
      workDir: `/var/lib/fold/miner/queued-${s}`,
      resource: { kind: 'cpu' },
    });
  }
  const scheduler = openScheduler(store);
  await scheduler.schedule('set-weights', { everyMs: 3_600_000 }, { netuid: 25 });
  await scheduler.close();
}

async function snapshot() {
  const jobs = Object.fromEntries(
    await Promise.all(JOB_STATUSES.map(async (s) => [s, await table.listByStatus(s)] as const)),
  );
  const mine = Object.fromEntries(
    await Promise.all(
      MINER_ASSIGNMENT_STATES.map(async (s) => [s, await assignments.listByState(s)] as const),
    ),
  );
  const scheduler = openScheduler(store);
  const tasks = (await scheduler.list()).map(({ task, everyMs, data }) => ({
    task,
    everyMs,
    data,
  }));
  await scheduler.close();
  return { jobs, mine, queued: (await queues.counts())['sim-cpu']?.waiting, tasks };
}

describe('a Redis restart from the append-only file', () => {
  it('keeps every job, assignment, score, queued simulation and schedule after SIGKILL', async () => {
    await populate();
    const before = await snapshot();
    expect(before.jobs.active).toHaveLength(6);
    expect(before.jobs.finished).toHaveLength(3);
    expect(before.jobs.preparing).toHaveLength(3);
    expect(before.jobs.active?.[0]?.best).toBeDefined();
    expect(before.queued).toBe(4);

    await server.kill();
    await server.restart();

    // The same store reconnects on its own.
    await waitFor(
      'the store to reconnect',
      async () =>
        await store
          .ping()
          .then(() => true)
          .catch(() => undefined),
    );
    expect(await snapshot()).toEqual(before);
    // Idempotency survives too: a verdict applied before the crash is not applied again.
    const again = await table.transition(
      'aof-1',
      { type: 'record-verdict', ...MINERS[0]!, accepted: true, step: 1_000, energyKjMol: -1 },
      { transitionId: 'verdict-1-1000' },
    );
    expect(again.applied).toBe(false);
  });

  it('runs the simulations that were queued before the restart', async () => {
    const done: string[] = [];
    const worker = await startSimulationWorker(store, {
      resources: { cpu: { concurrency: 2 } },
      processor: async (job) => {
        done.push(job.validatorJobId);
        return 'ok';
      },
    });
    try {
      await waitFor('4 simulations', async () => (done.length === 4 ? true : undefined));
    } finally {
      await worker.close();
    }
    expect(done.sort()).toEqual(['queued-0', 'queued-1', 'queued-2', 'queued-3']);
  });
});
