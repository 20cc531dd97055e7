import { randomBytes } from 'node:crypto';
import { brotliCompressSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import msgpack from 'msgpack-lite';
import { MemoryMiner } from '../examples/memory-miner.js';
import {
  Axon,
  type AxonErrorEvent,
  type AxonInfo,
  Dendrite,
  encodeBundleBase64,
  FoldAssign,
  FoldProgress,
  verifySignature,
} from '../src/index.js';
import { type RawResponse, sendRaw, signedRequest } from './raw-request.js';

let alice: KeyringPair;
let bob: KeyringPair;
let charlie: KeyringPair;
let axon: Axon;
let info: AxonInfo;
let dendrite: Dendrite;
const errors: AxonErrorEvent[] = [];
let jobCounter = 0;

const text = (s: string) => new TextEncoder().encode(s);
const codec = msgpack.createCodec({ preset: false });

/** A bundle written by hand, as a hostile peer would, bypassing the encoder's checks. */
function handMadeBundle(records: unknown[]): string {
  return Buffer.from(msgpack.encode(['fold-bundle', 1, records], { codec })).toString('base64');
}

function assignBody(inputBundle: string, extra: Record<string, unknown> = {}): string {
  jobCounter++;
  return JSON.stringify({
    job_id: `job-${jobCounter}`,
    protein_id: '1l2y',
    input_bundle: inputBundle,
    params: { nvt: { nsteps: 500, dt: 0.002 } },
    seed: 1,
    deadline_unix_ms: Date.now() + 3_600_000,
    ...extra,
  });
}

const goodBundle = () => encodeBundleBase64([{ name: 'em.gro', bytes: text('gro\n') }]);

function signed(body: string, parts: Partial<Parameters<typeof signedRequest>[0]> = {}) {
  return signedRequest({
    dendrite: alice,
    axonHotkey: bob.address,
    axonPort: info.port,
    body,
    definition: FoldAssign,
    ...parts,
  });
}

/** The axon still serves a well-formed request after the hostile one. */
async function expectStillServing(): Promise<void> {
  const result = await dendrite.call(info, FoldProgress, { jobs: { 'job-none': '' } });
  expect(result.ok && result.response.unknown).toEqual(['job-none']);
}

function expectStatus(response: RawResponse, status: number, message?: RegExp): void {
  expect({ status: response.status, header: response.headers.bt_header_axon_status_code }).toEqual({
    status,
    header: String(status),
  });
  if (message !== undefined)
    expect(response.headers.bt_header_axon_status_message).toMatch(message);
}

beforeAll(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
  charlie = keyring.addFromUri('//Charlie');
  axon = new Axon({ keypair: bob, onError: (event) => errors.push(event) });
  new MemoryMiner(bob.address, 1000).attachTo(axon);
  info = await axon.start();
  dendrite = new Dendrite({ keypair: alice });
});

afterAll(async () => {
  dendrite.close();
  await axon.stop();
});

