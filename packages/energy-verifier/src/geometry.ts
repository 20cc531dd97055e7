import { kabschRmsd } from '@fold/scoring';

// Boxes are GROMACS boxes: rows a, b, c as a flat `[ax, ay, az, bx, by, bz, cx, cy, cz]` with
// ay = az = bz = 0 (lower triangular), the form mdrun writes. Coordinates are flat xyz, nm.

/** Boltzmann's constant, kJ/mol/K (the value GROMACS uses). */
export const BOLTZMANN_KJ_MOL_K = 0.0083144626181532;

/** Whether a flat 9-number box is a GROMACS box: finite, positive diagonal, upper triangle zero. */
export function isGromacsBox(box: ArrayLike<number>): boolean {
  if (box.length !== 9) return false;
  for (let i = 0; i < 9; i++) if (!Number.isFinite(box[i] as number)) return false;
  return (
    (box[0] as number) > 0 &&
    (box[4] as number) > 0 &&
    (box[8] as number) > 0 &&
    box[1] === 0 &&
    box[2] === 0 &&
    box[5] === 0
  );
}

/** Box volume, nm³. */
export function boxVolume(box: ArrayLike<number>): number {
  return (box[0] as number) * (box[4] as number) * (box[8] as number);
}

/**
 * Shifts a displacement to its nearest periodic image by whole box vectors, c first, then b,
 * then a (exact for the displacements GROMACS boxes allow, shorter than half the box's height).
 */
export function nearestImage(
  box: ArrayLike<number>,
  dx: number,
  dy: number,
  dz: number,
  out: Float64Array,
): Float64Array {
  let s = Math.round(dz / (box[8] as number));
  dx -= s * (box[6] as number);
  dy -= s * (box[7] as number);
  dz -= s * (box[8] as number);
  s = Math.round(dy / (box[4] as number));
  dx -= s * (box[3] as number);
  dy -= s * (box[4] as number);
  dx -= Math.round(dx / (box[0] as number)) * (box[0] as number);
  out[0] = dx;
  out[1] = dy;
  out[2] = dz;
  return out;
}

/** The worst constrained distance of a frame. */
export interface ConstraintDeviation {
  /** Largest |d / d0 - 1| over all constraints; 0 when there are none. */
  readonly maxRelative: number;
  /** The pair where it occurs (0-based atoms), and its distance and reference length, nm. */
  readonly atoms: readonly [number, number] | null;
  readonly distanceNm: number | null;
  readonly lengthNm: number | null;
}

/** Deviation of every constrained distance from its length, under periodic boundaries. */
export function constraintDeviation(
  positions: ArrayLike<number>,
  box: ArrayLike<number>,
  constraints: {
    readonly atomsA: ArrayLike<number>;
    readonly atomsB: ArrayLike<number>;
    readonly lengthsNm: ArrayLike<number>;
  },
): ConstraintDeviation {
  const d = new Float64Array(3);
  let worst = 0;
  let at = -1;
  let worstDistance = 0;
  for (let k = 0; k < constraints.lengthsNm.length; k++) {
    const a = 3 * (constraints.atomsA[k] as number);
    const b = 3 * (constraints.atomsB[k] as number);
    nearestImage(
      box,
      (positions[b] as number) - (positions[a] as number),
      (positions[b + 1] as number) - (positions[a + 1] as number),
      (positions[b + 2] as number) - (positions[a + 2] as number),
      d,
    );
    const distance = Math.hypot(d[0] as number, d[1] as number, d[2] as number);
    const deviation = Math.abs(distance / (constraints.lengthsNm[k] as number) - 1);
    // NaN never compares greater: count it as the worst possible.
    if (deviation > worst || (Number.isNaN(deviation) && worst !== Number.POSITIVE_INFINITY)) {
      worst = Number.isNaN(deviation) ? Number.POSITIVE_INFINITY : deviation;
      at = k;
      worstDistance = distance;
    }
  }
  if (at < 0) return { maxRelative: 0, atoms: null, distanceNm: null, lengthNm: null };
  return {
    maxRelative: worst,
    atoms: [constraints.atomsA[at] as number, constraints.atomsB[at] as number],
    distanceNm: worstDistance,
    lengthNm: constraints.lengthsNm[at] as number,
  };
}

/** The closest pair of atoms found within a cut-off. */
export interface ClosestPair {
  readonly distanceNm: number;
  readonly atoms: readonly [number, number];
}

