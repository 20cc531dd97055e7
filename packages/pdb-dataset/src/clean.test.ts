import { readFileSync } from 'node:fs';
import { pdbEntryPath } from '@fold/devkit';
import { describe, expect, it } from '@jest/globals';
import { type CleanStructure, cleanStructure } from './clean.js';
import { decodeEntryBytes } from './entry-bytes.js';
import { PdbRepairError } from './errors.js';
import { distance } from './geometry.js';
import { RESIDUE_TEMPLATES } from './ideal-geometry.js';
import { parsePdb } from './pdb-parser.js';

const MIRROR_IDS = [
  '1a3n',
  '1ax8',
  '1bhl',
  '1bkv',
  '1bta',
  '1cll',
  '1crn',
  '1ejg',
  '1fjs',
  '1hp1',
  '1k6p',
  '1l2y',
  '1o1z',
  '1ubi',
  '1ubq',
  '1vii',
  '1yrf',
  '2f4k',
  '3i40',
  '4hhb',
  '4kw4',
];

function text(id: string): string {
  return decodeEntryBytes(readFileSync(pdbEntryPath(id))).text;
}

function clean(id: string): CleanStructure {
  return cleanStructure(parsePdb(text(id)));
}

function repairs(c: CleanStructure, kind: string) {
  return c.repairs.filter((r) => r.kind === kind);
}

function residue(c: CleanStructure, chainId: string, resSeq: number) {
  for (const s of c.segments) {
    if (s.chainId !== chainId) continue;
    const r = s.residues.find((x) => x.resSeq === resSeq);
    if (r !== undefined) return r;
  }
  throw new Error(`no residue ${chainId}:${resSeq}`);
}

describe('cleanStructure on every mirror entry', () => {
  const cleaned = new Map(MIRROR_IDS.map((id) => [id, clean(id)]));

  it('gives every residue exactly its template heavy atoms, OXT only at a segment end', () => {
    for (const [id, c] of cleaned) {
      for (const segment of c.segments) {
        segment.residues.forEach((r, i) => {
          const names = r.atoms.map((a) => a.name).filter((n) => n !== 'OXT');
          expect({ id, r: r.resSeq, names }).toEqual({
            id,
            r: r.resSeq,
            names: RESIDUE_TEMPLATES[r.resName]!.heavyAtoms,
          });
          if (r.atoms.some((a) => a.name === 'OXT')) expect(i).toBe(segment.residues.length - 1);
        });
      }
    }
  });

  it('never leaves a gap inside a segment', () => {
    for (const c of cleaned.values()) {
      for (const segment of c.segments) {
        for (let i = 1; i < segment.residues.length; i++) {
          const cPrev = segment.residues[i - 1]!.atoms.find((a) => a.name === 'C')!;
          const n = segment.residues[i]!.atoms.find((a) => a.name === 'N')!;
          expect(distance(cPrev.position, n.position)).toBeLessThan(2.0);
        }
      }
    }
  });

  it('is deterministic', () => {
    expect(clean('4kw4')).toEqual(cleaned.get('4kw4'));
  });
});

