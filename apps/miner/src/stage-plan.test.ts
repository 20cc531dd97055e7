import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { JobInputError } from './errors.js';
import { estimateJobBytes, planStages } from './stage-plan.js';

const NVT = {
  integrator: 'md',
  dt: 0.002,
  nsteps: 1_000,
  nstenergy: 100,
  nstlog: 500,
  'nstxout-compressed': 500,
  nstxout: 0,
  nstvout: 0,
};

describe('planStages', () => {
  it('runs the stages in protocol order, whatever order they came in', () => {
    const stages = planStages(
      { md: NVT, nvt: NVT, em: { integrator: 'steep', nsteps: 500 }, npt: NVT },
      { minFrameIntervalSteps: 0 },
    );
    expect(stages.map((s) => [s.name, s.kind])).toEqual([
      ['em', 'minimization'],
      ['nvt', 'dynamics'],
      ['npt', 'dynamics'],
      ['md', 'dynamics'],
    ]);
  });

  it('writes full-precision frames with velocities at every energy frame', () => {
    const [nvt] = planStages({ nvt: NVT }, { minFrameIntervalSteps: 0 });
    expect(nvt?.frameIntervalSteps).toBe(100);
    expect(nvt?.mdp).toMatchObject({ nstenergy: 100, nstxout: 100, nstvout: 100, nsteps: 1_000 });
    expect(nvt?.mdp['nstxout-compressed']).toBe(500);
  });

  it('spaces frames by the configured floor, rounded up to a multiple of nstenergy', () => {
    const [nvt] = planStages({ nvt: NVT }, { minFrameIntervalSteps: 250 });
    expect(nvt?.frameIntervalSteps).toBe(300);
    expect(nvt?.energyIntervalSteps).toBe(100);
  });

  it('gives a stage that writes no energies an energy interval', () => {
    const [nvt] = planStages(
      { nvt: { ...NVT, nstenergy: 0, nstcalcenergy: 40 } },
      { minFrameIntervalSteps: 0 },
    );
    expect(nvt?.energyIntervalSteps).toBe(520);
    expect(nvt?.mdp.nstenergy).toBe(520);
  });

  it('refuses a stage without nsteps, and parameters the runner refuses', () => {
    const { nsteps: _n, ...endless } = NVT;
    expect(() => planStages({ nvt: endless }, { minFrameIntervalSteps: 0 })).toThrow(JobInputError);
    expect(() =>
      planStages({ nvt: { ...NVT, 'tc-grps': 'System;include=x' } }, { minFrameIntervalSteps: 0 }),
    ).toThrow(JobInputError);
  });
});

describe('estimateJobBytes', () => {
  it('covers what a 5,933-atom NVT/NPT/MD job of 150/100/150 steps wrote (3.5 MB)', () => {
    const stages = planStages(
      {
        nvt: { ...NVT, nsteps: 150, nstenergy: 50, nstlog: 100, 'nstxout-compressed': 100 },
        npt: { ...NVT, nsteps: 100, nstenergy: 50, nstlog: 100, 'nstxout-compressed': 100 },
        md: { ...NVT, nsteps: 150, nstenergy: 50, nstlog: 100, 'nstxout-compressed': 100 },
      },
      { minFrameIntervalSteps: 0 },
    );
    const estimate = estimateJobBytes(stages, 5_933, 700_000);
    expect(estimate).toBeGreaterThan(3_483_489);
    expect(estimate).toBeLessThan(4 * 3_483_489);
  });

  it('grows with atoms and steps', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1_000_000 }),
        fc.integer({ min: 0, max: 1_000_000 }),
        fc.integer({ min: 1, max: 1_000 }),
        (atoms, steps, extra) => {
          const plan = (n: number) =>
            planStages({ md: { ...NVT, nsteps: n } }, { minFrameIntervalSteps: 0 });
          const base = estimateJobBytes(plan(steps), atoms, 0);
          return (
            estimateJobBytes(plan(steps), atoms + extra, 0) > base &&
            estimateJobBytes(plan(steps + extra * 100), atoms, 0) > base
          );
        },
      ),
    );
  });
});
