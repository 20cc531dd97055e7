import { readFileSync } from 'node:fs';
import { pdbEntryPath } from '@fold/devkit';
import { describe, expect, it } from '@jest/globals';
import { cleanStructure } from './clean.js';
import { decodeEntryBytes } from './entry-bytes.js';
import { parsePdb } from './pdb-parser.js';
import { renderPdb } from './pdb-writer.js';

describe('renderPdb', () => {
  const cleaned = cleanStructure(
    parsePdb(decodeEntryBytes(readFileSync(pdbEntryPath('4kw4'))).text),
  );
  const text = renderPdb(cleaned);

  it('writes records that parse back to the same atoms and coordinates', () => {
    const reparsed = parsePdb(text);
    const atoms = reparsed.models[0]!.chains.flatMap((c) => c.residues.flatMap((r) => r.atoms));
    const expected = cleaned.segments.flatMap((s) =>
      s.residues.flatMap((r) => r.atoms.map((a) => ({ r, a }))),
    );
    expect(atoms).toHaveLength(expected.length);
    atoms.forEach((atom, i) => {
      const { r, a } = expected[i]!;
      expect([atom.name, atom.resName, atom.resSeq, atom.element]).toEqual([
        a.name,
        r.resName,
        r.resSeq,
        a.element,
      ]);
      expect(atom.x).toBeCloseTo(a.position[0], 3);
      expect(atom.z).toBeCloseTo(a.position[2], 3);
    });
  });

  it('ends every segment with TER so that pdb2gmx gives each its own termini', () => {
    const ters = text.split('\n').filter((l) => l.startsWith('TER'));
    expect(ters).toHaveLength(cleaned.segments.length);
    expect(ters[0]).toMatch(/^TER {3}\s*\d+ {6}LEU A {2}64/);
  });

  it('writes 80-column lines and ends with END', () => {
    const lines = text.split('\n').slice(0, -1);
    expect(lines.every((l) => l.length === 80)).toBe(true);
    expect(lines[lines.length - 1]!.trim()).toBe('END');
  });
});
