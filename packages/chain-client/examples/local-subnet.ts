// A local subnet from scratch: chopsticks on the shared chain spec, a subnet with a validator and
// two miners, axons served, weights set and read back. Run: pnpm --filter @fold/chain-client example
import { startChopsticks } from '@fold/devkit';
import { bootstrapLocalSubnet, ChainClient, signerFromUri } from '../src/index.js';

const node = await startChopsticks(); // ws://127.0.0.1:<free port>, //Alice is sudo
const client = await ChainClient.connect({ endpoint: node.endpoint });
try {
  const { netuid, uids } = await bootstrapLocalSubnet(client, {
    hotkeys: ['//Bob', '//Charlie', '//Dave'], // validator, two miners
    tempo: 10,
    commitReveal: false,
  });
  const [validator, minerA, minerB] = await Promise.all(
    ['//Bob', '//Charlie', '//Dave'].map((uri) => signerFromUri(uri)),
  );
  await client.serveAxon({ netuid, hotkey: minerA!, ip: '127.0.0.2', port: 8091 });
  await client.serveAxon({ netuid, hotkey: minerB!, ip: '127.0.0.3', port: 8091 });

  const metagraph = await client.metagraph(netuid);
  const miners = metagraph.neurons.filter((n) => n.axon !== null);
  const result = await client.setWeights({
    netuid,
    hotkey: validator!,
    uids: miners.map((n) => n.uid),
    weights: [65_535, 21_845], // u16, as @fold/scoring produces them
  });
  console.log(`subnet ${netuid}: uids ${JSON.stringify(Object.values(uids))}`);
  console.log(miners.map((n) => `uid ${n.uid} at ${n.axon?.ip}:${n.axon?.port}`).join(', '));
  console.log(
    `weights ${result.mode} at block #${result.inclusion.blockNumber}:`,
    await client.weights(netuid, uids[validator!.address]!),
  );
} finally {
  await client.close();
  await node.stop();
}
