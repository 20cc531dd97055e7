import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type BuildBlockMode,
  type ChopsticksNode,
  chopsticksNewBlocks,
  chopsticksRpc,
  startChopsticks,
} from '@fold/devkit';
import { ChainClient, type ChainClientOptions } from '../../src/index.js';

/** A chopsticks node on the shared Subtensor spec, a client on it and a scratch directory. */
export interface LocalChain {
  readonly node: ChopsticksNode;
  readonly client: ChainClient;
  /** Scratch directory removed by `close` (reveal stores, key files). */
  readonly dir: string;
  /** Makes `count` blocks. */
  newBlocks(count: number): Promise<void>;
  setBuildMode(mode: BuildBlockMode): Promise<void>;
  close(): Promise<void>;
}

export async function startLocalChain(
  options: Partial<ChainClientOptions> = {},
): Promise<LocalChain> {
  const node = await startChopsticks();
  const dir = await mkdtemp(join(tmpdir(), 'fold-chain-test-'));
  let client: ChainClient;
  try {
    client = await ChainClient.connect({
      endpoint: node.endpoint,
      revealStorePath: join(dir, 'pending-reveals.json'),
      ...options,
    });
  } catch (error) {
    await node.stop();
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    node,
    client,
    dir,
    newBlocks: (count) => chopsticksNewBlocks(node.httpEndpoint, count),
    setBuildMode: async (mode) => {
      await chopsticksRpc(node.httpEndpoint, 'dev_setBlockBuildMode', [mode]);
    },
    close: async () => {
      await client.close();
      await node.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
