import type { JobAssignment } from '@fold/job-store';
import { describe, expect, it } from '@jest/globals';
import { interpretReport, type ProgressReport, type ScoringView } from './progress-report.js';
import type { MinerJobState } from './validator-state.js';

const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const C1 = 'a'.repeat(64);
const C2 = 'b'.repeat(64);
const assignment: JobAssignment = {
  uid: 3,
  hotkey: BOB,
  seed: 11,
  assignedAt: 1_000,
  state: 'running',
};
const state: MinerJobState = {
  uid: 3,
  hotkey: BOB,
  minerJobId: 'f0-1l2y',
  generation: 0,
  seed: 11,
  delivered: true,
  deliveryAttempts: 1,
  etag: 'v1',
  failedQueries: 2,
};
const report: ProgressReport = {
  etag: 'v2',
  state: 'running',
  stage: 'nvt',
  step: 400,
  simulated_time_ps: 0.8,
  best_potential_energy_kj_mol: -100_000,
  best_stage: 'nvt',
  best_step: 300,
  best_commitment: C1,
  ns_per_day: 12,
  updated_unix_ms: 5_000,
  error: null,
};
const scoring: ScoringView = {
  bestEnergyKjMol: null,
  threshold: { kind: 'relative', fraction: 0.01 },
  atomCount: 304,
  barred: new Set(),
  claimable: (stage, step) => stage !== 'npt' && step <= 1_900,
};
const read = (over: Partial<Parameters<typeof interpretReport>[0]> = {}) =>
  interpretReport({ jobId: 'f0-1l2y', assignment, state, report, scoring, nowMs: 9_000, ...over });

describe('interpretReport', () => {
  it('records progress, the new commitment, and a claim when there is no best yet', () => {
    const outcome = read();
    expect(outcome.transitions.map((t) => t.transition.type)).toEqual([
      'record-progress',
      'record-commitment',
    ]);
    expect(outcome.claim).toMatchObject({
      jobId: 'f0-1l2y',
      uid: 3,
      stage: 'nvt',
      step: 300,
      energyKjMol: -100_000,
      commitment: C1,
      committedAtMs: 9_000,
      assignedAtMs: 1_000,
      seed: 11,
    });
    expect(outcome.state).toMatchObject({ etag: 'v2', failedQueries: 0, consideredCommitment: C1 });
  });

  it('claims only what beats the best by the threshold', () => {
    const withBest = { ...scoring, bestEnergyKjMol: -99_500 };
    expect(read({ scoring: withBest }).claim).toBeNull();
    expect(read({ scoring: { ...scoring, bestEnergyKjMol: -98_000 } }).claim).not.toBeNull();
  });

  it('judges a commitment once', () => {
    const outcome = read({ state: { ...state, consideredCommitment: C1 } });
    expect(outcome.claim).toBeNull();
    expect(read({ state: { ...state, consideredCommitment: C2 } }).claim?.commitment).toBe(C1);
  });

  it('does not claim a frame that cannot be verified', () => {
    const restrained = read({ report: { ...report, best_stage: 'npt' } });
    expect(restrained.claim).toBeNull();
    expect(restrained.state.consideredCommitment).toBe(C1);
    expect(read({ report: { ...report, best_step: 1_950 } }).claim).toBeNull();
  });

  it('does not verify miners that forfeited the job', () => {
    expect(read({ scoring: { ...scoring, barred: new Set([3]) } }).claim).toBeNull();
  });

  it('ends the assignment when the miner finished, failed or cancelled', () => {
    for (const [minerState, expected] of [
      ['finished', 'finished'],
      ['failed', 'failed'],
      ['cancelled', 'dropped'],
    ] as const) {
      const transitions = read({ report: { ...report, state: minerState } }).transitions;
      expect(transitions.at(-1)?.transition).toEqual({
        type: 'set-assignment-state',
        uid: 3,
        hotkey: BOB,
        state: expected,
      });
    }
  });

  it('records progress in the job when a stage starts, and steps within it in the state only', () => {
    const queued = read({
      report: { ...report, state: 'queued', stage: null, best_commitment: null },
    });
    expect(queued.transitions).toEqual([]);
    const inStage = { ...assignment, lastProgress: { at: 5, stage: 'nvt', step: 100 } };
    const sameStage = read({ assignment: inStage, report: { ...report, best_commitment: null } });
    expect(sameStage.transitions).toEqual([]);
    expect(sameStage.state.lastReport).toMatchObject({ stage: 'nvt', step: 400 });
    const nextStage = read({
      assignment: inStage,
      report: { ...report, stage: 'npt', step: 10, best_commitment: null },
    });
    expect(nextStage.transitions.map((t) => t.transition)).toEqual([
      {
        type: 'record-progress',
        uid: 3,
        hotkey: BOB,
        stage: 'npt',
        step: 10,
        energyKjMol: -100_000,
      },
    ]);
  });

  it('makes transition ids from the job, the miner and what changed, so retries apply once', () => {
    const ids = read().transitions.map((t) => t.transitionId);
    expect(ids).toEqual([`progress:f0-1l2y:3:0:nvt`, `commit:f0-1l2y:3:${C1}`]);
  });

  it('does not claim without a finite energy, stage and step', () => {
    expect(read({ report: { ...report, best_potential_energy_kj_mol: null } }).claim).toBeNull();
    expect(read({ report: { ...report, best_step: null } }).claim).toBeNull();
  });
});
