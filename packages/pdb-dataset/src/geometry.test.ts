import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { angleDeg, dihedralDeg, distance, placeAtom, type Vec3 } from './geometry.js';

const coord = fc.double({ min: -50, max: 50, noNaN: true });
const point = fc.tuple(coord, coord, coord) as fc.Arbitrary<Vec3>;

describe('placeAtom', () => {
  it('places an atom with the requested bond, angle and dihedral', () => {
    fc.assert(
      fc.property(
        point,
        point,
        point,
        fc.double({ min: 0.9, max: 2.5, noNaN: true }),
        fc.double({ min: 60, max: 170, noNaN: true }),
        fc.double({ min: -179, max: 179, noNaN: true }),
        (a, b, c, bond, angle, dihedral) => {
          // Reference atoms must form a proper frame: distinct and not collinear.
          fc.pre(distance(a, b) > 0.5 && distance(b, c) > 0.5);
          const abc = angleDeg(a, b, c);
          fc.pre(abc > 20 && abc < 160);
          const d = placeAtom(a, b, c, bond, angle, dihedral);
          expect(distance(c, d)).toBeCloseTo(bond, 6);
          expect(angleDeg(b, c, d)).toBeCloseTo(angle, 4);
          expect(dihedralDeg(a, b, c, d)).toBeCloseTo(dihedral, 3);
        },
      ),
    );
  });
});
