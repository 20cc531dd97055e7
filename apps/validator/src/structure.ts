import { kabschRmsd } from '@fold/scoring';
import { JobFilesError } from './errors.js';

/** One atom of a structure: names and position, nm. */
export interface StructureAtom {
  readonly residueNumber: number;
  readonly residueName: string;
  readonly atomName: string;
  readonly x: number;
  readonly y: number;
  readonly z: number;
}

/** A structure's atoms and box (nm, the nine numbers of a `.gro` box line, zeros filled in). */
export interface Structure {
  readonly title: string;
  readonly atoms: readonly StructureAtom[];
  readonly boxNm: readonly number[];
}

/** Largest `.gro` text read (a few million atoms). */
export const MAX_GRO_BYTES = 256 * 1024 * 1024;

/**
 * Reads a `.gro` file's atoms and box. Positions are read from the fixed columns of the format
 * (residue number 1-5, name 6-10, atom name 11-15, then x, y, z in columns whose width the first
 * atom line gives), so velocities, when present, are ignored. Pure.
 * @throws {JobFilesError} for text that is not a `.gro` file (line counts, numbers).
 */
export function parseGro(text: string): Structure {
  if (text.length > MAX_GRO_BYTES) {
    throw new JobFilesError(`structure is over ${MAX_GRO_BYTES} bytes`, {
      details: { sizeBytes: text.length },
    });
  }
  const lines = text.split('\n');
  const count = Number((lines[1] ?? '').trim());
  if (!Number.isSafeInteger(count) || count < 1 || lines.length < count + 3) {
    throw new JobFilesError('not a .gro structure: bad atom count line', { details: { line: 2 } });
  }
  const first = lines[2] ?? '';
  // Coordinates have a fixed precision: the distance between the first two decimal points.
  const firstDot = first.indexOf('.', 20);
  const secondDot = first.indexOf('.', firstDot + 1);
  const width = firstDot > 0 && secondDot > firstDot ? secondDot - firstDot : 8;
  const atoms: StructureAtom[] = new Array(count);
  for (let i = 0; i < count; i++) {
    const line = lines[i + 2] as string;
    const x = Number(line.slice(20, 20 + width));
    const y = Number(line.slice(20 + width, 20 + 2 * width));
    const z = Number(line.slice(20 + 2 * width, 20 + 3 * width));
    const residueNumber = Number(line.slice(0, 5));
    if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) {
      throw new JobFilesError(`not a .gro structure: bad coordinates on line ${i + 3}`, {
        details: { line: i + 3 },
      });
    }
    atoms[i] = {
      residueNumber: Number.isFinite(residueNumber) ? residueNumber : 0,
      residueName: line.slice(5, 10).trim(),
      atomName: line.slice(10, 15).trim(),
      x,
      y,
      z,
    };
  }
  const box = (lines[count + 2] ?? '').trim().split(/\s+/).map(Number);
  if (box.length < 3 || box.some((v) => !Number.isFinite(v))) {
    throw new JobFilesError('not a .gro structure: bad box line', { details: { line: count + 3 } });
  }
  const boxNm = [
    box[0],
    box[1],
    box[2],
    box[3] ?? 0,
    box[4] ?? 0,
    box[5] ?? 0,
    box[6] ?? 0,
    box[7] ?? 0,
    box[8] ?? 0,
  ] as number[];
  return { title: lines[0] ?? '', atoms, boxNm };
}

function isHydrogen(atomName: string): boolean {
  return atomName.replace(/^[0-9]+/, '').startsWith('H');
}

/**
 * The first `count` atoms (the protein: pdb2gmx writes it before solvent and ions) made whole
 * across periodic boundaries: each atom is moved by box vectors to lie nearest the atom before
 * it, which follows the chain's bonds. Pure.
 */
