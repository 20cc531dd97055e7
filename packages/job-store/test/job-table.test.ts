import type { RedisServerHandle } from '@fold/devkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ConnectionFailedError,
  ConnectionLostError,
  CorruptRecordError,
  InvalidInputError,
  InvalidTransitionError,
  JobNotFoundError,
  type JobStore,
  type JobTable,
  openJobTable,
  VersionConflictError,
} from '../src/index.js';
import {
  connectTestStore,
  freshPrefix,
  HOTKEYS,
  spawnChild,
  startTestRedis,
  stopChild,
} from './support.js';

let server: RedisServerHandle;
let store: JobStore;
let table: JobTable;

beforeAll(async () => {
  server = await startTestRedis();
  store = await connectTestStore(server, freshPrefix('table'));
  table = openJobTable(store);
});

afterAll(async () => {
  await store?.close();
  await server?.stop();
});

async function activeJob(jobId: string, priority = 0) {
  await table.create({
    jobId,
    proteinId: '1l2y',
    params: { forceField: 'charmm27', water: 'tip3p' },
    priority,
  });
  await table.transition(jobId, { type: 'start-preparing' });
  await table.transition(jobId, {
    type: 'assign',
    miners: [
      { uid: 1, hotkey: HOTKEYS.alice, seed: 101 },
      { uid: 2, hotkey: HOTKEYS.bob, seed: 202 },
    ],
  });
  return (await table.transition(jobId, { type: 'activate' })).job;
}

