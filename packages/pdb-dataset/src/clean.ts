import { type DisulfidePlan, findDisulfides } from './disulfides.js';
import { PdbRepairError } from './errors.js';
import { distance, placeAtom, type Vec3 } from './geometry.js';
import { CARBONYL, RESIDUE_TEMPLATES, STANDARD_RESIDUES } from './ideal-geometry.js';
import { AtomGrid, rebuildSideChain } from './sidechain.js';
import { type PdbAtom, type PdbResidue, type PdbStructure, residueLabel } from './structure.js';

/** What a repair did, as recorded in a job's provenance. */
export type RepairKind =
  | 'first-model'
  | 'altloc-selected'
  | 'hydrogens-removed'
  | 'waters-removed'
  | 'hetero-removed'
  | 'residue-renamed'
  | 'modified-residue-mapped'
  | 'residue-removed'
  | 'atoms-dropped'
  | 'chain-break'
  | 'side-chain-rebuilt'
  | 'carbonyl-rebuilt'
  | 'disulfide-bonded'
  | 'ssbond-not-bonded'
  | 'chains-merged';

/**
 * One decision taken while cleaning an entry. `subject` names what it applies to (a residue as
 * `A:65 NLE`, a chain, or `entry`), `detail` says what was done and why in words.
 */
export interface Repair {
  readonly kind: RepairKind;
  readonly subject: string;
  readonly detail: string;
  /** Atom names concerned (rebuilt, dropped), when any. */
  readonly atoms?: readonly string[];
}

/** One heavy atom of the cleaned structure. */
export interface CleanAtom {
  readonly name: string;
  readonly element: string;
  readonly position: Vec3;
  /** True when placed from ideal geometry rather than read from the entry. */
  readonly rebuilt: boolean;
}

/** A standard residue of the cleaned structure, its atoms in template order. */
export interface CleanResidue {
  readonly resName: string;
  readonly resSeq: number;
  readonly iCode: string;
  /** The residue's name in the entry before mapping (`NLE`, `HYP`, `HIE`). */
  readonly sourceResName: string;
  readonly atoms: readonly CleanAtom[];
}

/**
 * A run of residues bonded to each other: one chain of the entry, or a piece of one between
 * chain breaks. Each segment becomes its own molecule with its own termini in the topology.
 */
export interface CleanSegment {
  readonly chainId: string;
  /** 1-based index of this segment among the segments of its chain. */
  readonly part: number;
  readonly residues: readonly CleanResidue[];
}

/** The protein as it goes to pdb2gmx, with every repair that produced it. */
export interface CleanStructure {
  readonly segments: readonly CleanSegment[];
  readonly repairs: readonly Repair[];
  /** The disulfides the topology gets, and whether the chains must be merged for them. */
  readonly disulfides: DisulfidePlan;
}

/** Options of {@link cleanStructure}. */
export interface CleanOptions {
  /**
   * A C(i)-N(i+1) distance above this (Å) is a chain break. The peptide bond is 1.33 Å; 2.0
   * leaves room for poor geometry without ever bonding across a missing residue.
   */
  readonly breakDistanceA?: number;
}

const WATER_NAMES = new Set(['HOH', 'WAT', 'DOD', 'H2O', 'SOL', 'TIP', 'TIP3', 'SPC']);

/** Protonation-state and force-field names of standard residues written by other programs. */
const RESIDUE_ALIASES: Readonly<Record<string, string>> = {
  HID: 'HIS',
  HIE: 'HIS',
  HIP: 'HIS',
  HSD: 'HIS',
  HSE: 'HIS',
  HSP: 'HIS',
  HIH: 'HIS',
  CYX: 'CYS',
  CYM: 'CYS',
  ASH: 'ASP',
  GLH: 'GLU',
  LYN: 'LYS',
  ARN: 'ARG',
};

/** Atom names that differ from the templates but mean the same atom. */
function canonicalAtomName(resName: string, sourceResName: string, name: string): string {
  if (name === 'OT1' || name === 'OC1') return 'O';
  if (name === 'OT2' || name === 'OC2') return 'OXT';
  if (resName === 'ILE' && name === 'CD') return 'CD1';
  if (sourceResName === 'MSE' && name === 'SE') return 'SD';
  return name;
}

