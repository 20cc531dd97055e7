import { readFileSync } from 'node:fs';
import { pdbEntryPath } from '@fold/devkit';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { decodeEntryBytes } from './entry-bytes.js';
import { PdbParseError } from './errors.js';
import { parsePdb } from './pdb-parser.js';

function entryText(id: string): string {
  return decodeEntryBytes(readFileSync(pdbEntryPath(id))).text;
}

function atomLine(
  serial: number,
  name: string,
  resName: string,
  chain: string,
  resSeq: number,
  x = 1.0,
): string {
  return `ATOM  ${String(serial).padStart(5)}  ${name.padEnd(3)} ${resName} ${chain}${String(resSeq).padStart(4)}    ${x.toFixed(3).padStart(8)}   2.000   3.000  1.00 10.00           ${name[0]}`;
}

const SMALL = [
  'HEADER    TEST PROTEIN                            01-JAN-00   1ABC              ',
  'TITLE     A TWO-RESIDUE',
  'TITLE    2 PEPTIDE',
  'EXPDTA    X-RAY DIFFRACTION',
  atomLine(1, 'N', 'GLY', 'A', 1),
  atomLine(2, 'CA', 'GLY', 'A', 1),
  atomLine(3, 'N', 'ALA', 'A', 2),
  'TER       4      ALA A   2',
  'HETATM    5  O   HOH A 101       5.000   5.000   5.000  1.00 20.00           O',
  'END',
].join('\n');

function failure(text: string, options = {}): PdbParseError {
  try {
    parsePdb(text, options);
  } catch (error) {
    if (error instanceof PdbParseError) return error;
    throw error;
  }
  throw new Error('parsePdb did not throw');
}

describe('parsePdb on hand-made records', () => {
  it('reads header fields, chains, residues and atoms', () => {
    const s = parsePdb(SMALL);
    expect(s.idCode).toBe('1abc');
    expect(s.title).toBe('A TWO-RESIDUE PEPTIDE');
    expect(s.experimentalMethod).toBe('X-RAY DIFFRACTION');
    const chain = s.models[0]!.chains[0]!;
    expect(chain.residues.map((r) => `${r.resName}${r.resSeq}${r.hetero ? '*' : ''}`)).toEqual([
      'GLY1',
      'ALA2',
      'HOH101*',
    ]);
    expect(chain.residues[0]!.atoms[1]).toMatchObject({
      name: 'CA',
      x: 1,
      y: 2,
      z: 3,
      occupancy: 1,
      element: 'C',
    });
  });

  it('names a non-PDB line', () => {
    const e = failure('{"hello": "world"}\n');
    expect(e.code).toBe('NOT_PDB');
    expect(e.details).toMatchObject({ line: 1 });
  });

  it('refuses over-long lines', () => {
    expect(failure(`REMARK   1 ${'x'.repeat(200)}\nEND\n`).code).toBe('NOT_PDB');
  });

  it('reports a file without END as truncated', () => {
    expect(failure(SMALL.replace(/\nEND$/, '')).code).toBe('TRUNCATED_ENTRY');
  });

  it('reports a model without ENDMDL as truncated', () => {
    const text = ['MODEL        1', atomLine(1, 'N', 'GLY', 'A', 1)].join('\n');
    expect(failure(text, { requireEnd: false }).code).toBe('TRUNCATED_ENTRY');
  });

  it('reports a malformed coordinate with its line number', () => {
    const text = SMALL.replace('   1.000   2.000', '   1.0x0   2.000');
    const e = failure(text);
    expect(e.code).toBe('BAD_RECORD');
    expect(e.details).toMatchObject({ line: 5 });
  });

  it('reports a coordinate record cut before its coordinates', () => {
    expect(failure(`${atomLine(1, 'N', 'GLY', 'A', 1).slice(0, 40)}\nEND\n`).code).toBe(
      'BAD_RECORD',
    );
  });

  it('reports a file without coordinates', () => {
    expect(failure('HEADER    NOTHING\nEND\n').code).toBe('NO_COORDINATES');
  });

  it('stops at the atom limit', () => {
    expect(failure(SMALL, { maxAtoms: 2 }).code).toBe('ENTRY_TOO_LARGE');
  });

  it('throws only PdbParseError on arbitrary text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 400 }), (text) => {
        try {
          parsePdb(text);
        } catch (error) {
          expect(error).toBeInstanceOf(PdbParseError);
        }
      }),
    );
  });

  it('throws only PdbParseError on damaged real records', () => {
    const lines = SMALL.split('\n');
    fc.assert(
      fc.property(
        fc.nat(lines.length - 1),
        fc.nat(80),
        fc.string({ minLength: 1, maxLength: 1 }),
        (row, column, ch) => {
          const damaged = [...lines];
          const line = damaged[row]!.padEnd(80);
          damaged[row] = line.slice(0, column) + ch + line.slice(column + 1);
          try {
            parsePdb(damaged.join('\n'));
          } catch (error) {
            expect(error).toBeInstanceOf(PdbParseError);
          }
        },
      ),
    );
  });
});

describe('parsePdb on mirror entries', () => {
  it('reads all 38 models of the NMR entry 1L2Y', () => {
    const s = parsePdb(entryText('1l2y'));
    expect(s.models).toHaveLength(38);
    expect(s.models.every((m) => m.chains[0]!.residues.length === 20)).toBe(true);
    expect(s.experimentalMethod).toContain('NMR');
  });

  it('reads MODRES, REMARK 465 and REMARK 470 of 4KW4', () => {
    const s = parsePdb(entryText('4kw4'));
    expect(s.modifiedResidues.map((m) => m.standardResName)).toEqual(['GLY', 'TYR', 'GLY']);
    expect(s.missingResidues).toHaveLength(11);
    expect(s.missingResidues[0]).toEqual({
      model: null,
      resName: 'GLY',
      chainId: 'A',
      resSeq: -2,
      iCode: '',
    });
    expect(s.missingAtoms).toHaveLength(16);
    expect(s.missingAtoms[0]).toEqual({
      model: null,
      resName: 'LYS',
      chainId: 'A',
      resSeq: 3,
      iCode: '',
      atoms: ['CD', 'CE', 'NZ'],
    });
  });

  it('keeps every altLoc of 1K6P, numeric ones included', () => {
    const s = parsePdb(entryText('1k6p'));
    const ile = s.models[0]!.chains[0]!.residues.find((r) => r.resSeq === 50)!;
    expect(new Set(ile.atoms.map((a) => a.altLoc))).toEqual(new Set(['1', '2']));
  });

  it('reads SSBOND records of 1CRN', () => {
    const s = parsePdb(entryText('1crn'));
    expect(s.ssbonds).toHaveLength(3);
    expect(s.ssbonds[0]).toMatchObject({
      first: { resName: 'CYS', chainId: 'A', resSeq: 3 },
      second: { resSeq: 40 },
    });
  });

  it('reads SEQRES of the two insulin chains of 3I40', () => {
    const s = parsePdb(entryText('3i40'));
    expect(Object.keys(s.seqres)).toEqual(['A', 'B']);
    expect(s.seqres.A).toHaveLength(21);
    expect(s.seqres.B).toHaveLength(30);
  });
});
