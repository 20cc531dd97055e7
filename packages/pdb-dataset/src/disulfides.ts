import type { CleanSegment } from './clean.js';
import { distance, type Vec3 } from './geometry.js';
import type { SsBond } from './structure.js';

/**
 * SG-SG distances (Å) that make a disulfide: pdb2gmx's default rule (0.2 nm ± 10%) together
 * with @fold/gromacs-runner's `CRYSTAL_DISULFIDE_RULE` (0.236 nm ± 10%), which the preparation
 * hands to pdb2gmx. Kept equal to what pdb2gmx then bonds, so that the plan can be checked.
 */
export const DISULFIDE_RANGE_A = { min: 1.8, max: 2.596 } as const;

/** One cysteine of a disulfide. */
export interface DisulfideEnd {
  readonly chainId: string;
  readonly resSeq: number;
  readonly iCode: string;
  /** Index of its segment in {@link CleanStructure.segments}. */
  readonly segment: number;
}

/** A disulfide bond the topology will have. */
export interface Disulfide {
  readonly first: DisulfideEnd;
  readonly second: DisulfideEnd;
  /** SG-SG distance, Å. */
  readonly distanceA: number;
  /** Whether an SSBOND record of the entry lists this pair. */
  readonly recorded: boolean;
}

/** An SSBOND record that gives no bond, and why. */
export interface UnbondedSsBond {
  readonly record: SsBond;
  /** SG-SG distance in the cleaned structure, Å; null when a cysteine or its SG is gone. */
  readonly distanceA: number | null;
}

/** What the topology does with the entry's cysteines. */
export interface DisulfidePlan {
  readonly bonds: readonly Disulfide[];
  /** SSBOND records that do not become bonds (sulfurs too far apart, or residues removed). */
  readonly unbonded: readonly UnbondedSsBond[];
  /**
   * True when a bond joins two segments: pdb2gmx bonds only within one molecule type, so the
   * chains must then be merged into one (`-merge all`).
   */
  readonly mergeChains: boolean;
}

interface Sulfur {
  readonly end: DisulfideEnd;
  readonly position: Vec3;
}

function key(r: { chainId: string; resSeq: number; iCode: string }): string {
  return `${r.chainId}:${r.resSeq}${r.iCode.trim()}`;
}

/**
 * Finds the disulfides of a cleaned structure the way pdb2gmx will make them: every pair of
 * cysteine SG atoms within {@link DISULFIDE_RANGE_A}, each sulfur bonded at most once (pairs
 * taken in atom order, as pdb2gmx does), whether or not an SSBOND record lists the pair. SSBOND
 * records whose sulfurs end up farther apart, or whose residues were removed, are reported in
 * `unbonded` rather than forced into the topology. Pure.
 */
export function findDisulfides(
  segments: readonly CleanSegment[],
  ssbonds: readonly SsBond[],
): DisulfidePlan {
  const sulfurs: Sulfur[] = [];
  segments.forEach((segment, index) => {
    for (const residue of segment.residues) {
      if (residue.resName !== 'CYS') continue;
      const sg = residue.atoms.find((a) => a.name === 'SG');
      if (sg === undefined) continue;
      sulfurs.push({
        end: {
          chainId: segment.chainId,
          resSeq: residue.resSeq,
          iCode: residue.iCode,
          segment: index,
        },
        position: sg.position,
      });
    }
  });
  const recorded = new Set(
    ssbonds.flatMap((b) => [
      `${key(b.first)}|${key(b.second)}`,
      `${key(b.second)}|${key(b.first)}`,
    ]),
  );
  const bonded = new Set<number>();
  const bonds: Disulfide[] = [];
  for (let i = 0; i < sulfurs.length; i++) {
    if (bonded.has(i)) continue;
    for (let j = i + 1; j < sulfurs.length; j++) {
      if (bonded.has(j)) continue;
      const a = sulfurs[i] as Sulfur;
      const b = sulfurs[j] as Sulfur;
      const d = distance(a.position, b.position);
      if (d < DISULFIDE_RANGE_A.min || d > DISULFIDE_RANGE_A.max) continue;
      bonded.add(i);
      bonded.add(j);
      bonds.push({
        first: a.end,
        second: b.end,
        distanceA: d,
        recorded: recorded.has(`${key(a.end)}|${key(b.end)}`),
      });
      break;
    }
  }
  const made = new Set(bonds.map((b) => `${key(b.first)}|${key(b.second)}`));
  const byKey = new Map(sulfurs.map((s) => [key(s.end), s]));
  const unbonded: UnbondedSsBond[] = [];
  for (const record of ssbonds) {
    const pair = `${key(record.first)}|${key(record.second)}`;
    const reverse = `${key(record.second)}|${key(record.first)}`;
    if (made.has(pair) || made.has(reverse)) continue;
    const a = byKey.get(key(record.first));
    const b = byKey.get(key(record.second));
    unbonded.push({
      record,
      distanceA: a !== undefined && b !== undefined ? distance(a.position, b.position) : null,
    });
  }
  return {
    bonds,
    unbonded,
    mergeChains: bonds.some((b) => b.first.segment !== b.second.segment),
  };
}
