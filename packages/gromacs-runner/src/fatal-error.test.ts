import { describe, expect, it } from '@jest/globals';
import { classifyPdb2gmxError, parseFatalError, parseGromppWarnings } from './fatal-error.js';

// Shapes of GROMACS 2022 stderr, as gmx prints them.
const pdb2gmxStderr = `Opening force field file /usr/share/gromacs/top/charmm27.ff/aminoacids.arn

-------------------------------------------------------
Program:     gmx pdb2gmx, version 2022.5-Debian_2022.5_2
Source file: src/gromacs/gmxpreprocess/pgutil.cpp (line 154)

Fatal error:
Residue 41 named ARG of a molecule in the input file was mapped
to an entry in the topology database, but the atom CG used in
that entry is not found in the input file. Perhaps your atom
and/or residue naming needs to be fixed.

For more information and tips for troubleshooting, please check the GROMACS
website at http://www.gromacs.org/Documentation/Errors
-------------------------------------------------------
`;

const inconsistency = `-------------------------------------------------------
Program:     gmx pdb2gmx, version 2022.5-Debian_2022.5_2
Source file: src/gromacs/gmxpreprocess/pdb2top.cpp (line 227)
Function:    void choose_ff_impl(const char*, char*, int, char*, int, const gmx::MDLogger&)

Inconsistency in user input:
Could not find force field 'nosuchff' in current directory, install tree or
GMXLIB path.

For more information and tips for troubleshooting, please check the GROMACS
website at http://www.gromacs.org/Documentation/Errors
-------------------------------------------------------
`;

const gromppStderr = `NOTE 1 [file topol.top, line 2994]:
  System has non-zero total charge: 1.000000

WARNING 1 [file topol.top, line 2994]:
  You are using Ewald electrostatics in a system with net charge. This can
  lead to severe artifacts.

There was 1 warning

-------------------------------------------------------
Program:     gmx grompp, version 2022.5-Debian_2022.5_2
Source file: src/gromacs/gmxpreprocess/grompp.cpp (line 2661)

Fatal error:
Too many warnings (1).
If you are sure all warnings are harmless, use the -maxwarn option.

For more information and tips for troubleshooting, please check the GROMACS
website at http://www.gromacs.org/Documentation/Errors
-------------------------------------------------------
`;

describe('GROMACS error blocks', () => {
  it('extracts the fatal error text as one line', () => {
    expect(parseFatalError(pdb2gmxStderr)).toEqual({
      kind: 'Fatal error',
      message:
        'Residue 41 named ARG of a molecule in the input file was mapped to an entry in the topology database, but the atom CG used in that entry is not found in the input file. Perhaps your atom and/or residue naming needs to be fixed.',
    });
  });

  it('reads other headings, after a Function line', () => {
    expect(parseFatalError(inconsistency)).toEqual({
      kind: 'Inconsistency in user input',
      message:
        "Could not find force field 'nosuchff' in current directory, install tree or GMXLIB path.",
    });
  });

  it('reads command-line option errors, which have no framed block', () => {
    const report = parseFatalError(
      '\nInvalid command-line options\n  In command-line option -water\n    Invalid value: nosuch\n',
    );
    expect(report?.kind).toBe('Invalid command-line options');
    expect(report?.message).toContain('Invalid value: nosuch');
  });

  it('returns null when there is no error block', () => {
    expect(parseFatalError('Reading file em.tpr\nWriting final coordinates.\n')).toBeNull();
  });

  it('lists grompp warnings with their location', () => {
    expect(parseGromppWarnings(gromppStderr)).toEqual([
      'You are using Ewald electrostatics in a system with net charge. This can lead to severe artifacts. [file topol.top, line 2994]',
    ]);
  });
});

describe('pdb2gmx failures', () => {
  it('names the residue and the missing atom', () => {
    const message = parseFatalError(pdb2gmxStderr)?.message ?? '';
    expect(classifyPdb2gmxError(message)).toEqual({
      kind: 'missing-atom',
      residueName: 'ARG',
      residueNumber: 41,
      atomName: 'CG',
    });
  });

  it('treats an incomplete ring as missing atoms of that residue', () => {
    expect(classifyPdb2gmxError('Incomplete ring in HIS-1')).toEqual({
      kind: 'missing-atom',
      residueName: 'HIS',
      residueNumber: 1,
      atomName: null,
    });
  });

  it('names a residue the force field does not know', () => {
    expect(classifyPdb2gmxError("Residue 'XYZ' not found in residue topology database")).toEqual({
      kind: 'unknown-residue',
      residueName: 'XYZ',
      residueNumber: null,
    });
  });

  it('names the odd residue of a chain with mixed types', () => {
    const message =
      "The residues in the chain XYZ1--SER20 do not have a consistent type. The first residue has type 'Other', while residue LEU2 is of type 'Protein'. Either there is a mistake";
    expect(classifyPdb2gmxError(message)).toEqual({
      kind: 'unknown-residue',
      residueName: 'XYZ',
      residueNumber: 1,
    });
    const later =
      "The residues in the chain ASN1--SER20 do not have a consistent type. The first residue has type 'Protein', while residue LIG7 is of type 'Other'.";
    expect(classifyPdb2gmxError(later)).toEqual({
      kind: 'unknown-residue',
      residueName: 'LIG',
      residueNumber: 7,
    });
  });

  it('names an atom that is not in the residue entry', () => {
    expect(
      classifyPdb2gmxError(
        'Atom HB3 in residue ASN 1 was not found in rtp entry ASN with 16 atoms while sorting atoms.',
      ),
    ).toEqual({
      kind: 'unexpected-atom',
      atomName: 'HB3',
      residueName: 'ASN',
      residueNumber: 1,
    });
  });

  it('recognises an unknown force field', () => {
    const message = parseFatalError(inconsistency)?.message ?? '';
    expect(classifyPdb2gmxError(message)).toEqual({
      kind: 'unknown-force-field',
      forceField: 'nosuchff',
    });
  });
});
