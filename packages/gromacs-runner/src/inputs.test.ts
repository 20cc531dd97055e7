import { describe, expect, it } from '@jest/globals';
import { InvalidInputError } from './errors.js';
import { assertFileName, assertWord, pathArg } from './inputs.js';
import { checkTopologyIncludes, parseMolecules } from './topology.js';

describe('argument checks', () => {
  it('passes paths with spaces, quotes and shell syntax unchanged (they travel as one argument)', () => {
    const path = `/tmp/it's "a" dir; $(touch x) \`id\`/in.pdb`;
    expect(pathArg('input', path, ['.pdb'])).toBe(path);
  });

  it('prefixes a relative path that gmx would read as an option', () => {
    expect(pathArg('input', '-deffnm.pdb')).toBe('./-deffnm.pdb');
  });

  it('refuses control characters and the wrong extension', () => {
    expect(() => pathArg('input', 'a\nb.pdb')).toThrow(InvalidInputError);
    expect(() => pathArg('mdp', 'run.txt', ['.mdp'])).toThrow(/\.mdp/);
  });

  it('allows plain file names only where a name inside the work directory is expected', () => {
    expect(assertFileName('itp', 'posre_Protein_chain_A.itp')).toBe('posre_Protein_chain_A.itp');
    for (const bad of ['../x.itp', '/etc/passwd', '.hidden', '-x', 'a b.itp', 'a;b', '$(id)', '']) {
      expect(() => assertFileName('itp', bad)).toThrow(InvalidInputError);
    }
  });

  it('allows GROMACS words and refuses anything that could be an extra argument', () => {
    expect(assertWord('forceField', 'amber99sb-ildn')).toBe('amber99sb-ildn');
    for (const bad of ['charmm27 -ignh', 'charmm27;rm', '-ignh', '$(id)', '']) {
      expect(() => assertWord('forceField', bad)).toThrow(InvalidInputError);
    }
  });
});

describe('topology includes', () => {
  it('returns local includes and allows force-field library files', () => {
    const top =
      '#include "amber03.ff/forcefield.itp"\n#include "topol_Protein_chain_A.itp"\n#include "amber03.ff/spce.itp"\n';
    expect(checkTopologyIncludes(top)).toEqual(['topol_Protein_chain_A.itp']);
  });

  it.each(['/etc/passwd', '../secret.itp', 'charmm27.ff/../../x.itp', 'sub/dir.itp'])(
    'refuses #include "%s"',
    (name) => {
      expect(() => checkTopologyIncludes(`#include "${name}"\n`)).toThrow(InvalidInputError);
    },
  );

  it('reads the molecules section', () => {
    const top =
      '[ system ]\nProtein in water\n\n[ molecules ]\n; Compound #mols\nProtein_chain_A     1\nSOL         1866\nNA               5\nCL               6\n';
    expect(parseMolecules(top)).toEqual([
      { name: 'Protein_chain_A', count: 1 },
      { name: 'SOL', count: 1866 },
      { name: 'NA', count: 5 },
      { name: 'CL', count: 6 },
    ]);
  });
});