export function wholeProtein(structure: Structure, count: number): StructureAtom[] {
  const [ax, by, cz, , , bx, , cx, cy] = structure.boxNm as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const out: StructureAtom[] = [];
  for (let i = 0; i < Math.min(count, structure.atoms.length); i++) {
    const atom = structure.atoms[i] as StructureAtom;
    const previous = out[i - 1];
    if (previous === undefined || ax <= 0 || by <= 0 || cz <= 0) {
      out.push(atom);
      continue;
    }
    let dx = atom.x - previous.x;
    let dy = atom.y - previous.y;
    let dz = atom.z - previous.z;
    const nc = Math.round(dz / cz);
    dx -= nc * cx;
    dy -= nc * cy;
    dz -= nc * cz;
    const nb = Math.round(dy / by);
    dx -= nb * bx;
    dy -= nb * by;
    const na = Math.round(dx / ax);
    dx -= na * ax;
    out.push({ ...atom, x: previous.x + dx, y: previous.y + dy, z: previous.z + dz });
  }
  return out;
}

/** C-alpha coordinates (flat xyz, nm) of protein atoms, in residue order. */
export function caCoordinates(protein: readonly StructureAtom[]): Float64Array {
  const ca = protein.filter((a) => a.atomName === 'CA');
  const out = new Float64Array(ca.length * 3);
  ca.forEach((a, i) => {
    out[3 * i] = a.x;
    out[3 * i + 1] = a.y;
    out[3 * i + 2] = a.z;
  });
  return out;
}

/** Radius of gyration of the heavy (non-hydrogen) atoms, unweighted, nm. */
export function radiusOfGyrationNm(protein: readonly StructureAtom[]): number {
  const heavy = protein.filter((a) => !isHydrogen(a.atomName));
  if (heavy.length === 0) return 0;
  let cx = 0;
  let cy = 0;
  let cz = 0;
  for (const a of heavy) {
    cx += a.x;
    cy += a.y;
    cz += a.z;
  }
  cx /= heavy.length;
  cy /= heavy.length;
  cz /= heavy.length;
  let sum = 0;
  for (const a of heavy) sum += (a.x - cx) ** 2 + (a.y - cy) ** 2 + (a.z - cz) ** 2;
  return Math.sqrt(sum / heavy.length);
}

/** What the dashboard draws of a structure. */
export interface StructureMetrics {
  /** C-alpha coordinates, flat xyz, nm. */
  readonly caNm: Float64Array;
  /** C-alpha RMSD to the starting structure after optimal superposition, nm. */
  readonly rmsdNm: number;
  readonly radiusOfGyrationNm: number;
}

/**
 * C-alpha RMSD to the starting C-alpha coordinates and the radius of gyration of a structure's
 * protein (its first `proteinAtomCount` atoms, made whole). Pure.
 * @throws {JobFilesError} when the C-alpha count differs from the start's.
 */
export function structureMetrics(
  structure: Structure,
  proteinAtomCount: number,
  startCaNm: Float64Array,
): StructureMetrics {
  const protein = wholeProtein(structure, proteinAtomCount);
  const caNm = caCoordinates(protein);
  if (caNm.length !== startCaNm.length) {
    throw new JobFilesError(
      `the structure has ${caNm.length / 3} C-alpha atoms, the job's start ${startCaNm.length / 3}`,
      { details: { caAtoms: caNm.length / 3 } },
    );
  }
  return {
    caNm,
    rmsdNm: caNm.length === 0 ? 0 : kabschRmsd(caNm, startCaNm),
    radiusOfGyrationNm: radiusOfGyrationNm(protein),
  };
}

/**
 * A structure with a frame's positions (nm) and box (`.trr` rows `[ax, ay, az, bx, by, bz, cx,
 * cy, cz]`) in place of the template's, names and residues from the template. Pure.
 * @throws {JobFilesError} when the frame's atom count differs from the template's.
 */
export function structureFromFrame(
  template: Structure,
  positionsNm: ArrayLike<number>,
  boxRowsNm: ArrayLike<number> | null,
): Structure {
  if (positionsNm.length !== template.atoms.length * 3) {
    throw new JobFilesError(
      `the frame has ${positionsNm.length / 3} atoms, the structure ${template.atoms.length}`,
      { details: { atoms: positionsNm.length / 3 } },
    );
  }
  const atoms = template.atoms.map((atom, i) => ({
    ...atom,
    x: positionsNm[3 * i] as number,
    y: positionsNm[3 * i + 1] as number,
    z: positionsNm[3 * i + 2] as number,
  }));
  const b = boxRowsNm;
  const boxNm =
    b === null || b.length !== 9
      ? template.boxNm
      : [b[0], b[4], b[8], b[1], b[2], b[3], b[5], b[6], b[7]].map((v) => v as number);
  return { title: template.title, atoms, boxNm };
}

