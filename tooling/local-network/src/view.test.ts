import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { JobDetail, ValidatorStatus } from './validator-api.js';
import {
  describeChanges,
  formatDuration,
  formatEnergy,
  jobView,
  minerProgress,
  progressBar,
  renderLive,
  renderPhases,
} from './view.js';

const stages = [
  { name: 'nvt', nsteps: 500 },
  { name: 'md', nsteps: 1_500 },
];

function job(overrides: Partial<JobDetail> = {}): JobDetail {
  return {
    jobId: 'o-1',
    proteinId: '1l2y',
    status: 'active',
    statusReason: null,
    endedAt: null,
    system: { atomCount: 5_917 },
    stages,
    minerDetails: [
      {
        uid: 1,
        hotkey: '5F',
        state: 'running',
        stage: 'nvt',
        step: 250,
        nsPerDay: 7.5,
        claimedEnergyKjMol: -88_000,
        verifiedEnergyKjMol: null,
        accepted: 0,
        rejected: 0,
        error: null,
      },
    ],
    best: null,
    verdicts: [],
    ...overrides,
  };
}

const status: ValidatorStatus = {
  validator: { blockNumber: 12 },
  pendingVerifications: 1,
  lastWeights: null,
};
const names = new Map([[1, 'bob']]);

describe('minerProgress', () => {
  it('counts the steps of earlier stages and the current one over all steps', () => {
    expect(minerProgress(stages, { state: 'running', stage: 'nvt', step: 250 })).toBe(0.125);
    expect(minerProgress(stages, { state: 'running', stage: 'md', step: 750 })).toBe(0.625);
  });

  it('is 1 for a finished miner and 0 before a stage is known', () => {
    expect(minerProgress(stages, { state: 'finished', stage: 'md', step: 10 })).toBe(1);
    expect(minerProgress(stages, { state: 'assigned', stage: null, step: null })).toBe(0);
  });

  it('stays within 0 and 1 whatever the miner reports', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('nvt', 'md', 'npt', 'em'),
        fc.integer({ min: 0, max: 10_000_000 }),
        (stage, step) => {
          const value = minerProgress(stages, { state: 'running', stage, step });
          expect(value).toBeGreaterThanOrEqual(0);
          expect(value).toBeLessThanOrEqual(1);
        },
      ),
    );
  });
});

describe('progressBar', () => {
  it('is always as wide as asked, filled in proportion', () => {
    fc.assert(
      fc.property(
        fc.double({ noNaN: false }),
        fc.integer({ min: 1, max: 80 }),
        (fraction, width) => {
          expect([...progressBar(fraction, width)]).toHaveLength(width);
        },
      ),
    );
    expect(progressBar(0.5, 4)).toBe('██░░');
  });
});

describe('formatting', () => {
  it('writes energies in kJ/mol with one decimal, and a dash for none', () => {
    expect(formatEnergy(-91491.04)).toBe('-91491.0 kJ/mol');
    expect(formatEnergy(null)).toBe('-');
  });

  it('writes durations in seconds, then minutes and seconds', () => {
    expect(formatDuration(4_230)).toBe('4.2 s');
    expect(formatDuration(97_000)).toBe('1 min 37 s');
  });
});

describe('jobView', () => {
  it('names miners by uid and takes the stage length from the job', () => {
    const view = jobView(job(), status, names);
    expect(view.miners[0]).toMatchObject({ name: 'bob', stageSteps: 500, progress: 0.125 });
    expect(view.pendingVerifications).toBe(1);
    expect(view.blockNumber).toBe(12);
  });
});

describe('renderPhases and renderLive', () => {
  it('marks done, running and coming phases', () => {
    const lines = renderPhases(
      [
        { name: 'chain', startedAtMs: 0, endedAtMs: 4_000 },
        { name: 'subnet', startedAtMs: 4_000, endedAtMs: null },
      ],
      5_000,
    );
    expect(lines[0]).toMatch(/✔ chain .*\(4\.0 s\)/);
    expect(lines[1]).toMatch(/▸ subnet .*\(1\.0 s\)/);
    expect(lines[2]).toMatch(/· miners/);
  });

  it('shows each miner with its stage, step, progress bar and energies', () => {
    const text = renderLive({
      header: ['title'],
      phases: [],
      view: jobView(job(), status, names),
      nowMs: 0,
    });
    expect(text).toContain('bob (uid 1)');
    expect(text).toContain('nvt 250/500');
    expect(text).toContain('13%');
    expect(text).toContain('-88000.0');
    expect(text).toContain('weights: none set yet');
  });
});

describe('describeChanges', () => {
  it('tells the job and every miner at the first view', () => {
    const lines = describeChanges(undefined, jobView(job(), status, names));
    expect(lines).toEqual([
      'job o-1 (1L2Y, 5917 atoms) is active',
      'bob (uid 1) running',
      'bob: nvt step 250/500, 7.5 ns/day, claims -88000.0 kJ/mol',
    ]);
  });

  it('stays quiet while a miner stays within a quarter of its stage', () => {
    const before = jobView(job(), status, names);
    const after = jobView(
      job({ minerDetails: [{ ...job().minerDetails[0]!, step: 300 }] }),
      status,
      names,
    );
    expect(describeChanges(before, after)).toEqual([]);
  });

  it('tells a new quarter of a stage, a new stage and new verdicts', () => {
    const before = jobView(job(), status, names);
    const after = jobView(
      job({
        minerDetails: [{ ...job().minerDetails[0]!, stage: 'md', step: 10 }],
        verdicts: [
          {
            at: 1,
            uid: 1,
            accepted: false,
            step: 100,
            energyKjMol: null,
            reason: 'CLAIM_MISMATCH',
          },
        ],
      }),
      status,
      names,
    );
    expect(describeChanges(before, after)).toEqual([
      'bob: md step 10/1500, 7.5 ns/day, claims -88000.0 kJ/mol',
      "rejected bob's frame at step 100: CLAIM_MISMATCH",
    ]);
  });

  it('tells weights when they change, not each time they are set again', () => {
    const weights = { at: 1, mode: 'set', blockNumber: 9, uids: [1], weights: [65_535] };
    const first = jobView(job(), { ...status, lastWeights: weights }, names);
    const again = jobView(
      job(),
      { ...status, lastWeights: { ...weights, at: 2, blockNumber: 10 } },
      names,
    );
    const changed = jobView(
      job(),
      { ...status, lastWeights: { ...weights, at: 3, uids: [1, 2], weights: [65_535, 100] } },
      names,
    );
    expect(describeChanges(jobView(job(), status, names), first)).toEqual([
      'weights set at block 9: uid 1=65535',
    ]);
    expect(describeChanges(first, again)).toEqual([]);
    expect(describeChanges(again, changed)).toEqual([
      'weights set at block 9: uid 1=65535, uid 2=100',
    ]);
  });
});