function isHydrogen(atom: PdbAtom): boolean {
  return atom.element === 'H' || atom.element === 'D';
}

interface AltLocChoice {
  readonly atoms: readonly PdbAtom[];
  readonly resName: string;
  /** The altLoc kept and the ones dropped; null when the residue has no altLocs. */
  readonly altLocs: { readonly kept: string; readonly dropped: readonly string[] } | null;
}

/**
 * Keeps one altLoc per atom. The altLoc is chosen per residue (highest mean occupancy, then the
 * first in sort order), so a side chain is never assembled from two conformers; an atom that
 * exists only in other altLocs takes its highest-occupancy variant.
 */
export function selectAltLocs(residue: PdbResidue): AltLocChoice {
  const byAlt = new Map<string, PdbAtom[]>();
  for (const atom of residue.atoms) {
    if (atom.altLoc === '') continue;
    const list = byAlt.get(atom.altLoc) ?? [];
    list.push(atom);
    byAlt.set(atom.altLoc, list);
  }
  if (byAlt.size === 0) return { atoms: residue.atoms, resName: residue.resName, altLocs: null };
  const ranked = [...byAlt.entries()]
    .map(([alt, atoms]) => ({
      alt,
      atoms,
      occupancy: atoms.reduce((sum, a) => sum + a.occupancy, 0) / atoms.length,
    }))
    .sort((a, b) => b.occupancy - a.occupancy || (a.alt < b.alt ? -1 : a.alt > b.alt ? 1 : 0));
  const kept = ranked[0]!;
  const resName = kept.atoms[0]!.resName;
  const chosen = new Map<string, PdbAtom>();
  for (const atom of residue.atoms) {
    if (atom.altLoc === '' && !chosen.has(atom.name)) chosen.set(atom.name, atom);
  }
  for (const atom of kept.atoms) chosen.set(atom.name, atom);
  // Atoms present only in dropped altLocs of the same residue name, best occupancy first.
  for (const { atoms } of ranked.slice(1)) {
    for (const atom of atoms) {
      const have = chosen.get(atom.name);
      if (atom.resName !== resName) continue;
      if (have === undefined) chosen.set(atom.name, atom);
    }
  }
  // Blank-altLoc atoms shared by a microheterogeneous residue keep the chosen residue's name.
  const atoms = residue.atoms.filter((a) => chosen.get(a.name) === a);
  return {
    atoms,
    resName,
    altLocs: { kept: kept.alt, dropped: ranked.slice(1).map((r) => r.alt) },
  };
}

interface KeptResidue {
  readonly chainId: string;
  readonly resSeq: number;
  readonly iCode: string;
  readonly resName: string;
  readonly sourceResName: string;
  readonly positions: Map<string, Vec3>;
  readonly elements: Map<string, string>;
  /** A polymer residue was removed between the previous kept residue and this one. */
  readonly gapBefore: string | null;
}

function label(r: { chainId: string; resSeq: number; iCode: string }, resName: string): string {
  return `${residueLabel(r)} ${resName}`;
}

/** Resolves MODRES for one residue: the single standard parent, or why there is none. */
function modresParent(
  structure: PdbStructure,
  residue: { chainId: string; resSeq: number; iCode: string },
  resName: string,
): { parent: string } | { reason: string } | null {
  const records = structure.modifiedResidues.filter(
    (m) =>
      m.resName === resName &&
      m.chainId === residue.chainId &&
      m.resSeq === residue.resSeq &&
      m.iCode === residue.iCode,
  );
  if (records.length === 0) return null;
  const parents = [...new Set(records.map((m) => m.standardResName))];
  if (parents.length > 1) {
    return {
      reason: `MODRES derives ${resName} from ${records.map((m) => m.standardResName).join(', ')}: a fused residue with no single standard parent`,
    };
  }
  const parent = parents[0]!;
  if (!STANDARD_RESIDUES.has(parent)) {
    return { reason: `MODRES parent ${parent} of ${resName} is not a standard amino acid` };
  }
  return { parent };
}

function missingBetween(
  structure: PdbStructure,
  chainId: string,
  fromSeq: number,
  toSeq: number,
): number {
  return structure.missingResidues.filter(
    (m) => m.chainId === chainId && m.resSeq > fromSeq && m.resSeq < toSeq && (m.model ?? 1) === 1,
  ).length;
}