describe('hostile requests get the right status and the axon keeps serving', () => {
  it('accepts the well-formed request the hostile ones are variations of', async () => {
    const response = await sendRaw(info.port, signed(assignBody(goodBundle())));
    expectStatus(response, 200, /^Success$/);
    expect(JSON.parse(response.body)).toMatchObject({ accepted: true });
  });

  it('a bad signature: 401', async () => {
    const request = signed(assignBody(goodBundle()));
    const signature = request.headers.bt_header_dendrite_signature ?? '';
    const flipped = `${signature.slice(0, -2)}${signature.endsWith('00') ? '01' : '00'}`;
    const response = await sendRaw(info.port, {
      ...request,
      headers: { ...request.headers, bt_header_dendrite_signature: flipped },
    });
    expectStatus(response, 401, /^Not Verified with error: Signature mismatch with /);
    await expectStillServing();
  });

  it('a signature by another hotkey than the one claimed: 401', async () => {
    const request = signed(assignBody(goodBundle()), { dendrite: charlie });
    const response = await sendRaw(info.port, {
      ...request,
      headers: { ...request.headers, bt_header_dendrite_hotkey: alice.address },
    });
    expectStatus(response, 401, /Signature mismatch/);
    await expectStillServing();
  });

  it('a request addressed to another axon hotkey: 401', async () => {
    const response = await sendRaw(
      info.port,
      signed(assignBody(goodBundle()), { signedForHotkey: charlie.address }),
    );
    expectStatus(response, 401, /Request was signed for axon hotkey 5FLSigC9/);
    await expectStillServing();
  });

  it('a request signed for another axon but claiming this one: 401', async () => {
    const request = signed(assignBody(goodBundle()), { signedForHotkey: charlie.address });
    const response = await sendRaw(info.port, {
      ...request,
      headers: { ...request.headers, bt_header_axon_hotkey: bob.address },
    });
    expectStatus(response, 401, /Signature mismatch/);
    await expectStillServing();
  });

  it('a replayed request (same nonce, hotkey and uuid): 401', async () => {
    const request = signed(assignBody(goodBundle()));
    expectStatus(await sendRaw(info.port, request), 200);
    const replay = await sendRaw(info.port, request);
    expectStatus(replay, 401, /Nonce is too old, a newer one was last processed$/);
    await expectStillServing();
  });

  it('a stale nonce on first sight: 401', async () => {
    const nonce = (BigInt(Date.now()) - 60_000n) * 1_000_000n;
    const response = await sendRaw(info.port, signed(assignBody(goodBundle()), { nonce }));
    expectStatus(
      response,
      401,
      /Nonce is too old: acceptable delta is 16\.00 seconds but request was 60\.\d\d seconds old/,
    );
    await expectStillServing();
  });

  it('a stale nonce claiming a huge timeout to widen its window: 401', async () => {
    const nonce = (BigInt(Date.now()) - 3_600_000n) * 1_000_000n;
    const response = await sendRaw(
      info.port,
      signed(assignBody(goodBundle()), { nonce, timeoutS: '1e9' }),
    );
    expectStatus(response, 401, /acceptable delta is 64\.00 seconds/);
    await expectStillServing();
  });

  it('a body declared larger than the limit: 413 before the body is read', async () => {
    const request = signed('{}', { definition: FoldProgress });
    const response = await sendRaw(info.port, {
      ...request,
      headers: { ...request.headers, 'content-length': String(100 * 1024 * 1024) },
      body: Buffer.alloc(64 * 1024, 0x20),
      stall: true,
    });
    expectStatus(
      response,
      413,
      /FoldProgress request body of 104857600 bytes exceeds the limit of 65536 bytes/,
    );
    expect(response.headers.connection).toBe('close');
    await expectStillServing();
  });

  it('a chunked body that grows past the limit: 413 once the limit is crossed', async () => {
    const request = signed('{}', { definition: FoldProgress });
    const { 'content-length': _dropped, ...headers } = request.headers;
    const chunk = Buffer.alloc(32 * 1024, 0x20);
    const chunked = Buffer.concat([
      Buffer.from(`${chunk.length.toString(16)}\r\n`),
      chunk,
      Buffer.from('\r\n'),
    ]);
    const response = await sendRaw(info.port, {
      ...request,
      headers: { ...headers, 'transfer-encoding': 'chunked' },
      body: Buffer.concat([chunked, chunked, chunked]),
      stall: true,
    });
    expectStatus(response, 413, /exceeds the limit of 65536 bytes/);
    await expectStillServing();
  });

  it('a decompression bomb in the input bundle: 413 without expanding it', async () => {
    const body = new Uint8Array(64 * 1024 * 1024);
    body.set(randomBytes(64 * 1024));
    const bomb = brotliCompressSync(body);
    const lying = handMadeBundle([['em.gro', 1024 * 1024, Buffer.alloc(32), 2, bomb]]);
    const honest = handMadeBundle([['em.gro', body.length, Buffer.alloc(32), 2, bomb]]);
    const lyingResponse = await sendRaw(info.port, signed(assignBody(lying)));
    expectStatus(
      lyingResponse,
      413,
      /decompresses beyond its declared 1048576 bytes: rejected as a decompression bomb/,
    );
    const honestResponse = await sendRaw(info.port, signed(assignBody(honest)));
    expectStatus(
      honestResponse,
      413,
      /a ratio above the limit of 64: rejected as a decompression bomb/,
    );
    await expectStillServing();
  });

  it.each([
    ['a traversal file name', '../../.ssh/authorized_keys.itp', /contains a path separator/],
    ['an absolute file name', '/etc/cron.d/fold.gro', /contains a path separator/],
    ['a dot-dot file name', '..gro', /contains '\.\.'/],
    ['a file type outside the allowlist', 'run.sh', /does not end in one of/],
  ])('%s in the input bundle: 422', async (_what, name, reason) => {
    const bundle = handMadeBundle([[name, 1, Buffer.alloc(32), 1, Buffer.from('x')]]);
    const response = await sendRaw(info.port, signed(assignBody(bundle)));
    expectStatus(response, 422, reason);
    await expectStillServing();
  });

  it('an unknown synapse: 404 naming the ones served', async () => {
    const request = signed(assignBody(goodBundle()));
    const response = await sendRaw(info.port, { ...request, path: '/Forward' });
    expectStatus(
      response,
      404,
      /^Synapse name 'Forward' not found\. Available synapses \['FoldAssign', /,
    );
    const traversal = await sendRaw(info.port, { ...request, path: '/../../etc/passwd' });
    expectStatus(traversal, 404);
    await expectStillServing();
  });

  it('malformed JSON: 400', async () => {
    const body = '{"job_id": "j", "seed": 1,,}';
    const response = await sendRaw(info.port, signed(body, { bodyHash: 'a'.repeat(64) }));
    expectStatus(response, 400, /^Malformed JSON body: /);
    await expectStillServing();
  });

  it('a body that does not match its signed hash: 400', async () => {
    const request = signed(assignBody(goodBundle()));
    const tampered = String(request.body).replace('"seed":1', '"seed":2');
    const response = await sendRaw(info.port, { ...request, body: tampered });
    expectStatus(
      response,
      400,
      /^Hash mismatch between header body hash [0-9a-f]{64} and parsed body hash [0-9a-f]{64}$/,
    );
    await expectStillServing();
  });

  it.each([
    [
      'an mdp option smuggling an argument',
      { params: { nvt: { 'mdrun-args': '-deffnm /tmp/x' } } },
      /not allowed: "mdrun-args"/,
    ],
    [
      'an mdp value with a newline',
      { params: { nvt: { integrator: 'md\ninclude = /etc' } } },
      /integrator must be one of/,
    ],
    ['a seed out of range', { seed: 2 ** 40 }, /seed must be <= 2147483647/],
    ['an extra top-level field', { mdrun_args: '; rm -rf /' }, /not allowed: "mdrun_args"/],
    ['a value in a response field', { accepted: true }, /accepted must be null/],
  ])('a schema violation (%s): 422', async (_what, extra, reason) => {
    const response = await sendRaw(info.port, signed(assignBody(goodBundle(), extra)));
    expectStatus(response, 422, reason);
    await expectStillServing();
  });

  it('a client that sends its headers and stalls: 408 after its timeout', async () => {
    const request = signed(assignBody(goodBundle()), { timeoutS: '0.5' });
    const response = await sendRaw(info.port, {
      ...request,
      body: String(request.body).slice(0, 20),
      stall: true,
    });
    expectStatus(response, 408, /^Response timeout after: 0\.5s$/);
    expect(response.elapsedMs).toBeGreaterThanOrEqual(450);
    expect(response.elapsedMs).toBeLessThan(3_000);
    await expectStillServing();
  });

  it('a request without a signature: 400 (the SDK would let it through)', async () => {
    const { bt_header_dendrite_signature: _dropped, ...headers } = signed(
      assignBody(goodBundle()),
    ).headers;
    const response = await sendRaw(info.port, { ...signed(assignBody(goodBundle())), headers });
    expectStatus(response, 400, /header bt_header_dendrite_signature is missing/);
    await expectStillServing();
  });

  it('signs every verified answer, error answers included, with the axon hotkey', async () => {
    const request = signed(assignBody(goodBundle(), { seed: -5 }));
    const response = await sendRaw(info.port, request);
    expectStatus(response, 422);
    const h = response.headers;
    const message = `${h.bt_header_axon_nonce}.${alice.address}.${bob.address}.${h.bt_header_axon_uuid}`;
    expect(verifySignature(message, h.bt_header_axon_signature ?? '', bob.address)).toBe(true);
  });
});
