import { describe, expect, it } from '@jest/globals';
import { selectNewBest } from './best-selection.js';

const absolute = { kind: 'absolute', epsilonKjMol: 10 } as const;
const relative = { kind: 'relative', fraction: 0.01 } as const;

describe("selectNewBest with 'first-recorded' (reference)", () => {
  it('takes the lowest energy, the first recorded among equals', () => {
    expect(
      selectNewBest([-5, -9, -9, -1], [4, 3, 1, 0], null, absolute, 0, 'first-recorded'),
    ).toEqual([1]);
  });

  it('takes nothing when the lowest does not beat the best by more than epsilon', () => {
    expect(selectNewBest([-105, -110], [0, 0], -100, absolute, 0, 'first-recorded')).toEqual([]);
    expect(selectNewBest([-105, -111], [0, 0], -100, absolute, 0, 'first-recorded')).toEqual([1]);
  });

  it('takes nothing from an empty round', () => {
    expect(selectNewBest([], [], null, absolute, 0, 'first-recorded')).toEqual([]);
  });
});

describe("selectNewBest with 'earliest-commitment'", () => {
  it('gives the title to the earliest commitment among energies within epsilon of the lowest', () => {
    // -125 (committed at 9) is lowest; -118 (at 5) is within 10 of it, -112 (at 1) is not.
    expect(
      selectNewBest([-112, -118, -125], [1, 5, 9], -100, absolute, 0, 'earliest-commitment'),
    ).toEqual([1]);
  });

  it('gives the title to the lowest when no earlier commitment is within epsilon', () => {
    expect(selectNewBest([-112, -130], [1, 9], -100, absolute, 0, 'earliest-commitment')).toEqual([
      1,
    ]);
  });

  it('ignores results that do not improve on the best even if committed earlier', () => {
    expect(selectNewBest([-105, -115], [0, 9], -100, absolute, 0, 'earliest-commitment')).toEqual([
      1,
    ]);
  });

  it('shares the title between results with the same earliest commitment', () => {
    expect(
      selectNewBest([-120, -121, -125], [3, 3, 7], -100, absolute, 0, 'earliest-commitment'),
    ).toEqual([0, 1]);
  });

  it('measures the tie window relatively under a relative threshold', () => {
    // -1010 improves on -1001 by 0.9% (< 1%): tied, the earlier commitment wins.
    expect(
      selectNewBest([-1_001, -1_010], [1, 2], null, relative, 0, 'earliest-commitment'),
    ).toEqual([0]);
    // -1011 improves on -1000 by 1.1%: not tied, the lowest wins.
    expect(
      selectNewBest([-1_000, -1_011], [1, 2], null, relative, 0, 'earliest-commitment'),
    ).toEqual([1]);
  });
});
