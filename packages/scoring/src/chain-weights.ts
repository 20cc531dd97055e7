import { InvalidInputError } from './errors.js';
import { MAX_UID } from './input-checks.js';

/** The largest weight Subtensor stores: weights are u16, max-normalised to this value. */
export const U16_MAX = 65_535;

/** Weights as a validator sends them to `set_weights`: parallel arrays, zeros left out. */
export interface ChainWeights {
  /** Destination uids, in the order given. */
  readonly uids: number[];
  /** u16 weights; the largest is 65535. */
  readonly values: number[];
}

/** Sum-normalised float weights, parallel arrays. */
export interface FloatWeights {
  readonly uids: number[];
  /** Non-negative, summing to 1 (or empty). */
  readonly weights: number[];
}

/** Options of {@link toChainWeights}. */
export interface ToChainWeightsOptions {
  /**
   * Round each weight to float32 first, as a Python validator does when it passes a float32
   * numpy array (what `process_weights_for_netuid` returns). Default false (float64, exact for
   * Python floats or float64 arrays).
   */
  readonly float32?: boolean;
}

/**
 * Python's `round()` for a float: to the nearest integer, halves to the even neighbour.
 * `x - Math.floor(x)` is exact in binary floating point, so the halfway test is exact.
 */
export function roundHalfEven(x: number): number {
  const floor = Math.floor(x);
  const fraction = x - floor;
  if (fraction > 0.5) return floor + 1;
  if (fraction < 0.5) return floor;
  return floor % 2 === 0 ? floor : floor + 1;
}

/**
 * Converts float weights to the u16 values Subtensor stores, exactly as the bittensor SDK's
 * `convert_weights_and_uids_for_emit` (`bittensor/utils/weight_utils.py`): divide by the largest
 * weight, multiply by 65535, round half to even, leave out zeros. All weights zero gives empty
 * arrays (nothing to set). The chain max-upscales what it receives again
 * (`vec_u16_max_upscale_to_u16`), which leaves a vector whose largest value is 65535 unchanged, so
 * these values are what `weights(netuid, uid)` returns.
 * @throws {InvalidInputError} (code `INVALID_WEIGHTS`) for different lengths, a negative or
 * non-finite weight, a uid outside 0..65535 or a repeated uid.
 */
export function toChainWeights(
  uids: readonly number[],
  weights: readonly number[],
  options?: ToChainWeightsOptions,
): ChainWeights {
  checkUids(uids);
  if (uids.length !== weights.length) {
    throw new InvalidInputError(
      'weights.length',
      weights.length,
      `${uids.length} (one weight per uid)`,
      {
        code: 'INVALID_WEIGHTS',
      },
    );
  }
  const float32 = options?.float32 === true;
  const values = new Array<number>(weights.length);
  let max = 0;
  let sum = 0;
  for (let i = 0; i < weights.length; i++) {
    const raw = weights[i];
    if (typeof raw !== 'number' || !Number.isFinite(raw) || raw < 0) {
      throw new InvalidInputError(`weights[${i}]`, raw, 'a finite number >= 0', {
        code: 'INVALID_WEIGHTS',
      });
    }
    const w = float32 ? Math.fround(raw) : raw;
    values[i] = w;
    sum += w;
    if (w > max) max = w;
  }
  const out: ChainWeights = { uids: [], values: [] };
  if (sum === 0) return out;
  for (let i = 0; i < values.length; i++) {
    const u16 = roundHalfEven((values[i]! / max) * U16_MAX);
    if (u16 !== 0) {
      out.uids.push(uids[i]!);
      out.values.push(u16);
    }
  }
  return out;
}

/**
 * The inverse of {@link toChainWeights}, as the SDK's `convert_weight_uids_and_vals_to_tensor`:
 * u16 values divided by their sum. A round trip float -> u16 -> float -> u16 changes no value by
 * more than one unit.
 * @throws {InvalidInputError} (code `INVALID_WEIGHTS`) for different lengths, a value that is not
 * an integer in 0..65535, a uid outside 0..65535 or a repeated uid.
 */
export function fromChainWeights(uids: readonly number[], values: readonly number[]): FloatWeights {
  checkUids(uids);
  if (uids.length !== values.length) {
    throw new InvalidInputError(
      'values.length',
      values.length,
      `${uids.length} (one value per uid)`,
      {
        code: 'INVALID_WEIGHTS',
      },
    );
  }
  let sum = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > U16_MAX) {
      throw new InvalidInputError(`values[${i}]`, v, `an integer in 0..${U16_MAX}`, {
        code: 'INVALID_WEIGHTS',
      });
    }
    sum += v;
  }
  return {
    uids: [...uids],
    weights: values.map((v) => (sum > 0 ? v / sum : 0)),
  };
}

function checkUids(uids: readonly number[]): void {
  const seen = new Set<number>();
  for (let i = 0; i < uids.length; i++) {
    const uid = uids[i];
    if (typeof uid !== 'number' || !Number.isInteger(uid) || uid < 0 || uid > MAX_UID) {
      throw new InvalidInputError(`uids[${i}]`, uid, `an integer uid in 0..${MAX_UID}`, {
        code: 'INVALID_WEIGHTS',
      });
    }
    if (seen.has(uid)) {
      throw new InvalidInputError(
        `uids[${i}]`,
        uid,
        'each uid once (Subtensor rejects duplicates)',
        {
          code: 'INVALID_WEIGHTS',
        },
      );
    }
    seen.add(uid);
  }
}
