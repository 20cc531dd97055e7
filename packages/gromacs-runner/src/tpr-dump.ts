import { GmxParseError } from './errors.js';

/** A value of the run input as `gmx dump` prints it. */
export type DumpValue =
  | string
  | number
  | boolean
  | readonly number[]
  | readonly (readonly number[])[];

/** What a run input (.tpr) holds, read from `gmx dump -s`. */
export interface TprDump {
  /**
   * The `inputrec` section as a flat record: top-level parameters under their mdp names
   * (`nsteps`, `dt`, `ld-seed`, `rcoulomb`, ...), nested ones joined with dots
   * (`applied-forces.electric-field.x.E0`), vectors and matrices as number arrays.
   */
  readonly inputrec: Readonly<Record<string, DumpValue>>;
  /** Per-group options: `nrdf`, `ref-t`, `tau-t`, ... one number per coupling group. */
  readonly groupOptions: Readonly<Record<string, readonly (number | string)[]>>;
  /** Atoms in the system. */
  readonly atomCount: number;
  /** Molecule blocks in order: molecule type name, copies, atoms per copy. */
  readonly molecules: readonly {
    readonly name: string;
    readonly count: number;
    readonly atomsPerMolecule: number;
  }[];
  /** Mass of every atom in system order, amu (5 significant digits, as gmx dump prints them). */
  readonly masses: Float64Array;
  /** Charge of every atom in system order, e (6 significant digits). */
  readonly charges: Float64Array;
  /** Name of every atom in system order (`N`, `CA`, `OW`, ...). */
  readonly atomNames: readonly string[];
  /** Residue name of every atom in system order (`ASN`, `SOL`, `NA`, ...). */
  readonly residueNames: readonly string[];
  /** Residue number of every atom as the topology numbers residues within its molecule type. */
  readonly residueNumbers: Int32Array;
  /**
   * Every distance the run holds fixed, system-wide 0-based atom indices with the length, nm:
   * constraints (`Constraint`, `Constr. No Conn.`) and the three distances of each SETTLE
   * (O-H1, O-H2, H1-H2).
   */
  readonly constraints: TprConstraints;
  /** The box stored in the run input, rows a, b, c flat, nm; null when absent. */
  readonly boxNm: Float64Array | null;
  /** Positions stored in the run input, nm (six significant digits); null when absent. */
  readonly positionsNm: Float64Array | null;
  /**
   * Velocities stored in the run input, nm/ps (six significant digits); null when absent. A stage
   * that draws velocities (`gen-vel = yes`) stores those grompp drew with `gen-seed`.
   */
  readonly velocitiesNmPs: Float64Array | null;
}

/** Fixed distances of a run input: pair `k` is atoms `atomsA[k]`, `atomsB[k]` at `lengthsNm[k]`. */
export interface TprConstraints {
  readonly atomsA: Int32Array;
  readonly atomsB: Int32Array;
  readonly lengthsNm: Float64Array;
}

function scalar(text: string): string | number | boolean {
  const t = text.trim();
  if (t === 'true' || t === 'TRUE') return true;
  if (t === 'false' || t === 'FALSE') return false;
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t) || t === 'inf' || t === '-inf') {
    return t === 'inf'
      ? Number.POSITIVE_INFINITY
      : t === '-inf'
        ? Number.NEGATIVE_INFINITY
        : Number(t);
  }
  return t;
}

