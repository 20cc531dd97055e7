import {
  type DumpValue,
  type EdrData,
  type InputrecSection,
  parseLogEnergies,
  type TrrFrame,
} from '@fold/gromacs-runner';
import { BOLTZMANN_KJ_MOL_K } from './geometry.js';
import { type DetailRecord, type Reason, reason } from './reasons.js';
import type { StageReference } from './system.js';
import type { Tolerances } from './tolerances.js';

/**
 * Parameters a miner sets for itself: how often it writes frames and logs. They do not change
 * the trajectory; the miner app writes full-precision frames at its own interval.
 */
export const MINER_OUTPUT_PARAMETERS: ReadonlySet<string> = new Set([
  'nstxout',
  'nstvout',
  'nstfout',
  'nstlog',
  'nstxout-compressed',
  'compressed-x-precision',
]);

/**
 * Parameters grompp derives from the starting box rather than from the mdp: the PME grid (compared
 * within `pmeGridRelative`) and the pair-list radius (mdrun sets its own at run time).
 */
const BOX_DERIVED = new Set(['fourier-nx', 'fourier-ny', 'fourier-nz']);
const IGNORED = new Set(['rlist', 'ld-seed']);

/** One parameter whose value differs. */
export interface ParameterDifference {
  readonly key: string;
  readonly expected: string;
  readonly actual: string;
}

function render(value: DumpValue | readonly (number | string)[] | undefined): string {
  return value === undefined ? '(absent)' : JSON.stringify(value);
}

function sameValue(
  a: DumpValue | readonly (number | string)[] | undefined,
  b: DumpValue | readonly (number | string)[] | undefined,
  relative: number,
): boolean {
  if (typeof a === 'number' && typeof b === 'number') {
    if (a === b) return true;
    return Math.abs(a - b) <= relative * Math.max(Math.abs(a), Math.abs(b));
  }
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (Array.isArray(a) && Array.isArray(b)) {
    return a.length === b.length && a.every((v, i) => sameValue(v, b[i], relative));
  }
  return a === b;
}

/**
 * Differences between the run parameters the validator expects for a stage and those of a
 * miner's run input or log: every inputrec entry and group option, except the miner's own output
 * intervals, the seed (checked on its own) and what grompp derives from the box.
 */
export function compareParameters(
  expected: InputrecSection,
  actual: InputrecSection,
  tolerances: Pick<Tolerances, 'parameterRelative' | 'pmeGridRelative'>,
): ParameterDifference[] {
  const differences: ParameterDifference[] = [];
  const keys = new Set([...Object.keys(expected.inputrec), ...Object.keys(actual.inputrec)]);
  for (const key of [...keys].sort()) {
    if (MINER_OUTPUT_PARAMETERS.has(key) || IGNORED.has(key)) continue;
    const e = expected.inputrec[key];
    const a = actual.inputrec[key];
    const same = BOX_DERIVED.has(key)
      ? typeof e === 'number' &&
        typeof a === 'number' &&
        Math.abs(a - e) <= tolerances.pmeGridRelative * e
      : sameValue(e, a, tolerances.parameterRelative);
    if (!same) differences.push({ key, expected: render(e), actual: render(a) });
  }
  const groups = new Set([
    ...Object.keys(expected.groupOptions),
    ...Object.keys(actual.groupOptions),
  ]);
  for (const key of [...groups].sort()) {
    const e = expected.groupOptions[key];
    const a = actual.groupOptions[key];
    if (!sameValue(e, a, tolerances.parameterRelative)) {
      differences.push({ key: `grpopts.${key}`, expected: render(e), actual: render(a) });
    }
  }
  return differences;
}

const differenceDetails = (differences: readonly ParameterDifference[]): DetailRecord => ({
  differences: differences.slice(0, 20).map((d) => ({ ...d })),
  count: differences.length,
});

/**
 * The miner's run input and log against the assigned parameters and seed: `PARAMETERS_MISMATCH`,
 * `LOG_PARAMETERS_MISMATCH`, `SEED_MISMATCH`. Every parameter section of the log is checked (a
 * run continued from a checkpoint appends one per mdrun process).
 */
