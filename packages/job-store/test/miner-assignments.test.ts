import type { RedisServerHandle } from '@fold/devkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  AssignmentNotFoundError,
  InvalidInputError,
  InvalidTransitionError,
  type JobStore,
  type MinerAssignments,
  openMinerAssignments,
  VersionConflictError,
} from '../src/index.js';
import { connectTestStore, freshPrefix, HOTKEYS, startTestRedis } from './support.js';

let server: RedisServerHandle;
let store: JobStore;
let assignments: MinerAssignments;

beforeAll(async () => {
  server = await startTestRedis();
  store = await connectTestStore(server, freshPrefix('assignments'));
  assignments = openMinerAssignments(store);
});

afterAll(async () => {
  await store?.close();
  await server?.stop();
});

function input(validatorJobId: string, deadlineAt = 5_000_000) {
  return {
    validatorHotkey: HOTKEYS.alice,
    validatorJobId,
    proteinId: '1l2y',
    params: { forceField: 'amber03', water: 'spce', temperatureK: 300 },
    seed: 1234,
    deadlineAt,
    filesDir: `/var/lib/fold/miner/${validatorJobId}`,
  };
}

describe('miner assignments on a real redis-server', () => {
  it('records an assignment under <validator hotkey>.<job id>, once', async () => {
    const first = await assignments.create(input('a-1'));
    const again = await assignments.create(input('a-1'));
    expect(first.assignment.id).toBe(`${HOTKEYS.alice}.a-1`);
    expect(first.created).toBe(true);
    expect(again.created).toBe(false);
    expect(first.assignment).toMatchObject({
      state: 'received',
      stage: 'nvt',
      step: 0,
      version: 1,
    });
  });

  it('keeps the same job id of two validators apart', async () => {
    await assignments.create({ ...input('shared-id'), validatorHotkey: HOTKEYS.bob, seed: 1 });
    await assignments.create({ ...input('shared-id'), validatorHotkey: HOTKEYS.charlie, seed: 2 });
    const bob = await assignments.require(assignments.idFor(HOTKEYS.bob, 'shared-id'));
    const charlie = await assignments.require(assignments.idFor(HOTKEYS.charlie, 'shared-id'));
    expect([bob.seed, charlie.seed]).toEqual([1, 2]);
  });

  it('bumps the version (the etag of progress answers) on each change', async () => {
    const id = (await assignments.create(input('a-2'))).assignment.id;
    await assignments.update(id, { state: 'queued' });
    const { assignment } = await assignments.update(id, {
      state: 'running',
      stage: 'npt',
      step: 2_500,
      bestEnergyKjMol: -12_345.5,
      bestFrameStep: 2_000,
      commitment: 'c0ffee',
      bytesUsed: 1_900_000,
    });
    expect(assignment).toMatchObject({
      version: 3,
      state: 'running',
      stage: 'npt',
      step: 2_500,
      bytesUsed: 1_900_000,
    });
    expect(await assignments.require(id)).toEqual(assignment);
    const unchanged = await assignments.update(id, { step: 2_500 });
    expect(unchanged.applied).toBe(false);
    expect(unchanged.assignment.version).toBe(3);
  });

  it('records the stage of the best frame, the simulated time and the speed', async () => {
    const id = (await assignments.create(input('a-6'))).assignment.id;
    await assignments.update(id, {
      state: 'running',
      stage: 'md',
      bestStage: 'npt',
      bestFrameStep: 500,
      simulatedTimePs: 12.5,
      nsPerDay: 48.25,
    });
    expect(await assignments.require(id)).toMatchObject({
      bestStage: 'npt',
      bestFrameStep: 500,
      simulatedTimePs: 12.5,
      nsPerDay: 48.25,
    });
    await expect(assignments.update(id, { nsPerDay: -1 })).rejects.toBeInstanceOf(
      InvalidInputError,
    );
  });

  it('reads several assignments in one call, skipping unknown ids', async () => {
    const a = (await assignments.create(input('many-a'))).assignment.id;
    const b = (await assignments.create(input('many-b'))).assignment.id;
    const found = await assignments.getMany([b, `${HOTKEYS.alice}.many-none`, a]);
    expect(found.map((r) => r.id)).toEqual([b, a]);
    expect(await assignments.getMany([])).toEqual([]);
  });

  it('refuses an update against a stale version', async () => {
    const { assignment } = await assignments.create(input('a-3'));
    await assignments.update(assignment.id, { state: 'running' });
    await expect(
      assignments.update(assignment.id, { step: 10 }, { expectedVersion: assignment.version }),
    ).rejects.toBeInstanceOf(VersionConflictError);
  });

  it('refuses to change a finished assignment', async () => {
    const { assignment } = await assignments.create(input('a-4'));
    await assignments.update(assignment.id, { state: 'running' });
    await assignments.update(assignment.id, { state: 'finished' });
    await expect(assignments.update(assignment.id, { step: 99 })).rejects.toBeInstanceOf(
      InvalidTransitionError,
    );
  });

  it('refuses a files dir that climbs out with ..', async () => {
    await expect(
      assignments.create({ ...input('a-5'), filesDir: '/var/lib/fold/../../etc' }),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });

  it('lists assignments by state, earliest deadline first, and the overdue ones', async () => {
    const late = (await assignments.create(input('due-late', 9_000))).assignment.id;
    const soon = (await assignments.create(input('due-soon', 3_000))).assignment.id;
    for (const id of [late, soon]) await assignments.update(id, { state: 'queued' });
    const queued = (await assignments.listByState('queued')).map((a) => a.id);
    expect(queued.indexOf(soon)).toBeLessThan(queued.indexOf(late));
    const overdue = (await assignments.listOverdue(5_000)).map((a) => a.id);
    expect(overdue).toContain(soon);
    expect(overdue).not.toContain(late);
    expect(await assignments.countByState('queued')).toBe(queued.length);
  });

  it('reports an unknown assignment as AssignmentNotFoundError', async () => {
    await expect(assignments.update(`${HOTKEYS.dave}.none`, { step: 1 })).rejects.toBeInstanceOf(
      AssignmentNotFoundError,
    );
  });
});
