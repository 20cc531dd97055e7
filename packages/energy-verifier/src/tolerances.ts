import { VerifierOptionsError } from './errors.js';

/**
 * Every tolerance and bound the verifier applies. Each default comes from measurements of
 * honest runs on this project's machines (GROMACS 2022.5 mixed precision, 1L2Y and 1UBQ systems;
 * `pnpm --filter @fold/energy-verifier measure` reproduces them) and is set several times wider
 * than the largest honest value seen, and below what the cheats it targets produce. The README
 * lists the measured figures next to each.
 */
export interface Tolerances {
  /**
   * Claimed potential vs the recomputed one, relative. Honest claims differ only by the order in
   * which mixed-precision GROMACS sums energies: one frame recomputed on 1 to 4 threads spreads
   * over 3.9e-5 (double precision sits inside that spread); honest claims from 2-thread miners
   * were at most 3.8e-5 off the verifier's 1-thread value, 4e-6 with the same thread count.
   * Default 2e-4.
   */
  readonly claimRelative: number;
  /** The `.edr` potential at the frame's step vs the recomputed one, relative. Default 2e-4. */
  readonly edrRelative: number;
  /**
   * Largest relative deviation of a constrained distance in the frame. Honest frames: at most
   * 1.3e-5 (LINCS for bonds to hydrogen, SETTLE for water); positions moved by 0.0005 nm: 2.7e-2.
   * Default 1e-3.
   */
  readonly constraintRelative: number;
  /** Smallest distance allowed between any two atoms with mass, nm. Honest: 0.096. Default 0.07. */
  readonly minAtomDistanceNm: number;
  /** Largest force allowed on an atom, kJ/mol/nm. Honest frames at 300-315 K: at most 4.3e3. Default 5e4. */
  readonly maxForceKjMolNm: number;
  /**
   * Kinetic energy of the frame's velocities vs the `.edr`'s at that step, relative (leap-frog
   * reports the mean of the two half steps around the frame). Honest: at most 2.6e-3; velocities
   * scaled by 0.95: 9.9e-2. Default 0.025.
   */
  readonly kineticRelative: number;
  /** Steps of the continuation over which the initial energy gradient is judged. Default 10. */
  readonly gradientSteps: number;
  /**
   * Largest change of the potential within {@link gradientSteps}, in units of the thermal
   * fluctuation `kB·T·sqrt(ndf/2)`. Honest: mean 0.95, sd 0.53, at most 2.1; a frame minimised
   * for 5 steps: 8.9, for 20 steps or more: above 15. Default 6.
   */
  readonly gradientSigmas: number;
  /**
   * Largest change of the potential over the whole continuation window, in the same units.
   * Honest: mean 1.9, sd 0.47, at most 2.7. Default 8.
   */
  readonly stabilitySigmas: number;
  /**
   * Steps of the continuation from the frame, and the window in which the miner's energy series
   * is reproduced. Honest runs continued with the validator's inputs stay within 3.1e-6 of the
   * miner's series (after removing the constant offset of summation order) up to 100 steps,
   * 1.2e-5 at 200, and diverge chaotically beyond (3.4e-4 at 300). Default 100.
   */
  readonly reproductionWindowSteps: number;
  /**
   * Largest deviation between the miner's and the validator's energy change since the frame,
   * relative to the frame's potential. Honest: at most 3.1e-6 within 100 steps; a run 30 K too
   * hot, with tripled hydrogen masses or with another seed reaches at least 3.4e-4 within 50
   * steps. Default 1e-4.
   */
  readonly reproductionRelative: number;
  /** Frames closer than this (all-atom, periodic RMSD, nm) to the job's starting structure are refused. Default 0.01. */
  readonly inputRmsdNm: number;
  /**
   * Frames closer than this (all-atom, periodic RMSD after removing a common translation, nm) to
   * an earlier submission are copies. Independent honest frames at the same step differ by at
   * least 0.139 nm. Default 0.01.
   */
  readonly copyRmsdNm: number;
  /** The same for submissions known only by their C-alpha coordinates (Kabsch RMSD, nm; honest pairs at least 0.030). Default 0.002. */
  readonly copyCaRmsdNm: number;
  /**
   * Most atom-steps per second of wall time credited to any miner (atoms x steps / s). The fastest
   * GPUs run small solvated proteins at about 3e8. Default 2e9.
   */
  readonly maxAtomStepsPerSecond: number;
  /** Largest relative change of the box volume from the job's starting box (isotropic pressure coupling). Default 0.15. */
  readonly boxVolumeRelative: number;
  /** Largest relative departure of the box from a scaled copy of the starting box's shape. Default 1e-4. */
  readonly boxShapeRelative: number;
  /** Log energies (five significant digits) vs the `.edr`, relative. Default 1e-5. */
  readonly logRelative: number;
  /** `.edr` internal sums (terms to potential, potential and kinetic to total), relative. Default 1e-5. */
  readonly edrSumRelative: number;
  /** Real-valued run parameters as dumps print them (6 significant digits), relative. Default 1e-5. */
  readonly parameterRelative: number;
  /** PME grid size per dimension vs the validator's own, relative (the grid follows the box). Default 0.1. */
  readonly pmeGridRelative: number;
}

