import { describe, expect, it } from '@jest/globals';
import { TypeRegistry } from '@polkadot/types';
import { u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import fc from 'fast-check';
import { commitHash, epochIndex, generateSalt, revealWindow } from './commit-reveal.js';

const u16 = fc.integer({ min: 0, max: 65_535 });

describe('epochIndex', () => {
  it('offsets epochs by netuid + 1 and counts tempo + 1 blocks per epoch', () => {
    // netuid 2, tempo 10: blocks 8..18 are epoch 1, block 19 starts epoch 2.
    expect(epochIndex(7, 2, 10)).toBe(0);
    expect(epochIndex(8, 2, 10)).toBe(1);
    expect(epochIndex(18, 2, 10)).toBe(1);
    expect(epochIndex(19, 2, 10)).toBe(2);
  });
});

describe('revealWindow', () => {
  it('is the whole epoch revealPeriodEpochs after the commit', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 1024 }),
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: 1, max: 5 }),
        (commitBlock, netuid, tempo, period) => {
          const { firstBlock, lastBlock } = revealWindow(commitBlock, netuid, tempo, period);
          const revealEpoch = epochIndex(commitBlock, netuid, tempo) + period;
          expect(lastBlock - firstBlock).toBe(tempo);
          expect(epochIndex(firstBlock, netuid, tempo)).toBe(revealEpoch);
          expect(epochIndex(lastBlock, netuid, tempo)).toBe(revealEpoch);
          expect(epochIndex(firstBlock - 1, netuid, tempo)).toBe(revealEpoch - 1);
          expect(epochIndex(lastBlock + 1, netuid, tempo)).toBe(revealEpoch + 1);
        },
      ),
    );
  });
});

describe('commitHash', () => {
  const registry = new TypeRegistry();

  it('equals BLAKE2b-256 of the SCALE-encoded (hotkey, netuid, uids, weights, salt, versionKey)', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        u16,
        fc.array(u16, { maxLength: 70 }),
        fc.array(u16, { maxLength: 70 }),
        fc.array(u16, { maxLength: 8 }),
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        (hotkey, netuid, uids, weights, salt, versionKey) => {
          const encoded = registry
            .createType('(AccountId32, u16, Vec<u16>, Vec<u16>, Vec<u16>, u64)', [
              hotkey,
              netuid,
              uids,
              weights,
              salt,
              versionKey,
            ])
            .toU8a();
          expect(commitHash({ hotkey, netuid, uids, weights, salt, versionKey })).toBe(
            u8aToHex(blake2AsU8a(encoded, 256)),
          );
        },
      ),
    );
  });

  it('refuses a key that is not 32 bytes and values outside their types', () => {
    const base = {
      hotkey: new Uint8Array(32),
      netuid: 1,
      uids: [1],
      weights: [1],
      salt: [1],
      versionKey: 0n,
    };
    expect(() => commitHash({ ...base, hotkey: new Uint8Array(31) })).toThrow(/32 bytes/);
    expect(() => commitHash({ ...base, weights: [65_536] })).toThrow(/weights: not a u16/);
    expect(() => commitHash({ ...base, versionKey: 2n ** 64n })).toThrow(/u64/);
  });
});

describe('generateSalt', () => {
  it('gives eight u16 values that differ between calls', () => {
    const salt = generateSalt();
    expect(salt).toHaveLength(8);
    expect(salt.every((value) => Number.isInteger(value) && value >= 0 && value <= 65_535)).toBe(
      true,
    );
    expect(generateSalt()).not.toEqual(salt);
  });
});
