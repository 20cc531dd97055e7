import { type ImprovementThreshold, improves, marginKjMol } from './threshold.js';

/**
 * How a round picks the result that replaces a job's best.
 *
 * - `first-recorded` (reference): the lowest energy, the first recorded among equal energies
 *   (numpy's `argmin`); it replaces the best if it improves on it.
 * - `earliest-commitment`: among the results that improve on the best, those that the lowest
 *   energy does not itself improve on are tied with it (their difference is within the margin,
 *   i.e. noise); the earliest commitment among them wins. Results with the very same commitment
 *   time go to the lowest tie rank (the score book derives it from a hash of job id and hotkey, so
 *   that no hotkey is favoured everywhere and a copy under a second hotkey cannot claim a share).
 *   In the score book, a holder's own lower result (by less than the margin) also lowers the
 *   record it defends, without changing hands.
 */
export type TieBreak = 'first-recorded' | 'earliest-commitment';

/**
 * The index of the verified result (parallel arrays in recording order) that takes a job's best
 * this round, or -1 when nothing improves on `bestEnergyKjMol` (null: no best yet, anything wins).
 * `tieOrder(i, j)` orders two results with the same commitment time (negative: `i` wins); it is
 * only called for such ties and must be a strict order. `atomCount` sizes the margin of `size`
 * thresholds. Inputs are trusted: the score book checks them where they enter.
 */
export function selectNewBest(
  energiesKjMol: ArrayLike<number>,
  committedAtMs: ArrayLike<number>,
  tieOrder: (i: number, j: number) => number,
  bestEnergyKjMol: number | null,
  threshold: ImprovementThreshold,
  atomCount: number,
  tieBreak: TieBreak,
): number {
  const count = energiesKjMol.length;
  if (count === 0) return -1;
  const eps = bestEnergyKjMol === null ? 0 : marginKjMol(threshold, atomCount, bestEnergyKjMol);
  const beats = (energy: number): boolean =>
    bestEnergyKjMol === null || improves(energy, bestEnergyKjMol, threshold, eps);

  if (tieBreak === 'first-recorded') {
    let argmin = 0;
    for (let i = 1; i < count; i++) {
      if (energiesKjMol[i]! < energiesKjMol[argmin]!) argmin = i;
    }
    return beats(energiesKjMol[argmin]!) ? argmin : -1;
  }

  let lowest = Number.POSITIVE_INFINITY;
  for (let i = 0; i < count; i++) {
    const energy = energiesKjMol[i]!;
    if (energy < lowest && beats(energy)) lowest = energy;
  }
  if (lowest === Number.POSITIVE_INFINITY) return -1;
  // Tied with the lowest: improving results that the lowest does not itself improve on.
  let winner = -1;
  for (let i = 0; i < count; i++) {
    const energy = energiesKjMol[i]!;
    if (!beats(energy)) continue;
    if (improves(lowest, energy, threshold, marginKjMol(threshold, atomCount, energy))) continue;
    if (
      winner < 0 ||
      committedAtMs[i]! < committedAtMs[winner]! ||
      (committedAtMs[i] === committedAtMs[winner] && tieOrder(i, winner) < 0)
    ) {
      winner = i;
    }
  }
  return winner;
}