/**
 * A `.gro` rendering (positions with three decimals, nm; atom and residue numbers wrap at
 * 100,000 as the format requires; the box in full when it is triclinic). Pure.
 */
export function renderGro(structure: Structure, title: string): string {
  const lines = [
    title.replace(/[^\x20-\x7e]/g, ' ').slice(0, 80),
    String(structure.atoms.length).padStart(5),
  ];
  structure.atoms.forEach((a, i) => {
    const f = (v: number) => v.toFixed(3).padStart(8);
    lines.push(
      `${String(a.residueNumber % 100_000).padStart(5)}${a.residueName.slice(0, 5).padEnd(5)}${a.atomName.slice(0, 5).padStart(5)}${String((i + 1) % 100_000).padStart(5)}${f(a.x)}${f(a.y)}${f(a.z)}`,
    );
  });
  const box = structure.boxNm;
  const triclinic = box.slice(3).some((v) => v !== 0);
  lines.push(
    (triclinic ? box : box.slice(0, 3)).map((v) => v.toFixed(5).padStart(10)).join(''),
    '',
  );
  return lines.join('\n');
}

/**
 * A PDB rendering of a structure's atoms (ATOM records and a CRYST1 line, Å), for viewers that
 * read PDB rather than GRO. Residue numbers wrap at 10,000 and atom serials at 100,000, as the
 * format requires. Pure.
 */
export function renderStructurePdb(structure: Structure, title: string): string {
  const lines: string[] = [`TITLE     ${title.replace(/[^\x20-\x7e]/g, ' ').slice(0, 70)}`];
  const [ax = 0, by = 0, cz = 0, , , bx = 0, , cx = 0, cy = 0] = structure.boxNm;
  const a = [ax, 0, 0];
  const b = [bx, by, 0];
  const c = [cx, cy, cz];
  const length = (v: number[]) => Math.hypot(v[0] ?? 0, v[1] ?? 0, v[2] ?? 0);
  const angle = (u: number[], v: number[]) => {
    const dot = (u[0] ?? 0) * (v[0] ?? 0) + (u[1] ?? 0) * (v[1] ?? 0) + (u[2] ?? 0) * (v[2] ?? 0);
    const norm = length(u) * length(v);
    return norm === 0 ? 90 : (Math.acos(Math.max(-1, Math.min(1, dot / norm))) * 180) / Math.PI;
  };
  const cell = (v: number) => (v * 10).toFixed(3).padStart(9);
  const deg = (v: number) => v.toFixed(2).padStart(7);
  lines.push(
    `CRYST1${cell(length(a))}${cell(length(b))}${cell(length(c))}${deg(angle(b, c))}${deg(angle(a, c))}${deg(angle(a, b))} P 1           1`,
  );
  structure.atoms.forEach((atom, i) => {
    const serial = String((i + 1) % 100_000).padStart(5);
    const name =
      atom.atomName.length >= 4 ? atom.atomName.slice(0, 4) : ` ${atom.atomName.padEnd(3)}`;
    const residue =
      atom.residueName.length <= 3
        ? `${atom.residueName.padStart(3)} `
        : atom.residueName.slice(0, 4);
    const resSeq = String(atom.residueNumber % 10_000).padStart(4);
    const coord = (v: number) => (v * 10).toFixed(3).padStart(8);
    const element = atom.atomName
      .replace(/^[0-9]+/, '')
      .slice(0, 1)
      .padStart(2);
    lines.push(
      `ATOM  ${serial} ${name} ${residue}A${resSeq}    ${coord(atom.x)}${coord(atom.y)}${coord(atom.z)}  1.00  0.00          ${element}`,
    );
  });
  lines.push('END', '');
  return lines.join('\n');
}
