import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  bootstrapLocalSubnet,
  ChainClient,
  ConnectionError,
  type Signer,
  signerFromUri,
} from '../src/index.js';
import { accountNonce, signedCalls } from './support/blocks.js';
import { type LocalChain, startLocalChain } from './support/local-chain.js';
import { TcpProxy } from './support/tcp-proxy.js';

let chain: LocalChain;
let proxy: TcpProxy;
let client: ChainClient;
let netuid: number;
let miner: Signer;

async function waitFor(
  condition: () => Promise<boolean> | boolean,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Serves the miner's axon through the proxied client; returns what the chain then shows. */
async function serveThroughProxy(port: number) {
  const before = await chain.client.head();
  const nonce = await accountNonce(chain.client.api, miner.address);
  const result = await client.serveAxon({ netuid, hotkey: miner, ip: '127.0.0.2', port });
  const calls = await signedCalls(
    chain.client.api,
    miner.address,
    before.number + 1,
    await chain.client.blockNumber(),
  );
  const metagraph = await chain.client.metagraph(netuid);
  return {
    result,
    calls,
    nonceAdvance: (await accountNonce(chain.client.api, miner.address)) - nonce,
    servedPort: metagraph.neurons.find((n) => n.hotkey === miner.address)!.axon!.port,
  };
}

beforeAll(async () => {
  chain = await startLocalChain();
  miner = await signerFromUri('//Charlie');
  netuid = (await bootstrapLocalSubnet(chain.client, { hotkeys: ['//Charlie'] })).netuid;
  proxy = await TcpProxy.start(chain.node.port);
  client = await ChainClient.connect({
    endpoint: proxy.endpoint,
    reconnect: { initialDelayMs: 50, maxDelayMs: 400 },
    reconnectTimeoutMs: 10_000,
  });
}, 120_000);

afterAll(async () => {
  await client?.close();
  await proxy?.close();
  await chain?.close();
});

describe('a dropped WebSocket', () => {
  it('is reopened, and an extrinsic the node already had is followed to its block, sent once', async () => {
    const dropped = proxy.cutOnNodeMessage('author_extrinsicUpdate');
    const drops = client.dropCount;
    const outcome = await serveThroughProxy(9101);
    await dropped;
    expect(client.dropCount).toBeGreaterThan(drops);
    expect(outcome.result.submissions).toBe(1);
    expect(outcome.calls).toEqual(['subtensorModule.serveAxon']);
    expect(outcome.nonceAdvance).toBe(1);
    expect(outcome.servedPort).toBe(9101);
  });

  it('waits for an extrinsic still in the pool instead of sending it again', async () => {
    await chain.setBuildMode('Manual');
    try {
      const dropped = proxy.cutOnNodeMessage('author_extrinsicUpdate');
      const accepted = proxy.accepted;
      const outcome = serveThroughProxy(9102);
      await dropped;
      // The client is back and has seen the extrinsic waiting in the pool.
      await waitFor(() => proxy.accepted > accepted && client.isConnected);
      await waitFor(
        async () => (await chain.client.api.rpc.author.pendingExtrinsics()).length === 1,
      );
      await new Promise((resolve) => setTimeout(resolve, 500));
      await chain.newBlocks(1);
      const { result, calls, nonceAdvance, servedPort } = await outcome;
      expect(result.submissions).toBe(1);
      expect(calls).toEqual(['subtensorModule.serveAxon']);
      expect(nonceAdvance).toBe(1);
      expect(servedPort).toBe(9102);
    } finally {
      await chain.setBuildMode('Instant');
    }
  });

  it('sends the same signed extrinsic again when the drop lost it, and it is included once', async () => {
    const dropped = proxy.cutOnClientMessage('author_submitAndWatchExtrinsic');
    const outcome = await serveThroughProxy(9103);
    await dropped;
    expect(outcome.result.submissions).toBe(2);
    expect(outcome.calls).toEqual(['subtensorModule.serveAxon']);
    expect(outcome.nonceAdvance).toBe(1);
    expect(outcome.servedPort).toBe(9103);
  });

  it('keeps reads and the new-head subscription working', async () => {
    const heads: number[] = [];
    const unsubscribe = await client.subscribeNewHeads((head) => heads.push(head.number));
    try {
      proxy.cut();
      const metagraph = await client.metagraph(netuid);
      expect(metagraph.neurons).toHaveLength(2);
      await waitFor(() => client.isConnected);
      // Resubscription follows the reconnect; give it a moment before the block.
      await new Promise((resolve) => setTimeout(resolve, 500));
      await chain.newBlocks(1);
      const target = await chain.client.blockNumber();
      await waitFor(() => heads.includes(target), 10_000);
    } finally {
      unsubscribe();
    }
  });

  it('gives up with a ConnectionError when the node stays away', async () => {
    const impatient = await ChainClient.connect({
      endpoint: proxy.endpoint,
      reconnect: { initialDelayMs: 50, maxDelayMs: 200 },
      reconnectTimeoutMs: 1_500,
    });
    try {
      proxy.refuse();
      proxy.cut();
      const error = await impatient.metagraph(netuid).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConnectionError);
      expect(error).toMatchObject({ code: 'CONNECTION_LOST' });
    } finally {
      proxy.accept();
      await impatient.close();
    }
  });

  it('fails to connect to a node that is not there with CONNECTION_FAILED', async () => {
    const error = await ChainClient.connect({
      endpoint: 'ws://127.0.0.1:1',
      connectTimeoutMs: 1_000,
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConnectionError);
    expect(error).toMatchObject({ code: 'CONNECTION_FAILED' });
  });
});
