import { type ImprovementThreshold, improves, marginKjMol } from './threshold.js';

/**
 * How a round picks the result that replaces a job's best.
 *
 * - `first-recorded` (reference): the lowest energy, the first recorded among equal energies
 *   (numpy's `argmin`); it replaces the best if it improves on it.
 * - `earliest-commitment`: among the results that improve on the best, those that the lowest
 *   energy does not itself improve on are tied with it (their difference is within the margin,
 *   i.e. noise); the earliest commitment among them wins, and results with exactly that
 *   commitment time share the title.
 */
export type TieBreak = 'first-recorded' | 'earliest-commitment';

/**
 * Indices of the verified results (parallel arrays `energiesKjMol`, `committedAtMs`, in recording
 * order) that take a job's best this round, ascending; empty when nothing improves on
 * `bestEnergyKjMol` (null: no best yet, anything wins). `atomCount` sizes the margin of `size`
 * thresholds. Inputs are trusted: the score book checks them where they enter.
 */
export function selectNewBest(
  energiesKjMol: readonly number[],
  committedAtMs: readonly number[],
  bestEnergyKjMol: number | null,
  threshold: ImprovementThreshold,
  atomCount: number,
  tieBreak: TieBreak,
): number[] {
  const count = energiesKjMol.length;
  if (count === 0) return [];
  const eps = bestEnergyKjMol === null ? 0 : marginKjMol(threshold, atomCount, bestEnergyKjMol);
  const beats = (energy: number): boolean =>
    bestEnergyKjMol === null || improves(energy, bestEnergyKjMol, threshold, eps);

  if (tieBreak === 'first-recorded') {
    let argmin = 0;
    for (let i = 1; i < count; i++) {
      if (energiesKjMol[i]! < energiesKjMol[argmin]!) argmin = i;
    }
    return beats(energiesKjMol[argmin]!) ? [argmin] : [];
  }

  let lowest = Number.POSITIVE_INFINITY;
  let any = false;
  for (let i = 0; i < count; i++) {
    const energy = energiesKjMol[i]!;
    if (beats(energy)) {
      any = true;
      if (energy < lowest) lowest = energy;
    }
  }
  if (!any) return [];
  // Tied with the lowest: improving contenders that the lowest does not itself improve on.
  let earliest = Number.POSITIVE_INFINITY;
  const tied: number[] = [];
  for (let i = 0; i < count; i++) {
    const energy = energiesKjMol[i]!;
    if (!beats(energy)) continue;
    const margin = marginKjMol(threshold, atomCount, energy);
    if (energy !== lowest && improves(lowest, energy, threshold, margin)) continue;
    tied.push(i);
    if (committedAtMs[i]! < earliest) earliest = committedAtMs[i]!;
  }
  return tied.filter((i) => committedAtMs[i] === earliest);
}
