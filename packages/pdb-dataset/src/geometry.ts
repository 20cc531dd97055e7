/** A point or vector in Å. */
export type Vec3 = readonly [number, number, number];

export function sub(a: Vec3, b: Vec3): Vec3 {
  return [a[0] - b[0], a[1] - b[1], a[2] - b[2]];
}

export function add(a: Vec3, b: Vec3): Vec3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

export function scale(a: Vec3, k: number): Vec3 {
  return [a[0] * k, a[1] * k, a[2] * k];
}

export function dot(a: Vec3, b: Vec3): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}

export function cross(a: Vec3, b: Vec3): Vec3 {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function norm(a: Vec3): number {
  return Math.sqrt(dot(a, a));
}

export function normalize(a: Vec3): Vec3 {
  const n = norm(a);
  return n === 0 ? [0, 0, 0] : scale(a, 1 / n);
}

export function distance(a: Vec3, b: Vec3): number {
  return norm(sub(a, b));
}

const RAD = Math.PI / 180;

/** The angle a-b-c in degrees. */
export function angleDeg(a: Vec3, b: Vec3, c: Vec3): number {
  const u = normalize(sub(a, b));
  const v = normalize(sub(c, b));
  return Math.acos(Math.max(-1, Math.min(1, dot(u, v)))) / RAD;
}

/** The dihedral a-b-c-d in degrees, in (-180, 180], IUPAC sign convention. */
export function dihedralDeg(a: Vec3, b: Vec3, c: Vec3, d: Vec3): number {
  const b1 = sub(b, a);
  const b2 = sub(c, b);
  const b3 = sub(d, c);
  const y = norm(b2) * dot(b1, cross(b2, b3));
  const x = dot(cross(b1, b2), cross(b2, b3));
  return Math.atan2(y, x) / RAD;
}

/**
 * Places atom d from three reference atoms a, b, c and internal coordinates: bond length |cd| in
 * Å, angle b-c-d and dihedral a-b-c-d in degrees. This is the Natural Extension Reference Frame
 * (NeRF) construction of Parsons et al., J. Comput. Chem. 26 (2005) 1063-1068.
 */
export function placeAtom(
  a: Vec3,
  b: Vec3,
  c: Vec3,
  bondA: number,
  angle: number,
  dihedral: number,
): Vec3 {
  const theta = angle * RAD;
  const phi = dihedral * RAD;
  const bc = normalize(sub(c, b));
  const n = normalize(cross(sub(b, a), bc));
  const m = cross(n, bc);
  const d2: Vec3 = [
    -bondA * Math.cos(theta),
    bondA * Math.sin(theta) * Math.cos(phi),
    bondA * Math.sin(theta) * Math.sin(phi),
  ];
  return add(c, add(scale(bc, d2[0]), add(scale(m, d2[1]), scale(n, d2[2]))));
}
