import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InvalidArgumentError } from './errors.js';
import { maxNormaliseToU16, validateWeights } from './weights.js';

describe('validateWeights', () => {
  it('accepts unique uids on the subnet with u16 values', () => {
    expect(() => validateWeights({ uids: [1, 2], weights: [65_535, 0] }, 3)).not.toThrow();
  });

  it.each([
    [{ uids: [1, 2], weights: [1] }, /2 uids but 1 weights/],
    [{ uids: [], weights: [] }, /no uids/],
    [{ uids: [1, 1], weights: [1, 2] }, /uid 1 appears twice/],
    [{ uids: [3], weights: [1] }, /not on a subnet of 3 neurons/],
    [{ uids: [-1], weights: [1] }, /not a u16/],
    [{ uids: [1], weights: [65_536] }, /not a u16/],
    [{ uids: [1], weights: [0.5] }, /not a u16/],
    [{ uids: [1, 2], weights: [0, 0] }, /all weights are zero/],
  ])('refuses %j', (input, message) => {
    expect(() => validateWeights(input, 3)).toThrow(message);
    expect(() => validateWeights(input, 3)).toThrow(InvalidArgumentError);
  });
});

describe('maxNormaliseToU16', () => {
  it('scales the largest weight to 65535 and rounds half to even like Python', () => {
    expect(maxNormaliseToU16([0, 1, 2], [1, 0.5, 0.25])).toEqual({
      uids: [0, 1, 2],
      weights: [65_535, 32_768, 16_384],
    });
    // 65535 / 2 = 32767.5 rounds to the even 32768; 65535 * 3 / 4 = 49151.25 rounds down.
    expect(maxNormaliseToU16([0, 1], [4, 2]).weights).toEqual([65_535, 32_768]);
    expect(maxNormaliseToU16([0, 1], [4, 3]).weights).toEqual([65_535, 49_151]);
  });

  it('leaves out uids whose value rounds to zero', () => {
    expect(maxNormaliseToU16([5, 6, 7], [1, 0, 1e-9])).toEqual({ uids: [5], weights: [65_535] });
  });

  it('refuses negative, non-finite and all-zero weights', () => {
    expect(() => maxNormaliseToU16([0], [-1])).toThrow(InvalidArgumentError);
    expect(() => maxNormaliseToU16([0], [Number.NaN])).toThrow(InvalidArgumentError);
    expect(() => maxNormaliseToU16([0, 1], [0, 0])).toThrow(/all weights are zero/);
  });

  it('always yields valid u16 weights whose maximum is 65535, in the order of the input', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 64 }),
        (values) => {
          fc.pre(values.some((value) => value > 0));
          const uids = values.map((_, index) => index);
          const result = maxNormaliseToU16(uids, values);
          validateWeights(result);
          expect(Math.max(...result.weights)).toBe(65_535);
          for (let i = 1; i < result.uids.length; i++) {
            const [a, b] = [result.uids[i - 1]!, result.uids[i]!];
            expect(a).toBeLessThan(b);
            if (values[a]! <= values[b]!) {
              expect(result.weights[i - 1]).toBeLessThanOrEqual(result.weights[i]!);
            }
          }
        },
      ),
    );
  });
});
