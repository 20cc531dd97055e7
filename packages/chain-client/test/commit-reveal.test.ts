import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  bootstrapLocalSubnet,
  buildCall,
  ChainClient,
  DispatchError,
  epochIndex,
  FileRevealStore,
  RateLimitedError,
  revealWindow,
  type Signer,
  signerFromUri,
} from '../src/index.js';
import { type LocalChain, startLocalChain } from './support/local-chain.js';

const TEMPO = 5;

let chain: LocalChain;
let netuid: number;
let alice: Signer;
let validator: Signer;
let storePath: string;

/** Makes blocks until the next block is the first of the subnet's next epoch. */
async function advanceToEpochStart(): Promise<void> {
  const head = await chain.client.blockNumber();
  const nextEpoch = epochIndex(head + 1, netuid, TEMPO) + 1;
  await advanceUntilNextBlockIs(nextEpoch * (TEMPO + 1) - (netuid + 1));
}

/** Makes blocks until the next block is `block`. */
async function advanceUntilNextBlockIs(block: number): Promise<void> {
  const head = await chain.client.blockNumber();
  if (block - 1 > head) await chain.newBlocks(block - 1 - head);
}

beforeAll(async () => {
  chain = await startLocalChain();
  storePath = join(chain.dir, 'pending-reveals.json');
  alice = await signerFromUri('//Alice');
  validator = await signerFromUri('//Bob');
  const result = await bootstrapLocalSubnet(chain.client, {
    hotkeys: ['//Bob', '//Charlie', '//Dave'],
    tempo: TEMPO,
    commitReveal: true,
  });
  netuid = result.netuid;
}, 120_000);

afterAll(async () => {
  await chain?.close();
});

describe('weights by commit-reveal', () => {
  let commit: { commitHash: string; firstBlock: number; lastBlock: number; commitBlock: number };

  it('commits instead of setting, saving the salt and the chain’s reveal window', async () => {
    // Committing in an epoch's first block leaves the rest of that epoch for the next tests.
    await advanceToEpochStart();
    const result = await chain.client.setWeights({
      netuid,
      hotkey: validator,
      uids: [2, 3],
      weights: [40_000, 10_000],
    });
    if (result.mode !== 'commit') throw new Error(`expected a commit, got ${result.mode}`);
    const commitBlock = result.inclusion.blockNumber;
    commit = { commitHash: result.commitHash, commitBlock, ...result.revealWindow };
    expect(result.revealWindow).toEqual(revealWindow(commitBlock, netuid, TEMPO, 1));
    expect(epochIndex(result.revealWindow.firstBlock, netuid, TEMPO)).toBe(
      epochIndex(commitBlock, netuid, TEMPO) + 1,
    );
    const [pending] = await new FileRevealStore(storePath).list();
    expect(pending).toMatchObject({
      netuid,
      hotkey: validator.address,
      commitHash: result.commitHash,
      uids: [2, 3],
      weights: [40_000, 10_000],
      versionKey: 0n,
      commitBlock,
      firstRevealBlock: result.revealWindow.firstBlock,
      lastRevealBlock: result.revealWindow.lastBlock,
    });
    expect(pending!.salt).toHaveLength(8);
    expect(await chain.client.weights(netuid, 1)).toEqual({ uids: [], weights: [] });
  });

  it('sees the runtime refuse a plain setWeights with CommitRevealEnabled while commit-reveal is on', async () => {
    const call = chain.client.api.tx.subtensorModule!.setWeights!(netuid, [2], [1], 0);
    const error = await chain.client.submit(call, validator).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DispatchError);
    expect(error).toMatchObject({ error: 'subtensorModule.CommitRevealEnabled' });
  });

  it('leaves the commit pending before its window', async () => {
    const outcomes = await chain.client.revealDue(validator);
    expect(outcomes).toEqual([
      {
        commitHash: commit.commitHash,
        netuid,
        status: 'waiting',
        revealWindow: { firstBlock: commit.firstBlock, lastBlock: commit.lastBlock },
      },
    ]);
    expect(await chain.client.pendingReveals()).toHaveLength(1);
  });

  it('gets RevealTooEarly from the runtime for a reveal in the commit’s own epoch', async () => {
    const [pending] = await chain.client.pendingReveals();
    const call = buildCall(chain.client.api, 'subtensorModule.revealWeights', {
      netuid,
      uids: pending!.uids,
      values: pending!.weights,
      salt: pending!.salt,
      versionKey: pending!.versionKey,
    });
    const error = await chain.client.submit(call, validator).catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'DispatchError', error: 'subtensorModule.RevealTooEarly' });
  });

  it('reveals in the next epoch from the saved salt, after a restart, and the weights land', async () => {
    await advanceUntilNextBlockIs(commit.firstBlock);
    const restarted = await ChainClient.connect({
      endpoint: chain.node.endpoint,
      revealStore: new FileRevealStore(storePath),
    });
    try {
      const [outcome] = await restarted.revealDue(validator);
      expect(outcome?.status).toBe('revealed');
      expect(outcome?.commitHash).toBe(commit.commitHash);
      expect(outcome!.inclusion!.blockNumber).toBe(commit.firstBlock);
      expect(await restarted.pendingReveals()).toEqual([]);
      expect(await restarted.weights(netuid, 1)).toEqual({
        uids: [2, 3],
        weights: [65_535, 16_384],
      });
    } finally {
      await restarted.close();
    }
  });

  it('drops a commit whose window has passed without revealing it', async () => {
    const result = await chain.client.setWeights({
      netuid,
      hotkey: validator,
      uids: [3],
      weights: [1],
    });
    if (result.mode !== 'commit') throw new Error(`expected a commit, got ${result.mode}`);
    await advanceUntilNextBlockIs(result.revealWindow.lastBlock + 1);
    expect(await chain.client.revealDue(validator)).toEqual([
      {
        commitHash: result.commitHash,
        netuid,
        status: 'expired',
        revealWindow: result.revealWindow,
      },
    ]);
    expect(await chain.client.pendingReveals()).toEqual([]);
    expect(await chain.client.weights(netuid, 1)).toEqual({
      uids: [2, 3],
      weights: [65_535, 16_384],
    });
  });

  it('refuses a commit within the rate limit before saving any salt', async () => {
    // The last commit was a few blocks ago.
    await chain.client.sudo(
      chain.client.api.tx.adminUtils!.sudoSetWeightsSetRateLimit!(netuid, 50),
      alice,
    );
    const before = await chain.client.pendingReveals();
    const error = await chain.client
      .setWeights({ netuid, hotkey: validator, uids: [2], weights: [2] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({
      error: 'subtensorModule.CommittingWeightsTooFast',
      predicted: true,
    });
    expect(await chain.client.pendingReveals()).toEqual(before);
  });
});
