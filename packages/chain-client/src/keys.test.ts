import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { KeyError } from './errors.js';
import {
  loadSigner,
  publicKeyOf,
  signerFromKeyFile,
  signerFromUri,
  toSubtensorAddress,
} from './keys.js';

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
// The well-known development mnemonic and Alice's mini-secret (the //Alice seed).
const DEV_PHRASE = 'bottom drive obey lake curtain smoke basket hold race lonely fit walk';
const DEV_PHRASE_ADDRESS = '5DfhGyQdFobKM8NsWvEeAKk5EQQgYe9AydgJ7rMB6E1EqRzV';
const ALICE_SEED = '0xe5be9a5092b81bca64be81d212e7f2f9eba183bb7a90954f7b76361f6edb5c0a';

describe('signerFromUri', () => {
  it('derives the development key //Alice', async () => {
    expect((await signerFromUri('//Alice')).address).toBe(ALICE);
  });

  it('refuses an invalid URI without repeating it', async () => {
    const secret = 'one two three four five six seven eight nine ten eleven secretword';
    const error = await signerFromUri(secret).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(KeyError);
    expect(
      JSON.stringify({ message: (error as Error).message, details: (error as KeyError).details }),
    ).not.toMatch(/secretword/);
  });

  it('shows only the address when printed or serialised', async () => {
    const signer = await signerFromUri('//Alice');
    expect(JSON.stringify(signer)).toBe(`{"address":"${ALICE}"}`);
    expect(inspect(signer)).toBe(`Signer(${ALICE})`);
    expect(`${signer}`).toBe(`Signer(${ALICE})`);
  });
});

describe('signerFromKeyFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fold-keys-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function keyFile(name: string, content: string): Promise<string> {
    const path = join(dir, name);
    await writeFile(path, content);
    return path;
  }

  it('reads a key file with a secret seed and a matching address', async () => {
    const path = await keyFile(
      'seed.json',
      JSON.stringify({ secretSeed: ALICE_SEED, ss58Address: ALICE }),
    );
    expect((await signerFromKeyFile(path)).address).toBe(ALICE);
    expect((await loadSigner({ file: path })).address).toBe(ALICE);
  });

  it('reads a key file with a secret phrase', async () => {
    const path = await keyFile('phrase.json', JSON.stringify({ secretPhrase: DEV_PHRASE }));
    expect((await signerFromKeyFile(path)).address).toBe(DEV_PHRASE_ADDRESS);
  });

  it('refuses a key file whose address does not match its secret', async () => {
    const path = await keyFile(
      'mismatch.json',
      JSON.stringify({ secretPhrase: DEV_PHRASE, ss58Address: ALICE }),
    );
    await expect(signerFromKeyFile(path)).rejects.toThrow(/does not match/);
  });

  it.each([
    ['encrypted.json', '$NACL\u0000ciphertext', /encrypted/],
    ['not-json.json', '{secretSeed:', /not JSON/],
    [
      'no-secret.json',
      JSON.stringify({ ss58Address: ALICE }),
      /neither secretSeed nor secretPhrase/,
    ],
    ['bad-seed.json', JSON.stringify({ secretSeed: '0x1234' }), /malformed: \/secretSeed/],
    [
      'not-a-mnemonic.json',
      JSON.stringify({ secretPhrase: 'correct horse battery staple' }),
      /not a valid BIP-39 mnemonic/,
    ],
  ])('refuses %s', async (name, content, message) => {
    const path = await keyFile(name, content);
    await expect(signerFromKeyFile(path)).rejects.toThrow(message);
    await expect(signerFromKeyFile(path)).rejects.toThrow(KeyError);
  });

  it('refuses a file larger than a key file before reading it', async () => {
    const path = await keyFile('big.json', ' '.repeat(70_000));
    await expect(signerFromKeyFile(path)).rejects.toThrow(/bytes, more than a key file/);
  });

  it('refuses a missing file', async () => {
    await expect(signerFromKeyFile(join(dir, 'absent.json'))).rejects.toThrow(/cannot be read/);
  });
});

describe('addresses', () => {
  it('re-encodes any SS58 address in the Subtensor format and refuses garbage', () => {
    const polkadotAlice = '15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5';
    expect(toSubtensorAddress(polkadotAlice)).toBe(ALICE);
    expect(publicKeyOf(ALICE)).toHaveLength(32);
    expect(() => publicKeyOf('5Grwva')).toThrow(KeyError);
  });
});
