import { describe, expect, it } from '@jest/globals';
import { jobStep, weightsMatch } from './follow-job.js';

const miner = (state: string) => ({
  uid: 1,
  hotkey: '5F',
  state,
  stage: null,
  step: null,
  nsPerDay: null,
  claimedEnergyKjMol: null,
  verifiedEnergyKjMol: null,
  accepted: 0,
  rejected: 0,
  error: null,
});

describe('jobStep', () => {
  it('is preparation while the job is pending or preparing', () => {
    expect(jobStep({ status: 'pending', minerDetails: [] })).toBe('preparation');
    expect(jobStep({ status: 'preparing', minerDetails: [] })).toBe('preparation');
  });

  it('is simulation while a miner is assigned or running, or none is assigned yet', () => {
    expect(jobStep({ status: 'active', minerDetails: [] })).toBe('simulation');
    expect(jobStep({ status: 'active', minerDetails: [miner('finished'), miner('running')] })).toBe(
      'simulation',
    );
  });

  it('is verification once every miner is done and the job is still active', () => {
    expect(jobStep({ status: 'active', minerDetails: [miner('finished'), miner('dropped')] })).toBe(
      'verification',
    );
  });

  it('is ended for every final status', () => {
    for (const status of ['finished', 'early-stopped', 'failed', 'cancelled'])
      expect(jobStep({ status, minerDetails: [miner('running')] })).toBe('ended');
  });
});

describe('weightsMatch', () => {
  const record = { at: 0, mode: 'set', blockNumber: 9, uids: [1, 2], weights: [65_535, 1_552] };

  it('accepts the same weights in another uid order', () => {
    expect(weightsMatch(record, { uids: [2, 1], weights: [1_552, 65_535] })).toBe(true);
  });

  it('refuses other values, other uids and empty weights', () => {
    expect(weightsMatch(record, { uids: [1, 2], weights: [65_535, 1_553] })).toBe(false);
    expect(weightsMatch(record, { uids: [1, 3], weights: [65_535, 1_552] })).toBe(false);
    expect(weightsMatch(record, { uids: [1], weights: [65_535] })).toBe(false);
    expect(weightsMatch({ ...record, uids: [], weights: [] }, { uids: [], weights: [] })).toBe(
      false,
    );
  });
});
