import type { MinerAssignment } from '@fold/job-store';
import { describe, expect, it } from '@jest/globals';
import { etagOf, progressReport, reportedState } from './progress.js';

const HOTKEY = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const running: MinerAssignment = {
  id: `${HOTKEY}.job-1`,
  validatorHotkey: HOTKEY,
  validatorJobId: 'job-1',
  proteinId: '1l2y',
  params: {},
  seed: 1,
  deadlineAt: 10_000,
  state: 'running',
  stage: 'npt',
  step: 400,
  simulatedTimePs: 0.8,
  nsPerDay: 12.5,
  filesDir: '/var/lib/fold/jobs/x',
  bytesUsed: 1_000,
  createdAt: 1,
  updatedAt: 2,
  version: 7,
};

describe('progress reports', () => {
  it('maps the miner states onto the protocol states', () => {
    expect(
      (
        ['received', 'queued', 'running', 'finished', 'failed', 'cancelled', 'expired'] as const
      ).map(reportedState),
    ).toEqual(['queued', 'queued', 'running', 'finished', 'failed', 'cancelled', 'cancelled']);
  });

  it('reports no best frame until one is committed', () => {
    const report = progressReport({
      ...running,
      bestEnergyKjMol: -5,
      bestStage: 'nvt',
      bestFrameStep: 0,
    });
    expect(report).toMatchObject({
      etag: 'v7',
      state: 'running',
      stage: 'npt',
      step: 400,
      simulated_time_ps: 0.8,
      ns_per_day: 12.5,
      best_potential_energy_kj_mol: null,
      best_stage: null,
      best_step: null,
      best_commitment: null,
    });
  });

  it('reports the committed best frame with its commitment', () => {
    const commitment = 'a'.repeat(64);
    expect(
      progressReport({
        ...running,
        bestEnergyKjMol: -5,
        bestStage: 'nvt',
        bestFrameStep: 0,
        commitment,
      }),
    ).toMatchObject({
      best_potential_energy_kj_mol: -5,
      best_stage: 'nvt',
      best_step: 0,
      best_commitment: commitment,
    });
  });

  it('keeps error text printable and short', () => {
    const report = progressReport({
      ...running,
      state: 'failed',
      error: `bad\nline\u0000${'x'.repeat(400)}`,
    });
    expect(report.error).toMatch(/^bad\?line\?x+$/);
    expect(report.error?.length).toBe(256);
  });

  it('uses the record version as the etag', () => {
    expect(etagOf({ ...running, version: 42 })).toBe('v42');
  });
});
