import { parsePdb } from '@fold/pdb-dataset';
import { describe, expect, it } from '@jest/globals';
import { JobFilesError } from './errors.js';
import {
  caCoordinates,
  parseGro,
  radiusOfGyrationNm,
  renderGro,
  renderStructurePdb,
  structureFromFrame,
  structureMetrics,
  wholeProtein,
} from './structure.js';

function gro(atoms: [number, string, string, number, number, number][], box: string): string {
  const lines = ['test structure', String(atoms.length).padStart(5)];
  atoms.forEach(([res, resName, name, x, y, z], i) => {
    lines.push(
      `${String(res).padStart(5)}${resName.padEnd(5)}${name.padStart(5)}${String(i + 1).padStart(5)}${x.toFixed(3).padStart(8)}${y.toFixed(3).padStart(8)}${z.toFixed(3).padStart(8)}`,
    );
  });
  lines.push(box, '');
  return lines.join('\n');
}

const dipeptide = gro(
  [
    [1, 'ALA', 'N', 1.0, 1.0, 1.0],
    [1, 'ALA', 'H', 1.05, 1.0, 1.0],
    [1, 'ALA', 'CA', 1.1, 1.0, 1.0],
    [1, 'ALA', 'C', 1.2, 1.0, 1.0],
    [2, 'GLY', 'N', 1.3, 1.0, 1.0],
    [2, 'GLY', 'CA', 1.4, 1.0, 1.0],
    [3, 'SOL', 'OW', 3.0, 3.0, 3.0],
  ],
  '   4.00000   4.00000   4.00000',
);

describe('parseGro', () => {
  it('reads names, residues and coordinates from the fixed columns', () => {
    const s = parseGro(dipeptide);
    expect(s.atoms).toHaveLength(7);
    expect(s.atoms[2]).toEqual({
      residueNumber: 1,
      residueName: 'ALA',
      atomName: 'CA',
      x: 1.1,
      y: 1,
      z: 1,
    });
    expect(s.boxNm).toEqual([4, 4, 4, 0, 0, 0, 0, 0, 0]);
  });

  it('ignores velocities after the coordinates', () => {
    const withV = dipeptide.replace(/(\n {4}1ALA {5}N.*)/, '$1  0.1000 -0.2000  0.3000');
    expect(parseGro(withV).atoms[0]).toMatchObject({ x: 1, y: 1, z: 1 });
  });

  it('refuses text that is not a structure', () => {
    expect(() => parseGro('hello\nworld\n')).toThrow(JobFilesError);
    expect(() => parseGro(dipeptide.replace('   1.100', '   x.xxx'))).toThrow(/bad coordinates/);
  });
});

describe('wholeProtein', () => {
  it('moves atoms split across the box back next to their neighbours', () => {
    const split = gro(
      [
        [1, 'ALA', 'N', 3.95, 1.0, 1.0],
        [1, 'ALA', 'CA', 0.05, 1.0, 1.0],
        [1, 'ALA', 'C', 0.15, 1.0, 1.0],
      ],
      '   4.00000   4.00000   4.00000',
    );
    const atoms = wholeProtein(parseGro(split), 3);
    expect(atoms.map((a) => a.x)).toEqual([3.95, expect.closeTo(4.05, 9), expect.closeTo(4.15, 9)]);
  });

  it('follows triclinic box vectors', () => {
    // A dodecahedron-like box: c has x and y components.
    const split = gro(
      [
        [1, 'ALA', 'N', 1.0, 1.0, 3.9],
        [1, 'ALA', 'CA', 3.0, 3.0, 0.1],
      ],
      '   4.00000   4.00000   4.00000   0.00000   0.00000   0.00000   0.00000   2.00000   2.00000',
    );
    const [, ca] = wholeProtein(parseGro(split), 2);
    expect([ca?.x, ca?.y, ca?.z].map((v) => Number(v?.toFixed(6)))).toEqual([1, 1, 4.1]);
  });
});

describe('structure metrics', () => {
  it('takes C-alphas of the protein only and measures the radius of gyration of heavy atoms', () => {
    const s = parseGro(dipeptide);
    const protein = wholeProtein(s, 6);
    expect(Array.from(caCoordinates(protein))).toEqual([1.1, 1, 1, 1.4, 1, 1]);
    // Heavy atoms at x = 1.0, 1.1, 1.2, 1.3, 1.4 (the H is left out): Rg = sqrt(0.02).
    expect(radiusOfGyrationNm(protein)).toBeCloseTo(Math.sqrt(0.02), 12);
  });

  it('gives zero RMSD for the starting structure, moved or not', () => {
    const s = parseGro(dipeptide);
    const start = caCoordinates(wholeProtein(s, 6));
    const moved = parseGro(dipeptide.replaceAll('   1.000   1.000', '   1.000   2.000'));
    expect(structureMetrics(s, 6, start).rmsdNm).toBeCloseTo(0, 9);
    expect(structureMetrics(moved, 6, start).rmsdNm).toBeCloseTo(0, 6);
  });

  it('refuses a structure with another number of C-alphas', () => {
    const s = parseGro(dipeptide);
    expect(() => structureMetrics(s, 6, new Float64Array(9))).toThrow(/C-alpha/);
  });
});

describe('renderStructurePdb', () => {
  it('writes ATOM records the PDB parser reads back to the same coordinates in Å', () => {
    const s = parseGro(dipeptide);
    const parsed = parsePdb(renderStructurePdb(s, 'best frame'), { label: 'rendered' });
    const atoms = parsed.models[0]?.chains.flatMap((c) => c.residues.flatMap((r) => r.atoms)) ?? [];
    expect(atoms).toHaveLength(7);
    expect(atoms[2]).toMatchObject({ name: 'CA', x: 11, y: 10, z: 10 });
    expect(parsed.title.toLowerCase()).toBe('best frame');
  });
});

describe('structures from frames', () => {
  it('take positions and box from the frame and names from the template', () => {
    const template = parseGro(dipeptide);
    const positions = template.atoms.flatMap((a) => [a.x + 0.5, a.y, a.z]);
    const box = [5, 0, 0, 0, 5, 0, 2.5, 2.5, 3.5];
    const s = structureFromFrame(template, positions, box);
    expect(s.atoms[2]).toMatchObject({ atomName: 'CA', residueName: 'ALA', x: 1.6 });
    expect(s.boxNm).toEqual([5, 5, 3.5, 0, 0, 0, 0, 2.5, 2.5]);
    expect(() => structureFromFrame(template, [1, 2, 3], null)).toThrow(/atoms/);
  });

  it('render as .gro text that reads back the same', () => {
    const template = parseGro(dipeptide);
    const s = structureFromFrame(
      template,
      template.atoms.flatMap((a) => [a.x, a.y + 0.123, a.z]),
      [4, 0, 0, 0, 4, 0, 0, 2, 2],
    );
    const back = parseGro(renderGro(s, 'best frame'));
    expect(back.atoms).toEqual(s.atoms.map((a) => ({ ...a, y: Number(a.y.toFixed(3)) })));
    expect(back.boxNm).toEqual(s.boxNm);
    expect(back.title).toBe('best frame');
  });
});
