import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it, jest } from '@jest/globals';
import { CRYSTAL_DISULFIDE_RULE, Gmx } from '../src/index.js';
import { cleanProteinPdb, tempDir } from './structures.js';

jest.setTimeout(120_000);

const gmx = new Gmx();

async function buildTopology(
  id: string,
  options: { mergeChains?: boolean; crystalRule?: boolean },
): Promise<{ links: number; top: string; itps: readonly string[] }> {
  const dir = await tempDir(`ss-${id}`);
  try {
    await writeFile(join(dir.path, 'input.pdb'), cleanProteinPdb(id));
    const built = await gmx.pdb2gmx({
      cwd: dir.path,
      input: 'input.pdb',
      forceField: 'amber03',
      water: 'spce',
      ...(options.mergeChains !== undefined ? { mergeChains: options.mergeChains } : {}),
      ...(options.crystalRule ? { specialBonds: [CRYSTAL_DISULFIDE_RULE] } : {}),
    });
    return {
      links: built.specialBonds.length,
      top: await readFile(built.top, 'utf8'),
      itps: built.itps.map((p) => p.slice(dir.path.length + 1)),
    };
  } finally {
    await dir.remove();
  }
}

describe('disulfides through pdb2gmx (real gmx)', () => {
  it('bonds the X-ray disulfides of 1FJS only with the crystal rule, across chains only merged', async () => {
    // 1FJS records eight disulfides at 0.229-0.245 nm, one of them between chains A and L.
    expect((await buildTopology('1fjs', {})).links).toBe(0);
    expect((await buildTopology('1fjs', { crystalRule: true })).links).toBe(7);
    const merged = await buildTopology('1fjs', { crystalRule: true, mergeChains: true });
    expect(merged.links).toBe(8);
    expect(merged.itps).toEqual(['posre.itp']);
  });

  it('links both inter-chain disulfides of insulin 3I40 when the chains are merged', async () => {
    expect((await buildTopology('3i40', {})).links).toBe(1);
    const merged = await buildTopology('3i40', { mergeChains: true, crystalRule: true });
    expect(merged.links).toBe(3);
    expect(merged.top).toMatch(/Protein_chain_A\s+1/);
    expect(merged.top).not.toMatch(/Protein_chain_B/);
  });
});
