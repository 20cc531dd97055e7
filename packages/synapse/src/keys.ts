import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady, decodeAddress, sr25519Verify } from '@polkadot/util-crypto';

const SIGNATURE_HEX = /^0x[0-9a-fA-F]{128}$/;

/** Resolves once the sr25519 WebAssembly is ready; every axon and dendrite awaits it first. */
export async function cryptoReady(): Promise<void> {
  await cryptoWaitReady();
}

/** Signs the UTF-8 bytes of a message with an sr25519 hotkey, as `0x`-prefixed hex (SDK format). */
export function signMessage(pair: KeyringPair, message: string): string {
  return `0x${Buffer.from(pair.sign(message)).toString('hex')}`;
}

/**
 * True when `signature` (`0x` hex of 64 bytes) is an sr25519 signature of the UTF-8 bytes of
 * `message` by the SS58 address `hotkey`. Only sr25519 is accepted, as the SDK's
 * `Keypair(ss58_address=...)` verifies, and only the raw message (not a `<Bytes>`-wrapped one).
 * Never throws: a malformed address or signature is simply not valid.
 */
export function verifySignature(message: string, signature: string, hotkey: string): boolean {
  if (!SIGNATURE_HEX.test(signature)) return false;
  let publicKey: Uint8Array;
  try {
    publicKey = decodeAddress(hotkey);
  } catch {
    return false;
  }
  if (publicKey.length !== 32) return false;
  try {
    return sr25519Verify(message, Buffer.from(signature.slice(2), 'hex'), publicKey);
  } catch {
    // schnorrkel throws for byte strings that are not signatures at all (unmarked, off-curve).
    return false;
  }
}

/** True when `hotkey` decodes as an SS58 address of a 32-byte public key. */
export function isSs58Address(hotkey: string): boolean {
  try {
    return decodeAddress(hotkey).length === 32;
  } catch {
    return false;
  }
}
