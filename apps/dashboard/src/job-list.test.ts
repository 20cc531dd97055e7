import { describe, expect, it } from '@jest/globals';
import { jobSummary } from '../test/job-views.js';
import { filterJobs, parametersLine } from './job-list.js';
import { NO_FILTERS } from './route.js';

const jobs = [
  jobSummary({ jobId: 'o-aaa', proteinId: '1l2y', status: 'active', source: 'organic' }),
  jobSummary({ jobId: 's-bbb', proteinId: '1ubq', status: 'finished', source: 'synthetic' }),
  jobSummary({ jobId: 'o-ccc', proteinId: '2jof', status: 'finished', source: 'organic' }),
];

describe('filterJobs', () => {
  it('keeps every job without filters, in order', () => {
    expect(filterJobs(jobs, NO_FILTERS).map((j) => j.jobId)).toEqual(['o-aaa', 's-bbb', 'o-ccc']);
  });

  it('matches text in the protein or the job id, ignoring case', () => {
    expect(filterJobs(jobs, { ...NO_FILTERS, text: '1UBQ' }).map((j) => j.jobId)).toEqual([
      's-bbb',
    ]);
    expect(filterJobs(jobs, { ...NO_FILTERS, text: 'o-c' }).map((j) => j.jobId)).toEqual(['o-ccc']);
  });

  it('combines status and source', () => {
    expect(
      filterJobs(jobs, { status: 'finished', source: 'organic', text: '' }).map((j) => j.jobId),
    ).toEqual(['o-ccc']);
  });
});

describe('parametersLine', () => {
  it('lists the main parameters with units, leaving out those not chosen yet', () => {
    expect(
      parametersLine({
        forceField: 'charmm27',
        water: 'tip3p',
        box: null,
        temperatureK: 300,
        stages: 'nvt,md',
        mdSteps: 2000,
        seed: 12,
      }),
    ).toBe('charmm27 · tip3p · 300 K · nvt,md · 2000 md steps');
  });
});