function numbersIn(text: string): number[] {
  return [...text.matchAll(/[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?/g)].map((m) => Number(m[0]));
}

const indentOf = (line: string) => line.length - line.trimStart().length;

/** The run parameters as `gmx dump` and mdrun's log print them: the inputrec and group options. */
export interface InputrecSection {
  /** See {@link TprDump.inputrec}. */
  readonly inputrec: Readonly<Record<string, DumpValue>>;
  /** See {@link TprDump.groupOptions}. */
  readonly groupOptions: Readonly<Record<string, readonly (number | string)[]>>;
}

/**
 * Reads an inputrec listing starting at `lines[start]` (the line after `inputrec:` in a dump, or
 * after `Input Parameters:` in a log) through its `grpopts:` block, which ends at a blank line,
 * a line without a colon, or the dump's `header:`/`topology:`. Returns the index where it stopped.
 */
export function parseInputrecLines(
  lines: readonly string[],
  start: number,
): InputrecSection & { end: number } {
  const inputrec: Record<string, DumpValue> = {};
  const groupOptions: Record<string, (number | string)[]> = {};
  const path: { indent: number; key: string }[] = [];
  let i = start;
  for (; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === 'grpopts:' || line === 'header:' || line === 'topology:') break;
    if (line.trim() === '' || indentOf(line) === 0) continue; // `qm-opts:` sits at column 0 inside inputrec
    const indent = indentOf(line);
    while (path.length > 0 && (path[path.length - 1] as { indent: number }).indent >= indent)
      path.pop();
    const prefix = path.map((p) => `${p.key}.`).join('');
    const assignment = /^\s*(\S(?:.*?\S)?)\s*=\s*(.*)$/.exec(line);
    const block = /^\s*(\S+) \((\d+)(?:x(\d+))?\):\s*$/.exec(line);
    if (block) {
      const name = block[1] as string;
      const rows = Number(block[2]);
      const values: number[][] = [];
      for (let r = 0; r < rows && i + 1 < lines.length; r++) {
        i++;
        const row = lines[i] as string;
        const after = row.slice(row.indexOf('=') + 1);
        values.push(numbersIn(after));
      }
      inputrec[prefix + name] =
        block[3] === undefined ? values.map((v) => v[0] ?? Number.NaN) : values;
    } else if (assignment) {
      inputrec[prefix + (assignment[1] as string)] = scalar(assignment[2] as string);
    } else {
      const section = /^\s*(\S+):\s*$/.exec(line);
      if (section) path.push({ indent, key: section[1] as string });
    }
  }
  if (lines[i] === 'grpopts:') i++;
  for (; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === 'header:' || line === 'topology:') break;
    const m = /^\s*([A-Za-z][\w-]*(?:\[\s*\d+\])?):\s*(.*)$/.exec(line);
    if (!m) break;
    groupOptions[m[1] as string] = (m[2] as string)
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map((v) => {
        const s = scalar(v);
        return typeof s === 'boolean' ? v : s;
      });
  }
  return { inputrec, groupOptions, end: i };
}

/**
 * Parses `gmx dump -s run.tpr` text: the inputrec (to compare a miner's parameters with the
 * assigned ones), the coupling-group options, and from the topology per-atom masses, charges,
 * atom and residue names (to catch an edited topology) and the constrained distances (to check
 * a frame's geometry).
 * @throws {GmxParseError} when the text lacks the inputrec or topology sections.
 */
