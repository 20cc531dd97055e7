import { describe, expect, it } from '@jest/globals';
import { chooseResource, fitsQuota, freeSlots, jobCapacity, reservedBytes } from './capacity.js';

describe('capacity', () => {
  it('offers the slots plus the waiting places, never less than nothing', () => {
    const policy = { totalSlots: 2, maxQueuedJobs: 1 };
    expect(jobCapacity(policy)).toBe(3);
    expect(freeSlots(1, policy)).toBe(2);
    expect(freeSlots(5, policy)).toBe(0);
  });

  it('reserves what an active job may still write and what an ended one holds', () => {
    expect(
      reservedBytes([
        { bytesUsed: 100, estimateBytes: 1_000, active: true },
        { bytesUsed: 1_500, estimateBytes: 1_000, active: true },
        { bytesUsed: 300, estimateBytes: 1_000, active: false },
        { bytesUsed: 50, estimateBytes: undefined, active: false },
      ]),
    ).toBe(1_000 + 1_500 + 300 + 50);
  });

  it('admits a job only if it fits the quota whole', () => {
    expect(fitsQuota(900, 100, 1_000)).toBe(true);
    expect(fitsQuota(901, 100, 1_000)).toBe(false);
  });

  it('sends a simulation to the least loaded queue, a GPU on a tie', () => {
    const cluster = {
      cpu: { concurrency: 2 },
      gpus: [
        { id: '0', concurrency: 2 },
        { id: '1', concurrency: 1 },
      ],
    };
    expect(chooseResource({}, cluster)).toEqual({ kind: 'gpu', gpuId: '0' });
    expect(
      chooseResource(
        { 'sim-gpu-0': { active: 2 }, 'sim-gpu-1': { waiting: 1 }, 'sim-cpu': { active: 1 } },
        cluster,
      ),
    ).toEqual({ kind: 'cpu' });
    expect(chooseResource({ 'sim-cpu': { active: 9 } }, { cpu: { concurrency: 1 } })).toEqual({
      kind: 'cpu',
    });
  });
});
