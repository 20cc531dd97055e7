import { describe, expect, it } from '@jest/globals';
import { type ExplorationEntry, type ExplorationInput, explorationBonuses } from './exploration.js';
import { centerInPlace, rmsdOfCentered } from './kabsch.js';

/** Three-atom structures: a right angle with its second arm of length `arm` (nm). */
function shape(arm: number): Float64Array {
  const xyz = new Float64Array([1, 0, 0, 0, 0, 0, 0, arm, 0]);
  centerInPlace(xyz);
  return xyz;
}

function entry(
  energyKjMol: number,
  committedAtMs: number,
  arm: number | null,
  tieRank = 0,
): ExplorationEntry {
  return { energyKjMol, committedAtMs, tieRank, centeredCa: arm === null ? null : shape(arm) };
}

function bonuses(
  candidates: ExplorationEntry[],
  overrides: Partial<ExplorationInput> = {},
): number[] {
  return explorationBonuses({
    candidates,
    references: [],
    startCa: null,
    maxEnergyKjMol: 0,
    minRmsdNm: 0.2,
    bonus: 0.1,
    maxConformations: 3,
    ...overrides,
  });
}

describe('explorationBonuses', () => {
  it('pays each conformation distinct from every better one', () => {
    // Arms 1, 2 and 4 nm are pairwise far apart (RMSD well above 0.2 nm).
    expect(rmsdOfCentered(shape(1), shape(2))).toBeGreaterThan(0.2);
    expect(bonuses([entry(-10, 0, 1), entry(-9, 0, 2), entry(-8, 0, 4)])).toEqual([0.1, 0.1, 0.1]);
  });

  it('pays nothing to a conformation close to a better one', () => {
    expect(bonuses([entry(-10, 0, 1), entry(-9, 0, 1.05)])).toEqual([0.1, 0]);
  });

  it('compares with every better structure, not only those paid', () => {
    // -9 (arm 1.25) is close to -10 (arm 1); -8 (arm 1.5) is close to -9 but not to -10. It is
    // still not paid: something better already covers that conformation.
    expect(rmsdOfCentered(shape(1), shape(1.25))).toBeLessThan(0.2);
    expect(rmsdOfCentered(shape(1.25), shape(1.5))).toBeLessThan(0.2);
    expect(rmsdOfCentered(shape(1), shape(1.5))).toBeGreaterThanOrEqual(0.2);
    expect(bonuses([entry(-10, 0, 1), entry(-9, 0, 1.25), entry(-8, 0, 1.5)])).toEqual([0.1, 0, 0]);
  });

  it('pays nothing for a structure close to the starting structure', () => {
    expect(bonuses([entry(-10, 0, 1), entry(-9, 0, 3)], { startCa: shape(1) })).toEqual([0, 0.1]);
  });

  it('pays nothing for a structure close to a better earlier best', () => {
    expect(bonuses([entry(-9, 5, 1.02)], { references: [entry(-10, 0, 1, Infinity)] })).toEqual([
      0,
    ]);
  });

  it('pays a structure equal in rank to an earlier best (its holder resubmitting it)', () => {
    expect(bonuses([entry(-10, 0, 1)], { references: [entry(-10, 0, 1, Infinity)] })).toEqual([
      0.1,
    ]);
  });

  it('pays nothing above the energy window or without coordinates', () => {
    expect(bonuses([entry(-10, 0, 1), entry(5, 0, 3), entry(-9, 0, null)])).toEqual([0.1, 0, 0]);
  });

  it('pays at most maxConformations conformations, best first', () => {
    expect(
      bonuses([entry(-7, 0, 8), entry(-10, 0, 1), entry(-9, 0, 2), entry(-8, 0, 4)], {
        maxConformations: 2,
      }),
    ).toEqual([0, 0.1, 0.1, 0]);
  });

  it('ranks equal energies by earlier commitment', () => {
    expect(bonuses([entry(-10, 9, 1.02), entry(-10, 3, 1)])).toEqual([0, 0.1]);
  });

  it('pays one of two exact copies: the lower tie rank', () => {
    expect(bonuses([entry(-10, 3, 1, 1), entry(-10, 3, 1, 0)])).toEqual([0, 0.1]);
    expect(bonuses([entry(-10, 3, 1, 0), entry(-10, 3, 1, 1), entry(-10, 3, 1, 2)])).toEqual([
      0.1, 0, 0,
    ]);
  });

  it('pays distinct conformations of equal energy and commitment each', () => {
    expect(bonuses([entry(-10, 3, 1, 1), entry(-10, 3, 4, 0)])).toEqual([0.1, 0.1]);
  });

  it('counts identical coordinates as one conformation whatever the threshold', () => {
    expect(bonuses([entry(-10, 3, 1, 0), entry(-9, 3, 1, 1)], { minRmsdNm: 1e-30 })).toEqual([
      0.1, 0,
    ]);
  });
});