function endLabel(e: { chainId: string; resSeq: number; iCode: string }): string {
  return `${e.chainId || '_'}:${e.resSeq}${e.iCode.trim()} CYS`;
}

/** The provenance of a disulfide plan: each bond, each SSBOND record left unbonded, a merge. */
function disulfideRepairs(plan: DisulfidePlan): Repair[] {
  const repairs: Repair[] = plan.bonds.map((b) => ({
    kind: 'disulfide-bonded',
    subject: `${endLabel(b.first)} - ${endLabel(b.second)}`,
    detail: `SG-SG ${b.distanceA.toFixed(2)} Å: bonded as a disulfide${b.recorded ? ' (SSBOND record)' : ' (no SSBOND record; by distance)'}`,
    atoms: ['SG'],
  }));
  for (const u of plan.unbonded) {
    repairs.push({
      kind: 'ssbond-not-bonded',
      subject: `${endLabel(u.record.first)} - ${endLabel(u.record.second)}`,
      detail:
        u.distanceA === null
          ? 'SSBOND record for a cysteine or sulfur that is not in the cleaned structure; not bonded'
          : `SSBOND record, but SG-SG is ${u.distanceA.toFixed(2)} Å in the model; left as two free cysteines`,
    });
  }
  if (plan.mergeChains) {
    repairs.push({
      kind: 'chains-merged',
      subject: 'entry',
      detail:
        'a disulfide joins two chains or segments: all are one molecule type in the topology (pdb2gmx -merge all), each keeping its own termini',
    });
  }
  return repairs;
}

/**
 * Turns a parsed entry into a protein that pdb2gmx accepts, recording every decision:
 * the first model only; one altLoc per atom; hydrogens, waters and ligands removed; residues
 * that MODRES maps to one standard parent renamed to it (atoms the parent lacks dropped, atoms it
 * needs rebuilt); residues with an incomplete backbone, and modified residues without a single
 * standard parent, removed as gaps; chains split at every gap (C-N over `breakDistanceA`) so that
 * nothing is bonded across it; missing heavy side-chain atoms and carbonyl oxygens rebuilt from
 * ideal geometry; disulfides found by SG-SG distance ({@link findDisulfides}). Pure.
 * @throws {PdbRepairError} `NO_PROTEIN` when no standard or mappable amino acid is left.
 */
