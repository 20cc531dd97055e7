import { rmsdOfCentered } from './kabsch.js';

/** A structure taking part in the exploration bonus of one round. */
export interface ExplorationEntry {
  /** Verified potential energy, kJ/mol. */
  readonly energyKjMol: number;
  /** When the miner committed to it, milliseconds since the epoch. */
  readonly committedAtMs: number;
  /** Orders entries of equal energy and commitment time (lower first; distinct among candidates). */
  readonly tieRank: number;
  /** Centred C-alpha coordinates (nm), flat; null when the result came without coordinates. */
  readonly centeredCa: Float64Array | null;
}

/** Input of {@link explorationBonuses}. */
export interface ExplorationInput {
  /** This round's verified results, which may earn the bonus. */
  readonly candidates: readonly ExplorationEntry[];
  /**
   * Earlier structures that compete for priority but earn nothing (the best before the round);
   * give them `tieRank: Infinity` so that a holder resubmitting its record is not outranked by it.
   */
  readonly references: readonly ExplorationEntry[];
  /** The job's starting structure (centred): nothing within `minRmsdNm` of it is exploration. */
  readonly startCa: Float64Array | null;
  /** Only results at or below this energy (kJ/mol) are "low-energy". */
  readonly maxEnergyKjMol: number;
  /** Two structures closer than this (nm, C-alpha Kabsch RMSD) are the same conformation. */
  readonly minRmsdNm: number;
  /** Reward of one distinct conformation. */
  readonly bonus: number;
  /** At most this many distinct conformations are paid per round. */
  readonly maxConformations: number;
}

/**
 * The exploration bonus of each candidate (parallel to `candidates`).
 *
 * Structures are ranked by priority: lower energy first, then earlier commitment, then lower tie
 * rank. A candidate with coordinates and an energy within the window is a distinct conformation
 * when it is at least `minRmsdNm` from the starting structure and from every structure (candidate
 * or reference) of higher priority: "distinct from everything better", not "distinct from what
 * was accepted so far". That choice makes the bonus monotone: lowering one's energy can only
 * remove structures ranked above one's own, so it never loses the bonus, and it can only add
 * oneself above others, so nobody else gains from it. A copy of a structure (identical
 * coordinates count as one conformation whatever the threshold) is outranked by its original or
 * outranks it, so two hotkeys sending one result earn one bonus. The first `maxConformations`
 * distinct conformations by priority are paid.
 */
export function explorationBonuses(input: ExplorationInput): number[] {
  const { candidates, references, startCa, maxEnergyKjMol, minRmsdNm, bonus, maxConformations } =
    input;
  const bonuses = new Array<number>(candidates.length).fill(0);
  if (bonus === 0 || maxConformations === 0) return bonuses;

  const eligible: number[] = [];
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i]!;
    if (c.centeredCa !== null && c.energyKjMol <= maxEnergyKjMol) eligible.push(i);
  }
  if (eligible.length === 0) return bonuses;
  const byPriority = (x: ExplorationEntry, y: ExplorationEntry): number =>
    x.energyKjMol !== y.energyKjMol
      ? x.energyKjMol < y.energyKjMol
        ? -1
        : 1
      : x.committedAtMs !== y.committedAtMs
        ? x.committedAtMs < y.committedAtMs
          ? -1
          : 1
        : x.tieRank === y.tieRank
          ? 0
          : x.tieRank < y.tieRank
            ? -1
            : 1;
  eligible.sort((i, j) => byPriority(candidates[i]!, candidates[j]!));

  // Every structure with coordinates, by priority: only these can outrank a candidate.
  const ranked: ExplorationEntry[] = [];
  for (const c of candidates) if (c.centeredCa !== null) ranked.push(c);
  for (const r of references) if (r.centeredCa !== null) ranked.push(r);
  ranked.sort(byPriority);

  // Identical coordinates are one conformation whatever the threshold (the rotation search leaves
  // ~1e-16 nm of RMSD between a structure and itself).
  const close = (a: Float64Array, b: Float64Array): boolean =>
    a.length === b.length && (identical(a, b) || rmsdOfCentered(a, b) < minRmsdNm);

  let paid = 0;
  for (const i of eligible) {
    if (paid >= maxConformations) break;
    const c = candidates[i]!;
    const ca = c.centeredCa!;
    if (startCa !== null && close(startCa, ca)) continue;
    let outranked = false;
    for (const other of ranked) {
      if (byPriority(other, c) >= 0) break;
      if (close(other.centeredCa!, ca)) {
        outranked = true;
        break;
      }
    }
    if (outranked) continue;
    bonuses[i] = bonus;
    paid++;
  }
  return bonuses;
}

function identical(a: Float64Array, b: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
