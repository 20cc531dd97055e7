import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pdbEntryPath } from '@fold/devkit';
import { Gmx, Pdb2gmxMissingAtomError } from '@fold/gromacs-runner';
import { afterAll, describe, expect, it } from '@jest/globals';
import { cleanStructure } from '../src/clean.js';
import { decodeEntryBytes } from '../src/entry-bytes.js';
import { parsePdb } from '../src/pdb-parser.js';
import { renderPdb } from '../src/pdb-writer.js';

// The five mirror entries that plain pdb2gmx refuses (MANIFEST.json): missing side-chain atoms
// (1CLL, 1K6P, 4KW4), a PRO/SER microheterogeneity (1EJG) and an incomplete HIS ring (1O1Z).
const REFUSED = ['1cll', '1ejg', '1k6p', '1o1z', '4kw4'];

const root = mkdtempSync(join(tmpdir(), 'fold-pdb2gmx-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const gmx = new Gmx();

function entryText(id: string): string {
  return decodeEntryBytes(readFileSync(pdbEntryPath(id))).text;
}

async function pdb2gmx(name: string, pdbText: string) {
  const cwd = join(root, name);
  mkdirSync(cwd, { recursive: true });
  writeFileSync(join(cwd, 'input.pdb'), pdbText);
  return gmx.pdb2gmx({ cwd, input: 'input.pdb', forceField: 'charmm27', water: 'tip3p' });
}

describe('repair makes pdb2gmx accept the entries it refuses', () => {
  it.each(REFUSED)(
    'plain %s (HETATM and CONECT stripped) is refused for a missing atom',
    async (id) => {
      const plain = entryText(id)
        .split('\n')
        .filter((l) => !/^(HETATM|CONECT)/.test(l))
        .join('\n');
      await expect(pdb2gmx(`${id}-plain`, plain)).rejects.toBeInstanceOf(Pdb2gmxMissingAtomError);
    },
    60_000,
  );

  it.each(REFUSED)(
    'cleaned %s is accepted, with one molecule per segment',
    async (id) => {
      const cleaned = cleanStructure(parsePdb(entryText(id)));
      const built = await pdb2gmx(`${id}-clean`, renderPdb(cleaned));
      const top = readFileSync(built.top, 'utf8');
      const molecules = top
        .slice(top.indexOf('[ molecules ]'))
        .split('\n')
        .filter((l) => /^Protein/.test(l));
      expect(molecules).toHaveLength(cleaned.segments.length);
    },
    60_000,
  );

  it('gives each side of the 4KW4 chromophore gap its own charged termini', async () => {
    const cleaned = cleanStructure(parsePdb(entryText('4kw4')));
    const built = await pdb2gmx('4kw4-termini', renderPdb(cleaned));
    const [first, second] = built.itps
      .filter((p) => /topol_Protein_chain_A2?\.itp$/.test(p))
      .sort();
    // CHARMM's C terminus carries OT1/OT2; its N terminus NH3+ (H1, H2, H3).
    expect(readFileSync(first!, 'utf8')).toMatch(/\s64\s+LEU\s+OT2\s/);
    expect(readFileSync(second!, 'utf8')).toMatch(/\s68\s+VAL\s+H3\s/);
  }, 60_000);
});
