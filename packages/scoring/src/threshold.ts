import { checkCount, checkFinite, paramChoice, paramNumber, paramObject } from './input-checks.js';

/**
 * When does a new potential energy count as an improvement on a job's best? Lower is better; a
 * candidate must beat the best by more than a margin (epsilon) so that noise in verification
 * (rerunning a frame from compressed coordinates moves the energy by up to ~4e-4 relative) never
 * decides who wins.
 *
 * - `absolute`: a fixed margin in kJ/mol.
 * - `size`: the reference's margin as a function of protein size: `defaultEpsilonKjMol` for at
 *   most `minAtoms` ATOM records, else `kjMolPerAtom * atoms + offsetKjMol`.
 * - `relative`: a fraction of the best's magnitude: `E_new <= E_best - fraction * |E_best|`, so
 *   "1% better" means lower also for the large negative energies of solvated proteins.
 */
export type ImprovementThreshold =
  | { readonly kind: 'absolute'; readonly epsilonKjMol: number }
  | {
      readonly kind: 'size';
      readonly defaultEpsilonKjMol: number;
      readonly minAtoms: number;
      readonly kjMolPerAtom: number;
      readonly offsetKjMol: number;
    }
  | { readonly kind: 'relative'; readonly fraction: number };

/**
 * The reference's size-based epsilon (macrocosm-os/folding, `Protein._calculate_epsilon`, June
 * 2024): 5,000 kJ/mol, and `7.14819473 * atoms + 16844.2317` kJ/mol above 100 ATOM records.
 */
export const REFERENCE_SIZE_THRESHOLD: ImprovementThreshold = Object.freeze({
  kind: 'size',
  defaultEpsilonKjMol: 5_000,
  minAtoms: 100,
  kjMolPerAtom: 7.14819473,
  offsetKjMol: 16_844.2317,
});

/**
 * The reference's later relative threshold (1%, September 2024), with the sign handled for
 * negative energies.
 */
export const REFERENCE_RELATIVE_THRESHOLD: ImprovementThreshold = Object.freeze({
  kind: 'relative',
  fraction: 0.01,
});

/**
 * The reference's size-based epsilon in kJ/mol for a protein of `atomCount` ATOM records (the
 * protein as deposited, not the solvated system).
 * @throws {InvalidInputError} when `atomCount` is not a non-negative integer.
 */
export function referenceEpsilonKjMol(atomCount: number): number {
  return epsilonKjMol(REFERENCE_SIZE_THRESHOLD, atomCount, null);
}

/**
 * The margin in kJ/mol by which a candidate must beat `bestEnergyKjMol` (null: no best yet).
 * For `relative` it is `fraction * |best|` (0 without a best).
 * @throws {InvalidInputError} when `atomCount` is not a non-negative integer.
 */
export function epsilonKjMol(
  threshold: ImprovementThreshold,
  atomCount: number,
  bestEnergyKjMol: number | null,
): number {
  checkCount('atomCount', atomCount, Number.MAX_SAFE_INTEGER);
  return marginKjMol(threshold, atomCount, bestEnergyKjMol);
}

/** {@link epsilonKjMol} for checked arguments (hot path). */
export function marginKjMol(
  threshold: ImprovementThreshold,
  atomCount: number,
  bestEnergyKjMol: number | null,
): number {
  switch (threshold.kind) {
    case 'absolute':
      return threshold.epsilonKjMol;
    case 'size':
      return atomCount > threshold.minAtoms
        ? threshold.kjMolPerAtom * atomCount + threshold.offsetKjMol
        : threshold.defaultEpsilonKjMol;
    case 'relative':
      return bestEnergyKjMol === null ? 0 : threshold.fraction * Math.abs(bestEnergyKjMol);
  }
}

/**
 * Whether `candidateKjMol` improves on `bestKjMol` (null: nothing to beat, any finite candidate
 * improves). Absolute and size-based margins are strict (`E < best - epsilon`, as the reference's
 * job store); the relative form accepts an improvement of exactly `fraction` (`>=`, as the
 * reference's later percentage test), and with a best of exactly 0 any lower energy improves. An
 * equal energy never improves, whatever the margin.
 * @throws {InvalidInputError} when an energy is not finite or `atomCount` is not an integer >= 0.
 */
export function isImprovement(
  candidateKjMol: number,
  bestKjMol: number | null,
  threshold: ImprovementThreshold,
  atomCount: number,
): boolean {
  checkFinite('candidateKjMol', candidateKjMol);
  if (bestKjMol === null) return true;
  checkFinite('bestKjMol', bestKjMol);
  return improves(
    candidateKjMol,
    bestKjMol,
    threshold,
    epsilonKjMol(threshold, atomCount, bestKjMol),
  );
}

/** {@link isImprovement} for checked numbers and a precomputed epsilon (hot path). */
export function improves(
  candidateKjMol: number,
  bestKjMol: number,
  threshold: ImprovementThreshold,
  epsilon: number,
): boolean {
  if (threshold.kind !== 'relative') return candidateKjMol < bestKjMol - epsilon;
  if (!(candidateKjMol < bestKjMol)) return false;
  if (bestKjMol === 0) return true;
  // The reference divides by the best; with |best| the sign is right for negative energies too.
  return (bestKjMol - candidateKjMol) / Math.abs(bestKjMol) >= threshold.fraction;
}

/** Validates an {@link ImprovementThreshold} from configuration. @throws {InvalidParameterError} */
export function checkThreshold(field: string, value: unknown): ImprovementThreshold {
  const o = paramObject(field, value);
  const kind = paramChoice(`${field}.kind`, o.kind, ['absolute', 'size', 'relative'] as const);
  const big = 1e12;
  switch (kind) {
    case 'absolute':
      return { kind, epsilonKjMol: paramNumber(`${field}.epsilonKjMol`, o.epsilonKjMol, 0, big) };
    case 'size':
      return {
        kind,
        defaultEpsilonKjMol: paramNumber(
          `${field}.defaultEpsilonKjMol`,
          o.defaultEpsilonKjMol,
          0,
          big,
        ),
        minAtoms: paramNumber(`${field}.minAtoms`, o.minAtoms, 0, big),
        kjMolPerAtom: paramNumber(`${field}.kjMolPerAtom`, o.kjMolPerAtom, 0, big),
        offsetKjMol: paramNumber(`${field}.offsetKjMol`, o.offsetKjMol, 0, big),
      };
    case 'relative':
      return { kind, fraction: paramNumber(`${field}.fraction`, o.fraction, 0, 1) };
  }
}
