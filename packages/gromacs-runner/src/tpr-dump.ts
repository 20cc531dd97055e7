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

/**
 * Parses `gmx dump -s run.tpr` text: the inputrec (to compare a miner's parameters with the
 * assigned ones), the coupling-group options, and per-atom masses from the topology (to catch
 * edited masses).
 * @throws {GmxParseError} when the text lacks the inputrec or topology sections.
 */
export function parseTprDump(text: string): TprDump {
  const lines = text.split(/\r?\n/);
  const inputrecStart = lines.indexOf('inputrec:');
  if (inputrecStart < 0) throw new GmxParseError('gmx dump output has no inputrec section');
  const inputrec: Record<string, DumpValue> = {};
  const groupOptions: Record<string, (number | string)[]> = {};
  const path: { indent: number; key: string }[] = [];
  let i = inputrecStart + 1;
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
  for (; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === 'header:' || line === 'topology:') break;
    const m = /^\s*([A-Za-z][\w-]*(?:\[\s*\d+\])?):\s*(.*)$/.exec(line);
    if (m && line !== 'grpopts:')
      groupOptions[m[1] as string] = (m[2] as string)
        .trim()
        .split(/\s+/)
        .filter(Boolean)
        .map((v) => {
          const s = scalar(v);
          return typeof s === 'boolean' ? v : s;
        });
  }

  const topologyStart = lines.findIndex((l, k) => k >= i && l === 'topology:');
  if (topologyStart < 0) throw new GmxParseError('gmx dump output has no topology section');
  const atomCountMatch = /#atoms\s+=\s+(\d+)/.exec(
    lines.slice(topologyStart, topologyStart + 5).join('\n'),
  );
  const atomCount = atomCountMatch ? Number(atomCountMatch[1]) : Number.NaN;
  const blocks: { type: number; name: string; count: number }[] = [];
  const typeMasses = new Map<number, number[]>();
  let currentType: number | null = null;
  for (let k = topologyStart + 1; k < lines.length; k++) {
    const line = lines[k] as string;
    // The topology ends where the group lists, box, coordinates and velocities begin (ffparams
    // has column-0 lines of its own, so indentation cannot tell).
    if (/^(grp\[|box \(|x \(|v \()/.test(line)) break;
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
      currentType = Number(moltype[1]);
      typeMasses.set(currentType, []);
      continue;
    }
    if (currentType !== null) {
      const mass = /^\s+atom\[\s*\d+\]=\{.*\bm=\s*([-+]?[\d.]+(?:[eE][-+]?\d+)?),/.exec(line);
      if (mass) typeMasses.get(currentType)?.push(Number(mass[1]));
    }
  }
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
  let at = 0;
  for (const b of blocks) {
    const perType = typeMasses.get(b.type) ?? [];
    for (let c = 0; c < b.count; c++) {
      masses.set(perType, at);
      at += perType.length;
    }
  }
  return { inputrec, groupOptions, atomCount, molecules, masses };
}
