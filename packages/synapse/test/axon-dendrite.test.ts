import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Keyring } from '@polkadot/keyring';
import type { KeyringPair } from '@polkadot/keyring/types';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { MemoryMiner } from '../examples/memory-miner.js';
import {
  Axon,
  type AxonErrorEvent,
  type AxonTarget,
  Dendrite,
  encodeBundleBase64,
  FoldArtefacts,
  FoldAssign,
  FoldCancel,
  FoldProgress,
  resolveBundle,
  sha256Hex,
  verifyFrameCommitment,
} from '../src/index.js';

const text = (s: string) => new TextEncoder().encode(s);
const inputs = [
  {
    name: 'em.gro',
    bytes: text('Trp-cage\n  3\n    1ASN      N    1   1.0   1.0   1.0\n'.repeat(50)),
  },
  {
    name: 'topol.top',
    bytes: text('#include "charmm27.ff/forcefield.itp"\n[ molecules ]\nProtein 1\n'),
  },
  { name: 'posre.itp', bytes: text('[ position_restraints ]\n1 1 1000 1000 1000\n'.repeat(30)) },
];
const stageOutputs = {
  tpr: { name: 'nvt.tpr', bytes: text('tpr'.repeat(5000)) },
  edr: { name: 'nvt.edr', bytes: text('edr'.repeat(300)) },
  log: { name: 'nvt.log', bytes: text('Step Time\n 500 1.0\n'.repeat(400)) },
};
const frame = { name: 'nvt-500.trr', bytes: text('x v box '.repeat(2000)) };

function assignRequest(jobId: string) {
  return {
    job_id: jobId,
    protein_id: '1l2y',
    input_bundle: encodeBundleBase64(inputs),
    params: {
      nvt: { integrator: 'md', nsteps: 500, dt: 0.002, 'ref-t': [300, 300], 'gen-vel': true },
    },
    seed: 7,
    deadline_unix_ms: Date.now() + 3_600_000,
  };
}

let alice: KeyringPair;
let bob: KeyringPair;
let charlie: KeyringPair;
let axon: Axon;
let target: AxonTarget;
let miner: MemoryMiner;
let dendrite: Dendrite;
const errors: AxonErrorEvent[] = [];

beforeAll(async () => {
  await cryptoWaitReady();
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  alice = keyring.addFromUri('//Alice');
  bob = keyring.addFromUri('//Bob');
  charlie = keyring.addFromUri('//Charlie');
  axon = new Axon({
    keypair: bob,
    blacklist: ({ hotkey }) =>
      hotkey === charlie.address
        ? { blacklisted: true, reason: 'not a registered validator' }
        : { blacklisted: false },
    onError: (event) => errors.push(event),
  });
  miner = new MemoryMiner(bob.address, 4);
  miner.attachTo(axon);
  target = await axon.start();
  dendrite = new Dendrite({ keypair: alice });
});

afterAll(async () => {
  dendrite.close();
  await axon.stop();
});

