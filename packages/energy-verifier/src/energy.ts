import { type Reason, reason } from './reasons.js';
import type { Tolerances } from './tolerances.js';

/**
 * The recomputed potential against the miner's claim and against the `.edr`'s potential at the
 * frame's step (null when the `.edr` is unusable or lacks that step).
 */
export function checkEnergy(input: {
  readonly recomputedKjMol: number;
  readonly claimedKjMol: number;
  readonly edrKjMol: number | null;
  readonly tolerances: Tolerances;
}): { reasons: Reason[]; claimRelative: number; edrRelative: number | null } {
  const { recomputedKjMol: e, tolerances } = input;
  const reasons: Reason[] = [];
  if (!Number.isFinite(e)) {
    return {
      reasons: [reason('ENERGY_NOT_FINITE', 'the recomputed potential energy is not finite', {})],
      claimRelative: Number.NaN,
      edrRelative: null,
    };
  }
  const claimRelative = (input.claimedKjMol - e) / Math.abs(e);
  if (!(Math.abs(claimRelative) <= tolerances.claimRelative)) {
    reasons.push(
      reason(
        'CLAIM_MISMATCH',
        `the miner claims ${input.claimedKjMol} kJ/mol, the frame's potential energy is ${e.toFixed(2)} kJ/mol (${claimRelative.toExponential(2)} relative, limit ${tolerances.claimRelative.toExponential(1)})`,
        { claimedKjMol: input.claimedKjMol, recomputedKjMol: e, relative: claimRelative },
      ),
    );
  }
  let edrRelative: number | null = null;
  if (input.edrKjMol !== null) {
    edrRelative = (input.edrKjMol - e) / Math.abs(e);
    if (!(Math.abs(edrRelative) <= tolerances.edrRelative)) {
      reasons.push(
        reason(
          'EDR_MISMATCH',
          `the .edr records ${input.edrKjMol} kJ/mol at the frame's step, the frame's potential energy is ${e.toFixed(2)} kJ/mol (${edrRelative.toExponential(2)} relative)`,
          { edrKjMol: input.edrKjMol, recomputedKjMol: e, relative: edrRelative },
        ),
      );
    }
  }
  return { reasons, claimRelative, edrRelative };
}
