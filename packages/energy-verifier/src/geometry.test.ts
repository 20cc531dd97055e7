import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  closestPairWithin,
  constraintDeviation,
  isGromacsBox,
  kineticEnergy,
  nearestImage,
  periodicRmsd,
  unwrappedSubset,
} from './geometry.js';

// A rhombic dodecahedron (xy-square) as GROMACS writes it, and a cube.
const dodecahedron = [4, 0, 0, 0, 4, 0, 2, 2, 2 * Math.SQRT2];
const cube = [3, 0, 0, 0, 3, 0, 0, 0, 3];

function bruteClosest(x: number[], box: number[]): number {
  // Every image within one box vector in each direction.
  let best = Number.POSITIVE_INFINITY;
  const n = x.length / 3;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++)
      for (let a = -1; a <= 1; a++)
        for (let b = -1; b <= 1; b++)
          for (let c = -1; c <= 1; c++) {
            const dx = x[3 * j]! - x[3 * i]! + a * box[0]! + b * box[3]! + c * box[6]!;
            const dy = x[3 * j + 1]! - x[3 * i + 1]! + b * box[4]! + c * box[7]!;
            const dz = x[3 * j + 2]! - x[3 * i + 2]! + c * box[8]!;
            best = Math.min(best, Math.hypot(dx, dy, dz));
          }
  return best;
}

describe('periodic geometry', () => {
  it('recognises GROMACS boxes and refuses others', () => {
    expect(isGromacsBox(dodecahedron)).toBe(true);
    expect(isGromacsBox([4, 0.1, 0, 0, 4, 0, 0, 0, 4])).toBe(false);
    expect(isGromacsBox([4, 0, 0, 0, -4, 0, 0, 0, 4])).toBe(false);
    expect(isGromacsBox([4, 0, 0, 0, 4, 0, 0, 0, Number.NaN])).toBe(false);
    expect(isGromacsBox([4, 0, 0])).toBe(false);
  });

  it('maps a displacement shifted by any whole box vectors back to itself', () => {
    const out = new Float64Array(3);
    fc.assert(
      fc.property(
        fc.tuple(
          fc.double({ min: -0.9, max: 0.9, noNaN: true }),
          fc.double({ min: -0.9, max: 0.9, noNaN: true }),
          fc.double({ min: -0.9, max: 0.9, noNaN: true }),
        ),
        fc.tuple(
          fc.integer({ min: -3, max: 3 }),
          fc.integer({ min: -3, max: 3 }),
          fc.integer({ min: -3, max: 3 }),
        ),
        ([dx, dy, dz], [a, b, c]) => {
          const box = dodecahedron;
          nearestImage(
            box,
            dx + a * box[0]! + b * box[3]! + c * box[6]!,
            dy + b * box[4]! + c * box[7]!,
            dz + c * box[8]!,
            out,
          );
          expect(out[0]).toBeCloseTo(dx, 9);
          expect(out[1]).toBeCloseTo(dy, 9);
          expect(out[2]).toBeCloseTo(dz, 9);
        },
      ),
    );
  });

  it('finds the closest pair under a cut-off exactly as a brute-force search over images', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(dodecahedron, cube),
        fc.array(fc.double({ min: 0, max: 2.9, noNaN: true }), { minLength: 6, maxLength: 120 }),
        fc.double({ min: 0.05, max: 1.2, noNaN: true }),
        (box, raw, cutoff) => {
          const x = raw.slice(0, raw.length - (raw.length % 3));
          const expected = bruteClosest(x, box);
          const found = closestPairWithin(x, box, cutoff);
          if (expected < cutoff - 1e-9) {
            expect(found).not.toBeNull();
            expect(found?.distanceNm).toBeCloseTo(expected, 9);
          } else if (expected > cutoff + 1e-9) {
            expect(found).toBeNull();
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('skips atoms the filter leaves out (massless virtual sites)', () => {
    const x = [1, 1, 1, 1.01, 1, 1, 2, 2, 2];
    expect(closestPairWithin(x, cube, 0.05)?.atoms).toEqual([0, 1]);
    expect(closestPairWithin(x, cube, 0.05, (atom) => atom !== 1)).toBeNull();
  });

  it('measures constraint deviations across the box boundary and counts NaN as the worst', () => {
    const constraints = {
      atomsA: [0, 2],
      atomsB: [1, 3],
      lengthsNm: [0.1, 0.1],
    };
    // Atom 1 is atom 0's neighbour through the x boundary, 0.1 nm away; atoms 2-3 are 0.102 apart.
    const x = [0.02, 1, 1, 2.92, 1, 1, 1, 2, 2, 1.102, 2, 2];
    const d = constraintDeviation(x, cube, constraints);
    expect(d.maxRelative).toBeCloseTo(0.02, 9);
    expect(d.atoms).toEqual([2, 3]);
    const nan = constraintDeviation(
      [...x.slice(0, 3), Number.NaN, 1, 1, ...x.slice(6)],
      cube,
      constraints,
    );
    expect(nan.maxRelative).toBe(Number.POSITIVE_INFINITY);
    expect(
      constraintDeviation(x, cube, { atomsA: [], atomsB: [], lengthsNm: [] }).maxRelative,
    ).toBe(0);
  });

  it('gives a periodic RMSD of zero for a copy shifted by any vector and wrapped into the box', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: 0, max: 2.8, noNaN: true }), { minLength: 30, maxLength: 90 }),
        fc.tuple(
          fc.double({ min: -10, max: 10, noNaN: true }),
          fc.double({ min: -10, max: 10, noNaN: true }),
          fc.double({ min: -10, max: 10, noNaN: true }),
        ),
        (raw, [tx, ty, tz]) => {
          const a = raw.slice(0, raw.length - (raw.length % 3));
          const wrap = (v: number) => v - Math.floor(v / 3) * 3;
          const b = a.map((v, i) => wrap(v + [tx, ty, tz][i % 3]!));
          expect(periodicRmsd(a, b, cube)).toBeLessThan(1e-9);
        },
      ),
    );
  });

  it('gives the RMS displacement for frames that differ atom by atom', () => {
    const a = [0, 0, 0, 1, 1, 1, 2, 2, 2, 1, 2, 0.5];
    const b = a.map((v, i) => (i === 3 ? v + 0.3 : v));
    // The median displacement stays zero; one atom of four moved by 0.3 nm.
    expect(periodicRmsd(a, b, cube)).toBeCloseTo(Math.sqrt(0.09 / 4), 9);
  });

  it('makes a chain split by the box whole', () => {
    const x = [2.95, 1, 1, 0.05, 1, 1, 0.2, 1, 1];
    expect(Array.from(unwrappedSubset(x, cube, [0, 1, 2]))).toEqual(
      [2.95, 1, 1, 3.05, 1, 1, 3.2, 1, 1].map((v) => expect.closeTo(v, 9)) as unknown as number[],
    );
  });

  it('computes kinetic energy as sum of m v^2 / 2', () => {
    expect(kineticEnergy([1, 2, 2, 0, 0, 3], [2, 4])).toBeCloseTo(0.5 * 2 * 9 + 0.5 * 4 * 9, 12);
  });
});
