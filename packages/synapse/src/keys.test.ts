import { beforeAll, describe, expect, it } from '@jest/globals';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { signMessage, verifySignature } from './keys.js';

let alice: KeyringPair;
let bob: KeyringPair;
beforeAll(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
});

describe('signMessage / verifySignature', () => {
  it('signs as 0x hex that verifies for the signer only', () => {
    const signature = signMessage(alice, '1.a.b.c.d');
    expect(signature).toMatch(/^0x[0-9a-f]{128}$/);
    expect(verifySignature('1.a.b.c.d', signature, alice.address)).toBe(true);
    expect(verifySignature('1.a.b.c.e', signature, alice.address)).toBe(false);
    expect(verifySignature('1.a.b.c.d', signature, bob.address)).toBe(false);
  });

  it('returns false, never throws, for malformed signatures and addresses', () => {
    const signature = signMessage(alice, 'm');
    expect(verifySignature('m', `${signature.slice(0, -2)}00`, alice.address)).toBe(false);
    expect(verifySignature('m', `0x${'00'.repeat(64)}`, alice.address)).toBe(false);
    expect(verifySignature('m', signature.slice(2), alice.address)).toBe(false);
    expect(verifySignature('m', signature, 'not-an-address')).toBe(false);
  });
});
