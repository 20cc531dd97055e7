// Metagraph sync for a full subnet (256 neurons): the client's batched storage reads against a
// naive client that sends one JSON-RPC request per uid and field, and one that calls the runtime
// per uid, in the same run on the same chopsticks node. Every timed sync reads a block that no
// sync has read before, and the baselines talk to their own uncached WsProvider, so no cache
// (the client's, or @polkadot/api's per-block-hash and in-flight caches) answers for them.
import { availableParallelism, cpus } from 'node:os';
import { chopsticksNewBlocks, startChopsticks } from '@fold/devkit';
import { type ApiPromise, WsProvider } from '@polkadot/api';
import type { QueryableStorageEntry } from '@polkadot/api/types';
import { hexToU8a, u8aConcat, u8aToHex } from '@polkadot/util';
import { bootstrapLocalSubnet, ChainClient } from '../src/index.js';

const NEURONS = 256;
const CONTENDER_RUNS = 20;
const BASELINE_RUNS = 3;
// A per-uid runtime sync takes about half a minute here: two runs show its spread.
const PER_UID_RUNS = 2;
const VECTORS = [
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
] as const;

interface Stats {
  medianMs: number;
  meanMs: number;
  minMs: number;
  requests: number;
}

function summarise(samples: number[], requests: number): Stats {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return {
    medianMs: sorted.length % 2 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2,
    meanMs: samples.reduce((sum, x) => sum + x, 0) / samples.length,
    minMs: sorted[0]!,
    requests,
  };
}

/** A JSON-RPC client without any cache, counting its requests. */
class RawRpc {
  requests = 0;
  constructor(
    readonly provider: WsProvider,
    readonly api: ApiPromise,
  ) {}

  send(method: string, params: unknown[]): Promise<unknown> {
    this.requests++;
    return this.provider.send(method, params, false);
  }

  /** Reads and decodes one storage value with the metadata's type. */
  async storage(entry: QueryableStorageEntry<'promise'>, ...args: unknown[]): Promise<unknown> {
    this.requests++;
    const hex = (await this.provider.send('state_getStorage', [entry.key(...args)], false)) as
      | string
      | null;
    if (hex === null) return null;
    const type = entry.creator.meta.type;
    const lookupType = this.api.registry.createLookupType(
      type.isPlain ? type.asPlain : type.asMap.value,
    );
    // From bytes: a hex string would be read as a big-endian number, not as SCALE.
    return this.api.createType(lookupType, hexToU8a(hex)).toPrimitive();
  }
}

/** One request per uid and field: the uid's hotkey, then its 14 other fields at once. */
async function syncPerField(rpc: RawRpc, netuid: number): Promise<number> {
  const q = rpc.api.query.subtensorModule!;
  const count = Number(await rpc.storage(q.subnetworkN!, netuid));
  let neurons = 0;
  for (let uid = 0; uid < count; uid++) {
    const hotkey = (await rpc.storage(q.keys!, netuid, uid)) as string;
    const fields = await Promise.all([
      rpc.storage(q.owner!, hotkey),
      rpc.storage(q.axons!, netuid, hotkey),
      rpc.storage(q.totalHotkeyAlpha!, hotkey, netuid),
      ...VECTORS.map(async (name) => ((await rpc.storage(q[name]!, netuid)) as unknown[])[uid]),
    ]);
    if (fields.length === 3 + VECTORS.length) neurons++;
  }
  return neurons;
}

/** One runtime call per uid (`get_neuron_lite`), plus the uid's hotkey and stake. */
async function syncPerUid(rpc: RawRpc, netuid: number): Promise<number> {
  const q = rpc.api.query.subtensorModule!;
  const count = Number(await rpc.storage(q.subnetworkN!, netuid));
  const netuidBytes = rpc.api.createType('u16', netuid).toU8a();
  let neurons = 0;
  for (let uid = 0; uid < count; uid++) {
    const argument = u8aToHex(u8aConcat(netuidBytes, rpc.api.createType('u16', uid).toU8a()));
    const [neuron, hotkey] = await Promise.all([
      rpc.send('state_call', ['NeuronInfoRuntimeApi_get_neuron_lite', argument]),
      rpc.storage(q.keys!, netuid, uid),
    ]);
    const stake = await rpc.storage(q.totalHotkeyAlpha!, hotkey, netuid);
    if (neuron && stake !== undefined) neurons++;
  }
  return neurons;
}

