import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { pdbEntryPath } from '@fold/devkit';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { InvalidInputError } from './errors.js';
import { kabschRmsd, superpose } from './kabsch.js';

// Values computed with numpy (SVD with determinant correction), fixtures/generate_expected.py.
const expected = JSON.parse(
  readFileSync(new URL('../fixtures/expected.json', import.meta.url), 'utf8'),
) as {
  kabsch: { l2yModelPairs: { a: number; b: number; rmsdNm: number }[]; chiralMirrorRmsd: number };
};

/** C-alpha coordinates (nm, flat) of every model of a PDB entry. */
function caModels(id: string): number[][] {
  const text = gunzipSync(readFileSync(pdbEntryPath(id))).toString('latin1');
  const models: number[][] = [];
  let current: number[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('MODEL')) current = [];
    else if (line.startsWith('ATOM') && line.slice(12, 16).trim() === 'CA') {
      for (const [from, to] of [
        [30, 38],
        [38, 46],
        [46, 54],
      ] as const) {
        current.push(Number.parseFloat(line.slice(from, to)) / 10);
      }
    } else if (line.startsWith('ENDMDL')) models.push(current);
  }
  return models;
}

/** Rotation about a unit axis by an angle (Rodrigues), row-major. */
function rotation(axis: [number, number, number], angle: number): number[] {
  const n = Math.hypot(...axis);
  const [x, y, z] = axis.map((v) => v / n) as [number, number, number];
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const t = 1 - c;
  return [
    t * x * x + c,
    t * x * y - s * z,
    t * x * z + s * y,
    t * x * y + s * z,
    t * y * y + c,
    t * y * z - s * x,
    t * x * z - s * y,
    t * y * z + s * x,
    t * z * z + c,
  ];
}

function transform(
  xyz: readonly number[],
  r: readonly number[],
  shift: readonly number[],
): number[] {
  const out: number[] = [];
  for (let i = 0; i < xyz.length; i += 3) {
    const [x, y, z] = [xyz[i]!, xyz[i + 1]!, xyz[i + 2]!];
    out.push(r[0]! * x + r[1]! * y + r[2]! * z + shift[0]!);
    out.push(r[3]! * x + r[4]! * y + r[5]! * z + shift[1]!);
    out.push(r[6]! * x + r[7]! * y + r[8]! * z + shift[2]!);
  }
  return out;
}

function det3(m: readonly number[]): number {
  return (
    m[0]! * (m[4]! * m[8]! - m[5]! * m[7]!) -
    m[1]! * (m[3]! * m[8]! - m[5]! * m[6]!) +
    m[2]! * (m[3]! * m[7]! - m[4]! * m[6]!)
  );
}

const models = caModels('1l2y');

describe('kabschRmsd', () => {
  it('is 0 between a structure and a rotated, translated copy of it', () => {
    const a = models[0]!;
    const b = transform(a, rotation([0.3, -1, 2], 2.1), [5, -3, 0.25]);
    expect(kabschRmsd(a, b)).toBeLessThan(1e-12);
  });

  it('is 0 for any rotation and translation of real coordinates', () => {
    const a = models[7]!;
    const coord = fc.double({ min: -1, max: 1, noNaN: true });
    fc.assert(
      fc.property(
        fc.tuple(coord, coord, coord).filter((v) => Math.hypot(...v) > 1e-3),
        fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }),
        fc.tuple(coord, coord, coord),
        (axis, angle, shift) => {
          const b = transform(
            a,
            rotation(axis, angle),
            shift.map((s) => 10 * s),
          );
          expect(kabschRmsd(a, b)).toBeLessThan(1e-10);
        },
      ),
    );
  });

  it('is sqrt(1/2) for a cross stretched twofold along one arm (hand-computed)', () => {
    // Both sets are centred; the covariance is diag(2, 4, 0), so the identity is optimal and
    // RMSD^2 = (|a|^2 + |b|^2 - 2 * 6) / 4 = (4 + 10 - 12) / 4 = 1/2.
    const a = [1, 0, 0, -1, 0, 0, 0, 1, 0, 0, -1, 0];
    const b = [1, 0, 0, -1, 0, 0, 0, 2, 0, 0, -2, 0];
    expect(kabschRmsd(a, b)).toBeCloseTo(Math.SQRT1_2, 14);
  });

  it('is 1 for two points 2 apart against two points 4 apart (hand-computed)', () => {
    expect(kabschRmsd([-1, 0, 0, 1, 0, 0], [0, -2, 0, 0, 2, 0])).toBeCloseTo(1, 14);
  });

  it('does not superpose a chiral structure onto its mirror image (no reflections)', () => {
    const chiral = [0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3];
    const mirror = [0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, -3];
    expect(kabschRmsd(chiral, mirror)).toBeCloseTo(expected.kabsch.chiralMirrorRmsd, 12);
    expect(kabschRmsd(chiral, mirror)).toBeGreaterThan(0.5);
  });

  it('superposes a planar set onto its mirror image (a half-turn about an in-plane axis)', () => {
    // Points on the plane x + y + z = 1; a mirror image of a planar set is a rotated copy.
    const planar = [1, 0, 0, 0, 1, 0, 0, 0, 1, 0.5, 0.5, 0, 0.2, 0.3, 0.5];
    const mirror = planar.map((v, i) => (i % 3 === 2 ? -v : v));
    expect(kabschRmsd(planar, mirror)).toBeLessThan(1e-12);
  });

  it('matches numpy on pairs of NMR models of 1L2Y (C-alpha, nm)', () => {
    expect(models).toHaveLength(38);
    for (const { a, b, rmsdNm } of expected.kabsch.l2yModelPairs) {
      expect(kabschRmsd(models[a - 1]!, models[b - 1]!)).toBeCloseTo(rmsdNm, 12);
    }
  });

  it('is symmetric', () => {
    expect(kabschRmsd(models[2]!, models[30]!)).toBeCloseTo(
      kabschRmsd(models[30]!, models[2]!),
      13,
    );
  });

  it('rejects sets of different sizes, partial atoms and non-finite values', () => {
    expect(() => kabschRmsd([0, 0, 0], [0, 0, 0, 1, 1, 1])).toThrow(InvalidInputError);
    expect(() => kabschRmsd([0, 0], [0, 0])).toThrow(/multiple of 3/);
    expect(() => kabschRmsd([0, Number.NaN, 0], [0, 0, 0])).toThrow(/moving\[1\]/);
    expect(() => kabschRmsd([], [])).toThrow(/multiple of 3/);
  });
});

describe('superpose', () => {
  it('recovers the rotation and translation that made a copy', () => {
    const a = models[0]!;
    const r = rotation([1, 2, 3], 0.7);
    const b = transform(a, r, [1, 2, 3]);
    const fit = superpose(a, b);
    for (let i = 0; i < 9; i++) expect(fit.rotation[i]).toBeCloseTo(r[i]!, 10);
    for (let i = 0; i < 3; i++) expect(fit.translation[i]).toBeCloseTo(i + 1, 10);
    expect(det3(fit.rotation)).toBeCloseTo(1, 12);
  });

  it('returns a proper rotation even for a mirror image', () => {
    const chiral = [0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 3];
    const mirror = [0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, -3];
    expect(det3(superpose(chiral, mirror).rotation)).toBeCloseTo(1, 12);
  });
});