export function parseTprDump(text: string): TprDump {
  const lines = text.split(/\r?\n/);
  const inputrecStart = lines.indexOf('inputrec:');
  if (inputrecStart < 0) throw new GmxParseError('gmx dump output has no inputrec section');
  const { inputrec, groupOptions, end: i } = parseInputrecLines(lines, inputrecStart + 1);

  const topologyStart = lines.findIndex((l, k) => k >= i && l === 'topology:');
  if (topologyStart < 0) throw new GmxParseError('gmx dump output has no topology section');
  const atomCountMatch = /#atoms\s+=\s+(\d+)/.exec(
    lines.slice(topologyStart, topologyStart + 5).join('\n'),
  );
  const atomCount = atomCountMatch ? Number(atomCountMatch[1]) : Number.NaN;
  const blocks: { type: number; name: string; count: number }[] = [];
  const types = new Map<number, MolType>();
  const constraintLengths = new Map<number, number>();
  const settleLengths = new Map<number, { doh: number; dhh: number }>();
  let current: MolType | null = null;
  // Inside a molecule type, `atom (N):` opens the atom properties first, then the atom names.
  let atomBlocks = 0;
  let section: 'atoms' | 'names' | 'residues' | 'constraints' | 'settles' | null = null;
  for (let k = topologyStart + 1; k < lines.length; k++) {
    const line = lines[k] as string;
    // The topology ends where the group lists, box, coordinates and velocities begin (ffparams
    // has column-0 lines of its own, so indentation cannot tell).
    if (/^(grp\[|box \(|x \(|v \()/.test(line)) break;
    const functype = /^\s+functype\[(\d+)\]=(CONSTR|CONSTRNC|SETTLE), (.*)$/.exec(line);
    if (functype) {
      const id = Number(functype[1]);
      const values = functype[3] as string;
      if (functype[2] === 'SETTLE') {
        const doh = /doh=\s*(\S+?),/.exec(values);
        const dhh = /dhh=\s*(\S+)/.exec(values);
        settleLengths.set(id, { doh: Number(doh?.[1]), dhh: Number(dhh?.[1]) });
      } else {
        const dA = /dA=\s*(\S+?),/.exec(values);
        constraintLengths.set(id, Number(dA?.[1]));
      }
      continue;
    }
    const molblock = /^\s+moltype\s+=\s+(\d+)\s+"(.*)"\s*$/.exec(line);
    if (molblock) {
      const count = /#molecules\s+=\s+(\d+)/.exec(lines[k + 1] ?? '');
      blocks.push({
        type: Number(molblock[1]),
        name: molblock[2] as string,
        count: count ? Number(count[1]) : 0,
      });
      continue;
    }
    const moltype = /^\s+moltype \((\d+)\):\s*$/.exec(line);
    if (moltype) {
      current = {
        masses: [],
        charges: [],
        residueIndex: [],
        names: [],
        residues: [],
        constraints: [],
        settles: [],
      };
      types.set(Number(moltype[1]), current);
      atomBlocks = 0;
      section = null;
      continue;
    }
    if (current === null) continue;
    if (/^\s+atom \(\d+\):\s*$/.test(line)) {
      atomBlocks += 1;
      section = atomBlocks === 1 ? 'atoms' : 'names';
      continue;
    }
    if (/^\s+residue \(\d+\):\s*$/.test(line)) {
      section = 'residues';
      continue;
    }
    const ilist = /^\s+([A-Z][\w. -]*?):\s*$/.exec(line);
    if (ilist) {
      const name = ilist[1] as string;
      section =
        name === 'Constraint' || name === 'Constr. No Conn.'
          ? 'constraints'
          : name === 'Settle'
            ? 'settles'
            : null;
      continue;
    }
    switch (section) {
      case 'atoms': {
        const atom =
          /^\s+atom\[\s*\d+\]=\{.*\bm=\s*([-+]?[\d.]+(?:[eE][-+]?\d+)?),\s*q=\s*([-+]?[\d.]+(?:[eE][-+]?\d+)?),.*\bresind=\s*(\d+)/.exec(
            line,
          );
        if (atom) {
          current.masses.push(Number(atom[1]));
          current.charges.push(Number(atom[2]));
          current.residueIndex.push(Number(atom[3]));
        }
        break;
      }
      case 'names': {
        const name = /^\s+atom\[\d+\]=\{name="(.*)"\}\s*$/.exec(line);
        if (name) current.names.push(name[1] as string);
        break;
      }
      case 'residues': {
        const residue = /^\s+residue\[\d+\]=\{name="(.*)", nr=\s*(-?\d+)/.exec(line);
        if (residue)
          current.residues.push({ name: residue[1] as string, number: Number(residue[2]) });
        break;
      }
      case 'constraints': {
        const c = /^\s+\d+ type=(\d+) \(CONSTRN?C?\)\s+(\d+)\s+(\d+)\s*$/.exec(line);
        if (c) current.constraints.push([Number(c[1]), Number(c[2]), Number(c[3])]);
        break;
      }
      case 'settles': {
        const c = /^\s+\d+ type=(\d+) \(SETTLE\)\s+(\d+)\s+(\d+)\s+(\d+)\s*$/.exec(line);
        if (c) current.settles.push([Number(c[1]), Number(c[2]), Number(c[3]), Number(c[4])]);
        break;
      }
      default:
        break;
    }
  }
  const typeMasses = new Map([...types].map(([id, t]) => [id, t.masses]));
  const molecules = blocks.map((b) => ({
    name: b.name,
    count: b.count,
    atomsPerMolecule: typeMasses.get(b.type)?.length ?? 0,
  }));
  const total = blocks.reduce((sum, b) => sum + b.count * (typeMasses.get(b.type)?.length ?? 0), 0);
  if (!Number.isFinite(atomCount) || total !== atomCount) {
    throw new GmxParseError(
      `gmx dump topology has ${total} atoms in its molecule blocks, header says ${atomCount}`,
    );
  }
  const masses = new Float64Array(total);
  const charges = new Float64Array(total);
  const residueNumbers = new Int32Array(total);
  const atomNames: string[] = [];
  const residueNames: string[] = [];
  const atomsA: number[] = [];
  const atomsB: number[] = [];
  const lengths: number[] = [];
  const lengthOf = (id: number) => {
    const length = constraintLengths.get(id);
    if (length === undefined || !Number.isFinite(length)) {
      throw new GmxParseError(`gmx dump topology lacks the length of constraint type ${id}`);
    }
    return length;
  };
  let at = 0;
  for (const b of blocks) {
    const t = types.get(b.type);
    if (t === undefined) throw new GmxParseError(`gmx dump topology lacks molecule type ${b.type}`);
    const n = t.masses.length;
    if (t.names.length !== n || t.residueIndex.some((r) => t.residues[r] === undefined)) {
      throw new GmxParseError(`gmx dump molecule type ${b.name} has inconsistent atom lists`);
    }
    for (let c = 0; c < b.count; c++) {
      masses.set(t.masses, at);
      charges.set(t.charges, at);
      for (let i = 0; i < n; i++) {
        const residue = t.residues[t.residueIndex[i] as number] as { name: string; number: number };
        atomNames.push(t.names[i] as string);
        residueNames.push(residue.name);
        residueNumbers[at + i] = residue.number;
      }
      for (const [type, a, bAtom] of t.constraints) {
        atomsA.push(at + a);
        atomsB.push(at + bAtom);
        lengths.push(lengthOf(type));
      }
      for (const [type, o, h1, h2] of t.settles) {
        const settle = settleLengths.get(type);
        if (settle === undefined || !Number.isFinite(settle.doh) || !Number.isFinite(settle.dhh)) {
          throw new GmxParseError(`gmx dump topology lacks the distances of SETTLE type ${type}`);
        }
        atomsA.push(at + o, at + o, at + h1);
        atomsB.push(at + h1, at + h2, at + h2);
        lengths.push(settle.doh, settle.doh, settle.dhh);
      }
      at += n;
    }
  }
  return {
    inputrec,
    groupOptions,
    atomCount,
    molecules,
    boxNm: dumpVectors(lines, 'box', 3),
    positionsNm: dumpVectors(lines, 'x', atomCount),
    velocitiesNmPs: dumpVectors(lines, 'v', atomCount),
    masses,
    charges,
    atomNames,
    residueNames,
    residueNumbers,
    constraints: {
      atomsA: Int32Array.from(atomsA),
      atomsB: Int32Array.from(atomsB),
      lengthsNm: Float64Array.from(lengths),
    },
  };
}

interface MolType {
  masses: number[];
  charges: number[];
  residueIndex: number[];
  names: string[];
  residues: { name: string; number: number }[];
  /** [constraint type, atom a, atom b], molecule-local indices. */
  constraints: [number, number, number][];
  /** [settle type, O, H1, H2], molecule-local indices. */
  settles: [number, number, number, number][];
}

/** The `name (Nx3):` block of a dump at column 0, flat; null when absent or short. */
function dumpVectors(lines: readonly string[], name: string, rows: number): Float64Array | null {
  const header = `${name} (${rows}x3):`;
  const start = lines.indexOf(header);
  if (start < 0) return null;
  const out = new Float64Array(3 * rows);
  for (let r = 0; r < rows; r++) {
    const line = lines[start + 1 + r];
    const open = line?.indexOf('{') ?? -1;
    if (line === undefined || open < 0) return null;
    const values = numbersIn(line.slice(open + 1));
    if (values.length !== 3) return null;
    out[3 * r] = values[0] as number;
    out[3 * r + 1] = values[1] as number;
    out[3 * r + 2] = values[2] as number;
  }
  return out;
}
