import type { EdrData, InputrecSection, TrrFrame } from '@fold/gromacs-runner';
import { describe, expect, it } from '@jest/globals';
import {
  checkEdrConsistency,
  checkGeneratedVelocities,
  checkLogAgainstEdr,
  checkParameters,
  checkSpeed,
  checkSteps,
  compareParameters,
} from './compliance.js';
import { checkEnergy } from './energy.js';
import { checkContinuation, checkFramePhysics } from './physics.js';
import { checkReproduction } from './reproduction.js';
import { type ReferenceSystem, stageReference } from './system.js';
import { resolveTolerances, DEFAULT_TOLERANCES as T } from './tolerances.js';

const expected: InputrecSection = {
  inputrec: {
    integrator: 'md',
    dt: 0.002,
    nsteps: 250,
    'init-step': 0,
    tinit: 0,
    'ld-seed': 1,
    rvdw: 1,
    rcoulomb: 1,
    nstxout: 0,
    nstenergy: 50,
    'fourier-nx': 28,
    rlist: 1,
    pcoupl: 'C-rescale',
    pcoupltype: 'Isotropic',
  },
  groupOptions: { nrdf: [11988], 'ref-t': [315], 'tau-t': [1] },
};
const stage = stageReference({
  name: 'md',
  index: 2,
  mdp: { nstenergy: 50, pcoupl: 'C-rescale' },
  expected,
  boxMayChangeBefore: true,
});
const withInputrec = (changes: Record<string, unknown>): InputrecSection => ({
  inputrec: { ...expected.inputrec, ...changes } as InputrecSection['inputrec'],
  groupOptions: expected.groupOptions,
});

