import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Codec } from '@polkadot/types/types';
import { execa } from 'execa';
import {
  bootstrapLocalSubnet,
  ChainError,
  checkCalls,
  DispatchError,
  InvalidArgumentError,
  RateLimitedError,
  type Signer,
  signerFromUri,
} from '../src/index.js';
import { accountNonce, signedCalls } from './support/blocks.js';
import { type LocalChain, startLocalChain } from './support/local-chain.js';

const here = dirname(fileURLToPath(import.meta.url));
const tx = () => chain.client.api.tx;
const U16_MAX = 65_535;

let chain: LocalChain;
let netuid: number;
let alice: Signer;
let validator: Signer;
let miner1: Signer;
let miner2: Signer;
let eve: Signer;
const registeredAt = new Map<string, number>();
const servedAt = new Map<string, number>();
const uids = new Map<string, number>();

beforeAll(async () => {
  chain = await startLocalChain();
  alice = await signerFromUri('//Alice');
  validator = await signerFromUri('//Bob');
  miner1 = await signerFromUri('//Charlie');
  miner2 = await signerFromUri('//Dave');
  eve = await signerFromUri('//Eve');
  const result = await bootstrapLocalSubnet(chain.client, {
    owner: '//Alice',
    hotkeys: [],
    tempo: 10,
  });
  netuid = result.netuid;
  // Eve is a second coldkey, for the second miner.
  await chain.client.sudo(tx().balances!.forceSetBalance!(eve.address, 10n ** 13n), alice);
}, 120_000);

afterAll(async () => {
  await chain?.close();
});