describe('cleanStructure decisions', () => {
  it('keeps the first of the 38 NMR models of 1L2Y and drops its hydrogens', () => {
    const c = clean('1l2y');
    expect(repairs(c, 'first-model')).toEqual([
      { kind: 'first-model', subject: 'entry', detail: 'kept model 1 of 38' },
    ]);
    expect(c.segments.flatMap((s) => s.residues)).toHaveLength(20);
    expect(
      c.segments.flatMap((s) => s.residues.flatMap((r) => r.atoms)).some((a) => a.element === 'H'),
    ).toBe(false);
  });

  it('resolves the PRO/SER microheterogeneity of 1EJG residue 22 into one residue', () => {
    const r = residue(clean('1ejg'), 'A', 22);
    expect(['PRO', 'SER']).toContain(r.resName);
    expect(r.atoms.map((a) => a.name)).toEqual(
      RESIDUE_TEMPLATES[r.resName]!.heavyAtoms.filter((n) => n !== 'OXT'),
    );
  });

  it('keeps altLoc 1 of the equally occupied numeric altLocs of 1K6P', () => {
    const c = clean('1k6p');
    const r = repairs(c, 'altloc-selected').find((x) => x.subject === 'A:50 ILE');
    expect(r?.detail).toMatch(/kept altLoc 1/);
  });

  it('maps NLE of 2F4K to LEU as MODRES says, rebuilding the atoms LEU needs, without breaking the chain', () => {
    const c = clean('2f4k');
    expect(c.segments).toHaveLength(1);
    expect(residue(c, 'A', 65).resName).toBe('LEU');
    expect(residue(c, 'A', 65).sourceResName).toBe('NLE');
    const mapped = repairs(c, 'modified-residue-mapped').map((r) => r.subject);
    expect(mapped).toEqual(['A:65 NLE', 'A:70 NLE']);
    expect(repairs(c, 'side-chain-rebuilt').find((r) => r.subject === 'A:65 LEU')?.atoms).toEqual([
      'CD1',
      'CD2',
    ]);
  });

  it('maps the 21 HYP of 1BKV to PRO and keeps its three chains unbroken', () => {
    const c = clean('1bkv');
    expect(repairs(c, 'modified-residue-mapped')).toHaveLength(21);
    expect(repairs(c, 'chain-break')).toHaveLength(0);
    expect(c.segments.map((s) => s.chainId)).toEqual(['A', 'B', 'C']);
  });

  it('maps CAS of 1BHL to CYS and drops its arsenic group', () => {
    const c = clean('1bhl');
    const cas = repairs(c, 'modified-residue-mapped').find((r) => r.subject === 'A:65 CAS');
    expect(cas?.atoms).toEqual(['AS', 'CE1', 'CE2']);
    expect(residue(c, 'A', 65).resName).toBe('CYS');
  });

  it('removes the CRO chromophore of 4KW4 and breaks the chain there', () => {
    const c = clean('4kw4');
    expect(repairs(c, 'residue-removed').map((r) => r.subject)).toEqual(['A:66 CRO']);
    expect(repairs(c, 'chain-break').map((r) => r.subject)).toEqual(['A:64-A:68']);
    expect(c.segments.map((s) => [s.chainId, s.part, s.residues[0]!.resSeq])).toEqual([
      ['A', 1, 2],
      ['A', 2, 68],
    ]);
  });

  it('rebuilds every atom that REMARK 470 lists as missing in 4KW4', () => {
    const structure = parsePdb(text('4kw4'));
    const c = cleanStructure(structure);
    for (const missing of structure.missingAtoms) {
      const r = residue(c, missing.chainId, missing.resSeq);
      const rebuilt = r.atoms.filter((a) => a.rebuilt).map((a) => a.name);
      expect(rebuilt).toEqual(expect.arrayContaining([...missing.atoms]));
    }
  });

  it('rebuilds the incomplete histidine ring of 1O1Z', () => {
    const c = clean('1o1z');
    const his = residue(c, 'A', -1);
    expect(his.atoms.filter((a) => a.rebuilt).map((a) => a.name)).toEqual([
      'CG',
      'ND1',
      'CD2',
      'CE1',
      'NE2',
    ]);
  });

  it('rebuilds the missing CB of LEU 1 in 1CLL', () => {
    const c = clean('1cll');
    expect(
      repairs(c, 'side-chain-rebuilt').find((r) => r.subject.endsWith(' LEU'))?.atoms,
    ).toContain('CB');
  });

  it('explains a chain break of 1AX8 by its REMARK 465 residues', () => {
    const [brk] = repairs(clean('1ax8'), 'chain-break');
    expect(brk?.detail).toMatch(/residue\(s\) listed missing in REMARK 465/);
  });

  it('treats a residue without CA as a gap and splits the chain around it', () => {
    const edited = text('1ubq')
      .split('\n')
      .filter(
        (l) => !(l.startsWith('ATOM') && l.slice(12, 16) === ' CA ' && l.slice(22, 26) === '  30'),
      )
      .join('\n');
    const c = cleanStructure(parsePdb(edited));
    expect(repairs(c, 'residue-removed')[0]).toMatchObject({ subject: 'A:30 ILE', atoms: ['CA'] });
    expect(c.segments.map((s) => s.residues.length)).toEqual([29, 46]);
  });

  it('removes a non-standard residue without MODRES and breaks the chain there', () => {
    const edited = text('1ubq').replace(/^(ATOM {2}.{11})LEU A {2}15/gm, '$1UNK A  15');
    const c = cleanStructure(parsePdb(edited));
    expect(repairs(c, 'residue-removed')[0]?.subject).toBe('A:15 UNK');
    expect(c.segments).toHaveLength(2);
  });

  it('fails with NO_PROTEIN when only ligands and water are left', () => {
    const ligandOnly = [
      'HETATM    1 FE   HEM A 201       1.000   1.000   1.000  1.00 10.00          FE',
      'HETATM    2  O   HOH A 301       3.000   1.000   1.000  1.00 10.00           O',
      'END',
    ].join('\n');
    expect(() => cleanStructure(parsePdb(ligandOnly))).toThrow(PdbRepairError);
    expect(() => cleanStructure(parsePdb(ligandOnly))).toThrow(/no standard or MODRES-mappable/);
  });
});