export function cleanStructure(
  structure: PdbStructure,
  options: CleanOptions = {},
): CleanStructure {
  const breakDistanceA = options.breakDistanceA ?? 2.0;
  const repairs: Repair[] = [];
  const model = structure.models[0]!;
  if (structure.models.length > 1) {
    repairs.push({
      kind: 'first-model',
      subject: 'entry',
      detail: `kept model ${model.serial} of ${structure.models.length}`,
    });
  }

  let hydrogens = 0;
  let waters = 0;
  const hetero = new Map<string, number>();
  const chains: KeptResidue[][] = [];

  for (const chain of model.chains) {
    const kept: KeptResidue[] = [];
    let pendingGap: string | null = null;
    for (const residue of chain.residues) {
      const choice = selectAltLocs(residue);
      const sourceResName = choice.resName;
      if (WATER_NAMES.has(sourceResName)) {
        waters++;
        continue;
      }
      const subject = label(residue, sourceResName);
      let resName = RESIDUE_ALIASES[sourceResName] ?? sourceResName;
      let mapped = false;
      if (!STANDARD_RESIDUES.has(resName)) {
        const mod = modresParent(structure, residue, sourceResName);
        if (mod !== null && 'parent' in mod) {
          resName = mod.parent;
          mapped = true;
        } else if (mod !== null) {
          repairs.push({
            kind: 'residue-removed',
            subject,
            detail: `${mod.reason}; the chain is broken here`,
          });
          if (kept.length > 0) pendingGap = `${sourceResName} removed`;
          continue;
        } else if (residue.hetero) {
          hetero.set(sourceResName, (hetero.get(sourceResName) ?? 0) + 1);
          continue;
        } else {
          repairs.push({
            kind: 'residue-removed',
            subject,
            detail: `${sourceResName} is not a standard amino acid and has no MODRES record; the chain is broken here`,
          });
          if (kept.length > 0) pendingGap = `${sourceResName} removed`;
          continue;
        }
      } else if (resName !== sourceResName) {
        repairs.push({
          kind: 'residue-renamed',
          subject,
          detail: `${sourceResName} renamed ${resName}; pdb2gmx assigns the protonation state`,
        });
      }
      if (choice.altLocs !== null) {
        repairs.push({
          kind: 'altloc-selected',
          subject,
          detail: `kept altLoc ${choice.altLocs.kept} (highest occupancy), dropped ${choice.altLocs.dropped.join(', ')}`,
        });
      }
      const template = RESIDUE_TEMPLATES[resName]!;
      const allowed = new Set([...template.heavyAtoms, 'OXT']);
      const positions = new Map<string, Vec3>();
      const elements = new Map<string, string>();
      const dropped: string[] = [];
      for (const atom of choice.atoms) {
        if (isHydrogen(atom)) {
          hydrogens++;
          continue;
        }
        const name = canonicalAtomName(resName, sourceResName, atom.name);
        if (!allowed.has(name) || positions.has(name)) {
          dropped.push(atom.name);
          continue;
        }
        positions.set(name, [atom.x, atom.y, atom.z]);
        elements.set(name, name === 'SD' && sourceResName === 'MSE' ? 'S' : atom.element);
      }
      if (mapped) {
        repairs.push({
          kind: 'modified-residue-mapped',
          subject,
          detail: `MODRES maps ${sourceResName} to ${resName}${dropped.length > 0 ? `; dropped atoms the parent lacks` : ''}`,
          ...(dropped.length > 0 ? { atoms: dropped } : {}),
        });
      } else if (dropped.length > 0) {
        repairs.push({
          kind: 'atoms-dropped',
          subject,
          detail: `atom names unknown to ${resName} (or repeated) dropped`,
          atoms: dropped,
        });
      }
      const missingBackbone = ['N', 'CA', 'C'].filter((a) => !positions.has(a));
      if (missingBackbone.length > 0) {
        repairs.push({
          kind: 'residue-removed',
          subject: label(residue, resName),
          detail: `incomplete backbone (no ${missingBackbone.join(', ')}): treated as a gap, the chain is broken here`,
          atoms: missingBackbone,
        });
        if (kept.length > 0) pendingGap = 'incomplete backbone';
        continue;
      }
      kept.push({
        chainId: residue.chainId,
        resSeq: residue.resSeq,
        iCode: residue.iCode,
        resName,
        sourceResName,
        positions,
        elements,
        gapBefore: pendingGap,
      });
      pendingGap = null;
    }
    if (kept.length > 0) chains.push(kept);
  }

  if (hydrogens > 0) {
    repairs.push({
      kind: 'hydrogens-removed',
      subject: 'entry',
      detail: `${hydrogens} hydrogen atoms removed; pdb2gmx adds its own`,
    });
  }
  if (waters > 0)
    repairs.push({
      kind: 'waters-removed',
      subject: 'entry',
      detail: `${waters} water molecules removed`,
    });
  for (const [name, count] of [...hetero].sort(([a], [b]) => (a < b ? -1 : 1))) {
    repairs.push({
      kind: 'hetero-removed',
      subject: name,
      detail: `${count} ${name} hetero residue(s) removed (ligand, ion or cofactor)`,
    });
  }
  if (chains.length === 0) {
    throw new PdbRepairError(
      'NO_PROTEIN',
      `${structure.idCode ?? 'entry'} has no standard or MODRES-mappable amino acid residues left after cleaning`,
      { details: { id: structure.idCode } },
    );
  }

  // Split chains at gaps.
  const segmented: KeptResidue[][] = [];
  for (const residues of chains) {
    let current: KeptResidue[] = [];
    for (const residue of residues) {
      const previous = current[current.length - 1];
      if (previous !== undefined) {
        const gap = distance(previous.positions.get('C')!, residue.positions.get('N')!);
        if (residue.gapBefore !== null || gap > breakDistanceA) {
          const missing = missingBetween(
            structure,
            residue.chainId,
            previous.resSeq,
            residue.resSeq,
          );
          const why =
            residue.gapBefore ??
            (missing > 0
              ? `${missing} residue(s) listed missing in REMARK 465`
              : 'no peptide bond');
          repairs.push({
            kind: 'chain-break',
            subject: `${residueLabel(previous)}-${residueLabel(residue)}`,
            detail: `C-N distance ${gap.toFixed(2)} A (${why}): split into separate molecules with their own termini`,
          });
          segmented.push(current);
          current = [];
        }
      }
      current.push(residue);
    }
    segmented.push(current);
  }

  // Rebuild missing atoms, residue by residue, against every atom placed so far.
  const grid = new AtomGrid();
  const owner = new Map<KeptResidue, number>();
  let index = 0;
  for (const segment of segmented) {
    for (const residue of segment) {
      owner.set(residue, index);
      for (const p of residue.positions.values()) grid.add(p, index);
      index++;
    }
  }
  const segments: CleanSegment[] = [];
  const partsPerChain = new Map<string, number>();
  for (const segment of segmented) {
    const chainId = segment[0]!.chainId;
    const part = (partsPerChain.get(chainId) ?? 0) + 1;
    partsPerChain.set(chainId, part);
    const residues: CleanResidue[] = [];
    segment.forEach((residue, i) => {
      const subject = label(residue, residue.resName);
      const last = i === segment.length - 1;
      const rebuild = rebuildSideChain(
        residue.resName,
        residue.positions,
        grid,
        owner.get(residue)!,
      );
      const positions = new Map(rebuild!.positions);
      const rebuilt = new Set(rebuild!.rebuilt);
      for (const name of rebuild!.rebuilt) grid.add(positions.get(name)!, owner.get(residue)!);
      if (rebuild!.rebuilt.length > 0) {
        const chis = Object.entries(rebuild!.chis)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ');
        repairs.push({
          kind: 'side-chain-rebuilt',
          subject,
          detail: `missing heavy atoms placed from ideal geometry${chis === '' ? '' : ` (${chis})`}${rebuild!.replaced.length > 0 ? `; ${rebuild!.replaced.join(', ')} rebuilt with them` : ''}; relaxed by the energy minimisation`,
          atoms: rebuild!.rebuilt,
        });
      }
      if (!positions.has('O')) {
        const next = segment[i + 1];
        const o =
          next !== undefined
            ? placeAtom(
                next.positions.get('N')!,
                positions.get('CA')!,
                positions.get('C')!,
                CARBONYL.bondA,
                CARBONYL.angleDeg,
                180,
              )
            : positions.has('OXT')
              ? placeAtom(
                  positions.get('OXT')!,
                  positions.get('CA')!,
                  positions.get('C')!,
                  CARBONYL.bondA,
                  CARBONYL.angleDeg,
                  180,
                )
              : placeAtom(
                  positions.get('N')!,
                  positions.get('CA')!,
                  positions.get('C')!,
                  CARBONYL.bondA,
                  CARBONYL.angleDeg,
                  -45,
                );
        positions.set('O', o);
        rebuilt.add('O');
        repairs.push({
          kind: 'carbonyl-rebuilt',
          subject,
          detail: 'missing carbonyl O placed in the peptide plane',
          atoms: ['O'],
        });
      }
      if (positions.has('OXT') && !last) {
        positions.delete('OXT');
        repairs.push({
          kind: 'atoms-dropped',
          subject,
          detail: 'OXT on a residue that is not the last of its segment',
          atoms: ['OXT'],
        });
      }
      const template = RESIDUE_TEMPLATES[residue.resName]!;
      const order = [...template.heavyAtoms, 'OXT'];
      residues.push({
        resName: residue.resName,
        resSeq: residue.resSeq,
        iCode: residue.iCode,
        sourceResName: residue.sourceResName,
        atoms: order
          .filter((name) => positions.has(name))
          .map((name) => ({
            name,
            element: residue.elements.get(name) ?? name[0]!,
            position: positions.get(name)!,
            rebuilt: rebuilt.has(name),
          })),
      });
    });
    segments.push({ chainId, part, residues });
  }
  const disulfides = findDisulfides(segments, structure.ssbonds);
  repairs.push(...disulfideRepairs(disulfides));
  return { segments, repairs, disulfides };
}
