import { beforeAll, describe, expect, it } from '@jest/globals';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady, encodeAddress } from '@polkadot/util-crypto';
import { sha256Hex } from './codec.js';
import { frameCommitment, verifyFrameCommitment } from './commitment.js';
import { SchemaError } from './errors.js';

let bob: string;
let charlie: string;
beforeAll(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  bob = keyring.addFromUri('//Bob').address;
  charlie = keyring.addFromUri('//Charlie').address;
});

const frame = new TextEncoder().encode('trr frame bytes');

describe('frameCommitment', () => {
  it('is verified by the same frame, job and hotkey', () => {
    const commitment = frameCommitment({
      jobId: 'job-1',
      minerHotkey: bob,
      frameSha256: sha256Hex(frame),
    });
    expect(commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(
      verifyFrameCommitment(commitment, { jobId: 'job-1', minerHotkey: bob, frameBytes: frame }),
    ).toBe(true);
  });

  it('cannot be reproduced under another hotkey, job or frame', () => {
    const commitment = frameCommitment({
      jobId: 'job-1',
      minerHotkey: bob,
      frameSha256: sha256Hex(frame),
    });
    const other = new TextEncoder().encode('trr frame bytez');
    expect(
      verifyFrameCommitment(commitment, {
        jobId: 'job-1',
        minerHotkey: charlie,
        frameBytes: frame,
      }),
    ).toBe(false);
    expect(
      verifyFrameCommitment(commitment, { jobId: 'job-2', minerHotkey: bob, frameBytes: frame }),
    ).toBe(false);
    expect(
      verifyFrameCommitment(commitment, { jobId: 'job-1', minerHotkey: bob, frameBytes: other }),
    ).toBe(false);
  });

  it('binds the public key, not the SS58 spelling of the hotkey', () => {
    const polkadotSpelling = encodeAddress(bob, 0);
    const frameSha256 = sha256Hex(frame);
    expect(frameCommitment({ jobId: 'j', minerHotkey: polkadotSpelling, frameSha256 })).toBe(
      frameCommitment({ jobId: 'j', minerHotkey: bob, frameSha256 }),
    );
  });

  it('keeps job ids with shared prefixes apart (length-prefixed encoding)', () => {
    const frameSha256 = sha256Hex(frame);
    expect(frameCommitment({ jobId: 'ab', minerHotkey: bob, frameSha256 })).not.toBe(
      frameCommitment({ jobId: 'a', minerHotkey: bob, frameSha256 }),
    );
  });

  it('rejects a hotkey that is not SS58 and a hash that is not SHA-256 hex', () => {
    expect(() =>
      frameCommitment({ jobId: 'j', minerHotkey: 'bob', frameSha256: sha256Hex(frame) }),
    ).toThrow(SchemaError);
    expect(() => frameCommitment({ jobId: 'j', minerHotkey: bob, frameSha256: 'ABC' })).toThrow(
      SchemaError,
    );
  });
});
