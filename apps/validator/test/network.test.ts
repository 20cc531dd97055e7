import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrapLocalSubnet, ChainClient, type Signer, signerFromUri } from '@fold/chain-client';
import {
  type ChopsticksNode,
  pdbMirrorDir,
  type RedisServerHandle,
  startChopsticks,
  startRedisServer,
} from '@fold/devkit';
import { connectJobStore, openMinerAssignments } from '@fold/job-store';
import { parsePdb } from '@fold/pdb-dataset';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { parseGro } from '../src/structure.js';
import { CheatingMiner } from './cheating-miner.js';
import { ALICE, BOB, PDB_CACHE_DIR, TOKEN, waitFor } from './helpers.js';
import { type CliProcess, MINER_CLI, startCli, VALIDATOR_CLI } from './processes.js';

// The whole network on one machine: a Subtensor chain (chopsticks, the real runtime), Redis, an
// honest fold-miner (//Bob), a cheating miner (//Charlie: an axon in front of a second fold-miner
// that claims 5% lower energies than its frames have) and fold-validator (//Alice) as processes.
// A researcher's 1L2Y job runs on both miners; the validator is killed with SIGKILL mid-job and
// started again; the honest result is verified, the cheat is rejected with its reason, and the
// weights read back from the chain favour the honest miner.

const MD_STEPS = 2_000;
// A cold job: at 150 K the minimised system keeps relaxing, so a miner's lowest-energy frame is
// a recent one (at 300 K it would be the starting structure itself, which no miner can claim).
const systemParams = {
  forceField: 'charmm27',
  water: 'tip3p',
  box: 'dodecahedron',
  boxDistanceNm: 1.0,
  ionConcentrationMolar: 0.1,
  temperatureK: 150,
  pressureBar: 1,
  stages: ['md'],
  mdSteps: MD_STEPS,
};

let dir: string;
let redis: RedisServerHandle;
let chain: ChopsticksNode;
let client: ChainClient;
let netuid: number;
let uids: Record<string, number>;
let charlie: Signer;
const processes: CliProcess[] = [];
let cheater: CheatingMiner;
let validator: CliProcess;
let api: string;

function validatorArgs(): string[] {
  return [
    'run',
    '--chain-endpoint',
    chain.endpoint,
    '--netuid',
    String(netuid),
    '--redis-url',
    redis.url,
    '--work-dir',
    join(dir, 'validator'),
    '--pdb-dir',
    pdbMirrorDir(),
    '--pdb-cache-dir',
    PDB_CACHE_DIR,
    '--queue-size',
    '0',
    '--miners-per-job',
    '2',
    '--query-interval-seconds',
    '2',
    '--query-timeout-seconds',
    '20',
    '--weights-check-seconds',
    '2',
    '--weights-interval-blocks',
    '1',
    '--energy-interval-steps',
    '100',
    '--task-lock-seconds',
    '3',
    '--task-stalled-check-seconds',
    '1',
    '--api-port',
    '0',
    '--log-level',
    'debug',
  ];
}

async function startValidator(): Promise<void> {
  validator = startCli(VALIDATOR_CLI, validatorArgs(), {
    FOLD_VALIDATOR_HOTKEY_URI: '//Alice',
    FOLD_VALIDATOR_API_TOKENS: TOKEN,
  });
  processes.push(validator);
  const started = await validator.waitForLog(
    'the validator to start',
    (r) => r.event === 'validator.started',
    120_000,
  );
  api = `http://127.0.0.1:${(started.api as { port: number }).port}`;
}

function minerArgs(name: string, extra: string[]): string[] {
  return [
    'run',
    '--axon-port',
    '0',
    '--redis-url',
    redis.url,
    '--redis-prefix',
    `fold:miner:${name}`,
    '--work-dir',
    join(dir, name),
    '--cpus',
    '1',
    '--cpu-slots',
    '1',
    // A committed best frame stays long enough for the validator to fetch it with the energies
    // of the reproduction window after it.
    '--commit-interval-seconds',
    '10',
    '--checkpoint-interval-minutes',
    '0.1',
    '--log-level',
    'info',
    ...extra,
  ];
}

