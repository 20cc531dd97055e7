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

// Work buffers of the rotation search, reused by every call: the exploration bonus computes many
// RMSDs per round, and these small arrays would otherwise be most of its allocations. Nothing
// here is re-entrant, so sharing them is safe.
const hornMatrix = new Float64Array(16);
const eigenvectors = new Float64Array(16);
const rotationBuffer = new Float64Array(9);

/**
 * The proper rotation (row-major) that best maps centred `a` onto centred `b` (Horn 1987). The
 * result is a shared buffer, valid until the next call.
 */
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
  const m = hornMatrix;
  m[0] = sxx + syy + szz;
  m[1] = syz - szy;
  m[2] = szx - sxz;
  m[3] = sxy - syx;
  m[5] = sxx - syy - szz;
  m[6] = sxy + syx;
  m[7] = szx + sxz;
  m[10] = -sxx + syy - szz;
  m[11] = syz + szy;
  m[15] = -sxx - syy + szz;
  // Symmetric: mirror the upper triangle.
  m[4] = m[1]!;
  m[8] = m[2]!;
  m[12] = m[3]!;
  m[9] = m[6]!;
  m[13] = m[7]!;
  m[14] = m[11]!;
  const best = topEigenvector4(m);
  const v = eigenvectors;
  const q0 = v[best]!;
  const q1 = v[4 + best]!;
  const q2 = v[8 + best]!;
  const q3 = v[12 + best]!;
  const norm = Math.sqrt(q0 * q0 + q1 * q1 + q2 * q2 + q3 * q3);
  const w = q0 / norm;
  const x = q1 / norm;
  const y = q2 / norm;
  const z = q3 / norm;
  const r = rotationBuffer;
  r[0] = w * w + x * x - y * y - z * z;
  r[1] = 2 * (x * y - w * z);
  r[2] = 2 * (x * z + w * y);
  r[3] = 2 * (x * y + w * z);
  r[4] = w * w - x * x + y * y - z * z;
  r[5] = 2 * (y * z - w * x);
  r[6] = 2 * (x * z - w * y);
  r[7] = 2 * (y * z + w * x);
  r[8] = w * w - x * x - y * y + z * z;
  return r;
}

/**
 * Diagonalises a symmetric 4x4 matrix (row-major, overwritten) by cyclic Jacobi rotations,
 * unconditionally stable and exact enough for a matrix this small, leaving the eigenvectors in
 * the columns of {@link eigenvectors}; returns the column of the largest eigenvalue.
 */
function topEigenvector4(m: Float64Array): number {
  const v = eigenvectors;
  v.fill(0);
  v[0] = 1;
  v[5] = 1;
  v[10] = 1;
  v[15] = 1;
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
  return best;
}
