import { readFile, stat } from 'node:fs/promises';
import { inspect } from 'node:util';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { hexToU8a, u8aToHex } from '@polkadot/util';
import { cryptoWaitReady, mnemonicValidate } from '@polkadot/util-crypto';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { KeyError } from './errors.js';

const SUBTENSOR_SS58_FORMAT = 42;
const MAX_KEY_FILE_BYTES = 64 * 1024;

/**
 * An sr25519 key pair that signs extrinsics. Printing, logging or JSON-serialising it shows only
 * the address; the secret never leaves the key pair.
 */
export class Signer {
  /** SS58 address (Subtensor format 42). */
  readonly address: string;
  /** The 32-byte public key. */
  readonly publicKey: Uint8Array;
  readonly #pair: KeyringPair;

  /** Wraps a key pair made elsewhere (e.g. by @polkadot/keyring). It must be sr25519. */
  constructor(pair: KeyringPair) {
    if (pair.type !== 'sr25519') {
      throw new KeyError('KEY_INVALID', `expected an sr25519 key pair, got ${pair.type}`, {
        details: { address: pair.address },
      });
    }
    this.#pair = pair;
    this.address = pair.address;
    this.publicKey = pair.publicKey;
  }

  /** The key pair, for @polkadot/api's `sign`. */
  get pair(): KeyringPair {
    return this.#pair;
  }

  toJSON(): { address: string } {
    return { address: this.address };
  }

  toString(): string {
    return `Signer(${this.address})`;
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/**
 * An sr25519 signer from a key URI: a development key (`//Alice`), a mnemonic or a 0x seed, with
 * optional derivation paths. The URI is never part of an error.
 * @throws {KeyError} KEY_INVALID
 */
export async function signerFromUri(uri: string): Promise<Signer> {
  await cryptoWaitReady();
  try {
    return new Signer(keyring().addFromUri(uri));
  } catch (cause) {
    // The cause's message can quote the URI: keep only its class.
    throw new KeyError('KEY_INVALID', 'the key URI is not a valid sr25519 secret URI', {
      details: { cause: cause instanceof Error ? cause.name : typeof cause },
    });
  }
}

const keyFileSchema = Type.Object(
  {
    secretSeed: Type.Optional(Type.String({ pattern: '^0x[0-9a-fA-F]{64}$' })),
    secretPhrase: Type.Optional(Type.String({ minLength: 1, maxLength: 1024 })),
    ss58Address: Type.Optional(Type.String({ maxLength: 64 })),
    publicKey: Type.Optional(Type.String({ pattern: '^0x[0-9a-fA-F]{64}$' })),
  },
  { additionalProperties: true },
);
type KeyFile = Static<typeof keyFileSchema>;
const validateKeyFile = new Ajv({ allErrors: false }).compile<KeyFile>(keyFileSchema);

/**
 * An sr25519 signer from an unencrypted Bittensor-style key file (JSON with `secretSeed` or
 * `secretPhrase`, and optionally `ss58Address`/`publicKey`, which must then match).
 * Encrypted key files are refused: decrypt them with the wallet tool first.
 * @throws {KeyError} KEY_INVALID on a missing, oversized, encrypted or inconsistent file
 */
export async function signerFromKeyFile(path: string): Promise<Signer> {
  let sizeBytes: number;
  try {
    sizeBytes = (await stat(path)).size;
  } catch (cause) {
    throw keyFileError(path, 'cannot be read', cause);
  }
  if (sizeBytes > MAX_KEY_FILE_BYTES) {
    throw keyFileError(path, `is ${sizeBytes} bytes, more than a key file (${MAX_KEY_FILE_BYTES})`);
  }
  const text = await readFile(path, 'utf8').catch((cause: unknown) => {
    throw keyFileError(path, 'cannot be read', cause);
  });
  if (/^\s*(\$NACL|\$ANSIBLE_VAULT|gAAAAA)/.test(text)) {
    throw keyFileError(path, 'is encrypted; only unencrypted key files are supported');
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw keyFileError(path, 'is not JSON');
  }
  if (!validateKeyFile(parsed)) {
    // ajv's message names the field and the rule, never the value.
    const first = validateKeyFile.errors?.[0];
    throw keyFileError(path, `is malformed: ${first?.instancePath || '/'} ${first?.message ?? ''}`);
  }
  await cryptoWaitReady();
  let pair: KeyringPair;
  try {
    if (parsed.secretSeed !== undefined) pair = keyring().addFromSeed(hexToU8a(parsed.secretSeed));
    else if (parsed.secretPhrase !== undefined) {
      // The keyring would take a short phrase that is not BIP-39 as a raw, zero-padded seed.
      if (!mnemonicValidate(parsed.secretPhrase)) {
        throw keyFileError(path, 'holds a secretPhrase that is not a valid BIP-39 mnemonic');
      }
      pair = keyring().addFromMnemonic(parsed.secretPhrase);
    } else throw keyFileError(path, 'holds neither secretSeed nor secretPhrase');
  } catch (cause) {
    if (cause instanceof KeyError) throw cause;
    throw keyFileError(path, 'holds a secret that is not a valid sr25519 seed or mnemonic');
  }
  if (parsed.ss58Address !== undefined && parsed.ss58Address !== pair.address) {
    const other = keyring().encodeAddress(keyring().decodeAddress(parsed.ss58Address));
    if (other !== pair.address) throw keyFileError(path, 'ss58Address does not match its secret');
  }
  if (
    parsed.publicKey !== undefined &&
    parsed.publicKey.toLowerCase() !== u8aToHex(pair.publicKey)
  ) {
    throw keyFileError(path, 'publicKey does not match its secret');
  }
  return new Signer(pair);
}

/**
 * A signer from either source, as the CLI and the apps take it.
 * @throws {KeyError} KEY_INVALID
 */
export function loadSigner(source: { uri: string } | { file: string }): Promise<Signer> {
  return 'uri' in source ? signerFromUri(source.uri) : signerFromKeyFile(source.file);
}

/**
 * The 32-byte public key of an SS58 address (any network prefix).
 * @throws {KeyError} KEY_INVALID on an address that does not decode
 */
export function publicKeyOf(address: string): Uint8Array {
  try {
    return keyring().decodeAddress(address);
  } catch (cause) {
    throw new KeyError('KEY_INVALID', `${JSON.stringify(address)} is not an SS58 address`, {
      details: { field: 'address' },
      cause,
    });
  }
}

/** An address in the Subtensor SS58 format (42). @throws {KeyError} KEY_INVALID */
export function toSubtensorAddress(address: string | Uint8Array): string {
  return keyring().encodeAddress(typeof address === 'string' ? publicKeyOf(address) : address);
}

let sharedKeyring: Keyring | undefined;
function keyring(): Keyring {
  sharedKeyring ??= new Keyring({ type: 'sr25519', ss58Format: SUBTENSOR_SS58_FORMAT });
  return sharedKeyring;
}

function keyFileError(path: string, message: string, cause?: unknown): KeyError {
  return new KeyError('KEY_INVALID', `key file ${path} ${message}`, {
    details: { file: path },
    cause: cause instanceof Error && 'code' in cause ? cause : undefined,
  });
}
