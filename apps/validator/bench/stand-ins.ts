// Simulated miners for the scheduling benchmark, in a process of their own so that their work is
// not counted as the validator's: real axons on loopback that answer at once.
//
//   tsx bench/stand-ins.ts fold <count>                 fold synapses: progress for every job asked
//   tsx bench/stand-ins.ts reference <count> <dir>      the reference's query: every stage file, base64
//
// Prints one JSON line with the miners ({ uid, hotkey, ip, port }), then serves until stdin closes.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Axon, FoldProgress, type SynapseResponse } from '@fold/synapse';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { ReferenceQuery } from './reference-synapse.js';

const [mode, countText, payloadDir] = process.argv.slice(2);
const count = Number(countText ?? 10);

await cryptoWaitReady();
const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
const axons: Axon[] = [];
const miners: { uid: number; hotkey: string; ip: string; port: number }[] = [];

const mdOutput: Record<string, string> = {};
if (mode === 'reference') {
  if (payloadDir === undefined) throw new Error('reference mode needs the stage directory');
  for (const name of (await readdir(payloadDir)).sort()) {
    if (!/\.(tpr|xtc|edr|log|cpt)$/.test(name)) continue;
    mdOutput[name] = (await readFile(join(payloadDir, name))).toString('base64');
  }
}

for (let i = 0; i < count; i++) {
  const keypair = keyring.addFromUri(`//BenchMiner${i}`);
  const axon = new Axon({ keypair, maxConcurrent: 16, maxQueued: 1024 });
  if (mode === 'fold') {
    // Every job moves on between two queries (as running simulations do in 300 s): each answer
    // reports new progress for every job, the most work a round can ask of the validator.
    const calls = new Map<string, number>();
    axon.attach(FoldProgress, ({ jobs }) => {
      const progress: SynapseResponse<typeof FoldProgress>['progress'] = {};
      for (const jobId of Object.keys(jobs)) {
        const n = (calls.get(jobId) ?? 0) + 1;
        calls.set(jobId, n);
        progress[jobId] = {
          etag: `v${n}`,
          state: 'running',
          stage: 'md',
          step: n * 5_000,
          simulated_time_ps: n * 10,
          best_potential_energy_kj_mol: null,
          best_stage: null,
          best_step: null,
          best_commitment: null,
          ns_per_day: 40,
          updated_unix_ms: Date.now(),
          error: null,
        };
      }
      return { progress, unchanged: [], unknown: [], free_slots: 64, total_slots: 2048 };
    });
  } else {
    axon.attach(ReferenceQuery, () => ({ md_output: mdOutput }));
  }
  const info = await axon.start();
  axons.push(axon);
  miners.push({ uid: i + 1, hotkey: keypair.address, ip: info.ip, port: info.port });
}
process.stdout.write(`${JSON.stringify(miners)}\n`);
process.stdin.resume();
process.stdin.on('end', async () => {
  await Promise.all(axons.map((a) => a.stop(100)));
  process.exit(0);
});