export function checkParameters(input: {
  readonly stage: StageReference;
  readonly assignedSeed: number;
  readonly tpr: InputrecSection | null;
  readonly logSections: readonly InputrecSection[];
  readonly tolerances: Tolerances;
}): Reason[] {
  const { stage, tolerances } = input;
  const reasons: Reason[] = [];
  const seeds: { source: string; seed: DumpValue | undefined }[] = [];
  if (input.tpr) {
    const differences = compareParameters(stage.expected, input.tpr, tolerances);
    if (differences.length > 0) {
      reasons.push(
        reason(
          'PARAMETERS_MISMATCH',
          `the miner's run input differs from the assigned ${stage.name} parameters in ${differences
            .slice(0, 5)
            .map((d) => d.key)
            .join(', ')}${differences.length > 5 ? ', ...' : ''}`,
          differenceDetails(differences),
        ),
      );
    }
    seeds.push({ source: 'tpr', seed: input.tpr.inputrec['ld-seed'] });
  }
  input.logSections.forEach((section, index) => {
    const differences = compareParameters(stage.expected, section, tolerances);
    if (differences.length > 0) {
      reasons.push(
        reason(
          'LOG_PARAMETERS_MISMATCH',
          `run ${index + 1} in the log used other ${stage.name} parameters: ${differences
            .slice(0, 5)
            .map((d) => d.key)
            .join(', ')}${differences.length > 5 ? ', ...' : ''}`,
          { ...differenceDetails(differences), section: index },
        ),
      );
    }
    seeds.push({ source: `log section ${index + 1}`, seed: section.inputrec['ld-seed'] });
  });
  const wrong = seeds.filter((s) => s.seed !== input.assignedSeed);
  if (wrong.length > 0) {
    reasons.push(
      reason(
        'SEED_MISMATCH',
        `the ${wrong.map((w) => w.source).join(' and ')} carry ld-seed ${wrong
          .map((w) => String(w.seed))
          .join(', ')}, not the assigned ${input.assignedSeed}`,
        {
          assigned: input.assignedSeed,
          found: wrong.map((w) => ({ source: w.source, seed: String(w.seed) })),
        },
      ),
    );
  }
  return reasons;
}

/**
 * The `.edr` against itself: steps increasing, each time equal to `tinit + step·dt`, energy terms
 * summing to the potential, potential and kinetic energy to the total, and the temperature
 * following from the kinetic energy and the degrees of freedom.
 */
export function checkEdrConsistency(
  edr: EdrData,
  stage: StageReference,
  tolerances: Tolerances,
): Reason[] {
  const index = (name: string) => edr.terms.findIndex((t) => t.name === name);
  const potential = index('Potential');
  const kinetic = index('Kinetic En.');
  const total = index('Total Energy');
  const temperature = index('Temperature');
  let previous = Number.NEGATIVE_INFINITY;
  for (const frame of edr.frames) {
    const fail = (message: string, details: DetailRecord = {}) =>
      reason('EDR_INCONSISTENT', `at step ${frame.step}: ${message}`, {
        step: frame.step,
        ...details,
      });
    if (!(frame.step > previous)) return [fail('steps do not increase')];
    previous = frame.step;
    const expectedTime = stage.tinitPs + frame.step * stage.dtPs;
    if (!(Math.abs(frame.timePs - expectedTime) <= stage.dtPs / 100)) {
      return [
        fail(`time ${frame.timePs} ps is not tinit + step x dt = ${expectedTime} ps`, {
          timePs: frame.timePs,
          expectedPs: expectedTime,
        }),
      ];
    }
    const v = frame.values;
    let sum = 0;
    let magnitude = 0;
    for (let i = 0; i < potential; i++) {
      sum += v[i] as number;
      magnitude += Math.abs(v[i] as number);
    }
    const pot = v[potential] as number;
    if (!(Math.abs(sum - pot) <= tolerances.edrSumRelative * magnitude)) {
      return [fail(`the terms sum to ${sum}, the potential says ${pot}`, { sum, potential: pot })];
    }
    if (kinetic >= 0 && total >= 0) {
      const expectedTotal = pot + (v[kinetic] as number);
      const reported = v[total] as number;
      if (!(Math.abs(expectedTotal - reported) <= tolerances.edrSumRelative * magnitude)) {
        return [
          fail(`potential + kinetic = ${expectedTotal}, the total energy says ${reported}`, {
            expected: expectedTotal,
            total: reported,
          }),
        ];
      }
    }
    if (kinetic >= 0 && temperature >= 0 && stage.degreesOfFreedom > 0) {
      const expectedT =
        (2 * (v[kinetic] as number)) / (stage.degreesOfFreedom * BOLTZMANN_KJ_MOL_K);
      const reported = v[temperature] as number;
      if (!(Math.abs(expectedT - reported) <= 1e-4 * Math.max(1, Math.abs(expectedT)))) {
        return [
          fail(
            `the kinetic energy gives ${expectedT.toFixed(3)} K, the temperature says ${reported}`,
            {
              expectedK: expectedT,
              temperatureK: reported,
            },
          ),
        ];
      }
    }
  }
  return [];
}

/** Energies printed in the log against the `.edr` at the steps both hold. */
export function checkLogAgainstEdr(
  logText: string,
  edr: EdrData,
  tolerances: Tolerances,
): Reason[] {
  const byStep = new Map(edr.frames.map((f) => [f.step, f]));
  const termIndex = new Map(edr.terms.map((t, i) => [t.name, i]));
  for (const frame of parseLogEnergies(logText)) {
    const edrFrame = byStep.get(frame.step);
    if (!edrFrame) continue;
    for (const [term, logged] of Object.entries(frame.energies)) {
      const i = termIndex.get(term);
      if (i === undefined) continue;
      const recorded = edrFrame.values[i] as number;
      if (!(Math.abs(logged - recorded) <= tolerances.logRelative * Math.abs(recorded) + 1e-12)) {
        return [
          reason(
            'LOG_EDR_MISMATCH',
            `at step ${frame.step} the log says ${term} = ${logged}, the .edr ${recorded}`,
            { step: frame.step, term, log: logged, edr: recorded },
          ),
        ];
      }
    }
  }
  return [];
}

