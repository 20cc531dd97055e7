import { GmxParseError } from './errors.js';

/** What a .gro file says about its system without reading coordinates. */
export interface GroSummary {
  readonly title: string;
  readonly atomCount: number;
  /** Box vectors as written on the last line (3 or 9 numbers), nm. */
  readonly boxNm: readonly number[];
}

/**
 * Reads a .gro file's title, atom count and box.
 * @throws {GmxParseError} when the text is not a .gro file.
 */
export function readGroSummary(text: string): GroSummary {
  const lines = text.split(/\r?\n/);
  const count = Number((lines[1] ?? '').trim());
  if (!Number.isInteger(count) || count < 0) {
    throw new GmxParseError('not a .gro file: the second line is not an atom count');
  }
  const boxLine = lines[2 + count];
  if (boxLine === undefined) {
    throw new GmxParseError(`truncated .gro file: expected ${count} atoms and a box line`);
  }
  const boxNm = boxLine.trim().split(/\s+/).map(Number);
  if (!(boxNm.length === 3 || boxNm.length === 9) || boxNm.some((v) => !Number.isFinite(v))) {
    throw new GmxParseError('malformed .gro box line', { details: { boxLine } });
  }
  return { title: lines[0] ?? '', atomCount: count, boxNm };
}

/** 1-based numbers of the atoms whose residue name (columns 6-10) is one of `residueNames`. */
export function groAtomsOfResidues(text: string, residueNames: ReadonlySet<string>): number[] {
  const lines = text.split(/\r?\n/);
  const { atomCount } = readGroSummary(text);
  const out: number[] = [];
  for (let i = 0; i < atomCount; i++) {
    const line = lines[2 + i] ?? '';
    if (residueNames.has(line.slice(5, 10).trim())) out.push(i + 1);
  }
  return out;
}

/** An index (.ndx) file with one group; gmx tools select a lone group without asking. */
export function renderIndexGroup(name: string, atoms: readonly number[]): string {
  const rows: string[] = [`[ ${name} ]`];
  for (let i = 0; i < atoms.length; i += 15) rows.push(atoms.slice(i, i + 15).join(' '));
  return `${rows.join('\n')}\n`;
}
