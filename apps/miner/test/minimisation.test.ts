import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RedisServerHandle } from '@fold/devkit';
import { energySeries, parseEdr, readGroSummary } from '@fold/gromacs-runner';
import { type AxonTarget, Dendrite, FoldAssign, FoldProgress } from '@fold/synapse';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jobLayout } from '../src/job-files.js';
import type { Miner } from '../src/miner.js';
import {
  assignRequest,
  cleanup,
  devKeys,
  type Fixture,
  jobFixture,
  scratchDir,
  stageParams,
  startMiner,
  startRedis,
  testSettings,
  waitFor,
} from './support.js';

// A job that asks for energy minimisation first: the miner minimises with the validator's
// parameters, then runs NVT from the minimised coordinates, with real Redis, axon and gmx.

let redis: RedisServerHandle;
let workDir: string;
let miner: Miner;
let fixture: Fixture;
let keys: Awaited<ReturnType<typeof devKeys>>;
let alice: Dendrite;
let target: AxonTarget;

beforeAll(async () => {
  [redis, fixture, keys] = await Promise.all([startRedis(), jobFixture(), devKeys()]);
  workDir = await scratchDir('em');
  miner = await startMiner({ ...testSettings(redis.url, workDir), devAllow: [keys.alice.address] });
  const info = miner.axonInfo;
  if (info === undefined) throw new Error('no axon');
  target = info;
  alice = new Dendrite({ keypair: keys.alice.pair });
}, 180_000);

afterAll(async () => {
  alice?.close();
  await miner?.stop();
  await redis?.stop();
  await cleanup(workDir);
});

describe('a job with an energy minimisation stage', () => {
  it('minimises first, then runs NVT from the minimised coordinates', async () => {
    // The input is the validator's minimised structure: a tighter tolerance than it was
    // minimised to makes the stage take steps.
    const params = stageParams(
      fixture.spec,
      { em: 200, nvt: 100 },
      { energySteps: 10 },
      { emtol: 10 },
    );
    const assigned = await alice.call(target, FoldAssign, assignRequest(fixture, 'em-1', params), {
      timeoutMs: 30_000,
    });
    if (!assigned.ok) throw assigned.error;
    expect(assigned.response).toMatchObject({ accepted: true, reject_reason: null });

    const finished = await waitFor(
      'em-1 to finish',
      async () => {
        const result = await alice.call(target, FoldProgress, { jobs: { 'em-1': '' } });
        if (!result.ok) throw result.error;
        const report = result.response.progress['em-1'];
        if (report?.state === 'failed') throw new Error(`job failed: ${report.error}`);
        return report?.state === 'finished' ? report : undefined;
      },
      240_000,
      250,
    );
    expect(finished).toMatchObject({ state: 'finished', stage: 'nvt', step: 100, error: null });

    const layout = jobLayout(workDir, `${keys.alice.address}.em-1`);
    // The minimisation ran with the validator's integrator and lowered the potential energy.
    const emMdp = await readFile(join(layout.runDir, 'em.mdp'), 'utf8');
    expect(emMdp).toMatch(/^\s*integrator\s*=\s*steep\s*$/m);
    const em = energySeries(
      parseEdr(new Uint8Array(await readFile(join(layout.runDir, 'em.edr')))),
      'Potential',
    ).values;
    expect(em.length).toBeGreaterThan(1);
    expect(em.at(-1)!).toBeLessThanOrEqual(em[0]!);
    // NVT ran from what the minimisation wrote.
    const minimised = readGroSummary(await readFile(join(layout.runDir, 'em.gro'), 'utf8'));
    expect(minimised.atomCount).toBe(fixture.spec.system.atomCount);
    const nvt = energySeries(
      parseEdr(new Uint8Array(await readFile(join(layout.runDir, 'nvt.edr')))),
      'Potential',
    );
    expect(nvt.steps.at(-1)).toBe(100);
  }, 300_000);
});