async function get(path: string): Promise<Record<string, unknown>> {
  const response = await fetch(`${api}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (!response.ok) throw new Error(`GET ${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as Record<string, unknown>;
}

interface JobView {
  status: string;
  minerDetails: { uid: number; state: string; step: number | null }[];
  verdicts: { uid: number; accepted: boolean; energyKjMol: number | null; reason: string | null }[];
  energy: { verified: { uid: number; energyKjMol: number }[] };
  structures: { uid: number; rmsdNm: number; radiusOfGyrationNm: number }[];
  links: { pdb: string | null; gro: string | null };
  system: { atomCount: number };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fold-validator-network-'));
  [redis, chain] = await Promise.all([startRedisServer(), startChopsticks()]);
  client = await ChainClient.connect({
    endpoint: chain.endpoint,
    revealStorePath: join(dir, 'reveals.json'),
  });
  const boot = await bootstrapLocalSubnet(client, {
    owner: '//Alice',
    hotkeys: ['//Bob', '//Charlie'],
    tempo: 10,
  });
  netuid = boot.netuid;
  uids = boot.uids;
  charlie = await signerFromUri('//Charlie');

  // The honest miner serves on chain at 127.0.0.2; it admits //Alice by the development list
  // (a fresh subnet has no validator permits before its first epoch).
  const honest = startCli(
    MINER_CLI,
    minerArgs('bob', [
      '--axon-host',
      '127.0.0.2',
      '--external-ip',
      '127.0.0.2',
      '--serve-axon',
      '--chain-endpoint',
      chain.endpoint,
      '--netuid',
      String(netuid),
      '--dev-allow',
      ALICE,
      '--first-core',
      '0',
    ]),
    { FOLD_MINER_HOTKEY_URI: '//Bob' },
  );
  // The cheater's worker: a fold-miner that serves the cheating axon only.
  const worker = startCli(
    MINER_CLI,
    minerArgs('dave', [
      '--axon-host',
      '127.0.0.1',
      '--dev-allow',
      charlie.address,
      '--first-core',
      '1',
    ]),
    { FOLD_MINER_HOTKEY_URI: '//Dave' },
  );
  processes.push(honest, worker);
  await honest.waitForLog('the honest miner to start', (r) => r.msg === 'miner started', 120_000);
  const workerStarted = await worker.waitForLog(
    'the worker to start',
    (r) => r.msg === 'miner started',
    120_000,
  );
  const workerAxon = workerStarted.axon as { ip: string; port: number; hotkey: string };
  cheater = new CheatingMiner({
    keypair: charlie.pair,
    worker: { ip: workerAxon.ip, port: workerAxon.port, hotkey: workerAxon.hotkey },
    host: '127.0.0.3',
    lowerByFraction: 0.05,
  });
  const cheaterAxon = await cheater.start();
  await client.serveAxon({ netuid, hotkey: charlie, ip: '127.0.0.3', port: cheaterAxon.port });
  await startValidator();
}, 300_000);

afterAll(async () => {
  for (const p of processes.reverse()) await p.stop();
  await cheater?.stop();
  await client?.close();
  await chain?.stop();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
}, 120_000);

describe('a validator with an honest and a cheating miner', () => {
  let jobId: string;
  let job: JobView;

  it("runs a researcher's job on both miners, survives kill -9 mid-job and finishes it", async () => {
    const submitted = await fetch(`${api}/api/jobs`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ pdbId: '1l2y', params: systemParams }),
    });
    expect(submitted.status).toBe(202);
    jobId = String(((await submitted.json()) as { jobId: string }).jobId);

    // Both miners running, part-way through the stage.
    await waitFor(
      'both miners to run the job',
      async () => {
        const view = (await get(`/api/jobs/${jobId}`)) as unknown as JobView;
        const running = view.minerDetails.filter((m) => m.state === 'running' && (m.step ?? 0) > 0);
        return running.length === 2 ? view : undefined;
      },
      240_000,
      1_000,
    );
    validator.child.kill('SIGKILL');
    await validator.exited;
    await startValidator();

    job = await waitFor(
      'the job to finish',
      async () => {
        const view = (await get(`/api/jobs/${jobId}`)) as unknown as JobView;
        return view.status === 'active' || view.status === 'preparing' ? undefined : view;
      },
      400_000,
      2_000,
    );
    expect(job.status).toBe('finished');
    // The same two miners, assigned once each: none dropped, none added after the restart.
    expect(job.minerDetails.map((m) => m.uid).sort()).toEqual(
      [uids[charlie.address], uids[BOB]].sort(),
    );
    expect(job.minerDetails.map((m) => m.state)).toEqual(['finished', 'finished']);
    expect(validator.records().some((r) => r.event === 'validator.started')).toBe(true);
    // Each miner holds exactly one assignment from this validator.
    for (const name of ['bob', 'dave']) {
      const store = await connectJobStore({ url: redis.url, prefix: `fold:miner:${name}` });
      const assignments = openMinerAssignments(store);
      const all = [
        ...(await assignments.listByState('finished')),
        ...(await assignments.listByState('running')),
        ...(await assignments.listByState('queued')),
        ...(await assignments.listByState('cancelled')),
      ];
      await store.close();
      expect(all.filter((a) => a.validatorJobId === jobId)).toHaveLength(1);
    }
  }, 900_000);

  it('verifies the honest result and rejects the cheat with its reason', () => {
    const bob = uids[BOB];
    const honest = job.verdicts.filter((v) => v.uid === bob);
    const cheats = job.verdicts.filter((v) => v.uid === uids[charlie.address]);
    expect(honest.length).toBeGreaterThan(0);
    expect(honest.filter((v) => !v.accepted).map((v) => v.reason)).toEqual([]);
    expect(cheats.length).toBeGreaterThan(0);
    expect(cheats.every((v) => !v.accepted)).toBe(true);
    expect(cheats[0]?.reason).toMatch(/CLAIM_MISMATCH/);
    expect(job.energy.verified.every((v) => v.uid === bob)).toBe(true);
    expect(cheater.claims.get(jobId)?.length).toBeGreaterThan(0);
  });

  it('serves the best structure as PDB and GRO, with its RMSD and radius of gyration', async () => {
    expect(job.structures.length).toBeGreaterThan(0);
    const point = job.structures.at(-1);
    expect(point?.rmsdNm).toBeGreaterThan(0);
    expect(point?.radiusOfGyrationNm).toBeGreaterThan(0.4);
    expect(point?.radiusOfGyrationNm).toBeLessThan(1.5);
    const download = async (link: string | null) => {
      const response = await fetch(`${api}${link}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      });
      expect(response.status).toBe(200);
      return response.text();
    };
    const gro = parseGro(await download(job.links.gro));
    expect(gro.atoms).toHaveLength(job.system.atomCount);
    const pdb = parsePdb(await download(job.links.pdb), { label: 'best.pdb' });
    expect(pdb.models[0]?.chains.flatMap((c) => c.residues).length).toBeGreaterThan(20);
  });

  it('sets the weights on chain: the honest miner gets them, the cheater none', async () => {
    const bob = uids[BOB] as number;
    const alice = uids[ALICE] ?? (await client.uidOf(netuid, ALICE));
    if (alice === undefined) throw new Error('//Alice has no uid');
    const weights = await waitFor(
      'weights on chain',
      async () => {
        const w = await client.weights(netuid, alice);
        return w.uids.includes(bob) ? w : undefined;
      },
      120_000,
      2_000,
    );
    const index = weights.uids.indexOf(bob);
    expect(weights.weights[index]).toBe(65_535);
    const cheaterIndex = weights.uids.indexOf(uids[charlie.address] as number);
    expect(cheaterIndex === -1 ? 0 : weights.weights[cheaterIndex]).toBe(0);
  }, 180_000);
});