describe('a dendrite calling an axon on loopback', () => {
  it('assigns a job whose input bundle reaches the handler decoded', async () => {
    const result = await dendrite.call(target, FoldAssign, assignRequest('job-a'));
    expect(result).toMatchObject({ ok: true, statusCode: 200, statusMessage: 'Success' });
    expect(result.ok && result.response).toEqual({
      accepted: true,
      reject_reason: null,
      free_slots: 3,
    });
    const job = miner.jobs.get('job-a');
    expect(job?.validatorHotkey).toBe(alice.address);
    expect(job?.inputs.map((f) => [f.name, sha256Hex(f.bytes)])).toEqual(
      inputs.map((f) => [f.name, sha256Hex(f.bytes)]),
    );
    expect(result.axon).toMatchObject({ hotkey: bob.address, statusCode: 200, uuid: axon.uuid });
  });

  it('answers a repeated progress query with the compact unchanged marker', async () => {
    miner.update('job-a', {
      state: 'running',
      stage: 'nvt',
      step: 500,
      simulatedTimePs: 1,
      nsPerDay: 120,
      outputs: stageOutputs,
      frame: { file: frame, step: 500, energyKjMol: -41_234.5 },
    });
    const first = await dendrite.call(target, FoldProgress, { jobs: { 'job-a': '', 'job-x': '' } });
    if (!first.ok) throw first.error;
    const report = first.response.progress['job-a'];
    expect(report).toMatchObject({
      state: 'running',
      stage: 'nvt',
      step: 500,
      best_potential_energy_kj_mol: -41_234.5,
      best_step: 500,
    });
    expect(first.response.unknown).toEqual(['job-x']);
    const again = await dendrite.call(target, FoldProgress, {
      jobs: { 'job-a': report?.etag ?? '' },
    });
    if (!again.ok) throw again.error;
    expect(again.response).toEqual({
      progress: {},
      unchanged: ['job-a'],
      unknown: [],
      free_slots: 3,
      total_slots: 4,
    });
    expect(again.bytesSent + again.bytesReceived).toBeLessThan(2_500);
  });

  it('fetches the artefacts of the best frame, the held tpr travelling as its hash', async () => {
    const progress = await dendrite.call(target, FoldProgress, { jobs: { 'job-a': '' } });
    if (!progress.ok) throw progress.error;
    const commitment = progress.response.progress['job-a']?.best_commitment ?? '';
    const result = await dendrite.call(target, FoldArtefacts, {
      job_id: 'job-a',
      stage: 'nvt',
      step: 500,
      want: ['frame', 'edr', 'log', 'tpr'],
      held_sha256: [sha256Hex(stageOutputs.tpr.bytes)],
    });
    if (!result.ok) throw result.error;
    expect(result.response.files).toEqual({
      frame: frame.name,
      edr: 'nvt.edr',
      log: 'nvt.log',
      tpr: 'nvt.tpr',
    });
    const bundle = result.bundles.bundle;
    expect(bundle?.entries.map((e) => [e.name, e.method === 'reference'])).toEqual([
      [frame.name, false],
      ['nvt.edr', false],
      ['nvt.log', false],
      ['nvt.tpr', true],
    ]);
    const files = resolveBundle(
      bundle ?? { entries: [], encodedBytes: 0 },
      () => stageOutputs.tpr.bytes,
    );
    const frameBytes = files.find((f) => f.name === frame.name)?.bytes ?? new Uint8Array();
    expect(result.response.commitment).toBe(commitment);
    expect(
      verifyFrameCommitment(commitment, { jobId: 'job-a', minerHotkey: bob.address, frameBytes }),
    ).toBe(true);
  });

  it('cancels a job and frees its slot', async () => {
    const result = await dendrite.call(target, FoldCancel, {
      job_id: 'job-a',
      reason: 'superseded',
    });
    expect(result.ok && result.response).toEqual({
      cancelled: true,
      state: 'cancelled',
      free_slots: 4,
    });
  });

  it('refuses a blacklisted hotkey with 403 and the hook reason', async () => {
    const outsider = new Dendrite({ keypair: charlie });
    const result = await outsider.call(target, FoldCancel, { job_id: 'job-a', reason: 'other' });
    outsider.close();
    expect(result).toMatchObject({
      ok: false,
      statusCode: 403,
      statusMessage: 'Forbidden. Key is blacklisted: not a registered validator.',
    });
  });

  it('fails a call signed for another axon hotkey with 401', async () => {
    const result = await dendrite.call({ ...target, hotkey: charlie.address }, FoldCancel, {
      job_id: 'job-a',
      reason: 'other',
    });
    expect(result).toMatchObject({ ok: false, statusCode: 401 });
    expect(!result.ok && result.error.code).toBe('AXON_STATUS');
    expect(result.statusMessage).toMatch(
      /^Not Verified with error: Request was signed for axon hotkey/,
    );
  });

  it('reports an unreachable axon as 503 and a slow one as 408, as the SDK dendrite does', async () => {
    const stopped = new Axon({ keypair: bob });
    const info = await stopped.start();
    await stopped.stop();
    const unreachable = await dendrite.call(info, FoldCancel, { job_id: 'j', reason: 'other' });
    expect(unreachable).toMatchObject({ ok: false, statusCode: 503 });
    // Nothing reached a peer that was not there.
    expect({ sent: unreachable.bytesSent, received: unreachable.bytesReceived }).toEqual({
      sent: 0,
      received: 0,
    });
    expect(unreachable.statusMessage).toMatch(
      /^Service unavailable at 127\.0\.0\.1:\d+\/FoldCancel$/,
    );

    const slow = new Axon({ keypair: bob });
    slow.attach(FoldCancel, () => new Promise(() => undefined));
    const slowTarget = await slow.start();
    const result = await dendrite.call(
      slowTarget,
      FoldCancel,
      { job_id: 'j', reason: 'other' },
      { timeoutMs: 300 },
    );
    await slow.stop(100);
    expect(result).toMatchObject({
      ok: false,
      statusCode: 408,
      statusMessage: 'Request timeout after 0.3 seconds',
    });
  });

  it('answers 500 with an error id when a handler throws, and reports the error', async () => {
    const failing = new Axon({ keypair: bob, onError: (event) => errors.push(event) });
    failing.attach(FoldCancel, () => {
      throw new Error('disk full');
    });
    const info = await failing.start();
    const result = await dendrite.call(info, FoldCancel, { job_id: 'j', reason: 'other' });
    await failing.stop();
    expect(result).toMatchObject({ ok: false, statusCode: 500 });
    expect(result.statusMessage).toMatch(/^Internal Server Error #[0-9a-f-]{36}$/);
    const reported = errors.at(-1);
    expect(reported?.statusCode).toBe(500);
    expect(reported?.error).toBeInstanceOf(Error);
    expect((reported?.error as Error | undefined)?.cause).toEqual(new Error('disk full'));
  });

  it('answers 503 when every handler slot is busy and the queue is full', async () => {
    const busy = new Axon({ keypair: bob, maxConcurrent: 1, maxQueued: 0 });
    let release: () => void = () => undefined;
    let entered: () => void = () => undefined;
    const handlerEntered = new Promise<void>((resolve) => {
      entered = resolve;
    });
    busy.attach(
      FoldCancel,
      () =>
        new Promise((resolve) => {
          release = () => resolve({ cancelled: false, state: null, free_slots: 0 });
          entered();
        }),
    );
    const info = await busy.start();
    const first = dendrite.call(info, FoldCancel, { job_id: 'j', reason: 'other' });
    await handlerEntered;
    const second = await dendrite.call(info, FoldCancel, { job_id: 'k', reason: 'other' });
    release();
    expect(second).toMatchObject({ ok: false, statusCode: 503 });
    expect((await first).ok).toBe(true);
    await busy.stop();
  });

  it('stops cleanly: a running handler is aborted and its caller gets 503', async () => {
    const stopping = new Axon({ keypair: bob });
    let aborted = false;
    let entered: () => void = () => undefined;
    const handlerEntered = new Promise<void>((resolve) => {
      entered = resolve;
    });
    stopping.attach(
      FoldCancel,
      (_request, { signal }) =>
        new Promise((_resolve, reject) => {
          signal.addEventListener('abort', () => {
            aborted = true;
            reject(signal.reason);
          });
          entered();
        }),
    );
    const info = await stopping.start();
    const pending = dendrite.call(info, FoldCancel, { job_id: 'j', reason: 'other' });
    await handlerEntered;
    const started = performance.now();
    await stopping.stop();
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(aborted).toBe(true);
    expect(await pending).toMatchObject({
      ok: false,
      statusCode: 503,
      statusMessage: 'Service unavailable: the axon is stopping',
    });
  });

  it('throws before sending when the request breaks its schema', async () => {
    await expect(
      dendrite.call(target, FoldCancel, { job_id: '../etc', reason: 'other' }),
    ).rejects.toThrow(/job_id must match pattern/);
  });
});