describe('a local subnet', () => {
  it('is created by the bootstrap with the hyperparameters of a local network', async () => {
    const hyperparameters = await chain.client.hyperparameters(netuid);
    expect(hyperparameters).toMatchObject({
      netuid,
      tempo: 10,
      weightsRateLimit: 0,
      servingRateLimit: 0,
      commitRevealEnabled: false,
      weightsVersionKey: 0n,
      subnetworkN: 1,
    });
    expect(await chain.client.uidOf(netuid, alice.address)).toBe(0);
  });

  it('registers a validator and two miners with the next uids', async () => {
    for (const [hotkey, coldkey] of [
      [validator, alice],
      [miner1, alice],
      [miner2, eve],
    ] as const) {
      const { uid, inclusion } = await chain.client.register({
        netuid,
        hotkey: hotkey.address,
        coldkey,
      });
      uids.set(hotkey.address, uid);
      registeredAt.set(hotkey.address, inclusion.blockNumber);
    }
    expect([...uids.values()]).toEqual([1, 2, 3]);
    expect(await chain.client.uidOf(netuid, miner2.address)).toBe(3);
  });

  it('refuses a second registration with the runtime error HotKeyAlreadyRegisteredInSubNet', async () => {
    const error = await chain.client
      .register({ netuid, hotkey: miner1.address, coldkey: alice })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DispatchError);
    expect(error).toMatchObject({
      code: 'DISPATCH_FAILED',
      error: 'subtensorModule.HotKeyAlreadyRegisteredInSubNet',
      viaSudo: false,
    });
  });

  it("refuses a registration over the subnet's interval limit in the pool, as a rate limit", async () => {
    await chain.client.sudo(
      tx().adminUtils!.sudoSetTargetRegistrationsPerInterval!(netuid, 1),
      alice,
    );
    const outsider = await signerFromUri('//Ferdie');
    const error = await chain.client
      .register({ netuid, hotkey: outsider.address, coldkey: alice })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({
      error: 'subtensorModule.TooManyRegistrationsThisInterval',
      predicted: false,
    });
    await chain.client.sudo(
      tx().adminUtils!.sudoSetTargetRegistrationsPerInterval!(netuid, 64),
      alice,
    );
  });

  it('reuses the subnet and registers nobody twice when the bootstrap runs again', async () => {
    const again = await bootstrapLocalSubnet(chain.client, {
      owner: '//Alice',
      hotkeys: ['//Bob', '//Charlie', '//Dave'],
      tempo: 10,
    });
    expect(again).toMatchObject({ netuid, created: false, registered: 0 });
    expect(again.uids).toEqual({
      [alice.address]: 0,
      [validator.address]: 1,
      [miner1.address]: 2,
      [miner2.address]: 3,
    });
  });

  it('serves the miners axons at 127.0.0.2 and 127.0.0.3', async () => {
    const first = await chain.client.serveAxon({
      netuid,
      hotkey: miner1,
      ip: '127.0.0.2',
      port: 8091,
      version: 7,
    });
    const second = await chain.client.serveAxon({
      netuid,
      hotkey: miner2,
      ip: '127.0.0.3',
      port: 8092,
      version: 7,
    });
    servedAt.set(miner1.address, first.blockNumber);
    servedAt.set(miner2.address, second.blockNumber);
    expect(second.blockNumber).toBeGreaterThan(first.blockNumber);
  });

  it('reads every neuron field back as the runtime stores it', async () => {
    const metagraph = await chain.client.metagraph(netuid);
    expect(metagraph.blockNumber).toBe(await chain.client.blockNumber());
    expect(metagraph.neurons.map((n) => [n.uid, n.hotkey, n.coldkey])).toEqual([
      [0, alice.address, alice.address],
      [1, validator.address, alice.address],
      [2, miner1.address, alice.address],
      [3, miner2.address, eve.address],
    ]);
    expect(metagraph.neurons[1]!.axon).toBeNull();
    expect(metagraph.neurons[2]!.axon).toEqual({
      ip: '127.0.0.2',
      port: 8091,
      ipType: 4,
      version: 7,
      protocol: 4,
      block: servedAt.get(miner1.address),
    });
    expect(metagraph.neurons[3]!.axon).toMatchObject({ ip: '127.0.0.3', port: 8092 });
    expect(metagraph.neurons[3]!.lastUpdate).toBe(registeredAt.get(miner2.address));

    // Every field against the storage items the runtime API reads, at the same block.
    const api = await chain.client.api.at(metagraph.blockHash);
    const q = api.query.subtensorModule!;
    const vector = async (item: string) =>
      ((await q[item]!(netuid)) as Codec).toPrimitive() as (number | string | boolean)[];
    const [
      active,
      permit,
      lastUpdate,
      rank,
      trust,
      consensus,
      incentive,
      dividends,
      validatorTrust,
      pruning,
      emission,
    ] = await Promise.all(
      [
        'active',
        'validatorPermit',
        'lastUpdate',
        'rank',
        'trust',
        'consensus',
        'incentive',
        'dividends',
        'validatorTrust',
        'pruningScores',
        'emission',
      ].map(vector),
    );
    for (const neuron of metagraph.neurons) {
      const { uid } = neuron;
      expect((await q.keys!(netuid, uid)).toString()).toBe(neuron.hotkey);
      expect((await q.owner!(neuron.hotkey)).toString()).toBe(neuron.coldkey);
      const stake = ((await q.totalHotkeyAlpha!(neuron.hotkey, netuid)) as Codec).toPrimitive();
      expect(neuron.stakeRao).toBe(BigInt(stake as number));
      const axon = ((await q.axons!(netuid, neuron.hotkey)) as Codec).toPrimitive() as {
        port: number;
        block: number;
      } | null;
      expect(neuron.axon?.port ?? 0).toBe(axon?.port ?? 0);
      expect(neuron.axon?.block ?? 0).toBe(axon?.block ?? 0);
      expect(neuron.active).toBe(active![uid]);
      expect(neuron.validatorPermit).toBe(permit![uid]);
      expect(neuron.lastUpdate).toBe(Number(lastUpdate![uid]));
      expect(neuron.rank).toBe(Number(rank![uid] ?? 0) / U16_MAX);
      expect(neuron.trust).toBe(Number(trust![uid] ?? 0) / U16_MAX);
      expect(neuron.consensus).toBe(Number(consensus![uid] ?? 0) / U16_MAX);
      expect(neuron.incentive).toBe(Number(incentive![uid] ?? 0) / U16_MAX);
      expect(neuron.dividends).toBe(Number(dividends![uid] ?? 0) / U16_MAX);
      expect(neuron.validatorTrust).toBe(Number(validatorTrust![uid] ?? 0) / U16_MAX);
      expect(neuron.pruningScore).toBe(Number(pruning![uid] ?? 0) / U16_MAX);
      expect(neuron.emissionRao).toBe(BigInt(emission![uid] ?? 0));
    }
  });

  it('caches the metagraph per block', async () => {
    const first = await chain.client.metagraph(netuid);
    expect(await chain.client.metagraph(netuid)).toBe(first);
    await chain.newBlocks(1);
    const next = await chain.client.metagraph(netuid);
    expect(next).not.toBe(first);
    expect(next.blockNumber).toBe(first.blockNumber + 1);
  });

  it('sets weights and reads them back max-normalised to 65535', async () => {
    const result = await chain.client.setWeights({
      netuid,
      hotkey: validator,
      uids: [2, 3],
      weights: [40_000, 10_000],
    });
    expect(result.mode).toBe('set');
    // 10000 × 65535 / 40000 = 16383.75, rounded by the runtime.
    expect(await chain.client.weights(netuid, 1)).toEqual({
      uids: [2, 3],
      weights: [65_535, 16_384],
    });
    const metagraph = await chain.client.metagraph(netuid);
    expect(metagraph.neurons[1]!.lastUpdate).toBe(result.inclusion.blockNumber);
  });

  it('checks weights before submitting them', async () => {
    const nonce = await accountNonce(chain.client.api, validator.address);
    await expect(
      chain.client.setWeights({ netuid, hotkey: validator, uids: [2, 4], weights: [1, 1] }),
    ).rejects.toThrow(/not on a subnet of 4 neurons/);
    await expect(
      chain.client.setWeights({ netuid, hotkey: validator, uids: [2, 2], weights: [1, 1] }),
    ).rejects.toThrow(InvalidArgumentError);
    const outsider = await signerFromUri('//Ferdie');
    await expect(
      chain.client.setWeights({ netuid, hotkey: outsider, uids: [2], weights: [1] }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    expect(await accountNonce(chain.client.api, validator.address)).toBe(nonce);
  });

  it('refuses weights within the rate limit without submitting, naming the block they pass', async () => {
    await chain.client.sudo(tx().adminUtils!.sudoSetWeightsSetRateLimit!(netuid, 100), alice);
    const lastUpdate = (await chain.client.metagraph(netuid)).neurons[1]!.lastUpdate;
    const nonce = await accountNonce(chain.client.api, validator.address);
    const error = await chain.client
      .setWeights({ netuid, hotkey: validator, uids: [2], weights: [1] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({
      code: 'RATE_LIMITED',
      error: 'subtensorModule.SettingWeightsTooFast',
      predicted: true,
      allowedAtBlock: lastUpdate + 100,
    });
    expect(await accountNonce(chain.client.api, validator.address)).toBe(nonce);
  });

  it("turns the runtime's own rate-limit error into a RateLimitedError", async () => {
    const call = tx().subtensorModule!.setWeights!(netuid, [2], [1], 0);
    const error = await chain.client.submit(call, validator).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({
      error: 'subtensorModule.SettingWeightsTooFast',
      predicted: false,
    });
    await chain.client.sudo(tx().adminUtils!.sudoSetWeightsSetRateLimit!(netuid, 0), alice);
  });

  it('refuses to serve again within the serving rate limit, naming the block it passes', async () => {
    await chain.client.sudo(tx().adminUtils!.sudoSetServingRateLimit!(netuid, 50), alice);
    const error = await chain.client
      .serveAxon({ netuid, hotkey: miner1, ip: '127.0.0.2', port: 8093 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({
      name: 'RateLimitedError',
      error: 'subtensorModule.ServingRateLimitExceeded',
      allowedAtBlock: servedAt.get(miner1.address)! + 50,
    });
    const runtime = await chain.client
      .submit(tx().subtensorModule!.serveAxon!(netuid, 0, 0x7f000002, 8093, 4, 4, 0, 0), miner1)
      .catch((e: unknown) => e);
    expect(runtime).toMatchObject({
      name: 'RateLimitedError',
      error: 'subtensorModule.ServingRateLimitExceeded',
      predicted: false,
    });
    await chain.client.sudo(tx().adminUtils!.sudoSetServingRateLimit!(netuid, 0), alice);
  });

  it('reports an axon at 127.0.0.1 with the runtime error InvalidIpAddress', async () => {
    const error = await chain.client
      .serveAxon({ netuid, hotkey: validator, ip: '127.0.0.1', port: 8090 })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DispatchError);
    expect(error).toMatchObject({
      error: 'subtensorModule.InvalidIpAddress',
      section: 'subtensorModule',
    });
    expect((error as DispatchError).docs).toMatch(/invalid IP address/i);
  });

  it('reports a refused call inside sudo with its inner error', async () => {
    const error = await chain.client
      .sudo(tx().adminUtils!.sudoSetTempo!(999, 10), alice)
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DispatchError);
    expect(error).toMatchObject({ error: 'adminUtils.SubnetDoesNotExist', viaSudo: true });
  });

  it('reports sudo from a key that is not the sudo key as sudo.RequireSudo', async () => {
    const error = await chain.client
      .sudo(tx().adminUtils!.sudoSetTempo!(netuid, 10), validator)
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ error: 'sudo.RequireSudo', viaSudo: false });
  });

  it('gives two extrinsics of one signer sent at once consecutive nonces, one after the other', async () => {
    const nonce = await accountNonce(chain.client.api, miner1.address);
    const [a, b] = await Promise.all([
      chain.client.serveAxon({ netuid, hotkey: miner1, ip: '127.0.0.2', port: 9001 }),
      chain.client.serveAxon({ netuid, hotkey: miner1, ip: '127.0.0.2', port: 9002 }),
    ]);
    expect([a.nonce, b.nonce]).toEqual([nonce, nonce + 1]);
    expect(b.blockNumber).toBeGreaterThan(a.blockNumber);
    expect(
      await signedCalls(chain.client.api, miner1.address, a.blockNumber, b.blockNumber),
    ).toEqual(['subtensorModule.serveAxon', 'subtensorModule.serveAxon']);
  });

  it('finds every call it makes in the runtime metadata with the arguments it passes', () => {
    expect(() => checkCalls(chain.client.api)).not.toThrow();
  });

  it('reports a subnet that does not exist as NOT_FOUND', async () => {
    await expect(chain.client.metagraph(999)).rejects.toThrow(ChainError);
    await expect(chain.client.hyperparameters(999)).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('fold-chain', () => {
  const cli = resolve(here, '..', 'src', 'cli.ts');
  const run = (args: string[]) =>
    execa(process.execPath, ['--import', 'tsx', cli, '--endpoint', chain.node.endpoint, ...args], {
      reject: false,
      timeout: 60_000,
    });

  it('prints help with an example', async () => {
    const result = await execa(process.execPath, ['--import', 'tsx', cli, '--help'], {
      reject: false,
    });
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/Example:\n {2}fold-chain-node start/);
    expect(result.stdout).toMatch(/metagraph/);
  });

  it('prints the metagraph as a table and as JSON', async () => {
    const table = await run(['metagraph', '--netuid', String(netuid)]);
    expect(table.exitCode).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`subnet ${netuid} at block #\\d+: 4 neurons`));
    expect(table.stdout).toMatch(/127\.0\.0\.3:8092/);
    const json = await run(['--json', 'metagraph', '--netuid', String(netuid)]);
    const parsed = JSON.parse(json.stdout) as { neurons: { hotkey: string; stakeRao: string }[] };
    expect(parsed.neurons.map((n) => n.hotkey)).toEqual([
      alice.address,
      validator.address,
      miner1.address,
      miner2.address,
    ]);
    expect(typeof parsed.neurons[0]!.stakeRao).toBe('string');
  });

  it('sets weights from fractions', async () => {
    const result = await run([
      'set-weights',
      '--netuid',
      String(netuid),
      '--hotkey',
      '//Bob',
      '--uids',
      '2,3',
      '--weights',
      '0.25,1',
    ]);
    expect(result.stderr).toBe('');
    expect(result.stdout).toMatch(/set weights for 2 uids/);
    expect(await chain.client.weights(netuid, 1)).toEqual({
      uids: [2, 3],
      weights: [16_384, 65_535],
    });
  });

  it('exits with 1 and the error code on a chain error, 2 on a usage error', async () => {
    const missing = await run(['metagraph', '--netuid', '999']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/subnet 999 does not exist \[NOT_FOUND\]/);
    const usage = await run([
      'serve',
      '--netuid',
      String(netuid),
      '--ip',
      '127.0.0.2',
      '--port',
      '8091',
    ]);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toMatch(/exactly one of --hotkey and --hotkey-file/);
  });
});
