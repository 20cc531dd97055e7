import { describe, expect, it } from '@jest/globals';
import { type GateSnapshot, judgeCaller, stakeTao, taoToRao } from './validator-gate.js';

const snapshot: GateSnapshot = {
  blockNumber: 10,
  neurons: new Map([
    ['big', { uid: 0, stakeRao: 5_000_000_000_000n, validatorPermit: true }],
    ['small', { uid: 1, stakeRao: 2_000_000_000n, validatorPermit: true }],
    ['poor', { uid: 2, stakeRao: 10n, validatorPermit: true }],
    ['miner', { uid: 3, stakeRao: 9_000_000_000_000n, validatorPermit: false }],
  ]),
};
const policy = { minStakeRao: taoToRao(1), devAllow: new Set(['dev']), chain: true };

describe('judgeCaller', () => {
  it('serves registered validators with a permit and enough stake, larger stake first', () => {
    const big = judgeCaller('big', snapshot, policy);
    const small = judgeCaller('small', snapshot, policy);
    expect(big.blacklisted).toBe(false);
    expect(small.blacklisted).toBe(false);
    expect(big.priority).toBeGreaterThan(small.priority);
    expect(big.priority).toBe(5_000);
  });

  it('refuses hotkeys that are not registered, have no permit or too little stake', () => {
    expect(judgeCaller('stranger', snapshot, policy)).toMatchObject({
      blacklisted: true,
      reason: 'hotkey is not registered on the subnet',
    });
    expect(judgeCaller('miner', snapshot, policy)).toMatchObject({
      blacklisted: true,
      reason: 'hotkey has no validator permit',
    });
    expect(judgeCaller('poor', snapshot, policy)).toMatchObject({
      blacklisted: true,
      reason: 'stake below the minimum',
    });
  });

  it('serves development hotkeys without any chain check', () => {
    expect(judgeCaller('dev', snapshot, policy).blacklisted).toBe(false);
    expect(judgeCaller('dev', undefined, { ...policy, chain: false }).blacklisted).toBe(false);
  });

  it('serves nobody else without a metagraph', () => {
    expect(judgeCaller('big', undefined, policy)).toMatchObject({ blacklisted: true });
    expect(judgeCaller('big', undefined, { ...policy, chain: false }).reason).toMatch(
      /development allowlist/,
    );
  });

  it('converts stake between rao and TAO', () => {
    expect(stakeTao(1_500_000_000n)).toBe(1.5);
    expect(stakeTao(123_456_789_000_000_000n)).toBe(123_456_789);
    expect(taoToRao(0.5)).toBe(500_000_000n);
  });
});
