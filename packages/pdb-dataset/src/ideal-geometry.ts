/**
 * Ideal internal coordinates of the heavy atoms of the 20 standard amino acids, used to rebuild
 * missing side-chain atoms with the NeRF construction.
 *
 * Bond lengths (Å) and bond angles (degrees) are the Engh & Huber values: R. A. Engh and
 * R. Huber, "Accurate bond and angle parameters for X-ray protein structure refinement",
 * Acta Cryst. A47 (1991) 392-400 (the restraint library of X-PLOR/CNS refinement). Torsions
 * that are fixed by chemistry (planar rings, guanidinium, carboxylate/amide planes) are 0 or 180;
 * branch offsets (Thr CG2, Val CG2, Ile CG2, Leu CD2) follow from L-chirality. Rotatable side
 * chain torsions (chi) take their values from the rotamer modes of S. C. Lovell, J. M. Word,
 * J. S. Richardson and D. C. Richardson, "The penultimate rotamer library", Proteins 40 (2000)
 * 389-408, tried in the order listed (most populated first).
 *
 * The table's geometry is checked in `ideal-geometry.test.ts` by rebuilding the side chains of
 * high-resolution entries from their own chi angles.
 */

/** How the dihedral that places an atom is chosen. */
export type TorsionRule =
  /** A torsion fixed by chemistry, in degrees. */
  | { readonly fixed: number }
  /** Side-chain angle chi`n` plus an offset in degrees (0 for the atom that defines chi). */
  | { readonly chi: 1 | 2 | 3 | 4; readonly offset: number };

/**
 * One atom placed from three already placed atoms: `refs = [a, b, c]` gives the dihedral
 * a-b-c-atom, the angle b-c-atom and the bond c-atom.
 */
export interface AtomRecipe {
  readonly atom: string;
  readonly refs: readonly [string, string, string];
  readonly bondA: number;
  readonly angleDeg: number;
  readonly torsion: TorsionRule;
}

/** A standard residue: its heavy atoms in build order and the candidate values of its chi angles. */
export interface ResidueTemplate {
  readonly name: string;
  /** Heavy atoms in build order: N, CA, C, O, then the side chain. */
  readonly heavyAtoms: readonly string[];
  /** Recipes for side-chain atoms (CB and beyond), in build order. */
  readonly sideChain: readonly AtomRecipe[];
  /** Candidate values (degrees) of each chi angle, most populated rotamer first. */
  readonly chiCandidates: readonly (readonly number[])[];
}

const BACKBONE = ['N', 'CA', 'C', 'O'] as const;

/** CB from the backbone: the torsion C-N-CA-CB of an L-amino acid. */
const CB: AtomRecipe = {
  atom: 'CB',
  refs: ['C', 'N', 'CA'],
  bondA: 1.53,
  angleDeg: 110.5,
  torsion: { fixed: -122.6 },
};

function chi(n: 1 | 2 | 3 | 4, offset = 0): TorsionRule {
  return { chi: n, offset };
}

function fixed(value: number): TorsionRule {
  return { fixed: value };
}

function r(
  atom: string,
  refs: readonly [string, string, string],
  bondA: number,
  angleDeg: number,
  torsion: TorsionRule,
): AtomRecipe {
  return { atom, refs, bondA, angleDeg, torsion };
}

/** Staggered sp3-sp3 torsions: gauche- (m), trans (t), gauche+ (p), the usual order of frequency. */
const SP3: readonly number[] = [-65, 180, 65];
const NCAB = ['N', 'CA', 'CB'] as const;
const CABG = ['CA', 'CB', 'CG'] as const;
const CBGD = ['CB', 'CG', 'CD'] as const;

const aromaticRing = (ring: 'PHE' | 'TYR'): AtomRecipe[] => {
  const atoms = [
    r('CG', NCAB, 1.502, 113.8, chi(1)),
    r('CD1', CABG, 1.384, 120.7, chi(2)),
    r('CD2', CABG, 1.384, 120.7, chi(2, 180)),
    r('CE1', ['CB', 'CG', 'CD1'], 1.382, 120.7, fixed(180)),
    r('CE2', ['CB', 'CG', 'CD2'], 1.382, 120.7, fixed(180)),
    r('CZ', ['CG', 'CD1', 'CE1'], 1.382, 120.0, fixed(0)),
  ];
  if (ring === 'TYR') atoms.push(r('OH', ['CD1', 'CE1', 'CZ'], 1.376, 119.9, fixed(180)));
  return atoms;
};