describe('compliance', () => {
  it('ignores the miner’s output intervals, the seed and what grompp derives from the box', () => {
    const miner = withInputrec({ nstxout: 50, 'ld-seed': 99, 'fourier-nx': 30, rlist: 1.05 });
    expect(compareParameters(expected, miner, T)).toEqual([]);
  });

  it('names every physics parameter that differs, including group options', () => {
    const miner: InputrecSection = {
      inputrec: { ...expected.inputrec, rvdw: 0.9, nsteps: 300, 'fourier-nx': 20 },
      groupOptions: { ...expected.groupOptions, 'ref-t': [345] },
    };
    expect(compareParameters(expected, miner, T).map((d) => d.key)).toEqual([
      'fourier-nx',
      'nsteps',
      'rvdw',
      'grpopts.ref-t',
    ]);
  });

  it('refuses another seed in the run input or in any section of the log', () => {
    const reasons = checkParameters({
      stage,
      assignedSeed: 7,
      tpr: withInputrec({ 'ld-seed': 7 }),
      logSections: [withInputrec({ 'ld-seed': 7 }), withInputrec({ 'ld-seed': 8 })],
      tolerances: T,
    });
    expect(reasons.map((r) => r.code)).toEqual(['SEED_MISMATCH']);
    expect(reasons[0]?.details.found).toEqual([{ source: 'log section 2', seed: '8' }]);
  });

  it('refuses a log whose parameters differ even when the run input agrees', () => {
    const reasons = checkParameters({
      stage,
      assignedSeed: 1,
      tpr: withInputrec({}),
      logSections: [withInputrec({ rcoulomb: 0.9 })],
      tolerances: T,
    });
    expect(reasons.map((r) => r.code)).toEqual(['LOG_PARAMETERS_MISMATCH']);
  });

  const edr = (values: number[][], steps = [0, 50]): EdrData => ({
    terms: ['Bond', 'LJ (SR)', 'Potential', 'Kinetic En.', 'Total Energy', 'Temperature'].map(
      (name) => ({ name, unit: 'kJ/mol' }),
    ),
    frames: values.map((v, i) => ({
      step: steps[i] as number,
      timePs: (steps[i] as number) * 0.002,
      values: Float64Array.from(v),
    })),
    precision: 'single',
    completeBytes: 0,
    truncated: false,
  });
  const kineticFor = (t: number) => (t * 11988 * 0.0083144626181532) / 2;
  const frame = (bond: number, lj: number, t = 300) => {
    const ke = kineticFor(t);
    return [bond, lj, bond + lj, ke, bond + lj + ke, t];
  };

  it('accepts an .edr whose terms add up and refuses one edited in a single term', () => {
    expect(checkEdrConsistency(edr([frame(10, -100), frame(12, -101)]), stage, T)).toEqual([]);
    const edited = frame(12, -101);
    edited[2] = -200;
    const reasons = checkEdrConsistency(edr([frame(10, -100), edited]), stage, T);
    expect(reasons.map((r) => r.code)).toEqual(['EDR_INCONSISTENT']);
    expect(reasons[0]?.details.step).toBe(50);
  });

  it('refuses an .edr whose times do not follow the time step or whose temperature is off', () => {
    const wrongTime = edr([frame(10, -100)], [0]);
    (wrongTime.frames[0] as { timePs: number }).timePs = 0.5;
    expect(checkEdrConsistency(wrongTime, stage, T)[0]?.message).toMatch(/time/);
    const hot = frame(10, -100);
    hot[5] = 330;
    expect(checkEdrConsistency(edr([hot], [0]), stage, T)[0]?.message).toMatch(/temperature/);
  });

  it('compares log energies with the .edr at the steps both hold', () => {
    const data = edr([frame(10, -100), frame(12, -101)]);
    const log = (potential: string) =>
      `           Step           Time\n             50        0.10000\n\n   Energies (kJ/mol)\n      Potential\n   ${potential}\n`;
    expect(checkLogAgainstEdr(log('-8.90000e+01'), data, T)).toEqual([]);
    expect(checkLogAgainstEdr(log('-9.90000e+01'), data, T).map((r) => r.code)).toEqual([
      'LOG_EDR_MISMATCH',
    ]);
  });

  it('refuses more atom-steps per second than the bound', () => {
    const ok = checkSpeed({
      atomCount: 6000,
      stepsBefore: 100,
      stage,
      lastEdrStep: 250,
      elapsedWallMs: 10_000,
      tolerances: T,
    });
    expect(ok.reasons).toEqual([]);
    expect(ok.atomStepsPerSecond).toBeCloseTo((6000 * 350) / 10, 6);
    const fast = checkSpeed({
      atomCount: 6000,
      stepsBefore: 100,
      stage,
      lastEdrStep: 250,
      elapsedWallMs: 0.5,
      tolerances: T,
    });
    expect(fast.reasons.map((r) => r.code)).toEqual(['IMPLAUSIBLE_SPEED']);
  });
});

