import { describe, expect, it } from '@jest/globals';
import { selectNewBest } from './best-selection.js';

const absolute = { kind: 'absolute', epsilonKjMol: 10 } as const;
const relative = { kind: 'relative', fraction: 0.01 } as const;
const byIndex = (i: number, j: number) => i - j;

describe("selectNewBest with 'first-recorded' (reference)", () => {
  const pick = (energies: number[], best: number | null) =>
    selectNewBest(
      energies,
      energies.map(() => 0),
      byIndex,
      best,
      absolute,
      0,
      'first-recorded',
    );

  it('takes the lowest energy, the first recorded among equals', () => {
    expect(pick([-5, -9, -9, -1], null)).toBe(1);
  });

  it('takes nothing when the lowest does not beat the best by more than epsilon', () => {
    expect(pick([-105, -110], -100)).toBe(-1);
    expect(pick([-105, -111], -100)).toBe(1);
  });

  it('takes nothing from an empty round', () => {
    expect(pick([], null)).toBe(-1);
  });
});

describe("selectNewBest with 'earliest-commitment'", () => {
  const pick = (
    energies: number[],
    commits: number[],
    best: number | null,
    threshold: typeof absolute | typeof relative = absolute,
    tieRanks?: number[],
  ) =>
    selectNewBest(
      energies,
      commits,
      tieRanks === undefined ? byIndex : (i, j) => tieRanks[i]! - tieRanks[j]!,
      best,
      threshold,
      0,
      'earliest-commitment',
    );

  it('gives the title to the earliest commitment among energies within epsilon of the lowest', () => {
    // -125 (committed at 9) is lowest; -118 (at 5) is within 10 of it, -112 (at 1) is not.
    expect(pick([-112, -118, -125], [1, 5, 9], -100)).toBe(1);
  });

  it('gives the title to the lowest when no earlier commitment is within epsilon', () => {
    expect(pick([-112, -130], [1, 9], -100)).toBe(1);
  });

  it('ignores results that do not improve on the best even if committed earlier', () => {
    expect(pick([-105, -115], [0, 9], -100)).toBe(1);
  });

  it('breaks a tie of commitment times by the lower tie rank, not by recording order', () => {
    expect(pick([-120, -121, -125], [3, 3, 7], -100, absolute, [5, 2, 0])).toBe(1);
    expect(pick([-120, -121, -125], [3, 3, 7], -100, absolute, [1, 2, 0])).toBe(0);
  });

  it('measures the tie window relatively under a relative threshold', () => {
    // -1010 improves on -1001 by 0.9% (< 1%): tied, the earlier commitment wins.
    expect(pick([-1_001, -1_010], [1, 2], null, relative)).toBe(0);
    // -1011 improves on -1000 by 1.1%: not tied, the lowest wins.
    expect(pick([-1_000, -1_011], [1, 2], null, relative)).toBe(1);
  });
});