/** The defaults; see each field of {@link Tolerances} for the measurement behind it. */
export const DEFAULT_TOLERANCES: Tolerances = Object.freeze({
  claimRelative: 2e-4,
  edrRelative: 2e-4,
  constraintRelative: 1e-3,
  minAtomDistanceNm: 0.07,
  maxForceKjMolNm: 5e4,
  kineticRelative: 0.025,
  gradientSteps: 10,
  gradientSigmas: 6,
  stabilitySigmas: 8,
  reproductionWindowSteps: 100,
  reproductionRelative: 1e-4,
  inputRmsdNm: 0.01,
  copyRmsdNm: 0.01,
  copyCaRmsdNm: 0.002,
  maxAtomStepsPerSecond: 2e9,
  boxVolumeRelative: 0.15,
  boxShapeRelative: 1e-4,
  logRelative: 1e-5,
  edrSumRelative: 1e-5,
  parameterRelative: 1e-5,
  pmeGridRelative: 0.1,
});

const INTEGER_FIELDS: ReadonlySet<keyof Tolerances> = new Set([
  'gradientSteps',
  'reproductionWindowSteps',
]);

/**
 * Merges overrides over {@link DEFAULT_TOLERANCES} and checks them: every value a finite positive
 * number, step counts integers, the gradient window inside the continuation window.
 * @throws {VerifierOptionsError} naming the first bad field.
 */
export function resolveTolerances(overrides: Partial<Tolerances> = {}): Tolerances {
  const merged: Record<string, unknown> = { ...DEFAULT_TOLERANCES };
  for (const [key, value] of Object.entries(overrides)) {
    if (!(key in DEFAULT_TOLERANCES)) {
      throw new VerifierOptionsError(`tolerances.${key}`, 'is not a tolerance');
    }
    if (value !== undefined) merged[key] = value;
  }
  for (const [key, value] of Object.entries(merged)) {
    if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
      throw new VerifierOptionsError(`tolerances.${key}`, 'must be a finite positive number');
    }
    if (INTEGER_FIELDS.has(key as keyof Tolerances) && !Number.isInteger(value)) {
      throw new VerifierOptionsError(`tolerances.${key}`, 'must be a whole number of steps');
    }
  }
  const result = merged as unknown as Tolerances;
  if (result.gradientSteps > result.reproductionWindowSteps) {
    throw new VerifierOptionsError(
      'tolerances.gradientSteps',
      'must not exceed reproductionWindowSteps (the gradient is judged on the same continuation)',
    );
  }
  if (result.reproductionWindowSteps > 100_000) {
    throw new VerifierOptionsError(
      'tolerances.reproductionWindowSteps',
      'at most 100,000 steps (honest runs diverge after a few hundred)',
    );
  }
  return Object.freeze(result);
}
