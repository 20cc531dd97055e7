import { bootstrapLocalSubnet, ChainClient, loadSigner, type Signer } from '@fold/chain-client';
import {
  type ChopsticksNode,
  chopsticksNewBlocks,
  type RedisServerHandle,
  startChopsticks,
} from '@fold/devkit';
import { type AxonTarget, Dendrite, FoldProgress } from '@fold/synapse';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Miner } from '../src/miner.js';
import {
  cleanup,
  devKeys,
  scratchDir,
  startMiner,
  startRedis,
  testSettings,
  waitFor,
} from './support.js';

let redis: RedisServerHandle;
let node: ChopsticksNode;
let client: ChainClient;
let netuid: number;
let workDir: string;
let miner: Miner;
let keys: Awaited<ReturnType<typeof devKeys>>;
let ferdie: Signer;
let target: AxonTarget;

async function statusFor(signer: Signer): Promise<{ status: number; message: string }> {
  const dendrite = new Dendrite({ keypair: signer.pair });
  try {
    const result = await dendrite.call(target, FoldProgress, { jobs: { 'some-job': '' } });
    return { status: result.ok ? 200 : result.statusCode, message: result.statusMessage };
  } finally {
    dendrite.close();
  }
}

beforeAll(async () => {
  [redis, keys, ferdie] = await Promise.all([
    startRedis(),
    devKeys(),
    loadSigner({ uri: '//Ferdie' }),
  ]);
  node = await startChopsticks();
  client = await ChainClient.connect({ endpoint: node.endpoint });
  // //Alice owns the subnet (uid 0, staked); //Charlie validates without stake; //Bob mines.
  ({ netuid } = await bootstrapLocalSubnet(client, { hotkeys: ['//Charlie', '//Bob'], tempo: 3 }));
  // This runtime hands every neuron a permit at the next block while the subnet has room, so a
  // registered hotkey without one cannot be held still here; judgeCaller's unit tests cover it.
  await waitFor(
    'an epoch to give //Charlie a validator permit',
    async () => {
      await chopsticksNewBlocks(node.httpEndpoint, 1);
      const metagraph = await client.metagraph(netuid);
      return metagraph.neurons.find((n) => n.hotkey === keys.charlie.address)?.validatorPermit
        ? true
        : undefined;
    },
    60_000,
    0,
  );
  workDir = await scratchDir('chain');
  miner = await startMiner({
    ...testSettings(redis.url, workDir),
    chainEndpoint: node.endpoint,
    netuid,
    serveAxon: true,
    externalIp: '127.0.0.2',
    minStakeTao: 1,
    devAllow: [ferdie.address],
  });
  target = miner.axonInfo as AxonTarget;
}, 240_000);

afterAll(async () => {
  await miner?.stop();
  await client?.close();
  await node?.stop();
  await redis?.stop();
  await cleanup(workDir);
});

describe('a miner that reads the metagraph', () => {
  it('registered its axon on chain at start', async () => {
    const metagraph = await client.metagraph(netuid, { refresh: true });
    const self = metagraph.neurons.find((n) => n.hotkey === keys.bob.address);
    expect(self?.axon).toMatchObject({ ip: '127.0.0.2', port: target.port });
  });

  it('serves a registered validator with a permit and enough stake', async () => {
    const metagraph = await client.metagraph(netuid);
    const alice = metagraph.neurons.find((n) => n.hotkey === keys.alice.address);
    expect(alice?.validatorPermit).toBe(true);
    expect(alice?.stakeRao).toBeGreaterThanOrEqual(1_000_000_000n);
    expect((await statusFor(keys.alice)).status).toBe(200);
  });

  it('refuses an unregistered hotkey with 403', async () => {
    const answer = await statusFor(keys.eve);
    expect(answer).toMatchObject({ status: 403 });
    expect(answer.message).toMatch(/not registered on the subnet/);
  });

  it('refuses a validator below the minimum stake with 403', async () => {
    const metagraph = await client.metagraph(netuid);
    const charlie = metagraph.neurons.find((n) => n.hotkey === keys.charlie.address);
    expect(charlie?.validatorPermit).toBe(true);
    expect(charlie?.stakeRao).toBeLessThan(1_000_000_000n);
    const answer = await statusFor(keys.charlie);
    expect(answer).toMatchObject({ status: 403 });
    expect(answer.message).toMatch(/stake below the minimum/);
  });

  it('serves a development hotkey that is not on chain', async () => {
    expect((await statusFor(ferdie)).status).toBe(200);
  });
});