describe('steps', () => {
  const trrFrame = (step: number, timePs = step * 0.002): TrrFrame => ({
    step,
    timePs,
    lambda: 0,
    atomCount: 1,
    boxNm: null,
    positionsNm: null,
    velocitiesNmPs: null,
    forcesKjMolNm: null,
  });
  const energySteps = [0, 50, 100, 150, 200, 250];
  const energies: EdrData = {
    terms: [{ name: 'Potential', unit: 'kJ/mol' }],
    frames: energySteps.map((step) => ({
      step,
      timePs: step * 0.002,
      values: Float64Array.from([-1e5]),
    })),
    precision: 'single',
    completeBytes: 0,
    truncated: false,
  };
  const codes = (step: number, frame: TrrFrame) =>
    checkSteps({ claimStep: step, frame, stage, edr: energies }).map((r) => r.code);

  it('accepts the claimed frame at the stage’s last step, on the time step and in the .edr', () => {
    expect(stage.lastStep).toBe(250);
    expect(codes(250, trrFrame(250))).toEqual([]);
  });

  it('refuses a frame whose step differs from the claimed step', () => {
    const reasons = checkSteps({ claimStep: 150, frame: trrFrame(100), stage, edr: energies });
    expect(reasons.map((r) => r.code)).toEqual(['STEP_INCONSISTENT']);
    expect(reasons[0]?.details).toEqual({ frameStep: 100, claimStep: 150 });
  });

  it('refuses a frame after the stage’s last step', () => {
    const reasons = checkSteps({ claimStep: 251, frame: trrFrame(251), stage, edr: energies });
    expect(reasons.map((r) => r.code)).toEqual(['STEP_INCONSISTENT']);
    expect(reasons[0]?.message).toMatch(/outside the md stage \(0 to 250\)/);
  });

  it('refuses a frame before the stage’s init-step', () => {
    const later = stageReference({
      name: 'md',
      index: 2,
      mdp: { nstenergy: 50 },
      expected: withInputrec({ 'init-step': 100, nsteps: 150 }),
      boxMayChangeBefore: true,
    });
    const steps = (step: number) =>
      checkSteps({ claimStep: step, frame: trrFrame(step), stage: later, edr: undefined });
    expect(steps(100)).toEqual([]);
    const reasons = steps(99);
    expect(reasons.map((r) => r.code)).toEqual(['STEP_INCONSISTENT']);
    expect(reasons[0]?.message).toMatch(/outside the md stage \(100 to 250\)/);
  });

  it('refuses a frame time more than a quarter time step from tinit + step x dt', () => {
    expect(codes(100, trrFrame(100, 0.2 + 0.0004))).toEqual([]);
    expect(codes(100, trrFrame(100, 0.2 - 0.0004))).toEqual([]);
    expect(codes(100, trrFrame(100, 0.2 + 0.0006))).toEqual(['STEP_INCONSISTENT']);
    expect(codes(100, trrFrame(100, 0.2 - 0.0006))).toEqual(['STEP_INCONSISTENT']);
    expect(codes(100, trrFrame(100, Number.NaN))).toEqual(['STEP_INCONSISTENT']);
  });

  it('accepts the float32 rounding of a long run’s frame time, and no more', () => {
    const long = { ...stage, lastStep: 20_000_000 };
    const step = 10_000_021; // 20 ns at 2 fs
    const stored = Math.fround(step * 0.002);
    // Further from step x dt than a quarter time step: refused before the rounding was allowed.
    expect(Math.abs(stored - step * 0.002)).toBeGreaterThan(0.002 / 4);
    const check = (timePs: number) =>
      checkSteps({ claimStep: step, frame: trrFrame(step, timePs), stage: long, edr: undefined });
    expect(check(stored)).toEqual([]);
    expect(check(step * 0.002 + 0.01).map((r) => r.code)).toEqual(['STEP_INCONSISTENT']);
  });

  it('refuses a frame at a step the .edr holds no energies for', () => {
    const reasons = checkSteps({ claimStep: 120, frame: trrFrame(120), stage, edr: energies });
    expect(reasons.map((r) => r.code)).toEqual(['STEP_INCONSISTENT']);
    expect(reasons[0]?.message).toMatch(/no energies at step 120/);
  });
});