async function main(): Promise<void> {
  const node = await startChopsticks();
  let raw: WsProvider | undefined;
  try {
    const client = await ChainClient.connect({ endpoint: node.endpoint });
    const setupStarted = Date.now();
    const { netuid } = await bootstrapLocalSubnet(client, {
      hotkeys: Array.from({ length: NEURONS - 1 }, (_, index) => `//Bench//${index}`),
      fundHotkeys: false,
      registrationBatchSize: 64,
      registrationLimit: NEURONS,
    });
    const setupMs = Date.now() - setupStarted;
    raw = new WsProvider(node.endpoint);
    await raw.isReady;
    const rpc = new RawRpc(raw, client.api);
    const clientRequests = () => client.api.stats?.total.requests ?? 0;
    const newBlock = () => chopsticksNewBlocks(node.httpEndpoint, 1);

    const first = await client.metagraph(netuid);
    if (first.neurons.length !== NEURONS) {
      throw new Error(`expected ${NEURONS} neurons, got ${first.neurons.length}`);
    }

    const measure = async (
      runs: number,
      requests: () => number,
      sync: () => Promise<unknown>,
      options: { newBlock: boolean } = { newBlock: true },
    ): Promise<Stats> => {
      const samples: number[] = [];
      const before = requests();
      for (let run = 0; run < runs; run++) {
        if (options.newBlock) await newBlock();
        const started = performance.now();
        await sync();
        samples.push(performance.now() - started);
      }
      return summarise(samples, (requests() - before) / runs);
    };

    // Warm-up: metadata, code paths, the node's wasm and storage caches.
    await measure(2, clientRequests, () => client.metagraph(netuid));
    await measure(
      1,
      () => rpc.requests,
      () => syncPerField(rpc, netuid),
    );

    const contender = await measure(CONTENDER_RUNS, clientRequests, () => client.metagraph(netuid));
    const cached = await measure(CONTENDER_RUNS, clientRequests, () => client.metagraph(netuid), {
      newBlock: false,
    });
    const perField = await measure(
      BASELINE_RUNS,
      () => rpc.requests,
      () => syncPerField(rpc, netuid),
    );
    const perUid = await measure(
      BASELINE_RUNS,
      () => rpc.requests,
      () => syncPerUid(rpc, netuid),
    );
    const netuidHex = u8aToHex(client.api.createType('u16', netuid).toU8a());
    const runtimeApi = await measure(
      BASELINE_RUNS,
      () => rpc.requests,
      () => rpc.send('state_call', ['NeuronInfoRuntimeApi_get_neurons_lite', netuidHex]),
    );

    const row = (name: string, s: Stats) =>
      `${name.padEnd(52)} ${s.medianMs.toFixed(1).padStart(9)} ${s.meanMs.toFixed(1).padStart(9)} ` +
      `${s.minMs.toFixed(1).padStart(9)} ${s.requests.toFixed(0).padStart(8)}`;
    console.log(
      `metagraph sync of ${NEURONS} neurons on chopsticks (node-subtensor spec 218); ` +
        `${availableParallelism()} cores (${cpus()[0]?.model.trim()}), Node ${process.version}`,
    );
    console.log(
      `set-up: ${NEURONS - 1} burnedRegister in utility.batchAll of 64, ${(setupMs / 1000).toFixed(1)} s`,
    );
    console.log(
      `${'sync'.padEnd(52)} ${'median ms'.padStart(9)} ${'mean ms'.padStart(9)} ${'min ms'.padStart(9)} ${'requests'.padStart(8)}`,
    );
    console.log(row(`contender: metagraph(), new block (${CONTENDER_RUNS} runs)`, contender));
    console.log(row(`contender: metagraph(), same block: cached (${CONTENDER_RUNS} runs)`, cached));
    console.log(row(`baseline: one request per uid and field (${BASELINE_RUNS} runs)`, perField));
    console.log(row(`baseline: get_neuron_lite per uid + stake (${PER_UID_RUNS} runs)`, perUid));
    console.log(
      row(`reference: one get_neurons_lite call, undecoded (${BASELINE_RUNS} runs)`, runtimeApi),
    );
    console.log(
      `per-field baseline / contender: ${(perField.medianMs / contender.medianMs).toFixed(1)}x; ` +
        `per-uid baseline / contender: ${(perUid.medianMs / contender.medianMs).toFixed(1)}x (medians)`,
    );
    await client.close();
  } finally {
    await raw?.disconnect();
    await node.stop();
  }
}

await main();
