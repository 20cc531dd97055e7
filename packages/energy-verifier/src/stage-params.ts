import { getMdpNumber, getMdpWord, type MdpParams, mergeMdp } from '@fold/gromacs-runner';
import { VerifierOptionsError } from './errors.js';
import { DEFAULT_TOLERANCES } from './tolerances.js';

const MINIMIZERS = new Set(['steep', 'cg', 'l-bfgs', 'nm']);

/** Default steps between energy frames of verifiable stages: two points per reproduction window. */
export const DEFAULT_ENERGY_INTERVAL_STEPS = 50;

/**
 * The stages to assign to miners so that their frames can be verified: every dynamics stage
 * writes energies every `energyIntervalSteps` (default 50: two points in the default
 * reproduction window of 100 steps) and computes them at a divisor of that interval. Only output
 * intervals change; a miner's trajectory does not depend on them. Pure.
 * @throws {VerifierOptionsError} when the interval is not a positive integer.
 */
export function verifiableStages<S extends { readonly name: string; readonly mdp: MdpParams }>(
  stages: readonly S[],
  options: { readonly energyIntervalSteps?: number } = {},
): S[] {
  const interval = options.energyIntervalSteps ?? DEFAULT_ENERGY_INTERVAL_STEPS;
  if (!Number.isInteger(interval) || interval < 1) {
    throw new VerifierOptionsError('energyIntervalSteps', 'must be a positive integer');
  }
  if (interval > DEFAULT_TOLERANCES.reproductionWindowSteps) {
    throw new VerifierOptionsError(
      'energyIntervalSteps',
      `must not exceed the reproduction window (${DEFAULT_TOLERANCES.reproductionWindowSteps} steps)`,
    );
  }
  return stages.map((stage) => {
    if (MINIMIZERS.has(getMdpWord(stage.mdp, 'integrator') ?? 'md')) return stage;
    const calc = getMdpNumber(stage.mdp, 'nstcalcenergy') ?? 100;
    const nstcalcenergy = calc > 0 && interval % calc === 0 ? calc : interval;
    return { ...stage, mdp: mergeMdp(stage.mdp, { nstenergy: interval, nstcalcenergy }) };
  });
}
