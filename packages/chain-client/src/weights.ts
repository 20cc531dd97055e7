import { InvalidArgumentError } from './errors.js';

const U16_MAX = 65_535;

/** A validator's weights as the chain takes them: parallel uid and u16 value lists. */
export interface WeightsU16 {
  readonly uids: readonly number[];
  readonly weights: readonly number[];
}

/**
 * Checks weights before they go on chain: equal lengths, uids unique integers below `subnetSize`
 * (when given), values integers in 0..65535, not all zero.
 * @throws {InvalidArgumentError} naming the first offending entry
 */
export function validateWeights(input: WeightsU16, subnetSize?: number): void {
  const { uids, weights } = input;
  if (uids.length !== weights.length) {
    throw invalid('weights', `${uids.length} uids but ${weights.length} weights`);
  }
  if (uids.length === 0) throw invalid('uids', 'no uids given');
  if (subnetSize !== undefined && uids.length > subnetSize) {
    throw invalid('uids', `${uids.length} uids for a subnet of ${subnetSize} neurons`);
  }
  const seen = new Set<number>();
  for (const [index, uid] of uids.entries()) {
    if (!Number.isInteger(uid) || uid < 0 || uid > U16_MAX) {
      throw invalid('uids', `uids[${index}] = ${uid} is not a u16`);
    }
    if (subnetSize !== undefined && uid >= subnetSize) {
      throw invalid('uids', `uids[${index}] = ${uid} is not on a subnet of ${subnetSize} neurons`);
    }
    if (seen.has(uid)) throw invalid('uids', `uid ${uid} appears twice`);
    seen.add(uid);
  }
  let total = 0;
  for (const [index, weight] of weights.entries()) {
    if (!Number.isInteger(weight) || weight < 0 || weight > U16_MAX) {
      throw invalid('weights', `weights[${index}] = ${weight} is not a u16 (0..65535)`);
    }
    total += weight;
  }
  if (total === 0) throw invalid('weights', 'all weights are zero');
}

/**
 * Turns non-negative fractional weights into the chain's u16 values the way the Python SDK's
 * `convert_weights_and_uids_for_emit` does: divide by the largest, multiply by 65535, round half
 * to even (Python's `round`), and leave out uids whose value rounds to 0. Used by the CLI, which
 * takes fractions; applications pass the u16 values they computed themselves.
 * @throws {InvalidArgumentError} on unequal lengths, a negative or non-finite value, or all zeros
 */
export function maxNormaliseToU16(uids: readonly number[], values: readonly number[]): WeightsU16 {
  if (uids.length !== values.length) {
    throw invalid('weights', `${uids.length} uids but ${values.length} weights`);
  }
  let max = 0;
  for (const [index, value] of values.entries()) {
    if (!Number.isFinite(value) || value < 0) {
      throw invalid('weights', `weights[${index}] = ${value} is not a finite non-negative number`);
    }
    if (value > max) max = value;
  }
  if (max === 0) throw invalid('weights', 'all weights are zero');
  const kept: { uids: number[]; weights: number[] } = { uids: [], weights: [] };
  for (const [index, value] of values.entries()) {
    const scaled = roundHalfEven((value / max) * U16_MAX);
    if (scaled !== 0) {
      kept.uids.push(uids[index]!);
      kept.weights.push(scaled);
    }
  }
  return kept;
}

function roundHalfEven(value: number): number {
  const floor = Math.floor(value);
  const fraction = value - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

function invalid(field: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError('INVALID_ARGUMENT', message, { details: { field } });
}
