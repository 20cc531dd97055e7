import { describe, expect, it } from '@jest/globals';
import { renderSummary, summarize } from './summary.js';
import type { JobDetail } from './validator-api.js';

const detail = (uid: number, accepted: number, rejected: number, energy: number | null) => ({
  uid,
  hotkey: `5F${uid}`,
  state: 'finished',
  stage: 'md',
  step: 2_000,
  nsPerDay: 7,
  claimedEnergyKjMol: energy,
  verifiedEnergyKjMol: energy,
  accepted,
  rejected,
  error: null,
});

const job: JobDetail = {
  jobId: 'o-1',
  proteinId: '1l2y',
  status: 'finished',
  statusReason: 'every miner finished its stages',
  endedAt: 10,
  system: { atomCount: 5_917 },
  stages: [{ name: 'md', nsteps: 2_000 }],
  minerDetails: [detail(1, 3, 0, -90_822.1), detail(2, 2, 1, -91_491)],
  best: { uid: 2, energyKjMol: -91_491, step: 1_000 },
  verdicts: [
    { at: 5, uid: 2, accepted: false, step: 10, energyKjMol: null, reason: 'CLAIM_MISMATCH' },
  ],
};
const names = new Map([
  [1, 'bob'],
  [2, 'charlie'],
]);
const weights = { at: 11, mode: 'set', blockNumber: 27, uids: [1, 2], weights: [1_552, 65_535] };
const phases = [{ name: 'chain' as const, startedAtMs: 0, endedAtMs: 4_200 }];

describe('summarize', () => {
  it("names the best result, each miner's verdicts and the weights on chain", () => {
    const summary = summarize(
      {
        job,
        status: { validator: { blockNumber: 27 }, pendingVerifications: 0, lastWeights: weights },
        weights,
        chainWeights: { uids: [1, 2], weights: [1_552, 65_535] },
      },
      names,
      phases,
      97_000,
    );
    expect(summary.best).toEqual({ uid: 2, name: 'charlie', energyKjMol: -91_491 });
    expect(summary.miners.map((m) => [m.name, m.accepted, m.rejected, m.lastRejection])).toEqual([
      ['bob', 3, 0, null],
      ['charlie', 2, 1, 'CLAIM_MISMATCH'],
    ]);
    expect(summary.weights.onChain).toEqual([
      { uid: 1, name: 'bob', weight: 1_552 },
      { uid: 2, name: 'charlie', weight: 65_535 },
    ]);
    expect(summary.weightsLanded).toBe(true);
    expect(summary.phases).toEqual([{ name: 'chain', durationMs: 4_200 }]);
  });

  it('says the weights did not land when the chain holds others', () => {
    const summary = summarize(
      {
        job,
        status: { validator: { blockNumber: 27 }, pendingVerifications: 0, lastWeights: weights },
        weights,
        chainWeights: { uids: [1], weights: [65_535] },
      },
      names,
      phases,
      1,
    );
    expect(summary.weightsLanded).toBe(false);
    expect(renderSummary(summary)).toContain(
      'the chain does not hold the weights the validator set',
    );
  });
});

describe('renderSummary', () => {
  it('prints the best energy, the verdicts, the weights and the phase times', () => {
    const text = renderSummary(
      summarize(
        {
          job,
          status: { validator: { blockNumber: 27 }, pendingVerifications: 0, lastWeights: weights },
          weights,
          chainWeights: { uids: [2, 1], weights: [65_535, 1_552] },
        },
        names,
        phases,
        97_000,
      ),
    );
    expect(text).toContain('best verified potential energy: -91491.0 kJ/mol by charlie (uid 2)');
    expect(text).toContain(
      'bob (uid 1) finished: 3 accepted, 0 rejected; lowest verified -90822.1 kJ/mol',
    );
    expect(text).toContain('last rejection: CLAIM_MISMATCH');
    expect(text).toContain(
      'weights read back from the chain (set at block 27): charlie (uid 2) 65535, bob (uid 1) 1552',
    );
    expect(text).toContain('weights landed on chain');
    expect(text).toContain('phases: chain 4.2 s');
    expect(text).toContain('total: 1 min 37 s');
  });
});
