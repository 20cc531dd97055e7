// A worker process for the crash and concurrency tests: a simulation worker whose processor
// checkpoints like mdrun does, or a writer applying job-table transitions. It prints `ready` once
// it serves, records what it does in Redis, and runs until killed.
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  connectJobStore,
  openJobTable,
  type SimulationJobData,
  startSimulationWorker,
} from '../../src/index.js';
import type { ChildTask } from '../support.js';

const task = JSON.parse(process.argv[2] ?? '{}') as ChildTask;

async function readCheckpoint(path: string): Promise<number> {
  try {
    return Number(await readFile(path, 'utf8'));
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return 0;
    throw error;
  }
}

async function runSimulationWorker(
  t: Extract<ChildTask, { kind: 'simulation-worker' }>,
): Promise<void> {
  const store = await connectJobStore({ url: t.url, prefix: t.prefix });
  const events = store.key('test', 'events');
  const record = (event: Record<string, unknown>) =>
    store.redis.rpush(events, JSON.stringify({ ...event, pid: process.pid, at: Date.now() }));

  const processor = async (
    job: SimulationJobData,
    ctx: {
      signal: AbortSignal;
      attempt: number;
      updateProgress: (p: { stage: string; step: number }) => Promise<void>;
    },
  ) => {
    if (t.behaviour === 'probe') {
      const running = await store.redis.incr(store.key('test', 'running'));
      await record({ id: job.id, event: 'start', running, resource: job.resource });
      await sleep(t.stepMs * t.steps);
      await store.redis.decr(store.key('test', 'running'));
      await record({ id: job.id, event: 'finish' });
      return { pid: process.pid };
    }
    if (t.behaviour === 'until-aborted') {
      await record({ id: job.id, event: 'start' });
      try {
        await sleep(60_000, undefined, { signal: ctx.signal });
      } catch (error) {
        await record({ id: job.id, event: 'aborted', reason: String(ctx.signal.reason) });
        throw error;
      }
      return { pid: process.pid };
    }
    // Checkpointed: like mdrun -cpi, continue from the last step written to the checkpoint.
    const checkpoint = join(job.workDir, 'state.cpt');
    const fromStep = await readCheckpoint(checkpoint);
    await record({ id: job.id, event: 'start', fromStep, attempt: ctx.attempt });
    for (let step = fromStep + 1; step <= t.steps; step++) {
      await sleep(t.stepMs, undefined, { signal: ctx.signal });
      await writeFile(`${checkpoint}.tmp`, String(step));
      await rename(`${checkpoint}.tmp`, checkpoint);
      await ctx.updateProgress({ stage: job.stage, step });
    }
    await record({ id: job.id, event: 'finish', fromStep });
    return { pid: process.pid, fromStep };
  };

  await startSimulationWorker(store, {
    resources: t.resources,
    processor,
    lockDurationMs: t.lockDurationMs,
    stalledIntervalMs: t.stalledIntervalMs,
  });
  process.stdout.write('ready\n');
}

async function runTableWriter(t: Extract<ChildTask, { kind: 'table-writer' }>): Promise<void> {
  const store = await connectJobStore({ url: t.url, prefix: t.prefix });
  const table = openJobTable(store, { logLimit: 10_000 });
  process.stdout.write('ready\n');
  let applied = 0;
  for (let i = 0; i < t.count; i++) {
    // Every other write reuses a transition id the other writer also applies (each id twice).
    const shared = t.sharedIds[Math.floor(i / 2) % Math.max(t.sharedIds.length, 1)];
    const transitionId = i % 2 === 1 && shared !== undefined ? shared : `${t.ownIdPrefix}-${i}`;
    const energyKjMol =
      transitionId === shared ? -Number(transitionId.split('-').pop()) : -(t.uid * 100_000 + i);
    const result = await table.transition(
      t.jobId,
      {
        type: 'record-verdict',
        uid: t.uid,
        hotkey: t.hotkey,
        accepted: true,
        step: i,
        energyKjMol,
      },
      { transitionId },
    );
    if (result.applied) applied++;
  }
  process.stdout.write(`applied ${applied}\n`);
  await store.close();
}

if (task.kind === 'simulation-worker') await runSimulationWorker(task);
else await runTableWriter(task);
