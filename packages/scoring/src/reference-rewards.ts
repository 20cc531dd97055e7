import { InvalidInputError } from './errors.js';

/**
 * The reference's "linearly decreasing parts" (macrocosm-os/folding,
 * `folding/rewards/linear_reward.py`, `divide_decreasing`, mid-2024): `count` values in arithmetic
 * progression that sum to `total`, the first `2 * total / count`, the last 0. The expressions are
 * evaluated in the reference's order so that the floating-point results are the same. One part is
 * `[total]` (the reference never asked for one; it would divide by zero).
 * @throws {InvalidInputError} when `count` is not a non-negative integer or `total` is not finite.
 */
export function divideDecreasing(total: number, count: number): number[] {
  if (!Number.isInteger(count) || count < 0) {
    throw new InvalidInputError('count', count, 'an integer >= 0');
  }
  if (!Number.isFinite(total)) throw new InvalidInputError('total', total, 'a finite number');
  if (count === 0) return [];
  if (count === 1) return [total];
  const d = (2 * total) / ((count - 1) * count);
  const first = (total + (d * (count - 1) * count) / 2) / count;
  const parts = new Array<number>(count);
  for (let i = 0; i < count; i++) parts[i] = first - i * d;
  return parts;
}

/** Input of {@link referenceRoundRewards}. */
export interface ReferenceRoundInput {
  /**
   * Verified potential energy (kJ/mol) of everyone who answered this round, in query order; null
   * where verification failed (the reference's 0).
   */
  readonly energiesKjMol: readonly (number | null)[];
  /** Index in `energiesKjMol` of the job's best hotkey (after this round's update); null if absent. */
  readonly holderIndex: number | null;
  /** The job's best energy after this round's update; null when it has none. */
  readonly bestEnergyKjMol: number | null;
  /** Reward of the best hotkey (reference: 0.8). */
  readonly topReward: number;
}

/**
 * The reference's reward of one query round (`folding/rewards/reward_pipeline.py` and
 * `Validator.update_job`, mid-2024), or null when the reference skips the score update (no valid
 * energy this round and no negative best to pay):
 *
 * - the best hotkey gets `topReward` (even if its own answer failed this round); if it is not among
 *   this round's participants nobody gets anything;
 * - if it is the only one with a valid energy (or nobody has one), it gets 1;
 * - every other valid energy exactly equal to the best also gets `topReward`;
 * - the others, sorted by energy (ties in query order), share `1 - topReward` in
 *   {@link divideDecreasing} parts, or take all of it when there is one;
 * - failed answers get 0.
 */
export function referenceRoundRewards(input: ReferenceRoundInput): number[] | null {
  const { energiesKjMol, holderIndex, bestEnergyKjMol, topReward } = input;
  const rewards = new Array<number>(energiesKjMol.length).fill(0);
  const valid: number[] = [];
  for (let i = 0; i < energiesKjMol.length; i++) {
    if (energiesKjMol[i] !== null) valid.push(i);
  }
  if (valid.length === 0 && !(bestEnergyKjMol !== null && bestEnergyKjMol < 0)) return null;
  if (holderIndex === null) return rewards;
  rewards[holderIndex] = topReward;
  if (valid.length === 0 || (valid.length === 1 && valid[0] === holderIndex)) {
    rewards[holderIndex] = 1;
    return rewards;
  }
  const remaining: number[] = [];
  for (const i of valid) {
    if (energiesKjMol[i] === bestEnergyKjMol || i === holderIndex) {
      rewards[i] = topReward;
    } else {
      remaining.push(i);
    }
  }
  if (remaining.length > 1) {
    // Array.prototype.sort is stable: equal energies keep query order, as Python's sorted().
    remaining.sort((x, y) => {
      // Compare rather than subtract: a difference of two doubles is a heap allocation here.
      const a = energiesKjMol[x]!;
      const b = energiesKjMol[y]!;
      return a < b ? -1 : a > b ? 1 : 0;
    });
    const parts = divideDecreasing(1 - topReward, remaining.length);
    for (let k = 0; k < remaining.length; k++) rewards[remaining[k]!] = parts[k]!;
  } else if (remaining.length === 1) {
    rewards[remaining[0]!] = 1 - topReward;
  }
  return rewards;
}
