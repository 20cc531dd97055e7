import { randomInt } from 'node:crypto';
import { compactToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { blake2AsU8a } from '@polkadot/util-crypto';
import { InvalidArgumentError } from './errors.js';

/** A block range, both ends included. */
export interface BlockWindow {
  readonly firstBlock: number;
  readonly lastBlock: number;
}

/**
 * The epoch a block belongs to on a subnet, as the runtime counts it:
 * `floor((block + netuid + 1) / (tempo + 1))`. Subnets are offset by their netuid so that their
 * epochs do not all end on the same block.
 */
export function epochIndex(block: number, netuid: number, tempo: number): number {
  return Math.floor((block + netuid + 1) / (tempo + 1));
}

/**
 * The blocks in which a commit made at `commitBlock` may be revealed: the whole epoch
 * `revealPeriodEpochs` after the commit's own. Revealing earlier fails with `RevealTooEarly`;
 * after `lastBlock` the commit has expired.
 */
export function revealWindow(
  commitBlock: number,
  netuid: number,
  tempo: number,
  revealPeriodEpochs: number,
): BlockWindow {
  const revealEpoch = epochIndex(commitBlock, netuid, tempo) + revealPeriodEpochs;
  const firstBlock = Math.max(0, revealEpoch * (tempo + 1) - (netuid + 1));
  return { firstBlock, lastBlock: firstBlock + tempo };
}

/** What a weights commit hashes. */
export interface CommitPreimage {
  /** The committing hotkey's 32-byte public key. */
  readonly hotkey: Uint8Array;
  readonly netuid: number;
  readonly uids: readonly number[];
  readonly weights: readonly number[];
  readonly salt: readonly number[];
  readonly versionKey: bigint;
}

/**
 * The commit hash the runtime recomputes on reveal: BLAKE2b-256 of the SCALE encoding of
 * `(AccountId32, u16 netuid, Vec<u16> uids, Vec<u16> weights, Vec<u16> salt, u64 versionKey)`.
 * @returns 0x-prefixed hex of 32 bytes
 * @throws {InvalidArgumentError} on a key that is not 32 bytes or a value out of its type's range
 */
export function commitHash(preimage: CommitPreimage): `0x${string}` {
  const { hotkey, netuid, uids, weights, salt, versionKey } = preimage;
  if (hotkey.length !== 32) throw invalid('hotkey', 'hotkey public key must be 32 bytes');
  if (versionKey < 0n || versionKey >= 2n ** 64n) throw invalid('versionKey', 'not a u64');
  const encoded = u8aConcat(
    hotkey,
    u16Bytes(netuid, 'netuid'),
    u16VecBytes(uids, 'uids'),
    u16VecBytes(weights, 'weights'),
    u16VecBytes(salt, 'salt'),
    u64Bytes(versionKey),
  );
  return u8aToHex(blake2AsU8a(encoded, 256)) as `0x${string}`;
}

/** A fresh random salt of `length` u16 values (the Python SDK uses 8). */
export function generateSalt(length = 8): number[] {
  return Array.from({ length }, () => randomInt(0, 65_536));
}

function u16Bytes(value: number, field: string): Uint8Array {
  if (!Number.isInteger(value) || value < 0 || value > 0xffff) throw invalid(field, 'not a u16');
  return Uint8Array.of(value & 0xff, value >> 8);
}

function u16VecBytes(values: readonly number[], field: string): Uint8Array {
  return u8aConcat(compactToU8a(values.length), ...values.map((value) => u16Bytes(value, field)));
}

function u64Bytes(value: bigint): Uint8Array {
  const bytes = new Uint8Array(8);
  new DataView(bytes.buffer).setBigUint64(0, value, true);
  return bytes;
}

function invalid(field: string, message: string): InvalidArgumentError {
  return new InvalidArgumentError('INVALID_ARGUMENT', `${field}: ${message}`, {
    details: { field },
  });
}
