import { InvalidInputError } from './errors.js';
import { checkCoordinates } from './input-checks.js';

/** The optimal rigid superposition of one structure onto another. */
export interface Superposition {
  /** Root-mean-square deviation after superposition, in the unit of the coordinates. */
  readonly rmsd: number;
  /** Proper rotation (determinant +1), row-major 3x3: `target ≈ rotation · moving + translation`. */
  readonly rotation: readonly number[];
  /** Translation applied after the rotation. */
  readonly translation: readonly number[];
}

/**
 * The minimal RMSD between two structures over all rotations and translations (Kabsch), in the
 * unit of the coordinates (nm for GROMACS frames). Coordinates are flat `[x0, y0, z0, x1, ...]`,
 * atom i of one matched with atom i of the other (C-alpha atoms in residue order). Mirror images
 * are not superposable: only proper rotations are considered.
 * @throws {InvalidInputError} (code `INVALID_COORDINATES`) when either set is empty, not a whole
 * number of atoms, not finite, or the two differ in atom count.
 */
export function kabschRmsd(moving: ArrayLike<number>, target: ArrayLike<number>): number {
  const [a, b] = checkedPair(moving, target);
  centerInPlace(a);
  centerInPlace(b);
  return rmsdOfCentered(a, b);
}

/**
 * The rotation and translation that superpose `moving` onto `target` with minimal RMSD. The
 * rotation is found with Horn's quaternion method: the eigenvector of the largest eigenvalue of a
 * symmetric 4x4 matrix built from the 3x3 covariance, which is always a proper rotation, so no
 * reflection correction is needed (the determinant sign step of the SVD formulation).
 * @throws {InvalidInputError} as {@link kabschRmsd}.
 */
export function superpose(moving: ArrayLike<number>, target: ArrayLike<number>): Superposition {
  const [a, b] = checkedPair(moving, target);
  const ca = centerInPlace(a);
  const cb = centerInPlace(b);
  const r = optimalRotation(a, b);
  const rmsd = rmsdWithRotation(a, b, r);
  const translation = [
    cb[0]! - (r[0]! * ca[0]! + r[1]! * ca[1]! + r[2]! * ca[2]!),
    cb[1]! - (r[3]! * ca[0]! + r[4]! * ca[1]! + r[5]! * ca[2]!),
    cb[2]! - (r[6]! * ca[0]! + r[7]! * ca[1]! + r[8]! * ca[2]!),
  ];
  return { rmsd, rotation: [...r], translation };
}

function checkedPair(
  moving: ArrayLike<number>,
  target: ArrayLike<number>,
): [Float64Array, Float64Array] {
  const a = checkCoordinates('moving', moving);
  const b = checkCoordinates('target', target);
  if (a.length !== b.length) {
    throw new InvalidInputError(
      'target.length',
      b.length,
      `${a.length} (the same atoms as moving)`,
      {
        code: 'INVALID_COORDINATES',
      },
    );
  }
  return [a, b];
}

/** Subtracts the centroid from flat coordinates in place; returns the centroid. */
export function centerInPlace(xyz: Float64Array): [number, number, number] {
  const n = xyz.length / 3;
  let cx = 0;
  let cy = 0;
  let cz = 0;
  for (let i = 0; i < xyz.length; i += 3) {
    cx += xyz[i]!;
    cy += xyz[i + 1]!;
    cz += xyz[i + 2]!;
  }
  cx /= n;
  cy /= n;
  cz /= n;
  for (let i = 0; i < xyz.length; i += 3) {
    xyz[i] = xyz[i]! - cx;
    xyz[i + 1] = xyz[i + 1]! - cy;
    xyz[i + 2] = xyz[i + 2]! - cz;
  }
  return [cx, cy, cz];
}

/**
 * Kabsch RMSD of two centred structures of equal length (checked by the caller). The RMSD is
 * computed from the rotated coordinates rather than from the eigenvalue, which keeps it accurate
 * to ~1e-15 for identical structures (the eigenvalue form loses half the digits to cancellation).
 */
export function rmsdOfCentered(a: Float64Array, b: Float64Array): number {
  return rmsdWithRotation(a, b, optimalRotation(a, b));
}

function rmsdWithRotation(a: Float64Array, b: Float64Array, r: Float64Array): number {
  const r0 = r[0]!;
  const r1 = r[1]!;
  const r2 = r[2]!;
  const r3 = r[3]!;
  const r4 = r[4]!;
  const r5 = r[5]!;
  const r6 = r[6]!;
  const r7 = r[7]!;
  const r8 = r[8]!;
  let sum = 0;
  for (let i = 0; i < a.length; i += 3) {
    const x = a[i]!;
    const y = a[i + 1]!;
    const z = a[i + 2]!;
    const dx = r0 * x + r1 * y + r2 * z - b[i]!;
    const dy = r3 * x + r4 * y + r5 * z - b[i + 1]!;
    const dz = r6 * x + r7 * y + r8 * z - b[i + 2]!;
    sum += dx * dx + dy * dy + dz * dz;
  }
  return Math.sqrt(sum / (a.length / 3));
}