describe('frame physics', () => {
  const box = Float64Array.from([3, 0, 0, 0, 3, 0, 0, 0, 3]);
  // A TIP4P-like water (O, H, massless M site 0.015 nm from O) and a carbon.
  const system: ReferenceSystem = {
    atomCount: 4,
    molecules: [
      { name: 'SOL', count: 1, atomsPerMolecule: 3 },
      { name: 'LIG', count: 1, atomsPerMolecule: 1 },
    ],
    masses: Float64Array.from([15.9994, 1.008, 0, 12.011]),
    charges: new Float64Array(4),
    atomNames: ['OW', 'HW1', 'MW', 'C'],
    residueNames: ['SOL', 'SOL', 'SOL', 'LIG'],
    constraints: {
      atomsA: new Int32Array(0),
      atomsB: new Int32Array(0),
      lengthsNm: new Float64Array(0),
    },
    caAtoms: new Int32Array(0),
    startPositionsNm: new Float64Array(12),
    startBoxNm: box,
  };
  const physics = (carbon: [number, number, number], oxygenX = 1) =>
    checkFramePhysics({
      system,
      stage,
      frame: {
        step: 100,
        timePs: 0.2,
        lambda: 0,
        atomCount: 4,
        boxNm: box,
        positionsNm: Float64Array.from(
          [[oxygenX, 1, 1], [oxygenX + 0.0957, 1, 1], [oxygenX + 0.015, 1, 1], carbon].flat(),
        ),
        velocitiesNmPs: new Float64Array(12),
        forcesKjMolNm: null,
      },
      forces: null,
      edr: undefined,
      tolerances: T,
    });

  it('refuses two atoms closer than minAtomDistanceNm and names them', () => {
    const result = physics([1, 1, 1 + 0.0699]);
    expect(result.reasons.map((r) => r.code)).toEqual(['ATOMS_OVERLAP']);
    expect(result.reasons[0]?.details.atoms).toEqual([0, 3]);
    expect(result.measurements.closestAtomsNm).toBeCloseTo(0.0699, 9);
  });

  it('accepts two atoms just farther apart than minAtomDistanceNm', () => {
    const result = physics([1, 1, 1 + 0.0701]);
    expect(result.reasons).toEqual([]);
    expect(result.measurements.closestAtomsNm).toBeNull();
  });

  it('refuses atoms that overlap across a periodic boundary', () => {
    const result = physics([2.97, 1, 1], 0.02);
    expect(result.reasons.map((r) => r.code)).toEqual(['ATOMS_OVERLAP']);
    expect(result.reasons[0]?.details.distanceNm).toBeCloseTo(0.05, 9);
  });

  it('ignores a massless virtual site closer to its atom than minAtomDistanceNm', () => {
    expect(physics([2, 2, 2]).reasons).toEqual([]);
  });
});

describe('generated velocities', () => {
  it('accept the velocities the assigned gen-seed draws, to dump precision, and refuse others', () => {
    const expected = Float64Array.from([0.1, -0.25, 0.3, 1.2, 0, -0.7]);
    const printed = expected.map((v) => Number(v.toExponential(5)) * (1 + 1e-6));
    expect(checkGeneratedVelocities({ expected, actual: printed, assignedSeed: 5 })).toEqual([]);
    const other = Float64Array.from(expected, (v, i) => (i === 3 ? -v : v));
    const reasons = checkGeneratedVelocities({ expected, actual: other, assignedSeed: 5 });
    expect(reasons.map((r) => r.code)).toEqual(['SEED_MISMATCH']);
    expect(reasons[0]?.details.differingComponents).toBe(1);
    expect(checkGeneratedVelocities({ expected, actual: null, assignedSeed: 5 })).toHaveLength(1);
  });
});

describe('energy comparison', () => {
  it('accepts a claim within the tolerance and refuses a lowered one and an .edr that disagrees', () => {
    expect(
      checkEnergy({
        recomputedKjMol: -1e5,
        claimedKjMol: -1e5 * (1 + 1e-4),
        edrKjMol: -1e5,
        tolerances: T,
      }).reasons,
    ).toEqual([]);
    const result = checkEnergy({
      recomputedKjMol: -1e5,
      claimedKjMol: -1.001e5,
      edrKjMol: -1.01e5,
      tolerances: T,
    });
    expect(result.reasons.map((r) => r.code)).toEqual(['CLAIM_MISMATCH', 'EDR_MISMATCH']);
    expect(result.claimRelative).toBeCloseTo(-1e-3, 12);
  });

  it('refuses a non-finite recomputed energy', () => {
    expect(
      checkEnergy({ recomputedKjMol: Number.NaN, claimedKjMol: 1, edrKjMol: null, tolerances: T })
        .reasons[0]?.code,
    ).toBe('ENERGY_NOT_FINITE');
  });
});

