import { readFile, stat } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { GmxParseError, InvalidInputError } from './errors.js';
import { assertNumber, assertWord } from './inputs.js';

/**
 * One rule of pdb2gmx's `specbond.dat`: atom `atom1` of a `residue1` and atom `atom2` of a
 * `residue2` are bonded when their distance lies within 10% of `lengthNm` (pdb2gmx's own
 * tolerance); the residues are then renamed `newResidue1` and `newResidue2` (`CYS2` for a
 * disulfide, which the force field's residue aliases turn into its bonded cysteine).
 */
export interface SpecialBondRule {
  readonly residue1: string;
  readonly atom1: string;
  /** Bonds `atom1` makes through rules of this kind (1 for a disulfide sulfur). */
  readonly bonds1: number;
  readonly residue2: string;
  readonly atom2: string;
  readonly bonds2: number;
  /** Reference length, nm; pdb2gmx bonds atoms between 0.9 and 1.1 times it. */
  readonly lengthNm: number;
  readonly newResidue1: string;
  readonly newResidue2: string;
}

/**
 * A disulfide rule for crystal structures: GROMACS's own rule (0.2 nm, so 0.18-0.22 nm) misses
 * the SG-SG distances of 0.22-0.26 nm that X-ray entries commonly record for disulfides (PDB
 * 1FJS lists eight at 0.229-0.245 nm, and pdb2gmx left all eight unbonded). With this rule
 * beside the default one, any SG pair from 0.18 to 0.2596 nm is bonded; two sulfurs that are
 * not bonded never come that close (their contact distance is about 0.36 nm).
 */
export const CRYSTAL_DISULFIDE_RULE: SpecialBondRule = {
  residue1: 'CYS',
  atom1: 'SG',
  bonds1: 1,
  residue2: 'CYS',
  atom2: 'SG',
  bonds2: 1,
  lengthNm: 0.236,
  newResidue1: 'CYS2',
  newResidue2: 'CYS2',
};

/** Largest `specbond.dat` read, bytes (the installed one is a few hundred). */
const MAX_SPECBOND_BYTES = 1 << 20;

/**
 * Parses `specbond.dat` text: a count line, then one rule a line (nine fields).
 * @throws {GmxParseError} when a line does not have the nine fields of a rule.
 */
export function parseSpecbond(text: string): SpecialBondRule[] {
  const lines = text
    .split(/\r?\n/)
    .map((l) => l.replace(/;.*$/, '').trim())
    .filter((l) => l.length > 0);
  const rules: SpecialBondRule[] = [];
  for (const line of lines.slice(1)) {
    const f = line.split(/\s+/);
    const length = Number(f[6]);
    if (f.length !== 9 || !Number.isFinite(length) || length <= 0) {
      throw new GmxParseError(`specbond.dat: not a rule of nine fields: "${line}"`);
    }
    rules.push({
      residue1: f[0] as string,
      atom1: f[1] as string,
      bonds1: Number(f[2]),
      residue2: f[3] as string,
      atom2: f[4] as string,
      bonds2: Number(f[5]),
      lengthNm: length,
      newResidue1: f[7] as string,
      newResidue2: f[8] as string,
    });
  }
  return rules;
}

/**
 * Renders rules as `specbond.dat` text.
 * @throws {InvalidInputError} when a name is not one word or a number is out of range.
 */
export function renderSpecbond(rules: readonly SpecialBondRule[]): string {
  const lines = rules.map((r, i) => {
    const at = `specialBonds[${i}]`;
    for (const key of [
      'residue1',
      'atom1',
      'residue2',
      'atom2',
      'newResidue1',
      'newResidue2',
    ] as const)
      assertWord(`${at}.${key}`, r[key]);
    assertNumber(`${at}.bonds1`, r.bonds1, { min: 1, max: 8, integer: true });
    assertNumber(`${at}.bonds2`, r.bonds2, { min: 1, max: 8, integer: true });
    assertNumber(`${at}.lengthNm`, r.lengthNm, { min: 0.05, max: 1 });
    return [
      r.residue1,
      r.atom1,
      r.bonds1,
      r.residue2,
      r.atom2,
      r.bonds2,
      r.lengthNm,
      r.newResidue1,
      r.newResidue2,
    ].join('\t');
  });
  return `${rules.length}\n${lines.join('\n')}\n`;
}

/** Whether two rules bond the same pair of atoms at the same length. */
function sameRule(a: SpecialBondRule, b: SpecialBondRule): boolean {
  return (
    a.residue1 === b.residue1 &&
    a.atom1 === b.atom1 &&
    a.residue2 === b.residue2 &&
    a.atom2 === b.atom2 &&
    a.lengthNm === b.lengthNm
  );
}

/** The installed rules followed by the extra ones that are not already among them. */
export function mergeSpecbondRules(
  installed: readonly SpecialBondRule[],
  extra: readonly SpecialBondRule[],
): SpecialBondRule[] {
  const rules = [...installed];
  for (const rule of extra) if (!rules.some((r) => sameRule(r, rule))) rules.push(rule);
  return rules;
}

/**
 * Reads the `specbond.dat` pdb2gmx would use without a local one: the first found in the
 * `GMXLIB` directories, else the one of the installation's data directory.
 * @throws {InvalidInputError} when none is found or it is too large.
 */
export async function readInstalledSpecbond(dataPrefix: string | null): Promise<string> {
  const dirs = [
    ...(process.env.GMXLIB ?? '').split(delimiter).filter((d) => d.length > 0),
    ...(dataPrefix !== null ? [join(dataPrefix, 'share', 'gromacs', 'top')] : []),
  ];
  for (const dir of dirs) {
    const path = join(dir, 'specbond.dat');
    const size = await stat(path).then(
      (s) => (s.isFile() ? s.size : null),
      () => null,
    );
    if (size === null) continue;
    if (size > MAX_SPECBOND_BYTES) {
      throw new InvalidInputError(
        'specialBonds',
        `${path} is larger than ${MAX_SPECBOND_BYTES} bytes`,
      );
    }
    return readFile(path, 'utf8');
  }
  throw new InvalidInputError(
    'specialBonds',
    `no specbond.dat found in ${dirs.join(', ') || 'GMXLIB or the GROMACS data directory'}`,
  );
}

/** One side of a special bond pdb2gmx made. */
export interface SpecialBondEnd {
  readonly residue: string;
  /** Residue number as pdb2gmx printed it (the input's numbering). */
  readonly resSeq: number;
  readonly atom: string;
}

/** A special bond pdb2gmx made (a disulfide, a heme link). */
export interface SpecialBondLink {
  readonly first: SpecialBondEnd;
  readonly second: SpecialBondEnd;
}

/** The special bonds pdb2gmx reports in its output (`Linking CYS-6 SG-43 and CYS-11 SG-76...`). */
export function parseSpecialBondLinks(output: string): SpecialBondLink[] {
  const links: SpecialBondLink[] = [];
  const re = /^Linking (\S+?)-(-?\d+) (\S+?)-\d+ and (\S+?)-(-?\d+) (\S+?)-\d+\.\.\./gm;
  for (const m of output.matchAll(re)) {
    links.push({
      first: { residue: m[1] as string, resSeq: Number(m[2]), atom: m[3] as string },
      second: { residue: m[4] as string, resSeq: Number(m[5]), atom: m[6] as string },
    });
  }
  return links;
}
