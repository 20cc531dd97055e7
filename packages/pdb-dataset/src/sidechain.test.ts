import { readFileSync } from 'node:fs';
import { pdbEntryPath } from '@fold/devkit';
import { describe, expect, it } from '@jest/globals';
import { decodeEntryBytes } from './entry-bytes.js';
import { dihedralDeg, distance, type Vec3 } from './geometry.js';
import { RESIDUE_TEMPLATES } from './ideal-geometry.js';
import { parsePdb } from './pdb-parser.js';
import { AtomGrid, rebuildSideChain } from './sidechain.js';
import type { PdbResidue } from './structure.js';

interface Loaded {
  readonly residues: readonly PdbResidue[];
  readonly positions: readonly Map<string, Vec3>[];
  readonly grid: AtomGrid;
}

/** Standard residues of an entry's first model (first altLoc, no hydrogens) in a clash grid. */
function load(id: string): Loaded {
  const s = parsePdb(decodeEntryBytes(readFileSync(pdbEntryPath(id))).text);
  const residues = s.models[0]!.chains.flatMap((c) => c.residues).filter(
    (r) => RESIDUE_TEMPLATES[r.resName],
  );
  const positions = residues.map((r) => {
    const m = new Map<string, Vec3>();
    for (const a of r.atoms) {
      if ((a.altLoc === '' || a.altLoc === 'A') && a.element !== 'H' && !m.has(a.name))
        m.set(a.name, [a.x, a.y, a.z]);
    }
    return m;
  });
  const grid = new AtomGrid();
  positions.forEach((m, i) => {
    for (const p of m.values()) grid.add(p, i);
  });
  return { residues, positions, grid };
}

function complete(loaded: Loaded, i: number): boolean {
  const t = RESIDUE_TEMPLATES[loaded.residues[i]!.resName]!;
  return t.heavyAtoms.every((a) => loaded.positions[i]!.has(a));
}

describe('ideal side-chain geometry', () => {
  // Atoms whose torsion is fixed by chemistry or by a measured chi: deleting one and rebuilding
  // it tests the bond lengths, angles and torsion offsets of the table against a real structure.
  it.each(['1ubq', '1crn'])('rebuilds atoms of %s within 0.45 A, 0.12 A on average', (id) => {
    const loaded = load(id);
    const deviations: number[] = [];
    loaded.residues.forEach((residue, i) => {
      if (!complete(loaded, i)) return;
      const t = RESIDUE_TEMPLATES[residue.resName]!;
      for (const recipe of t.sideChain) {
        if ('chi' in recipe.torsion && recipe.torsion.offset === 0) continue;
        const present = new Map(loaded.positions[i]!);
        present.delete(recipe.atom);
        for (const other of t.sideChain)
          if (other.refs.includes(recipe.atom)) present.delete(other.atom);
        const out = rebuildSideChain(residue.resName, present, loaded.grid, i)!;
        deviations.push(
          distance(out.positions.get(recipe.atom)!, loaded.positions[i]!.get(recipe.atom)!),
        );
      }
    });
    expect(deviations.length).toBeGreaterThan(50);
    expect(Math.max(...deviations)).toBeLessThan(0.45);
    expect(deviations.reduce((a, b) => a + b, 0) / deviations.length).toBeLessThan(0.12);
  });

  it('recovers the native chi1 (within 40 degrees) for most stripped side chains of 1UBQ', () => {
    const loaded = load('1ubq');
    let recovered = 0;
    let total = 0;
    loaded.residues.forEach((residue, i) => {
      const t = RESIDUE_TEMPLATES[residue.resName]!;
      const chi1 = t.sideChain.find(
        (r) => 'chi' in r.torsion && r.torsion.chi === 1 && r.torsion.offset === 0,
      );
      if (chi1 === undefined || residue.resName === 'PRO' || !complete(loaded, i)) return;
      const m = loaded.positions[i]!;
      const backbone = new Map(
        [...m].filter(([name]) => ['N', 'CA', 'C', 'O', 'CB'].includes(name)),
      );
      const out = rebuildSideChain(residue.resName, backbone, loaded.grid, i)!;
      const native = dihedralDeg(m.get('N')!, m.get('CA')!, m.get('CB')!, m.get(chi1.atom)!);
      const diff = Math.abs(((native - out.chis.chi1! + 540) % 360) - 180);
      total++;
      if (diff < 40) recovered++;
    });
    // Three rotamers tried blindly would recover about a third.
    expect(recovered / total).toBeGreaterThan(0.6);
  });
});

describe('rebuildSideChain', () => {
  const loaded = load('1ubq');
  const index = (resName: string) => loaded.residues.findIndex((r) => r.resName === resName);

  it('closes the histidine ring when CE1 and NE2 are missing', () => {
    const i = index('HIS');
    const present = new Map(loaded.positions[i]!);
    present.delete('CE1');
    present.delete('NE2');
    const out = rebuildSideChain('HIS', present, loaded.grid, i)!;
    expect(out.rebuilt).toEqual(['CE1', 'NE2']);
    expect(distance(out.positions.get('CE1')!, out.positions.get('NE2')!)).toBeGreaterThan(1.2);
    expect(distance(out.positions.get('CE1')!, out.positions.get('NE2')!)).toBeLessThan(1.45);
  });

  it('closes the proline ring when CG and CD are missing', () => {
    const i = index('PRO');
    const present = new Map(
      [...loaded.positions[i]!].filter(([n]) => ['N', 'CA', 'C', 'O', 'CB'].includes(n)),
    );
    const out = rebuildSideChain('PRO', present, loaded.grid, i)!;
    expect(distance(out.positions.get('CD')!, out.positions.get('N')!)).toBeLessThan(1.8);
  });

  it('rebuilds a missing CB and everything hanging from it, reporting present atoms it replaced', () => {
    const i = index('LYS');
    const present = new Map(loaded.positions[i]!);
    present.delete('CB');
    const out = rebuildSideChain('LYS', present, loaded.grid, i)!;
    expect(out.rebuilt).toEqual(['CB', 'CG', 'CD', 'CE', 'NZ']);
    expect(out.replaced).toEqual(['CG', 'CD', 'CE', 'NZ']);
    expect(Object.keys(out.chis)).toEqual(['chi1', 'chi2', 'chi3', 'chi4']);
  });

  it('leaves a complete residue untouched', () => {
    const i = index('ARG');
    const out = rebuildSideChain('ARG', loaded.positions[i]!, loaded.grid, i)!;
    expect(out.rebuilt).toEqual([]);
    expect(out.positions).toEqual(loaded.positions[i]);
  });

  it('returns null for a residue outside the 20 standard ones', () => {
    expect(rebuildSideChain('HYP', loaded.positions[0]!, loaded.grid, 0)).toBeNull();
  });
});
