import { describe, expect, it } from '@jest/globals';
import { InvalidInputError } from './errors.js';
import {
  CRYSTAL_DISULFIDE_RULE,
  mergeSpecbondRules,
  parseSpecbond,
  parseSpecialBondLinks,
  renderSpecbond,
} from './special-bonds.js';

// The first lines of GROMACS 2022's share/gromacs/top/specbond.dat.
const INSTALLED = `3
CYS\tSG\t1\tCYS\tSG\t1\t0.2\tCYS2\tCYS2
CYS\tSG\t1\tHEM \tFE\t2\t0.25\tCYS2\tHEME
HIS\tNE2\t1\tHEM \tFE\t1\t0.2\tHIS1\tHEME
`;

describe('specbond.dat rules', () => {
  it('parses the installed file and renders it back to the same rules', () => {
    const rules = parseSpecbond(INSTALLED);
    expect(rules).toHaveLength(3);
    expect(rules[0]).toEqual({
      residue1: 'CYS',
      atom1: 'SG',
      bonds1: 1,
      residue2: 'CYS',
      atom2: 'SG',
      bonds2: 1,
      lengthNm: 0.2,
      newResidue1: 'CYS2',
      newResidue2: 'CYS2',
    });
    expect(parseSpecbond(renderSpecbond(rules))).toEqual(rules);
  });

  it('adds an extra rule once, after the installed ones', () => {
    const installed = parseSpecbond(INSTALLED);
    const merged = mergeSpecbondRules(installed, [CRYSTAL_DISULFIDE_RULE, CRYSTAL_DISULFIDE_RULE]);
    expect(merged).toHaveLength(4);
    expect(merged[3]).toEqual(CRYSTAL_DISULFIDE_RULE);
    expect(renderSpecbond(merged).split('\n')[0]).toBe('4');
  });

  it('refuses a rule whose names could inject text into the file', () => {
    expect(() => renderSpecbond([{ ...CRYSTAL_DISULFIDE_RULE, atom1: 'SG\n1' }])).toThrow(
      InvalidInputError,
    );
    expect(() => renderSpecbond([{ ...CRYSTAL_DISULFIDE_RULE, lengthNm: 0 }])).toThrow(
      InvalidInputError,
    );
  });

  it('refuses a line that is not a nine-field rule', () => {
    expect(() => parseSpecbond('1\nCYS SG 1 CYS SG\n')).toThrow(/nine fields/);
  });

  it('widens the disulfide window to 0.18-0.26 nm together with the default rule', () => {
    const lo = 0.9 * CRYSTAL_DISULFIDE_RULE.lengthNm;
    const hi = 1.1 * CRYSTAL_DISULFIDE_RULE.lengthNm;
    expect(lo).toBeLessThan(1.1 * 0.2); // no gap between the two windows
    expect(hi).toBeGreaterThan(0.245);
    expect(hi).toBeLessThan(0.26);
  });
});

describe('parseSpecialBondLinks', () => {
  it('reads the bonds pdb2gmx reports, residue numbers as printed', () => {
    const out = [
      'Special Atom Distance matrix:',
      'Linking CYS-6 SG-43 and CYS-11 SG-76...',
      'Linking CYS-7 SG-49 and CYS-7 SG-222...',
      'Linking CYS--3 SG-10 and CYS-120 SG-900...',
    ].join('\n');
    expect(parseSpecialBondLinks(out)).toEqual([
      {
        first: { residue: 'CYS', resSeq: 6, atom: 'SG' },
        second: { residue: 'CYS', resSeq: 11, atom: 'SG' },
      },
      {
        first: { residue: 'CYS', resSeq: 7, atom: 'SG' },
        second: { residue: 'CYS', resSeq: 7, atom: 'SG' },
      },
      {
        first: { residue: 'CYS', resSeq: -3, atom: 'SG' },
        second: { residue: 'CYS', resSeq: 120, atom: 'SG' },
      },
    ]);
    expect(parseSpecialBondLinks('nothing linked here')).toEqual([]);
  });
});
