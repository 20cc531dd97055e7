import { describe, expect, it } from '@jest/globals';
import { type PurgeInput, purgeDecision } from './housekeeping.js';

const HOUR = 3_600_000;
const policy = {
  retentionMs: 24 * HOUR,
  purgeAfterFetchMs: 10 * 60_000,
  recordRetentionMs: 7 * 24 * HOUR,
};
const now = 100 * 24 * HOUR;
const finished: PurgeInput = {
  nowMs: now,
  isJobDir: true,
  dirModifiedMs: now - HOUR,
  state: 'finished',
  endedAtMs: now - HOUR,
  fetchedAtMs: undefined,
  simulationActive: false,
};

describe('purgeDecision', () => {
  it('keeps running and waiting jobs', () => {
    for (const state of ['received', 'queued', 'running'] as const) {
      expect(purgeDecision({ ...finished, state, endedAtMs: undefined }, policy)).toBeUndefined();
    }
  });

  it('keeps a finished job until it is fetched or its retention ends', () => {
    expect(purgeDecision(finished, policy)).toBeUndefined();
    expect(purgeDecision({ ...finished, fetchedAtMs: now - 60_000 }, policy)).toBeUndefined();
    expect(purgeDecision({ ...finished, fetchedAtMs: now - 11 * 60_000 }, policy)).toBe('fetched');
    expect(purgeDecision({ ...finished, endedAtMs: now - 25 * HOUR }, policy)).toBe('retention');
  });

  it('purges cancelled, failed and expired jobs once no runner holds them', () => {
    for (const state of ['cancelled', 'failed', 'expired'] as const) {
      expect(purgeDecision({ ...finished, state, simulationActive: true }, policy)).toBeUndefined();
      expect(purgeDecision({ ...finished, state }, policy)).toBe(state);
    }
  });

  it('purges directories without a record and staged leftovers only when old', () => {
    const orphan = { ...finished, state: undefined, endedAtMs: undefined };
    expect(purgeDecision({ ...orphan, dirModifiedMs: now - 60_000 }, policy)).toBeUndefined();
    expect(purgeDecision({ ...orphan, dirModifiedMs: now - HOUR }, policy)).toBe(
      'no assignment record',
    );
    const staged = { ...orphan, isJobDir: false };
    expect(purgeDecision({ ...staged, dirModifiedMs: now - 60_000 }, policy)).toBeUndefined();
    expect(purgeDecision({ ...staged, dirModifiedMs: now - 2 * HOUR }, policy)).toBe(
      'staged leftover',
    );
  });
});
