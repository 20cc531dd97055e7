import { describe, expect, it } from '@jest/globals';
import { divideDecreasing, referenceRoundRewards } from './reference-rewards.js';

describe('divideDecreasing', () => {
  it('splits 0.2 into three linearly decreasing parts ending at 0', () => {
    // d = 2 * 0.2 / (2 * 3) = 1/15; first = 2 * 0.2 / 3 = 2/15
    const parts = divideDecreasing(0.2, 3);
    expect(parts[0]).toBeCloseTo(2 / 15, 15);
    expect(parts[1]).toBeCloseTo(1 / 15, 15);
    expect(parts[2]).toBeCloseTo(0, 15);
  });

  it('gives everything to the first of two', () => {
    const parts = divideDecreasing(0.2, 2);
    expect(parts[0]).toBeCloseTo(0.2, 15);
    expect(parts[1]).toBeCloseTo(0, 15);
  });

  it('sums to the total', () => {
    for (const count of [2, 3, 5, 9, 100]) {
      const sum = divideDecreasing(0.2, count).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(0.2, 12);
    }
  });

  it('handles zero and one part', () => {
    expect(divideDecreasing(0.2, 0)).toEqual([]);
    expect(divideDecreasing(0.2, 1)).toEqual([0.2]);
  });

  it('rejects a fractional count', () => {
    expect(() => divideDecreasing(0.2, 2.5)).toThrow(/count/);
  });
});

describe('referenceRoundRewards', () => {
  const top = 0.8;

  it('pays the worked example of the reference tests (best kept from an earlier round)', () => {
    // Job best -10000 held by the 4th miner, who now reports -9000: it keeps 0.8; the others,
    // sorted -9500, -3200, -1000, share 0.2 as 2/15, 1/15, 0.
    const rewards = referenceRoundRewards({
      energiesKjMol: [-9_500, -3_200, -1_000, -9_000],
      holderIndex: 3,
      bestEnergyKjMol: -10_000,
      topReward: top,
    })!;
    expect(rewards[3]).toBe(0.8);
    expect(rewards[0]).toBeCloseTo(2 / 15 - 1e-17, 15);
    expect(rewards[1]).toBeCloseTo(1 / 15, 15);
    expect(rewards[2]).toBeCloseTo(0, 15);
  });

  it('pays 0.8 to every energy equal to the best (the reference pays duplicates twice)', () => {
    const rewards = referenceRoundRewards({
      energiesKjMol: [-10_000, -9_200, -9_999, -9_800],
      holderIndex: 3,
      bestEnergyKjMol: -10_000,
      topReward: top,
    })!;
    expect(rewards[0]).toBe(0.8);
    expect(rewards[3]).toBe(0.8);
    // The two others, -9999 then -9200, split 0.2 into 0.2 and 0.
    expect(rewards[2]).toBeCloseTo(0.2, 15);
    expect(rewards[1]).toBeCloseTo(0, 15);
  });

  it('gives 1 to the best when it is the only valid energy', () => {
    expect(
      referenceRoundRewards({
        energiesKjMol: [null, null, null, -10_000],
        holderIndex: 3,
        bestEnergyKjMol: -10_000,
        topReward: top,
      }),
    ).toEqual([0, 0, 0, 1]);
  });

  it('gives 1 to the best when nobody has a valid energy and the best is negative', () => {
    expect(
      referenceRoundRewards({
        energiesKjMol: [null, null],
        holderIndex: 0,
        bestEnergyKjMol: -11_000,
        topReward: top,
      }),
    ).toEqual([1, 0]);
  });

  it('gives 0.2 to a single other valid energy', () => {
    const rewards = referenceRoundRewards({
      energiesKjMol: [null, -9_800, null, null],
      holderIndex: 0,
      bestEnergyKjMol: -11_000,
      topReward: top,
    })!;
    expect(rewards[0]).toBe(0.8);
    expect(rewards[1]).toBeCloseTo(0.2, 15);
  });

  it('pays nobody when the best hotkey is not among the participants', () => {
    expect(
      referenceRoundRewards({
        energiesKjMol: [-5, -6, -7],
        holderIndex: null,
        bestEnergyKjMol: -10_000,
        topReward: top,
      }),
    ).toEqual([0, 0, 0]);
  });

  it('skips the score update when nobody has a valid energy and there is no negative best', () => {
    expect(
      referenceRoundRewards({
        energiesKjMol: [null, null],
        holderIndex: null,
        bestEnergyKjMol: null,
        topReward: top,
      }),
    ).toBeNull();
  });

  it('keeps query order among equal energies of the others', () => {
    const rewards = referenceRoundRewards({
      energiesKjMol: [-5, -5, -20],
      holderIndex: 2,
      bestEnergyKjMol: -20,
      topReward: top,
    })!;
    expect(rewards[0]).toBeCloseTo(0.2, 15);
    expect(rewards[1]).toBeCloseTo(0, 15);
  });
});
