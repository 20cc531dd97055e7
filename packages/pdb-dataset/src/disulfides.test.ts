import { readFileSync } from 'node:fs';
import { pdbEntryPath } from '@fold/devkit';
import { describe, expect, it } from '@jest/globals';
import type { CleanSegment } from './clean.js';
import { cleanStructure } from './clean.js';
import { DISULFIDE_RANGE_A, findDisulfides } from './disulfides.js';
import { decodeEntryBytes } from './entry-bytes.js';
import { parsePdb } from './pdb-parser.js';
import type { SsBond } from './structure.js';

function clean(id: string) {
  return cleanStructure(parsePdb(decodeEntryBytes(readFileSync(pdbEntryPath(id))).text));
}

function label(e: { chainId: string; resSeq: number }): string {
  return `${e.chainId}${e.resSeq}`;
}

/** A segment of cysteines whose SG atoms sit at the given x positions (Å). */
function cysteines(chainId: string, xs: readonly number[], firstResSeq = 1): CleanSegment {
  return {
    chainId,
    part: 1,
    residues: xs.map((x, i) => ({
      resName: 'CYS',
      resSeq: firstResSeq + i,
      iCode: '',
      sourceResName: 'CYS',
      atoms: [{ name: 'SG', element: 'S', position: [x, 0, 0] as const, rebuilt: false }],
    })),
  };
}

function ssbond(a: [string, number], b: [string, number]): SsBond {
  return {
    first: { resName: 'CYS', chainId: a[0], resSeq: a[1], iCode: '' },
    second: { resName: 'CYS', chainId: b[0], resSeq: b[1], iCode: '' },
    lengthA: null,
  };
}

describe('findDisulfides on mirror entries', () => {
  it('finds the three disulfides of insulin 3I40, two of them between chains', () => {
    const plan = clean('3i40').disulfides;
    expect(plan.bonds.map((b) => `${label(b.first)}-${label(b.second)}`)).toEqual([
      'A6-A11',
      'A7-B7',
      'A20-B19',
    ]);
    expect(plan.bonds.every((b) => b.recorded)).toBe(true);
    expect(plan.mergeChains).toBe(true);
    expect(plan.unbonded).toEqual([]);
  });

  it('bonds all eight X-ray disulfides of 1FJS, recorded at 2.29-2.45 Å', () => {
    const plan = clean('1fjs').disulfides;
    expect(plan.bonds).toHaveLength(8);
    expect(plan.bonds.every((b) => b.recorded)).toBe(true);
    expect(Math.max(...plan.bonds.map((b) => b.distanceA))).toBeGreaterThan(2.2);
    expect(plan.mergeChains).toBe(true);
  });

  it('keeps the chains of crambin 1CRN apart: its three disulfides are within one chain', () => {
    const plan = clean('1crn').disulfides;
    expect(plan.bonds).toHaveLength(3);
    expect(plan.mergeChains).toBe(false);
  });

  it('finds none in a protein without cysteines, and records nothing for it', () => {
    const cleaned = clean('1l2y');
    expect(cleaned.disulfides.bonds).toEqual([]);
    expect(cleaned.repairs.some((r) => r.kind.includes('disulf'))).toBe(false);
  });

  it('records each disulfide and the merge in the repairs', () => {
    const kinds = clean('3i40').repairs.map((r) => r.kind);
    expect(kinds.filter((k) => k === 'disulfide-bonded')).toHaveLength(3);
    expect(kinds).toContain('chains-merged');
  });
});

describe('findDisulfides rules', () => {
  it('bonds sulfurs inside the range, by distance, with or without an SSBOND record', () => {
    const plan = findDisulfides([cysteines('A', [0, 2.05, 10, 12.5])], []);
    expect(plan.bonds.map((b) => `${label(b.first)}-${label(b.second)}`)).toEqual([
      'A1-A2',
      'A3-A4',
    ]);
    expect(plan.bonds.every((b) => !b.recorded)).toBe(true);
  });

  it('leaves sulfurs just outside the range unbonded, and reports their SSBOND record', () => {
    const far = DISULFIDE_RANGE_A.max + 0.05;
    const plan = findDisulfides([cysteines('A', [0, far])], [ssbond(['A', 1], ['A', 2])]);
    expect(plan.bonds).toEqual([]);
    expect(plan.unbonded).toHaveLength(1);
    expect(plan.unbonded[0]!.distanceA).toBeCloseTo(far, 6);
  });

  it('bonds each sulfur once when three are close together', () => {
    const plan = findDisulfides([cysteines('A', [0, 2.0, 4.0])], []);
    expect(plan.bonds).toHaveLength(1);
    expect(label(plan.bonds[0]!.first)).toBe('A1');
  });

  it('asks for merged chains only when a bond joins two segments', () => {
    expect(findDisulfides([cysteines('A', [0]), cysteines('B', [2.0])], []).mergeChains).toBe(true);
    expect(
      findDisulfides([cysteines('A', [0, 2.0]), cysteines('B', [50, 52.0])], []).mergeChains,
    ).toBe(false);
  });

  it('reports an SSBOND record whose cysteine was removed, with no distance', () => {
    const plan = findDisulfides([cysteines('A', [0])], [ssbond(['A', 1], ['A', 40])]);
    expect(plan.unbonded).toEqual([{ record: ssbond(['A', 1], ['A', 40]), distanceA: null }]);
  });
});
