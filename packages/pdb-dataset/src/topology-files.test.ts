import { describe, expect, it } from '@jest/globals';
import { normalizeTopologyHeader } from './topology-files.js';

const generated = (dir: string, date: string) =>
  [
    ';',
    ";\tFile 'topol.top' was generated",
    `;\tAt date: ${date}`,
    `;\tWorking dir:  ${dir}`,
    ';',
    '',
    '; Include forcefield parameters',
    '#include "charmm27.ff/forcefield.itp"',
    '',
    '[ moleculetype ]',
    '; Name            nrexcl',
    'Protein_chain_A     3',
    '',
  ].join('\n');

describe('normalizeTopologyHeader', () => {
  it('makes runs in different directories at different times byte-identical', () => {
    const a = normalizeTopologyHeader(generated('/tmp/a', 'Mon'), 'topol.top');
    const b = normalizeTopologyHeader(generated('/tmp/b', 'Tue'), 'topol.top');
    expect(a).toBe(b);
    expect(a).not.toContain('/tmp');
  });

  it('keeps every line from the first directive on, comments inside included', () => {
    const out = normalizeTopologyHeader(generated('/x', 'Wed'), 'topol.top');
    expect(
      out.endsWith(
        '#include "charmm27.ff/forcefield.itp"\n\n[ moleculetype ]\n; Name            nrexcl\nProtein_chain_A     3\n',
      ),
    ).toBe(true);
  });
});
