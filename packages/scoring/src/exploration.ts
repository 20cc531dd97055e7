import { rmsdOfCentered } from './kabsch.js';

/** A structure taking part in the exploration bonus of one round. */
export interface ExplorationEntry {
  readonly energyKjMol: number;
  readonly committedAtMs: number;
  /** Centred C-alpha coordinates (nm), flat; null when the result came without coordinates. */
  readonly centeredCa: Float64Array | null;
}

/** Input of {@link explorationBonuses}. */
export interface ExplorationInput {
  /** This round's verified results, which may earn the bonus. */
  readonly candidates: readonly ExplorationEntry[];
  /** Earlier structures that compete for priority but earn nothing (the best before the round). */
  readonly references: readonly ExplorationEntry[];
  /** The job's starting structure (centred): nothing within `minRmsdNm` of it is exploration. */
  readonly startCa: Float64Array | null;
  /** Only results at or below this energy (kJ/mol) are "low-energy". */
  readonly maxEnergyKjMol: number;
  /** Two structures closer than this (nm, C-alpha Kabsch RMSD) are the same conformation. */
  readonly minRmsdNm: number;
  /** Reward of one distinct conformation. */
  readonly bonus: number;
  /** At most this many distinct priority ranks are paid per round. */
  readonly maxConformations: number;
}

/**
 * The exploration bonus of each candidate (parallel to `candidates`).
 *
 * Structures are ranked by priority: lower energy first, then earlier commitment. A candidate
 * with coordinates and an energy within the window is a distinct conformation when it is at least
 * `minRmsdNm` from the starting structure and from every structure (candidate or reference) of
 * strictly higher priority: "distinct from everything better", not "distinct from what was
 * accepted so far". That choice makes the bonus monotone: lowering one's energy can only remove
 * structures ranked above one's own, so it never loses the bonus, and it can only add oneself
 * above others, so nobody else gains from it. An exact copy (same energy, commitment and
 * conformation) ranks equal to its original; equals within `minRmsdNm` of each other share one
 * bonus, so a result submitted twice earns what it earns once. The first `maxConformations`
 * distinct priority ranks are paid.
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
      ? x.energyKjMol - y.energyKjMol
      : x.committedAtMs - y.committedAtMs;
  eligible.sort((i, j) => byPriority(candidates[i]!, candidates[j]!));

  // Every structure with coordinates, by priority: only these can outrank a candidate.
  const ranked: ExplorationEntry[] = [];
  for (const c of candidates) if (c.centeredCa !== null) ranked.push(c);
  for (const r of references) if (r.centeredCa !== null) ranked.push(r);
  ranked.sort(byPriority);

  const close = (a: Float64Array, b: Float64Array): boolean =>
    a.length === b.length && rmsdOfCentered(a, b) < minRmsdNm;

  const distinct: number[] = [];
  let ranks = 0;
  let lastKey: ExplorationEntry | null = null;
  for (const i of eligible) {
    const c = candidates[i]!;
    const ca = c.centeredCa!;
    if (lastKey !== null && byPriority(lastKey, c) !== 0 && ranks >= maxConformations) break;
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
    if (lastKey === null || byPriority(lastKey, c) !== 0) ranks++;
    lastKey = c;
    distinct.push(i);
  }
  // Equal-priority distinct conformations closer than minRmsdNm split one bonus.
  for (const i of distinct) {
    const c = candidates[i]!;
    let sharers = 1;
    for (const j of distinct) {
      if (j === i) continue;
      const o = candidates[j]!;
      if (byPriority(o, c) === 0 && close(o.centeredCa!, c.centeredCa!)) sharers++;
    }
    bonuses[i] = bonus / sharers;
  }
  return bonuses;
}
