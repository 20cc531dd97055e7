import { basename, isAbsolute, normalize } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { BundleFileNameError } from './errors.js';
import { checkFileName } from './file-names.js';

describe('checkFileName', () => {
  it.each([
    'em.gro',
    'topol.top',
    'posre_Protein_chain_A.itp',
    'nvt.cpt',
    'frame-5000.trr',
    'md.part0001.xtc',
  ])('accepts %s', (name) => {
    expect(checkFileName(name)).toBe(name);
  });

  it.each([
    ['', /is empty/],
    ['../em.gro', /path separator/],
    ['..gro', /'\.\.'/],
    ['a..gro', /'\.\.'/],
    ['/etc/passwd.gro', /path separator/],
    ['dir\\em.gro', /path separator/],
    ['em.gro\u0000.sh', /control character/],
    ['caf\u00e9.gro', /non-ASCII/],
    ['em.GRO', /does not end in one of/],
    ['nvt.mdp', /does not end in one of/],
    ['em.gro ', /does not end in one of/],
    ['-rf.gro', /starting with a letter or digit/],
    [`${'a'.repeat(100)}.gro`, /longer than 100/],
  ])('rejects %j', (name, reason) => {
    expect(() => checkFileName(name)).toThrow(BundleFileNameError);
    expect(() => checkFileName(name)).toThrow(reason);
  });

  it('accepts only names that stay a single relative path component', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary', maxLength: 40 }),
          fc.stringMatching(/^[-a-z0-9._/\\ ]{0,20}\.(gro|top|itp|mdp)$/),
        ),
        (name) => {
          let accepted = true;
          try {
            checkFileName(name);
          } catch (error) {
            expect(error).toBeInstanceOf(BundleFileNameError);
            accepted = false;
          }
          if (accepted) {
            expect(isAbsolute(name)).toBe(false);
            expect(basename(name)).toBe(name);
            expect(normalize(name)).toBe(name);
            expect(name.startsWith('-')).toBe(false);
          }
        },
      ),
    );
  });
});
