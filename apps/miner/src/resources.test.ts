import { describe, expect, it } from '@jest/globals';
import { ConfigError } from './errors.js';
import { gpuQueueId, planSlots, SlotPool } from './resources.js';

const CPU_ONLY = { cpuSlots: 2, cpus: 2, firstCore: 0, gpuIds: [], simsPerGpu: 1 };

describe('planSlots', () => {
  it('pins two CPU simulations on a 2-core machine to one core each', () => {
    const plan = planSlots(CPU_ONLY);
    expect(plan.slots['sim-cpu']).toEqual([
      { ntmpi: 1, ntomp: 1, pin: 'on', pinOffset: 0, pinStride: 1 },
      { ntmpi: 1, ntomp: 1, pin: 'on', pinOffset: 1, pinStride: 1 },
    ]);
    expect(plan.local).toEqual({ cpu: { concurrency: 2 } });
    expect(plan.cluster).toEqual({ cpu: { concurrency: 2 } });
    expect(plan.totalSlots).toBe(2);
  });

  it('shifts pinning to the first core of this process', () => {
    const plan = planSlots({ ...CPU_ONLY, cpuSlots: 1, cpus: 1, firstCore: 1 });
    expect(plan.slots['sim-cpu']?.[0]).toMatchObject({ ntomp: 1, pin: 'on', pinOffset: 1 });
  });

  it('maps GPU devices and simulations per GPU to per-GPU queues with a device each', () => {
    const plan = planSlots({
      cpuSlots: 0,
      cpus: 8,
      firstCore: 0,
      gpuIds: [0, 1],
      simsPerGpu: 2,
      machineId: 'a',
    });
    expect(Object.keys(plan.slots)).toEqual(['sim-gpu-a-0', 'sim-gpu-a-1']);
    expect(plan.slots['sim-gpu-a-1']).toEqual([
      expect.objectContaining({ ntomp: 2, gpu: { deviceIds: [1] }, pinOffset: 4 }),
      expect.objectContaining({ ntomp: 2, gpu: { deviceIds: [1] }, pinOffset: 6 }),
    ]);
    expect(plan.local).toEqual({
      gpus: [
        { id: 'a-0', concurrency: 2 },
        { id: 'a-1', concurrency: 2 },
      ],
    });
    expect(plan.totalSlots).toBe(4);
  });

  it('counts every machine of the cluster in the total slots', () => {
    const plan = planSlots({
      cpuSlots: 1,
      cpus: 4,
      firstCore: 0,
      gpuIds: [0],
      simsPerGpu: 1,
      machineId: 'a',
      clusterCpuSlots: 3,
      clusterGpus: ['a-0:1', 'b-0:2'],
    });
    expect(plan.cluster).toEqual({
      cpu: { concurrency: 3 },
      gpus: [
        { id: 'a-0', concurrency: 1 },
        { id: 'b-0', concurrency: 2 },
      ],
    });
    expect(plan.totalSlots).toBe(6);
  });

  it('refuses cluster limits that leave out a GPU of this process', () => {
    expect(() => planSlots({ ...CPU_ONLY, gpuIds: [0], clusterGpus: ['1:1'] })).toThrow(
      ConfigError,
    );
  });

  it('refuses a miner without any slot', () => {
    expect(() => planSlots({ ...CPU_ONLY, cpuSlots: 0 })).toThrow(/no simulation slots/);
  });

  it('names GPU queues by machine when one is given', () => {
    expect(gpuQueueId(3, undefined)).toBe('3');
    expect(gpuQueueId(3, 'rig2')).toBe('rig2-3');
  });
});

describe('SlotPool', () => {
  it('hands out the lowest free slot and takes it back', () => {
    const pool = new SlotPool(2);
    expect([pool.take(), pool.take()]).toEqual([0, 1]);
    expect(() => pool.take()).toThrow(/no free simulation slot/);
    pool.give(0);
    expect(pool.busy).toBe(1);
    expect(pool.take()).toBe(0);
  });
});
