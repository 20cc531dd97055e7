import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { MemoryMiner } from '../examples/memory-miner.js';
import { Axon, type AxonInfo, FoldCancel, FoldProgress, verifySignature } from '../src/index.js';
import { sendRaw, signedRequest } from './raw-request.js';

interface HashCase {
  readonly synapse: string;
  readonly sdk_body: string;
  readonly body_hash: string;
}

const fixtures = JSON.parse(
  readFileSync(new URL('./fixtures/body-hash.json', import.meta.url), 'utf8'),
) as { readonly cases: readonly HashCase[] };

function fixture(synapse: string): HashCase {
  const found = fixtures.cases.find((c) => c.synapse === synapse);
  if (found === undefined) throw new Error(`no fixture for ${synapse}`);
  return found;
}

let alice: KeyringPair;
let bob: KeyringPair;
let axon: Axon;
let info: AxonInfo;

beforeAll(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
  axon = new Axon({ keypair: bob });
  new MemoryMiner(bob.address, 2).attachTo(axon);
  info = await axon.start();
});

afterAll(async () => {
  await axon.stop();
});

describe('a request built as the Python SDK dendrite builds it', () => {
  it.each([
    [
      'FoldProgress',
      FoldProgress,
      { progress: {}, unchanged: [], unknown: expect.arrayContaining(['job-b', '10', 'job-a']) },
    ],
    ['FoldCancel', FoldCancel, { cancelled: false, state: null }],
  ] as const)(
    '%s: the Python body and its Python-computed hash are accepted',
    async (name, definition, expected) => {
      const c = fixture(name);
      const request = signedRequest({
        dendrite: alice,
        axonHotkey: bob.address,
        axonPort: info.port,
        body: c.sdk_body,
        definition,
        // The hash exactly as Python computed it, not as this package would.
        bodyHash: c.body_hash,
        uuid: '5ecbd69c-1cec-11ee-b0dc-e29ce36fec1a',
      });
      const headers = { ...request.headers, bt_header_input_obj_job_id: 'IiI=' };
      const response = await sendRaw(info.port, { ...request, headers });
      expect(response.status).toBe(200);
      expect(response.headers).toMatchObject({
        bt_header_axon_status_code: '200',
        bt_header_axon_status_message: 'Success',
        bt_header_axon_hotkey: bob.address,
        name,
      });
      expect(Number(response.headers.bt_header_axon_process_time)).toBeGreaterThan(0);
      expect(JSON.parse(response.body)).toMatchObject(expected);
      const h = response.headers;
      const signed = `${h.bt_header_axon_nonce}.${alice.address}.${bob.address}.${h.bt_header_axon_uuid}`;
      expect(verifySignature(signed, h.bt_header_axon_signature ?? '', bob.address)).toBe(true);
    },
  );

  it('is refused when the same Python body is sent with a hash computed any other way', async () => {
    const c = fixture('FoldProgress');
    const request = signedRequest({
      dendrite: alice,
      axonHotkey: bob.address,
      axonPort: info.port,
      body: c.sdk_body,
      definition: FoldProgress,
      bodyHash: c.body_hash.replace(/^./, (d) => (d === '0' ? '1' : '0')),
    });
    const response = await sendRaw(info.port, request);
    expect(response.status).toBe(400);
    expect(response.headers.bt_header_axon_status_message).toMatch(/^Hash mismatch/);
  });
});