describe('continuation', () => {
  const sigma = 0.0083144626181532 * 315 * Math.sqrt(11988 / 2);
  const series = (f: (k: number) => number) => {
    const steps = Array.from({ length: 101 }, (_, k) => 100 + k);
    return { steps, values: steps.map((s) => -9e4 + f(s - 100) * sigma) };
  };

  it('accepts thermal wandering and measures it in thermal fluctuations', () => {
    const result = checkContinuation({
      stage,
      frameStep: 100,
      series: series((k) => Math.sin(k / 7)),
      tolerances: T,
    });
    expect(result.reasons).toEqual([]);
    expect(result.measurements.driftSigmas).toBeCloseTo(1, 2);
    expect(result.measurements.sigmaKjMol).toBeCloseTo(sigma, 9);
  });

  it('refuses a jump in the first steps in either direction', () => {
    for (const sign of [1, -1]) {
      const result = checkContinuation({
        stage,
        frameStep: 100,
        series: series((k) => sign * Math.min(k, 8)),
        tolerances: T,
      });
      expect(result.reasons.map((r) => r.code)).toContain('ENERGY_GRADIENT');
    }
  });

  it('refuses a slow drift beyond the stability bound and a run that stopped early', () => {
    const drift = checkContinuation({
      stage,
      frameStep: 100,
      series: series((k) => k / 11),
      tolerances: T,
    });
    expect(drift.reasons.map((r) => r.code)).toEqual(['UNSTABLE_CONTINUATION']);
    const short = series(() => 0);
    const stopped = checkContinuation({
      stage,
      frameStep: 100,
      series: { steps: short.steps.slice(0, 40), values: short.values.slice(0, 40) },
      tolerances: T,
    });
    expect(stopped.reasons[0]?.message).toMatch(/stopped at step 139/);
  });
});

describe('reproduction', () => {
  const miner = { steps: [100, 150, 200, 250], values: [-1e5, -1.0001e5, -0.9999e5, -1e5] };
  const base = { frameStep: 100, miner, minerLastStep: 250, stageLastStep: 1000, tolerances: T };

  it('removes the constant offset between evaluations and accepts a tracking series', () => {
    const offset = 5; // kJ/mol: another summation order
    const validator = {
      steps: [100, 150, 200],
      values: [-1e5 + offset, -1.0001e5 + offset + 0.5, -0.9999e5 + offset],
    };
    const result = checkReproduction({ ...base, validator });
    expect(result.reasons).toEqual([]);
    expect(result.measurements.comparedSteps).toEqual([150, 200]);
    expect(result.measurements.maxDeviation).toBeCloseTo(0.5 / 1e5, 12);
    expect(result.measurements.offsetRelative).toBeCloseTo(5e-5, 12);
  });

  it('refuses a series that departs beyond the tolerance', () => {
    const validator = { steps: [100, 150, 200], values: [-1e5, -1.0001e5, -0.9999e5 + 20] };
    expect(checkReproduction({ ...base, validator }).reasons.map((r) => r.code)).toEqual([
      'REPRODUCTION_MISMATCH',
    ]);
  });

  it('asks to come back when the miner has not reached the window yet, and refuses frames at the end of a stage', () => {
    const validator = { steps: [100, 150, 200], values: [-1e5, -1e5, -1e5] };
    const early = { steps: [50, 100], values: [-1e5, -1e5] };
    expect(
      checkReproduction({ ...base, miner: early, minerLastStep: 100, validator }).reasons[0]?.code,
    ).toBe('REPRODUCTION_WINDOW_MISSING');
    expect(
      checkReproduction({
        ...base,
        miner: early,
        minerLastStep: 100,
        stageLastStep: 150,
        validator,
      }).reasons[0]?.code,
    ).toBe('FRAME_TOO_LATE');
  });
});

describe('tolerances', () => {
  it('merges overrides and refuses unknown, non-positive or fractional values', () => {
    expect(resolveTolerances({ claimRelative: 1e-3 }).claimRelative).toBe(1e-3);
    expect(() => resolveTolerances({ claimRelative: 0 })).toThrow(/claimRelative/);
    expect(() => resolveTolerances({ gradientSteps: 2.5 })).toThrow(/whole number/);
    expect(() => resolveTolerances({ nope: 1 } as never)).toThrow(/not a tolerance/);
    expect(() => resolveTolerances({ gradientSteps: 200 })).toThrow(/reproductionWindowSteps/);
  });
});
