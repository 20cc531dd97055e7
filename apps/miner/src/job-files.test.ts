import { describe, expect, it } from '@jest/globals';
import { JobInputError } from './errors.js';
import { atomCountOf, classifyInputs, jobLayout } from './job-files.js';

const file = (name: string, text = '') => ({ name, bytes: Buffer.from(text) });
const TOP =
  '#include "amber03.ff/forcefield.itp"\n#include "posre.itp"\n[ molecules ]\nProtein 1\n';

describe('classifyInputs', () => {
  it('sorts coordinates, topology and includes', () => {
    expect(classifyInputs([file('em.gro'), file('topol.top', TOP), file('posre.itp')])).toEqual({
      gro: 'em.gro',
      top: 'topol.top',
      itps: ['posre.itp'],
    });
  });

  it('refuses other files, a second structure and a missing topology', () => {
    expect(() => classifyInputs([file('em.gro'), file('topol.top'), file('state.cpt')])).toThrow(
      /\.gro, \.top and \.itp files only/,
    );
    expect(() => classifyInputs([file('em.gro'), file('b.gro'), file('topol.top')])).toThrow(
      JobInputError,
    );
    expect(() => classifyInputs([file('em.gro')])).toThrow(/exactly one \.gro and one \.top/);
  });

  it('refuses includes outside the job and includes the bundle lacks', () => {
    expect(() =>
      classifyInputs([file('em.gro'), file('topol.top', '#include "/etc/passwd"\n')]),
    ).toThrow(JobInputError);
    expect(() => classifyInputs([file('em.gro'), file('topol.top', TOP)])).toThrow(
      /includes posre\.itp, not in the bundle/,
    );
  });
});

describe('job files', () => {
  it('reads the atom count of the coordinates', () => {
    const gro =
      'title\n    2\n    1ALA     CA    1   0.000   0.000   0.000\n    1ALA     CB    2   0.100   0.000   0.000\n   1.0 1.0 1.0\n';
    expect(atomCountOf([file('em.gro', gro)], 'em.gro')).toBe(2);
    expect(() => atomCountOf([file('em.gro', 'not a gro')], 'em.gro')).toThrow(JobInputError);
  });

  it('lays a job out under jobs/<assignment id> and refuses other ids', () => {
    const id = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY.job-1';
    expect(jobLayout('/srv/miner', id)).toMatchObject({
      dir: `/srv/miner/jobs/${id}`,
      runDir: `/srv/miner/jobs/${id}/run`,
      framesDir: `/srv/miner/jobs/${id}/frames`,
    });
    expect(() => jobLayout('/srv/miner', '../../etc')).toThrow(JobInputError);
  });
});
