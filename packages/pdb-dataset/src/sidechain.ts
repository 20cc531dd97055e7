import { dihedralDeg, distance, placeAtom, type Vec3 } from './geometry.js';
import { type AtomRecipe, RESIDUE_TEMPLATES } from './ideal-geometry.js';

/** Heavy-atom pairs closer than this (Å) count as a clash when choosing a rotamer. */
export const CLASH_DISTANCE_A = 3.0;
/** The proline ring bond CD-N (Å) that a rebuilt proline must close. */
const PRO_CD_N_A = 1.473;

/** Anything that scores clashes of a candidate atom position with the atoms around it. */
export interface ClashEnvironment {
  /** Sum of squared overlaps (Å²) of `p` with the environment, ignoring residue `exclude`. */
  clashScore(p: Vec3, exclude: number): number;
}

/**
 * Heavy atoms around a residue, hashed into cubic cells so that clash scoring looks only at
 * neighbours: O(atoms rebuilt) per candidate instead of O(atoms in the structure).
 */
export class AtomGrid implements ClashEnvironment {
  private readonly cells = new Map<string, { p: Vec3; owner: number }[]>();
  constructor(private readonly cellA = 4) {}

  private key(x: number, y: number, z: number): string {
    return `${Math.floor(x / this.cellA)},${Math.floor(y / this.cellA)},${Math.floor(z / this.cellA)}`;
  }

  /** Adds an atom belonging to residue number `owner`. */
  add(p: Vec3, owner: number): void {
    const k = this.key(p[0], p[1], p[2]);
    const cell = this.cells.get(k);
    if (cell === undefined) this.cells.set(k, [{ p, owner }]);
    else cell.push({ p, owner });
  }

  /**
   * Sum of squared overlaps below {@link CLASH_DISTANCE_A} between `p` and the grid's atoms,
   * ignoring the atoms of residue `exclude` (a residue does not clash with itself).
   */
  clashScore(p: Vec3, exclude: number): number {
    const cx = Math.floor(p[0] / this.cellA);
    const cy = Math.floor(p[1] / this.cellA);
    const cz = Math.floor(p[2] / this.cellA);
    let score = 0;
    for (let dx = -1; dx <= 1; dx++) {
      for (let dy = -1; dy <= 1; dy++) {
        for (let dz = -1; dz <= 1; dz++) {
          const cell = this.cells.get(`${cx + dx},${cy + dy},${cz + dz}`);
          if (cell === undefined) continue;
          for (const { p: q, owner } of cell) {
            if (owner === exclude) continue;
            const d = distance(p, q);
            if (d < CLASH_DISTANCE_A) score += (CLASH_DISTANCE_A - d) ** 2;
          }
        }
      }
    }
    return score;
  }
}

/** What {@link rebuildSideChain} did to one residue. */
export interface SideChainRebuild {
  /** Every heavy atom of the residue after the rebuild (present and rebuilt). */
  readonly positions: ReadonlyMap<string, Vec3>;
  /** Atoms placed from ideal geometry, in build order. */
  readonly rebuilt: readonly string[];
  /** Atoms that were present but depend on a missing atom, so were rebuilt with it. */
  readonly replaced: readonly string[];
  /** The chi angles chosen for the rebuilt part (degrees), keyed `chi1`...; empty if none free. */
  readonly chis: Readonly<Record<string, number>>;
  /** Clash score of the chosen rotamer (sum of squared overlaps, Å²). */
  readonly clashScore: number;
}

function torsionFor(recipe: AtomRecipe, chis: readonly (number | undefined)[]): number {
  if ('fixed' in recipe.torsion) return recipe.torsion.fixed;
  const base = chis[recipe.torsion.chi];
  if (base === undefined)
    throw new Error(`chi${recipe.torsion.chi} undefined while placing ${recipe.atom}`);
  return base + recipe.torsion.offset;
}

function cartesian(lists: readonly (readonly number[])[]): number[][] {
  let out: number[][] = [[]];
  for (const list of lists) out = out.flatMap((prefix) => list.map((v) => [...prefix, v]));
  return out;
}

