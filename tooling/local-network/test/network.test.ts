import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type FollowedJob, followJob } from '../src/follow-job.js';
import { MAIN_JOB } from '../src/main-job.js';
import { type LocalNetwork, startLocalNetwork } from '../src/network.js';
import { PhaseClock } from '../src/phases.js';
import { groupMembers, isAlive } from '../src/service-process.js';
import { readStartedParts } from '../src/state-file.js';
import { ValidatorApi } from '../src/validator-api.js';

// The shortened main job end to end, every part real: redis-server, chopsticks on the real
// Subtensor runtime, a subnet, two fold-miner processes running gmx, fold-validator. One job
// runs to weights read back from the chain; a second runs while one miner is killed with
// SIGKILL (its mdrun with it) and started again, and still ends with that miner's work
// verified. Then everything stops and nothing of it is left running.

const JOB_TIMEOUT_MS = 8 * 60_000;

let dir: string;
let network: LocalNetwork;
let api: ValidatorApi;
const pids: number[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fold-local-network-'));
  network = await startLocalNetwork({ dir: join(dir, 'net'), name: 'test', logLevel: 'info' });
  api = new ValidatorApi(network.state.validator.apiUrl, network.state.validator.token);
  pids.push(
    network.state.chain.pid,
    network.state.redis.pid,
    network.state.validator.pid,
    ...network.state.miners.map((m) => m.pid),
  );
}, 300_000);

afterAll(async () => {
  await network?.stop();
  await rm(dir, { recursive: true, force: true });
}, 180_000);

function run(
  jobId: string,
  onUpdate?: Parameters<typeof followJob>[0]['onUpdate'],
): Promise<FollowedJob> {
  return followJob({
    api,
    jobId,
    phases: new PhaseClock(),
    readChainWeights: () =>
      network.client.weights(network.state.netuid, network.state.validator.uid),
    crashed: () => network.crashed(),
    timeoutMs: JOB_TIMEOUT_MS,
    ...(onUpdate === undefined ? {} : { onUpdate }),
  });
}

describe('the local network', () => {
  it("registers the validator and both miners and serves the miners' axons on chain", async () => {
    const metagraph = await network.client.metagraph(network.state.netuid);
    for (const miner of network.state.miners) {
      const neuron = metagraph.neurons[miner.uid];
      expect(neuron?.hotkey).toBe(miner.hotkey);
      expect(neuron?.axon).toMatchObject({ ip: miner.axonIp, port: miner.axonPort });
    }
    expect(metagraph.neurons[network.state.validator.uid]?.hotkey).toBe(
      network.state.validator.hotkey,
    );
  });

  it(
    'runs the main job to the end: both miners verified, weights read back from the chain',
    async () => {
      const jobId = await api.submitJob(MAIN_JOB.pdbId, MAIN_JOB.params);
      const { job, weights, chainWeights } = await run(jobId);
      expect(job.status).toBe('finished');
      for (const miner of network.state.miners) {
        const details = job.minerDetails.find((m) => m.uid === miner.uid);
        expect(details?.state).toBe('finished');
        expect(details?.accepted).toBeGreaterThan(0);
        expect(job.verdicts.filter((v) => v.uid === miner.uid && !v.accepted)).toEqual([]);
      }
      // Read from the chain: the validator's row holds what it set, max-normalised, only miners
      // of the subnet, and the holder of the job's best result among them.
      const stored = await network.client.weights(
        network.state.netuid,
        network.state.validator.uid,
      );
      expect(stored).toEqual({ uids: chainWeights.uids, weights: chainWeights.weights });
      expect(stored.uids).toEqual(weights.uids);
      expect(Math.max(...stored.weights)).toBe(65_535);
      const best = job.best?.uid ?? -1;
      expect(stored.weights[stored.uids.indexOf(best)]).toBeGreaterThan(0);
      const minerUids = network.state.miners.map((m) => m.uid);
      expect(stored.uids.every((uid) => minerUids.includes(uid))).toBe(true);
    },
    JOB_TIMEOUT_MS + 60_000,
  );

  it(
    'verifies the work of a miner killed mid-job and started again',
    async () => {
      const victim = network.state.miners[1];
      if (victim === undefined) throw new Error('no second miner');
      const jobId = await api.submitJob(MAIN_JOB.pdbId, MAIN_JOB.params);
      let restart: Promise<unknown> | undefined;
      let restartedAtMs = Number.POSITIVE_INFINITY;
      const { job } = await run(jobId, (view) => {
        const mine = view.minerDetails.find((m) => m.uid === victim.uid);
        // Part-way through the stage, after a checkpoint (every 6 s) has been written.
        if (restart === undefined && mine?.state === 'running' && (mine.step ?? 0) >= 600) {
          restart = network
            .killMiner(victim.name)
            .then(() => network.restartMiner(victim.name))
            .then(() => {
              restartedAtMs = Date.now();
            });
        }
      });
      await restart;
      expect(restart).toBeDefined();
      // The new process resumed the stage from its checkpoint, not from the start.
      const fresh = network.miners.get(victim.name);
      const resumed = (await fresh?.records())?.find(
        (r) =>
          r.pid === fresh?.pid &&
          r.msg === 'stage running' &&
          r.job === `${network.state.validator.hotkey}.${jobId}`,
      );
      expect(resumed?.startStep).toBeGreaterThan(0);
      expect(job.minerDetails.find((m) => m.uid === victim.uid)?.state).toBe('finished');
      // Its work was verified after the restart.
      const accepted = job.verdicts.filter((v) => v.uid === victim.uid && v.accepted);
      expect(accepted.filter((v) => v.at > restartedAtMs).length).toBeGreaterThan(0);
    },
    JOB_TIMEOUT_MS + 60_000,
  );

  it('stops every process it started, simulations included', async () => {
    const parts = await readStartedParts(network.state.dir);
    pids.push(...parts.flatMap((p) => (p.kind === 'process' ? [p.pid] : [])));
    await network.stop();
    for (const pid of pids) {
      expect(isAlive(pid)).toBe(false);
      expect(groupMembers(pid)).toEqual([]);
    }
    expect(await readStartedParts(network.state.dir)).toEqual([]);
  }, 180_000);
});