/**
 * The frame's step and time against the claim, the stage's time step and extent, and the `.edr`
 * (which must hold energies at that step).
 */
export function checkSteps(input: {
  readonly claimStep: number;
  readonly frame: TrrFrame;
  readonly stage: StageReference;
  readonly edr: EdrData | undefined;
}): Reason[] {
  const { frame, stage } = input;
  const fail = (message: string, details: DetailRecord) =>
    reason('STEP_INCONSISTENT', message, { frameStep: frame.step, ...details });
  if (frame.step !== input.claimStep) {
    return [
      fail(`the frame is step ${frame.step}, the claim step ${input.claimStep}`, {
        claimStep: input.claimStep,
      }),
    ];
  }
  if (frame.step < stage.initStep || frame.step > stage.lastStep) {
    return [
      fail(
        `step ${frame.step} is outside the ${stage.name} stage (${stage.initStep} to ${stage.lastStep})`,
        {
          lastStep: stage.lastStep,
        },
      ),
    ];
  }
  const expectedTime = stage.tinitPs + frame.step * stage.dtPs;
  // A mixed-precision build stores the frame's time as a 32-bit float: past about 16 ns its
  // rounding (two units in the last place, 2^-22 relative) exceeds a quarter time step, and the
  // step number, already checked, is what places the frame.
  const timeTolerancePs = Math.max(stage.dtPs / 4, Math.abs(expectedTime) * 2 ** -22);
  if (!(Math.abs(frame.timePs - expectedTime) <= timeTolerancePs)) {
    return [
      fail(`the frame's time ${frame.timePs} ps is not step x dt = ${expectedTime} ps`, {
        timePs: frame.timePs,
        expectedPs: expectedTime,
      }),
    ];
  }
  if (input.edr && !input.edr.frames.some((f) => f.step === frame.step)) {
    return [fail(`the .edr holds no energies at step ${frame.step}`, {})];
  }
  return [];
}

/**
 * Steps the miner reports (all stages before this one, plus this stage up to the `.edr`'s last
 * frame) against the wall time since the job was assigned: more atom-steps per second than any
 * hardware delivers means the reported progress is not real.
 */
export function checkSpeed(input: {
  readonly atomCount: number;
  readonly stepsBefore: number;
  readonly stage: StageReference;
  readonly lastEdrStep: number;
  readonly elapsedWallMs: number;
  readonly tolerances: Tolerances;
}): { reasons: Reason[]; atomStepsPerSecond: number } {
  const steps = input.stepsBefore + Math.max(0, input.lastEdrStep - input.stage.initStep);
  const seconds = Math.max(input.elapsedWallMs, 1) / 1000;
  const rate = (input.atomCount * steps) / seconds;
  if (rate > input.tolerances.maxAtomStepsPerSecond) {
    return {
      atomStepsPerSecond: rate,
      reasons: [
        reason(
          'IMPLAUSIBLE_SPEED',
          `${steps} steps of ${input.atomCount} atoms in ${seconds.toFixed(1)} s is ${rate.toExponential(2)} atom-steps/s, above ${input.tolerances.maxAtomStepsPerSecond.toExponential(1)}`,
          {
            steps,
            seconds,
            atomStepsPerSecond: rate,
            limit: input.tolerances.maxAtomStepsPerSecond,
          },
        ),
      ],
    };
  }
  return { reasons: [], atomStepsPerSecond: rate };
}

/**
 * For a stage that draws its velocities (`gen-vel = yes`), the velocities stored in the miner's
 * run input against those grompp draws from the job's structure with the assigned `gen-seed`:
 * the one place where `gen-seed`, which grompp does not store, can be proved. Both come from
 * `gmx dump` (six significant digits).
 */
export function checkGeneratedVelocities(input: {
  readonly expected: Float64Array;
  readonly actual: Float64Array | null;
  readonly assignedSeed: number;
}): Reason[] {
  const { expected, actual } = input;
  let sum = 0;
  for (const v of expected) sum += v * v;
  const rms = Math.sqrt(sum / Math.max(1, expected.length));
  let differing = 0;
  if (actual === null || actual.length !== expected.length) differing = expected.length;
  else {
    for (let i = 0; i < expected.length; i++) {
      const e = expected[i] as number;
      if (!(Math.abs((actual[i] as number) - e) <= 1e-4 * Math.abs(e) + 1e-5 * rms)) differing++;
    }
  }
  if (differing === 0) return [];
  return [
    reason(
      'SEED_MISMATCH',
      `the velocities in the miner's run input are not those gen-seed ${input.assignedSeed} draws (${differing} of ${expected.length} components differ)`,
      { assigned: input.assignedSeed, differingComponents: differing },
    ),
  ];
}
