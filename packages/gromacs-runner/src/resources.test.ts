import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { GpuUnavailableError, InvalidInputError } from './errors.js';
import { applyGpuAvailability, mdrunResourceArgs, planResources } from './resources.js';

describe('planResources', () => {
  it('gives every slot its own cores when there are enough, never more than the machine has', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 256 }),
        fc.integer({ min: 1, max: 256 }),
        fc.constantFrom(1, 2, 4),
        (cpus, concurrent, tpc) => {
          fc.pre(concurrent <= cpus);
          const plan = planResources({ cpus, concurrent, threadsPerCore: tpc });
          expect(plan.slots).toHaveLength(concurrent);
          const used = plan.slots.flatMap((s) => s.cores);
          expect(new Set(used).size).toBe(used.length);
          expect(used.every((c) => c >= 0 && c < cpus)).toBe(true);
          for (const slot of plan.slots) {
            expect(slot.pin).toBe('on');
            expect(slot.ntmpi).toBe(1);
            expect(slot.ntomp).toBe(slot.cores.length);
            expect(slot.ntomp).toBeGreaterThanOrEqual(1);
            expect(slot.pinOffset).toBe(slot.cores[0]);
          }
        },
      ),
    );
  });

  it('switches pinning off and runs one thread each when simulations outnumber cores', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 64 }),
        fc.integer({ min: 1, max: 64 }),
        (cpus, extra) => {
          const plan = planResources({ cpus, concurrent: cpus + extra });
          expect(plan.oversubscribed).toBe(true);
          expect(
            plan.slots.every((s) => s.pin === 'off' && s.ntomp === 1 && s.cores.length === 0),
          ).toBe(true);
        },
      ),
    );
  });

  it('keeps hyper-thread siblings together when each slot gets several threads', () => {
    const plan = planResources({ cpus: 16, concurrent: 3, threadsPerCore: 2 });
    expect(plan.slots.map((s) => [s.ntomp, s.pinOffset])).toEqual([
      [4, 0],
      [4, 4],
      [4, 8],
    ]);
  });

  it('plans the 2-core machine: 1 sim x 2 threads, 2 sims x 1 pinned, 4 sims unpinned', () => {
    expect(planResources({ cpus: 2, concurrent: 1 }).slots).toEqual([
      { slot: 0, ntmpi: 1, ntomp: 2, pin: 'on', pinOffset: 0, pinStride: 1, cores: [0, 1] },
    ]);
    expect(
      planResources({ cpus: 2, concurrent: 2 }).slots.map((s) => [s.ntomp, s.pin, s.pinOffset]),
    ).toEqual([
      [1, 'on', 0],
      [1, 'on', 1],
    ]);
    expect(planResources({ cpus: 2, concurrent: 4 }).summary).toMatch(/oversubscribed/);
  });

  it('shares GPUs round-robin', () => {
    const plan = planResources({ cpus: 8, concurrent: 4, gpus: [0, 1] });
    expect(plan.slots.map((s) => s.gpu?.deviceIds)).toEqual([[0], [1], [0], [1]]);
  });

  it('refuses non-positive counts', () => {
    expect(() => planResources({ cpus: 0, concurrent: 1 })).toThrow(InvalidInputError);
    expect(() => planResources({ cpus: 2, concurrent: 1.5 })).toThrow(InvalidInputError);
  });
});

describe('mdrun resource arguments', () => {
  it('renders threads and pinning', () => {
    expect(
      mdrunResourceArgs({ ntmpi: 1, ntomp: 4, pin: 'on', pinOffset: 4, pinStride: 1 }, 'dynamics'),
    ).toEqual(['-ntmpi', '1', '-ntomp', '4', '-pin', 'on', '-pinoffset', '4', '-pinstride', '1']);
  });

  it('offloads non-bonded, PME and update for dynamics but only non-bonded for minimisation and reruns', () => {
    const gpu = { deviceIds: [0] };
    expect(mdrunResourceArgs({ gpu }, 'dynamics')).toEqual([
      '-gpu_id',
      '0',
      '-nb',
      'gpu',
      '-pme',
      'gpu',
      '-update',
      'gpu',
    ]);
    expect(mdrunResourceArgs({ gpu }, 'minimization')).toEqual(['-gpu_id', '0', '-nb', 'gpu']);
    expect(mdrunResourceArgs({ gpu: { deviceIds: [0, 1], update: false } }, 'dynamics')).toEqual([
      '-gpu_id',
      '0,1',
      '-nb',
      'gpu',
      '-pme',
      'gpu',
    ]);
  });

  it('refuses values that are not counts or pin modes', () => {
    expect(() => mdrunResourceArgs({ ntomp: 0 }, 'dynamics')).toThrow(InvalidInputError);
    expect(() => mdrunResourceArgs({ pin: 'on; rm' as 'on' }, 'dynamics')).toThrow(
      InvalidInputError,
    );
    expect(() => mdrunResourceArgs({ gpu: { deviceIds: [] } }, 'dynamics')).toThrow(
      InvalidInputError,
    );
  });
});

describe('GPU availability', () => {
  const wantsGpu = { ntomp: 2, gpu: { deviceIds: [0] } };

  it('keeps GPU offload when the build supports it and the device exists', () => {
    expect(applyGpuAvailability(wantsGpu, { gpuSupport: true, deviceIds: [0] })).toBe(wantsGpu);
  });

  it('falls back to the CPU when the build has no GPU support', () => {
    expect(applyGpuAvailability(wantsGpu, { gpuSupport: false, deviceIds: [] })).toEqual({
      ntomp: 2,
    });
  });

  it('fails when a GPU is required but the device is missing', () => {
    expect(() =>
      applyGpuAvailability(wantsGpu, { gpuSupport: true, deviceIds: [1] }, true),
    ).toThrow(GpuUnavailableError);
  });
});