/** The proper rotation (row-major) that best maps centred `a` onto centred `b` (Horn 1987). */
function optimalRotation(a: Float64Array, b: Float64Array): Float64Array {
  let sxx = 0;
  let sxy = 0;
  let sxz = 0;
  let syx = 0;
  let syy = 0;
  let syz = 0;
  let szx = 0;
  let szy = 0;
  let szz = 0;
  for (let i = 0; i < a.length; i += 3) {
    const ax = a[i]!;
    const ay = a[i + 1]!;
    const az = a[i + 2]!;
    const bx = b[i]!;
    const by = b[i + 1]!;
    const bz = b[i + 2]!;
    sxx += ax * bx;
    sxy += ax * by;
    sxz += ax * bz;
    syx += ay * bx;
    syy += ay * by;
    syz += ay * bz;
    szx += az * bx;
    szy += az * by;
    szz += az * bz;
  }
  // Horn's symmetric matrix; its top eigenvector is the unit quaternion of the best rotation.
  // biome-ignore format: a 4x4 matrix reads best in rows
  const m = new Float64Array([
    sxx + syy + szz, syz - szy, szx - sxz, sxy - syx,
    syz - szy, sxx - syy - szz, sxy + syx, szx + sxz,
    szx - sxz, sxy + syx, -sxx + syy - szz, syz + szy,
    sxy - syx, szx + sxz, syz + szy, -sxx - syy + szz,
  ]);
  const [w, x, y, z] = topEigenvector4(m);
  // biome-ignore format: a 3x3 matrix reads best in rows
  return new Float64Array([
    w * w + x * x - y * y - z * z, 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), w * w - x * x + y * y - z * z, 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), w * w - x * x - y * y + z * z,
  ]);
}

/**
 * Eigenvector of the largest eigenvalue of a symmetric 4x4 matrix (row-major, overwritten), by
 * cyclic Jacobi rotations: unconditionally stable and exact enough for a matrix this small.
 */
function topEigenvector4(m: Float64Array): [number, number, number, number] {
  // biome-ignore format: the identity reads best in rows
  const v = new Float64Array([
    1, 0, 0, 0,
    0, 1, 0, 0,
    0, 0, 1, 0,
    0, 0, 0, 1,
  ]);
  for (let sweep = 0; sweep < 64; sweep++) {
    let off = 0;
    let diag = 0;
    for (let p = 0; p < 4; p++) {
      diag += m[p * 5]! * m[p * 5]!;
      for (let q = p + 1; q < 4; q++) off += m[p * 4 + q]! * m[p * 4 + q]!;
    }
    if (off <= 1e-32 * diag || off === 0) break;
    for (let p = 0; p < 3; p++) {
      for (let q = p + 1; q < 4; q++) {
        const apq = m[p * 4 + q]!;
        if (apq === 0) continue;
        const theta = (m[q * 5]! - m[p * 5]!) / (2 * apq);
        const t =
          Math.abs(theta) > 1e150
            ? 1 / (2 * theta)
            : Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < 4; k++) {
          if (k === p || k === q) continue;
          const akp = m[k * 4 + p]!;
          const akq = m[k * 4 + q]!;
          const nkp = c * akp - s * akq;
          const nkq = s * akp + c * akq;
          m[k * 4 + p] = nkp;
          m[p * 4 + k] = nkp;
          m[k * 4 + q] = nkq;
          m[q * 4 + k] = nkq;
        }
        m[p * 5] = m[p * 5]! - t * apq;
        m[q * 5] = m[q * 5]! + t * apq;
        m[p * 4 + q] = 0;
        m[q * 4 + p] = 0;
        for (let k = 0; k < 4; k++) {
          const vkp = v[k * 4 + p]!;
          const vkq = v[k * 4 + q]!;
          v[k * 4 + p] = c * vkp - s * vkq;
          v[k * 4 + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  let best = 0;
  for (let i = 1; i < 4; i++) if (m[i * 5]! > m[best * 5]!) best = i;
  const q0 = v[best]!;
  const q1 = v[4 + best]!;
  const q2 = v[8 + best]!;
  const q3 = v[12 + best]!;
  const norm = Math.hypot(q0, q1, q2, q3);
  return [q0 / norm, q1 / norm, q2 / norm, q3 / norm];
}