/**
 * Rebuilds the missing heavy side-chain atoms of a standard residue from ideal internal
 * coordinates (see `ideal-geometry.ts`). Chi angles whose defining atom is present are measured
 * and kept; free chi angles are chosen among the rotamer modes to minimise clashes with
 * `environment` (heavy atoms of the other residues; `owner` is this residue's number in the grid).
 * Pure apart from reading the grid.
 *
 * The backbone atoms N, CA and C must be present (residues without them are chain gaps, not
 * repairs). Returns null for a residue name outside the 20 standard ones.
 */
export function rebuildSideChain(
  resName: string,
  present: ReadonlyMap<string, Vec3>,
  environment: ClashEnvironment,
  owner: number,
): SideChainRebuild | null {
  const template = RESIDUE_TEMPLATES[resName];
  if (template === undefined) return null;
  for (const atom of ['N', 'CA', 'C']) {
    if (!present.has(atom))
      throw new Error(`${resName} without backbone atom ${atom} cannot be rebuilt`);
  }
  // An atom is rebuilt when it is missing or hangs off a rebuilt atom.
  const rebuildSet = new Set<string>();
  for (const recipe of template.sideChain) {
    if (!present.has(recipe.atom) || recipe.refs.some((ref) => rebuildSet.has(ref))) {
      rebuildSet.add(recipe.atom);
    }
  }
  if (rebuildSet.size === 0) {
    return { positions: new Map(present), rebuilt: [], replaced: [], chis: {}, clashScore: 0 };
  }
  const replaced = template.sideChain
    .filter((r) => rebuildSet.has(r.atom) && present.has(r.atom))
    .map((r) => r.atom);

  // Chi angles measured from atoms kept, and the free ones to search.
  const measured: (number | undefined)[] = [];
  const free: number[] = [];
  for (const recipe of template.sideChain) {
    if (!('chi' in recipe.torsion) || recipe.torsion.offset !== 0) continue;
    const n = recipe.torsion.chi;
    if (rebuildSet.has(recipe.atom)) free.push(n);
    else {
      const [a, b, c] = recipe.refs.map((ref) => present.get(ref)!);
      measured[n] = dihedralDeg(a!, b!, c!, present.get(recipe.atom)!);
    }
  }
  const candidateLists = free.map((n) => template.chiCandidates[n - 1] ?? [180]);
  const combos = cartesian(candidateLists);

  let best: { positions: Map<string, Vec3>; score: number; chis: (number | undefined)[] } | null =
    null;
  for (const [rank, combo] of combos.entries()) {
    const chis = [...measured];
    free.forEach((n, i) => {
      chis[n] = combo[i]!;
    });
    const positions = new Map(present);
    for (const atom of rebuildSet) positions.delete(atom);
    let score = rank * 1e-6;
    for (const recipe of template.sideChain) {
      if (!rebuildSet.has(recipe.atom)) continue;
      const [a, b, c] = recipe.refs.map((ref) => positions.get(ref)!);
      const p = placeAtom(a!, b!, c!, recipe.bondA, recipe.angleDeg, torsionFor(recipe, chis));
      positions.set(recipe.atom, p);
      score += environment.clashScore(p, owner);
    }
    if (resName === 'PRO') {
      score += 10 * (distance(positions.get('CD')!, positions.get('N')!) - PRO_CD_N_A) ** 2;
    }
    if (best === null || score < best.score) best = { positions, score, chis };
  }
  if (best === null) throw new Error(`no rotamer candidates for ${resName}`);
  const chosen = best;
  return {
    positions: chosen.positions,
    rebuilt: template.sideChain.filter((r) => rebuildSet.has(r.atom)).map((r) => r.atom),
    replaced,
    chis: Object.fromEntries(free.map((n) => [`chi${n}`, chosen.chis[n]!])),
    clashScore: Math.round(chosen.score * 1000) / 1000,
  };
}