/**
 * The closest pair of atoms closer than `cutoffNm` under periodic boundaries (a cell list in
 * fractional coordinates, linear in the atom count), or null when no pair is that close. Atoms
 * for which `include` is false (massless virtual sites) are skipped.
 */
export function closestPairWithin(
  positions: ArrayLike<number>,
  box: ArrayLike<number>,
  cutoffNm: number,
  include?: (atom: number) => boolean,
): ClosestPair | null {
  const n = positions.length / 3;
  const ax = box[0] as number;
  const bx = box[3] as number;
  const by = box[4] as number;
  const cx = box[6] as number;
  const cy = box[7] as number;
  const cz = box[8] as number;
  // Perpendicular widths of the cell along a, b and c.
  const volume = ax * by * cz;
  const widthA = volume / Math.hypot(by * cz, -bx * cz, bx * cy - by * cx);
  const widthB = volume / Math.hypot(0, ax * cz, -ax * cy);
  const widthC = cz;
  // Cells at least a cut-off thick, but not many more cells than atoms (empty cells cost time).
  const cells = [widthA, widthB, widthC].map((w) => Math.max(1, Math.floor(w / cutoffNm)));
  const budget = 2 * n + 8;
  const product = (cells[0] as number) * (cells[1] as number) * (cells[2] as number);
  if (product > budget) {
    const shrink = Math.cbrt(product / budget);
    for (let d = 0; d < 3; d++) cells[d] = Math.max(1, Math.floor((cells[d] as number) / shrink));
  }
  const [na, nb, nc] = cells as [number, number, number];
  const fractional = new Float64Array(3 * n);
  const cellOf = new Int32Array(n);
  const counts = new Int32Array(na * nb * nc + 1);
  for (let i = 0; i < n; i++) {
    if (include && !include(i)) {
      cellOf[i] = -1;
      continue;
    }
    const x = positions[3 * i] as number;
    const y = positions[3 * i + 1] as number;
    const z = positions[3 * i + 2] as number;
    let sc = z / cz;
    let sb = (y - sc * cy) / by;
    let sa = (x - sc * cx - sb * bx) / ax;
    sa -= Math.floor(sa);
    sb -= Math.floor(sb);
    sc -= Math.floor(sc);
    fractional[3 * i] = sa;
    fractional[3 * i + 1] = sb;
    fractional[3 * i + 2] = sc;
    const ia = Math.min(na - 1, Math.floor(sa * na));
    const ib = Math.min(nb - 1, Math.floor(sb * nb));
    const ic = Math.min(nc - 1, Math.floor(sc * nc));
    const cell = (ia * nb + ib) * nc + ic;
    cellOf[i] = cell;
    counts[cell + 1] = (counts[cell + 1] as number) + 1;
  }
  for (let c = 1; c < counts.length; c++)
    counts[c] = (counts[c] as number) + (counts[c - 1] as number);
  const starts = counts.slice();
  const members = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const cell = cellOf[i] as number;
    if (cell < 0) continue;
    members[starts[cell] as number] = i;
    starts[cell] = (starts[cell] as number) + 1;
  }
  let best = cutoffNm * cutoffNm;
  let pair: [number, number] | null = null;
  const neighbours: number[] = [];
  for (let i = 0; i < n; i++) {
    const cell = cellOf[i] as number;
    if (cell < 0) continue;
    const ic = cell % nc;
    const ib = Math.floor(cell / nc) % nb;
    const ia = Math.floor(cell / (nc * nb));
    neighbours.length = 0;
    for (let da = -1; da <= 1; da++)
      for (let db = -1; db <= 1; db++)
        for (let dc = -1; dc <= 1; dc++) {
          const other =
            (((ia + da + na) % na) * nb + ((ib + db + nb) % nb)) * nc + ((ic + dc + nc) % nc);
          // With fewer than three cells along an axis, neighbours repeat.
          if (!neighbours.includes(other)) neighbours.push(other);
        }
    for (const other of neighbours) {
      for (let q = counts[other] as number; q < (counts[other + 1] as number); q++) {
        const j = members[q] as number;
        if (j <= i) continue;
        let da = (fractional[3 * j] as number) - (fractional[3 * i] as number);
        let db = (fractional[3 * j + 1] as number) - (fractional[3 * i + 1] as number);
        let dc = (fractional[3 * j + 2] as number) - (fractional[3 * i + 2] as number);
        da -= Math.round(da);
        db -= Math.round(db);
        dc -= Math.round(dc);
        const dx = da * ax + db * bx + dc * cx;
        const dy = db * by + dc * cy;
        const dz = dc * cz;
        const r2 = dx * dx + dy * dy + dz * dz;
        if (r2 < best) {
          best = r2;
          pair = [i, j];
        }
      }
    }
  }
  return pair === null ? null : { distanceNm: Math.sqrt(best), atoms: pair };
}