describe('job table on a real redis-server', () => {
  it('creates a job once and returns the existing one on a retried create', async () => {
    const first = await table.create({
      jobId: 'create-1',
      proteinId: '1ubq',
      params: { boxType: 'cubic' },
    });
    const again = await table.create({
      jobId: 'create-1',
      proteinId: '1ubq',
      params: { boxType: 'cubic' },
    });
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(again.job).toEqual(first.job);
    expect(first.job).toMatchObject({ status: 'pending', version: 1, assignments: [] });
  });

  it('bumps the version on every applied transition and stores the result', async () => {
    const job = await activeJob('bump-1');
    expect(job.version).toBe(4);
    expect(await table.require('bump-1')).toEqual(job);
  });

  it('applies a transition id once, however often it is sent', async () => {
    await activeJob('idem-1');
    const verdict = {
      type: 'record-verdict',
      uid: 1,
      hotkey: HOTKEYS.alice,
      accepted: true,
      step: 100,
      energyKjMol: -5_000,
    } as const;
    const first = await table.transition('idem-1', verdict, { transitionId: 'verify-1-100' });
    const second = await table.transition('idem-1', verdict, { transitionId: 'verify-1-100' });
    expect(first.applied).toBe(true);
    expect(second.applied).toBe(false);
    expect(second.job.history).toHaveLength(1);
    expect(second.job.version).toBe(first.job.version);
  });

  it('refuses a stale expected version with a VersionConflictError', async () => {
    const job = await activeJob('conflict-1');
    await table.transition('conflict-1', {
      type: 'record-progress',
      uid: 1,
      hotkey: HOTKEYS.alice,
      stage: 'nvt',
      step: 10,
    });
    const stale = table.transition(
      'conflict-1',
      { type: 'end', status: 'finished' },
      { expectedVersion: job.version },
    );
    await expect(stale).rejects.toBeInstanceOf(VersionConflictError);
    await expect(stale).rejects.toMatchObject({
      expectedVersion: job.version,
      actualVersion: job.version + 1,
    });
    expect((await table.require('conflict-1')).status).toBe('active');
  });

  it('refuses a transition the status does not allow, and changes nothing', async () => {
    await table.create({ jobId: 'invalid-1', proteinId: '1l2y', params: {} });
    await expect(
      table.transition('invalid-1', {
        type: 'record-progress',
        uid: 1,
        hotkey: HOTKEYS.alice,
        stage: 'md',
        step: 1,
      }),
    ).rejects.toBeInstanceOf(InvalidTransitionError);
    expect((await table.require('invalid-1')).version).toBe(1);
  });

  it('refuses a malformed transition before touching Redis', async () => {
    await expect(
      table.transition('invalid-1', {
        type: 'record-verdict',
        uid: 1,
        hotkey: 'not-a-hotkey',
        accepted: true,
        step: 1,
        energyKjMol: Number.NaN,
      }),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('reports an unknown job as JobNotFoundError', async () => {
    await expect(table.transition('nobody', { type: 'activate' })).rejects.toBeInstanceOf(
      JobNotFoundError,
    );
    expect(await table.get('nobody')).toBeUndefined();
  });

  it('lists jobs by status, higher priority first and then oldest first', async () => {
    await activeJob('list-low-old', 0);
    await activeJob('list-high', 5);
    await activeJob('list-low-new', 0);
    const ids = (await table.listByStatus('active'))
      .map((j) => j.jobId)
      .filter((id) => id.startsWith('list-'));
    expect(ids).toEqual(['list-high', 'list-low-old', 'list-low-new']);
    await table.transition('list-high', {
      type: 'end',
      status: 'early-stopped',
      reason: 'no improvement in 60 min',
    });
    expect(await table.listIdsByStatus('early-stopped')).toEqual(['list-high']);
    expect((await table.listIdsByStatus('active')).includes('list-high')).toBe(false);
  });

  it('counts jobs per status', async () => {
    const counts = await table.counts();
    expect(counts['early-stopped']).toBe(1);
    expect(counts.active).toBe(await table.countByStatus('active'));
  });

  it('deletes a job with its index entries', async () => {
    await activeJob('delete-1');
    expect(await table.delete('delete-1')).toBe(true);
    expect(await table.get('delete-1')).toBeUndefined();
    expect(await table.listIdsByStatus('active')).not.toContain('delete-1');
    expect(await table.delete('delete-1')).toBe(false);
  });

  it('reports a record edited behind its back as CorruptRecordError', async () => {
    await table.create({ jobId: 'corrupt-1', proteinId: '1l2y', params: {} });
    await store.redis.hset(
      store.key('vjob', 'rec', 'corrupt-1'),
      'd',
      '{"jobId":"corrupt-1","status":"sideways"}',
    );
    await expect(table.get('corrupt-1')).rejects.toBeInstanceOf(CorruptRecordError);
  });

  it('keeps every transition of two processes writing one job at once', async () => {
    await activeJob('race-1');
    const sharedIds = Array.from({ length: 20 }, (_, i) => `shared-${i + 1}`);
    const common = {
      kind: 'table-writer',
      url: server.url,
      prefix: store.prefix,
      jobId: 'race-1',
      count: 80,
      sharedIds,
    } as const;
    const writers = [
      spawnChild({ ...common, uid: 1, hotkey: HOTKEYS.alice, ownIdPrefix: 'a' }),
      spawnChild({ ...common, uid: 2, hotkey: HOTKEYS.bob, ownIdPrefix: 'b' }),
    ];
    try {
      const results = await Promise.all(writers.map((w) => w.process));
      expect(results.map((r) => r.exitCode)).toEqual([0, 0]);
      const applied = writers.map((w) => Number(/applied (\d+)/.exec(w.output())?.[1]));
      const job = await table.require('race-1');
      // Each writer sends 40 own ids and 40 shared ones (20 ids, each twice); a shared id counts once.
      expect(applied[0]! + applied[1]!).toBe(80 + 20);
      expect(job.history).toHaveLength(100);
      expect(new Set(job.history.map((h) => `${h.uid}:${h.step}:${h.energyKjMol}`)).size).toBe(100);
      expect(job.version).toBe(4 + 100);
      expect(job.best?.energyKjMol).toBe(Math.min(...job.history.map((h) => h.energyKjMol)));
    } finally {
      await Promise.all(writers.map((w) => stopChild(w)));
    }
  }, 60_000);
});

describe('connection failures', () => {
  it('fails to connect with ConnectionFailedError when nothing listens', async () => {
    await expect(
      connectTestStore({ ...server, url: 'redis://127.0.0.1:1' }, freshPrefix('down')),
    ).rejects.toBeInstanceOf(ConnectionFailedError);
  });

  it('throws ConnectionLostError while Redis is down, and works again once it is back', async () => {
    await activeJob('outage-1');
    await server.kill();
    try {
      await expect(table.get('outage-1')).rejects.toBeInstanceOf(ConnectionLostError);
    } finally {
      await server.restart();
    }
    expect((await table.require('outage-1')).status).toBe('active');
  });
});
