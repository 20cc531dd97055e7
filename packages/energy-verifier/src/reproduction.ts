import type { PotentialSeries } from './physics.js';
import { type Reason, reason } from './reasons.js';
import type { Tolerances } from './tolerances.js';

/** Figures of the reproduction spot-check. */
export interface ReproductionMeasurements {
  /** Steps after the frame at which both series hold a potential. */
  readonly comparedSteps: readonly number[];
  /**
   * Largest |ΔE_validator - ΔE_miner| / |E_miner(N)|, where ΔE is the change of the potential
   * since the frame's step N; null when nothing was compared.
   */
  readonly maxDeviation: number | null;
  /** The constant offset between the two evaluations at the frame (summation order, precision), relative. */
  readonly offsetRelative: number | null;
}

/**
 * Compares the validator's continuation from the frame with the miner's own energy series for the
 * same steps within the window. Both runs start from the same state with the same parameters and
 * seed, so their potentials track each other until chaos amplifies rounding differences; what is
 * compared is the change since the frame, which removes the constant offset that summation order
 * puts between two evaluations of the same coordinates (measured up to 4.7e-5 between thread
 * counts) and keeps what different dynamics produce.
 *
 * `minerLastStep` is the last step of the miner's `.edr`; `stageLastStep` the stage's end.
 */
export function checkReproduction(input: {
  readonly frameStep: number;
  readonly miner: PotentialSeries;
  readonly validator: PotentialSeries;
  readonly minerLastStep: number;
  readonly stageLastStep: number;
  readonly tolerances: Tolerances;
}): { reasons: Reason[]; measurements: ReproductionMeasurements } {
  const { frameStep, tolerances } = input;
  const windowEnd = frameStep + tolerances.reproductionWindowSteps;
  const minerAt = new Map(input.miner.steps.map((s, i) => [s, input.miner.values[i] as number]));
  const oursAt = new Map(
    input.validator.steps.map((s, i) => [s, input.validator.values[i] as number]),
  );
  const m0 = minerAt.get(frameStep);
  const v0 = oursAt.get(frameStep);
  const compared: number[] = [];
  let worst: number | null = null;
  let worstStep = frameStep;
  if (m0 !== undefined && v0 !== undefined) {
    for (const step of input.miner.steps) {
      if (step <= frameStep || step > windowEnd) continue;
      const m = minerAt.get(step) as number;
      const v = oursAt.get(step);
      if (v === undefined) continue;
      compared.push(step);
      const deviation = Math.abs(v - v0 - (m - m0)) / Math.abs(m0);
      const value = Number.isNaN(deviation) ? Number.POSITIVE_INFINITY : deviation;
      if (worst === null || value > worst) {
        worst = value;
        worstStep = step;
      }
    }
  }
  const measurements: ReproductionMeasurements = {
    comparedSteps: compared,
    maxDeviation: worst,
    offsetRelative: m0 !== undefined && v0 !== undefined ? (v0 - m0) / Math.abs(m0) : null,
  };
  if (compared.length === 0) {
    const stageEnds = windowEnd > input.stageLastStep;
    return {
      measurements,
      reasons: [
        stageEnds
          ? reason(
              'FRAME_TOO_LATE',
              `the frame is within ${tolerances.reproductionWindowSteps} steps of the end of its stage (step ${input.stageLastStep}): no continuation can be compared`,
              { frameStep, stageLastStep: input.stageLastStep },
            )
          : reason(
              'REPRODUCTION_WINDOW_MISSING',
              `the miner's .edr ends at step ${input.minerLastStep}, before any energy after the frame within ${tolerances.reproductionWindowSteps} steps; ask again later`,
              { frameStep, minerLastStep: input.minerLastStep, windowEndStep: windowEnd },
            ),
      ],
    };
  }
  if (worst !== null && worst > tolerances.reproductionRelative) {
    return {
      measurements,
      reasons: [
        reason(
          'REPRODUCTION_MISMATCH',
          `${worstStep - frameStep} steps after the frame the validator's continuation and the miner's .edr differ by ${worst.toExponential(2)} of the potential (limit ${tolerances.reproductionRelative.toExponential(1)})`,
          {
            atStep: worstStep,
            deviation: Number.isFinite(worst) ? worst : null,
            limit: tolerances.reproductionRelative,
            comparedSteps: compared.length,
          },
        ),
      ],
    };
  }
  return { measurements, reasons: [] };
}
