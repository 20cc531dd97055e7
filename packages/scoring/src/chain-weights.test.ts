import { readFileSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { fromChainWeights, roundHalfEven, toChainWeights, U16_MAX } from './chain-weights.js';

interface ChainWeightsFixture {
  readonly weights: number[];
  readonly u16Float64: number[];
  readonly u16Float32: number[];
}

// Values computed with the bittensor SDK's formula in Python (fixtures/generate_expected.py).
const expected = JSON.parse(
  readFileSync(new URL('../fixtures/expected.json', import.meta.url), 'utf8'),
) as { chainWeights: ChainWeightsFixture[] };

describe('roundHalfEven', () => {
  it("rounds halves to the even neighbour as Python's round does", () => {
    expect([0.5, 1.5, 2.5, 3.5, 4.5].map(roundHalfEven)).toEqual([0, 2, 2, 4, 4]);
    expect(roundHalfEven(32_767.5)).toBe(32_768);
    expect(roundHalfEven(32_766.5)).toBe(32_766);
    expect(roundHalfEven(2.4999999999999996)).toBe(2);
    expect(roundHalfEven(2.5000000000000004)).toBe(3);
  });
});

describe('toChainWeights', () => {
  it('max-normalises to 65535 and rounds half to even', () => {
    // 0.25 / 0.5 * 65535 = 32767.5 -> 32768
    expect(toChainWeights([0, 1, 2], [0.5, 0.25, 0.25])).toEqual({
      uids: [0, 1, 2],
      values: [65_535, 32_768, 32_768],
    });
  });

  it('matches the SDK on float64 weights', () => {
    for (const { weights, u16Float64 } of expected.chainWeights) {
      const uids = weights.map((_, i) => i);
      const out = toChainWeights(uids, weights);
      const nonZero = u16Float64.filter((v) => v !== 0);
      expect(out.values).toEqual(nonZero);
    }
  });

  it('matches the SDK on float32 weights (a numpy float32 array) with the float32 option', () => {
    let differing = 0;
    for (const { weights, u16Float64, u16Float32 } of expected.chainWeights) {
      const uids = weights.map((_, i) => i);
      expect(toChainWeights(uids, weights, { float32: true }).values).toEqual(
        u16Float32.filter((v) => v !== 0),
      );
      differing += u16Float32.filter((v, i) => v !== u16Float64[i]).length;
    }
    // The fixture holds at least one value that float32 rounding moves by a unit.
    expect(differing).toBeGreaterThan(0);
  });

  it('leaves out uids whose weight rounds to 0', () => {
    expect(toChainWeights([4, 9], [1e-6, 0.999999])).toEqual({ uids: [9], values: [65_535] });
  });

  it('returns nothing to set when every weight is 0', () => {
    expect(toChainWeights([1, 2], [0, 0])).toEqual({ uids: [], values: [] });
    expect(toChainWeights([], [])).toEqual({ uids: [], values: [] });
  });

  it('rejects negative or non-finite weights, bad or repeated uids and length mismatches', () => {
    expect(() => toChainWeights([0], [-0.1])).toThrow(/weights\[0\]/);
    expect(() => toChainWeights([0], [Number.NaN])).toThrow(/finite/);
    expect(() => toChainWeights([65_536], [1])).toThrow(/uids\[0\]/);
    expect(() => toChainWeights([3, 3], [1, 1])).toThrow(/each uid once/);
    expect(() => toChainWeights([0, 1], [1])).toThrow(/one weight per uid/);
  });
});

describe('fromChainWeights', () => {
  it('divides u16 values by their sum', () => {
    expect(fromChainWeights([0, 1], [65_535, 21_845])).toEqual({
      uids: [0, 1],
      weights: [65_535 / 87_380, 21_845 / 87_380],
    });
  });

  it('rejects values outside u16', () => {
    expect(() => fromChainWeights([0], [65_536])).toThrow(/0\.\.65535/);
    expect(() => fromChainWeights([0], [1.5])).toThrow(/values\[0\]/);
  });
});

describe('chain weight round trips', () => {
  const weightVector = fc
    .array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 1, maxLength: 64 })
    .filter((ws) => ws.some((w) => w > 0));

  it('float -> u16 -> float -> u16 moves no value by more than one unit', () => {
    fc.assert(
      fc.property(weightVector, (weights) => {
        const uids = weights.map((_, i) => i);
        const first = toChainWeights(uids, weights);
        const back = fromChainWeights(first.uids, first.values);
        const second = toChainWeights(back.uids, back.weights);
        expect(second.uids).toEqual(first.uids);
        second.values.forEach((v, i) => {
          expect(Math.abs(v - first.values[i]!)).toBeLessThanOrEqual(1);
        });
      }),
    );
  });

  it('u16 -> float -> u16 gives back the stored values within one unit', () => {
    const stored = fc
      .array(fc.integer({ min: 1, max: U16_MAX }), { minLength: 1, maxLength: 64 })
      .map((vs) => [...vs, U16_MAX]);
    fc.assert(
      fc.property(stored, (values) => {
        const uids = values.map((_, i) => i);
        const floats = fromChainWeights(uids, values);
        const again = toChainWeights(floats.uids, floats.weights);
        expect(again.uids).toEqual(uids);
        again.values.forEach((v, i) => {
          expect(Math.abs(v - values[i]!)).toBeLessThanOrEqual(1);
        });
      }),
    );
  });

  it('float -> u16 -> float keeps each weight within one u16 unit of the largest', () => {
    fc.assert(
      fc.property(weightVector, (weights) => {
        const uids = weights.map((_, i) => i);
        const max = Math.max(...weights);
        const chain = toChainWeights(uids, weights);
        const back = fromChainWeights(chain.uids, chain.values);
        const backMax = Math.max(...back.weights);
        const byUid = new Map(back.uids.map((u, i) => [u, back.weights[i]!]));
        weights.forEach((w, uid) => {
          const relative = (byUid.get(uid) ?? 0) / backMax;
          expect(Math.abs(relative - w / max)).toBeLessThanOrEqual(1 / U16_MAX);
        });
      }),
    );
  });
});