const RECIPES: Readonly<
  Record<string, { side: readonly AtomRecipe[]; chis: readonly (readonly number[])[] }>
> = {
  GLY: { side: [], chis: [] },
  ALA: { side: [CB], chis: [] },
  SER: { side: [CB, r('OG', NCAB, 1.417, 111.1, chi(1))], chis: [[65, -65, 180]] },
  CYS: { side: [CB, r('SG', NCAB, 1.808, 114.0, chi(1))], chis: [[-65, 180, 65]] },
  THR: {
    side: [CB, r('OG1', NCAB, 1.433, 109.6, chi(1)), r('CG2', NCAB, 1.521, 110.5, chi(1, -120))],
    chis: [[65, -65, 180]],
  },
  VAL: {
    side: [CB, r('CG1', NCAB, 1.521, 110.5, chi(1)), r('CG2', NCAB, 1.521, 110.5, chi(1, 120))],
    chis: [[175, -60, 65]],
  },
  ILE: {
    side: [
      CB,
      r('CG1', NCAB, 1.53, 110.4, chi(1)),
      r('CG2', NCAB, 1.521, 110.5, chi(1, -120)),
      r('CD1', ['CA', 'CB', 'CG1'], 1.513, 113.8, chi(2)),
    ],
    chis: [
      [-65, 60, 180],
      [170, -60, 65],
    ],
  },
  LEU: {
    side: [
      CB,
      r('CG', NCAB, 1.53, 116.3, chi(1)),
      r('CD1', CABG, 1.521, 110.7, chi(2)),
      r('CD2', CABG, 1.521, 110.7, chi(2, 120)),
    ],
    chis: [
      [-65, 180, 65],
      [175, 65, -65],
    ],
  },
  MET: {
    side: [
      CB,
      r('CG', NCAB, 1.52, 114.1, chi(1)),
      r('SD', CABG, 1.803, 112.7, chi(2)),
      r('CE', ['CB', 'CG', 'SD'], 1.791, 100.9, chi(3)),
    ],
    chis: [SP3, [180, -65, 65], [-70, 180, 70]],
  },
  PHE: { side: [CB, ...aromaticRing('PHE')], chis: [SP3, [90, -85, -30, 0]] },
  TYR: { side: [CB, ...aromaticRing('TYR')], chis: [SP3, [90, -85, -30, 0]] },
  TRP: {
    side: [
      CB,
      r('CG', NCAB, 1.498, 113.6, chi(1)),
      r('CD1', CABG, 1.365, 126.9, chi(2)),
      r('CD2', CABG, 1.433, 126.6, chi(2, 180)),
      r('NE1', ['CB', 'CG', 'CD1'], 1.374, 110.2, fixed(180)),
      r('CE2', ['CB', 'CG', 'CD2'], 1.409, 107.2, fixed(180)),
      r('CE3', ['CB', 'CG', 'CD2'], 1.398, 133.9, fixed(0)),
      r('CZ2', ['CG', 'CD2', 'CE2'], 1.394, 122.4, fixed(180)),
      r('CZ3', ['CG', 'CD2', 'CE3'], 1.382, 118.6, fixed(180)),
      r('CH2', ['CD2', 'CE2', 'CZ2'], 1.368, 117.5, fixed(0)),
    ],
    chis: [SP3, [95, -90, 0, -105]],
  },
  HIS: {
    side: [
      CB,
      r('CG', NCAB, 1.497, 113.8, chi(1)),
      r('ND1', CABG, 1.378, 122.7, chi(2)),
      r('CD2', CABG, 1.354, 131.0, chi(2, 180)),
      r('CE1', ['CB', 'CG', 'ND1'], 1.321, 109.0, fixed(180)),
      r('NE2', ['CB', 'CG', 'CD2'], 1.374, 107.2, fixed(180)),
    ],
    chis: [SP3, [-75, 80, 170, -160]],
  },
  ASP: {
    side: [
      CB,
      r('CG', NCAB, 1.516, 112.6, chi(1)),
      r('OD1', CABG, 1.249, 118.4, chi(2)),
      r('OD2', CABG, 1.249, 118.4, chi(2, 180)),
    ],
    chis: [SP3, [-15, 30, 65]],
  },
  ASN: {
    side: [
      CB,
      r('CG', NCAB, 1.516, 112.6, chi(1)),
      r('OD1', CABG, 1.231, 120.8, chi(2)),
      r('ND2', CABG, 1.328, 116.4, chi(2, 180)),
    ],
    chis: [SP3, [-20, 30, -75, 120]],
  },
  GLU: {
    side: [
      CB,
      r('CG', NCAB, 1.52, 114.1, chi(1)),
      r('CD', CABG, 1.516, 112.6, chi(2)),
      r('OE1', CBGD, 1.249, 118.4, chi(3)),
      r('OE2', CBGD, 1.249, 118.4, chi(3, 180)),
    ],
    chis: [SP3, [180, -65, 65], [-10, 60, -60]],
  },
  GLN: {
    side: [
      CB,
      r('CG', NCAB, 1.52, 114.1, chi(1)),
      r('CD', CABG, 1.516, 112.6, chi(2)),
      r('OE1', CBGD, 1.231, 120.8, chi(3)),
      r('NE2', CBGD, 1.328, 116.4, chi(3, 180)),
    ],
    chis: [SP3, [180, -65, 65], [-25, 60, -60]],
  },
  LYS: {
    side: [
      CB,
      r('CG', NCAB, 1.52, 114.1, chi(1)),
      r('CD', CABG, 1.52, 111.3, chi(2)),
      r('CE', CBGD, 1.52, 111.3, chi(3)),
      r('NZ', ['CG', 'CD', 'CE'], 1.489, 111.9, chi(4)),
    ],
    chis: [SP3, [180, -65, 65], [180, -65, 65], [180, -65, 65]],
  },
  ARG: {
    side: [
      CB,
      r('CG', NCAB, 1.52, 114.1, chi(1)),
      r('CD', CABG, 1.52, 111.3, chi(2)),
      r('NE', CBGD, 1.46, 112.0, chi(3)),
      r('CZ', ['CG', 'CD', 'NE'], 1.329, 124.2, chi(4)),
      r('NH1', ['CD', 'NE', 'CZ'], 1.326, 120.0, fixed(0)),
      r('NH2', ['CD', 'NE', 'CZ'], 1.326, 120.0, fixed(180)),
    ],
    chis: [SP3, [180, -65, 65], [180, -65, 65], [180, 90, -90]],
  },
  PRO: {
    // The pyrrolidine ring closes N-CA-CB at 103.0 degrees instead of the tetrahedral 110.5.
    side: [
      { ...CB, angleDeg: 103.0 },
      r('CG', NCAB, 1.492, 104.5, chi(1)),
      r('CD', CABG, 1.503, 106.1, chi(2)),
    ],
    // The two ring puckers: C-gamma endo (chi1 +30, chi2 -35) and exo (chi1 -30, chi2 +40).
    chis: [
      [30, -30],
      [-35, 40],
    ],
  },
};

/** Carbonyl oxygen: the bond C=O and the angle CA-C-O (Engh & Huber). */
export const CARBONYL = { bondA: 1.231, angleDeg: 120.1 } as const;

/** Backbone N-CA-C angle and the peptide C-N bond, used to judge chain breaks. */
export const PEPTIDE_BOND_A = 1.329;

/** The 20 standard amino acids and their heavy atoms, keyed by residue name. */
export const RESIDUE_TEMPLATES: Readonly<Record<string, ResidueTemplate>> = Object.fromEntries(
  Object.entries(RECIPES).map(([name, { side, chis }]) => [
    name,
    {
      name,
      heavyAtoms: [...BACKBONE, ...side.map((s) => s.atom)],
      sideChain: side,
      chiCandidates: chis,
    },
  ]),
);

/** Names of the 20 standard amino acids. */
export const STANDARD_RESIDUES: ReadonlySet<string> = new Set(Object.keys(RECIPES));