/** Kinetic energy of velocities (nm/ps) with masses (amu), kJ/mol. */
export function kineticEnergy(velocities: ArrayLike<number>, masses: ArrayLike<number>): number {
  let sum = 0;
  for (let i = 0; i < masses.length; i++) {
    const vx = velocities[3 * i] as number;
    const vy = velocities[3 * i + 1] as number;
    const vz = velocities[3 * i + 2] as number;
    sum += (masses[i] as number) * (vx * vx + vy * vy + vz * vz);
  }
  return sum / 2;
}

/**
 * All-atom distance between two frames of the same system under periodic boundaries, nm: the
 * RMS of each atom's nearest-image displacement after removing the common displacement (the
 * per-axis median), so that a copy shifted by any vector and wrapped back into the box is still
 * at distance 0. Rotation is not removed: rotating a periodic system is not a symmetry.
 */
export function periodicRmsd(
  a: ArrayLike<number>,
  b: ArrayLike<number>,
  box: ArrayLike<number>,
): number {
  const n = a.length / 3;
  const d = new Float64Array(3);
  const shifts = [new Float64Array(n), new Float64Array(n), new Float64Array(n)] as const;
  for (let i = 0; i < n; i++) {
    nearestImage(
      box,
      (a[3 * i] as number) - (b[3 * i] as number),
      (a[3 * i + 1] as number) - (b[3 * i + 1] as number),
      (a[3 * i + 2] as number) - (b[3 * i + 2] as number),
      d,
    );
    shifts[0][i] = d[0] as number;
    shifts[1][i] = d[1] as number;
    shifts[2][i] = d[2] as number;
  }
  const median = shifts.map((s) => {
    const sorted = Float64Array.from(s).sort();
    return sorted[sorted.length >> 1] as number;
  }) as [number, number, number];
  let sum = 0;
  for (let i = 0; i < n; i++) {
    nearestImage(
      box,
      (shifts[0][i] as number) - median[0],
      (shifts[1][i] as number) - median[1],
      (shifts[2][i] as number) - median[2],
      d,
    );
    sum += (d[0] as number) ** 2 + (d[1] as number) ** 2 + (d[2] as number) ** 2;
  }
  return Math.sqrt(sum / n);
}

/**
 * The coordinates of chosen atoms (C-alpha atoms, say) made whole across periodic boundaries:
 * each atom is placed at the nearest image of the one before it, so that a chain split by the
 * box comes out in one piece, whichever image the frame holds it in.
 */
export function unwrappedSubset(
  positions: ArrayLike<number>,
  box: ArrayLike<number>,
  atoms: ArrayLike<number>,
): Float64Array {
  const out = new Float64Array(3 * atoms.length);
  const d = new Float64Array(3);
  for (let k = 0; k < atoms.length; k++) {
    const i = 3 * (atoms[k] as number);
    if (k === 0) {
      out[0] = positions[i] as number;
      out[1] = positions[i + 1] as number;
      out[2] = positions[i + 2] as number;
      continue;
    }
    const j = 3 * (atoms[k - 1] as number);
    nearestImage(
      box,
      (positions[i] as number) - (positions[j] as number),
      (positions[i + 1] as number) - (positions[j + 1] as number),
      (positions[i + 2] as number) - (positions[j + 2] as number),
      d,
    );
    out[3 * k] = (out[3 * k - 3] as number) + (d[0] as number);
    out[3 * k + 1] = (out[3 * k - 2] as number) + (d[1] as number);
    out[3 * k + 2] = (out[3 * k - 1] as number) + (d[2] as number);
  }
  return out;
}

/** Kabsch RMSD of two C-alpha sets (flat, same atoms in the same order), nm. */
export function caRmsd(a: ArrayLike<number>, b: ArrayLike<number>): number {
  return kabschRmsd(a, b);
}
