import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RedisServerHandle } from '@fold/devkit';
import { energySeries, parseEdr } from '@fold/gromacs-runner';
import {
  type AxonTarget,
  Dendrite,
  FoldArtefacts,
  FoldAssign,
  FoldCancel,
  FoldProgress,
  resolveBundle,
  sha256Hex,
  verifyFrameCommitment,
} from '@fold/synapse';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jobLayout } from '../src/job-files.js';
import type { Miner } from '../src/miner.js';
import { estimateJobBytes, planStages } from '../src/stage-plan.js';
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

let redis: RedisServerHandle;
let workDir: string;
let miner: Miner;
let fixture: Fixture;
let keys: Awaited<ReturnType<typeof devKeys>>;
let alice: Dendrite;
let target: AxonTarget;

type Report = NonNullable<Awaited<ReturnType<typeof progressOf>>>;

async function progressOf(jobId: string, etag = '') {
  const result = await alice.call(target, FoldProgress, { jobs: { [jobId]: etag } });
  if (!result.ok) throw result.error;
  return result.response.progress[jobId];
}

async function waitForState(jobId: string, states: readonly string[], timeoutMs = 120_000) {
  return waitFor(
    `${jobId} to reach ${states.join('/')}`,
    async () => {
      const report = await progressOf(jobId);
      return report !== undefined && states.includes(report.state) ? report : undefined;
    },
    timeoutMs,
    500,
  );
}

beforeAll(async () => {
  [redis, fixture, keys] = await Promise.all([startRedis(), jobFixture(), devKeys()]);
  workDir = await scratchDir('flow');
  miner = await startMiner({
    ...testSettings(redis.url, workDir),
    devAllow: [keys.alice.address, keys.charlie.address],
    purgeAfterFetchMinutes: 0,
  });
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

describe('a miner with a real axon, Redis and gmx', () => {
  let finished: Report;
  const params = () => stageParams(fixture.spec, { nvt: 150, npt: 100, md: 150 });

  it('accepts a job, runs NVT, NPT and MD to their last step and reports from the store', async () => {
    const assigned = await alice.call(
      target,
      FoldAssign,
      assignRequest(fixture, 'flow-1', params()),
      {
        timeoutMs: 30_000,
      },
    );
    if (!assigned.ok) throw assigned.error;
    expect(assigned.response).toMatchObject({ accepted: true, reject_reason: null });

    const seenStages = new Set<string>();
    finished = await waitFor(
      'flow-1 to finish',
      async () => {
        const report = await progressOf('flow-1');
        if (report?.stage) seenStages.add(report.stage);
        if (report?.state === 'failed') throw new Error(`job failed: ${report.error}`);
        return report?.state === 'finished' ? report : undefined;
      },
      240_000,
      500,
    );
    expect(finished).toMatchObject({ state: 'finished', stage: 'md', step: 150, error: null });
    expect(seenStages.has('md')).toBe(true);
    expect(finished.best_commitment).toMatch(/^[0-9a-f]{64}$/);
    expect(finished.ns_per_day).toBeGreaterThan(0);
  }, 300_000);

  it('answers a repeated progress query with the job unchanged, and without files', async () => {
    const result = await alice.call(target, FoldProgress, { jobs: { 'flow-1': finished.etag } });
    if (!result.ok) throw result.error;
    expect(result.response.unchanged).toEqual(['flow-1']);
    expect(result.response.progress).toEqual({});
    expect(result.bytesReceived).toBeLessThan(2_000);
  });

  it('reports a job of another validator as unknown', async () => {
    const charlie = new Dendrite({ keypair: keys.charlie.pair });
    try {
      const result = await charlie.call(target, FoldProgress, { jobs: { 'flow-1': '' } });
      if (!result.ok) throw result.error;
      expect(result.response.unknown).toEqual(['flow-1']);
    } finally {
      charlie.close();
    }
  });

  it('serves the claimed frame with its stage files, and the frame matches the commitment and energy', async () => {
    const stage = finished.best_stage;
    const step = finished.best_step;
    if (stage === null || step === null) throw new Error('no best frame');
    const layout = jobLayout(workDir, `${keys.alice.address}.flow-1`);
    const tprBytes = new Uint8Array(await readFile(join(layout.runDir, `${stage}.tpr`)));
    const heldTpr = sha256Hex(tprBytes);
    const result = await alice.call(target, FoldArtefacts, {
      job_id: 'flow-1',
      stage,
      step,
      want: ['frame', 'edr', 'log', 'tpr'],
      held_sha256: [heldTpr],
    });
    if (!result.ok) throw result.error;
    const bundle = result.bundles.bundle;
    if (bundle === undefined) throw new Error('no bundle');
    expect(result.response).toMatchObject({ error: null, frame_step: step });
    expect(bundle.entries.find((e) => e.name === `${stage}.tpr`)?.method).toBe('reference');
    const files = resolveBundle(bundle, (sha) => (sha === heldTpr ? tprBytes : undefined));
    const frame = files.find((f) => f.name === result.response.files.frame);
    const edr = files.find((f) => f.name === result.response.files.edr);
    if (frame === undefined || edr === undefined) throw new Error('frame or edr missing');
    expect(
      verifyFrameCommitment(finished.best_commitment ?? '', {
        jobId: 'flow-1',
        minerHotkey: miner.hotkey,
        frameBytes: frame.bytes,
      }),
    ).toBe(true);
    // One frame with x and v: 5,933 atoms x 2 vectors x 12 bytes, plus its header.
    expect(frame.bytes.length).toBeGreaterThan(5_933 * 24);
    expect(frame.bytes.length).toBeLessThan(5_933 * 24 + 1_024);
    const potential = energySeries(parseEdr(edr.bytes), 'Potential');
    const at = potential.steps.indexOf(step);
    expect(potential.values[at]).toBe(finished.best_potential_energy_kj_mol);
  });

  it('claims the lowest potential energy of all frames of all stages', async () => {
    const layout = jobLayout(workDir, `${keys.alice.address}.flow-1`);
    let lowest = Number.POSITIVE_INFINITY;
    for (const stage of ['nvt', 'npt', 'md']) {
      const series = energySeries(
        parseEdr(await readFile(join(layout.runDir, `${stage}.edr`))),
        'Potential',
      );
      lowest = Math.min(lowest, ...series.values);
      // Each stage's full-precision trajectory is deleted once its best frame is extracted.
      expect(existsSync(join(layout.runDir, `${stage}.trr`))).toBe(false);
    }
    expect(finished.best_potential_energy_kj_mol).toBe(lowest);
  });

  it('refuses the artefacts of a frame it did not claim', async () => {
    const result = await alice.call(target, FoldArtefacts, {
      job_id: 'flow-1',
      stage: 'md',
      step: 7,
      want: ['frame'],
      held_sha256: [],
    });
    if (!result.ok) throw result.error;
    expect(result.response).toMatchObject({ bundle: null, error: 'frame_unavailable' });
  });

  it('purges a finished job after the validator fetched its artefacts', async () => {
    const layout = jobLayout(workDir, `${keys.alice.address}.flow-1`);
    await miner.housekeep();
    expect(existsSync(layout.dir)).toBe(false);
    expect((await progressOf('flow-1'))?.state).toBe('finished');
  });

  it('refuses a job beyond its slots with capacity, and takes it once a cancel frees the slot', async () => {
    const first = await alice.call(
      target,
      FoldAssign,
      assignRequest(fixture, 'cancel-1', stageParams(fixture.spec, { nvt: 5_000 })),
      { timeoutMs: 30_000 },
    );
    if (!first.ok) throw first.error;
    expect(first.response.accepted).toBe(true);
    await waitForState('cancel-1', ['running']);
    const refused = await alice.call(
      target,
      FoldAssign,
      assignRequest(fixture, 'cancel-2', stageParams(fixture.spec, { nvt: 50 })),
      { timeoutMs: 30_000 },
    );
    if (!refused.ok) throw refused.error;
    expect(refused.response).toEqual({ accepted: false, reject_reason: 'capacity', free_slots: 0 });

    const cancelled = await alice.call(target, FoldCancel, {
      job_id: 'cancel-1',
      reason: 'superseded',
    });
    if (!cancelled.ok) throw cancelled.error;
    expect(cancelled.response).toEqual({ cancelled: true, state: 'cancelled', free_slots: 1 });
    const layout = jobLayout(workDir, `${keys.alice.address}.cancel-1`);
    // The runner lets go (mdrun stopped), then housekeeping removes the files.
    await waitFor(
      'the cancelled job to be purged',
      () => (existsSync(layout.dir) ? undefined : true),
      60_000,
    );
    const again = await alice.call(
      target,
      FoldAssign,
      assignRequest(fixture, 'cancel-2', stageParams(fixture.spec, { nvt: 50 })),
      { timeoutMs: 30_000 },
    );
    if (!again.ok) throw again.error;
    expect(again.response.accepted).toBe(true);
    await waitForState('cancel-2', ['finished'], 120_000);
  }, 240_000);
});

describe('disk quota and deadlines', () => {
  let quotaDir: string;
  let quotaMiner: Miner;
  let quotaTarget: AxonTarget;
  const shortParams = () => stageParams(fixture.spec, { nvt: 3_000 });

  beforeAll(async () => {
    quotaDir = await scratchDir('quota');
    const inputBytes = fixture.files.reduce((sum, f) => sum + f.bytes.length, 0);
    const estimate = estimateJobBytes(
      planStages(shortParams(), { minFrameIntervalSteps: 0 }),
      fixture.spec.system.atomCount,
      inputBytes,
    );
    // Room for one such job's estimate but not two.
    quotaMiner = await startMiner({
      ...testSettings(redis.url, quotaDir),
      redisPrefix: 'fold:miner:quota',
      devAllow: [keys.alice.address],
      maxQueuedJobs: 3,
      diskQuotaBytes: Math.round(estimate * 1.5),
    });
    quotaTarget = quotaMiner.axonInfo as AxonTarget;
  }, 60_000);

  afterAll(async () => {
    await quotaMiner?.stop();
    await cleanup(quotaDir);
  });

  it('refuses a job whose disk estimate would not fit beside the running ones', async () => {
    const first = await alice.call(
      quotaTarget,
      FoldAssign,
      assignRequest(fixture, 'quota-1', shortParams(), { deadlineMs: 6_000 }),
      { timeoutMs: 30_000 },
    );
    if (!first.ok) throw first.error;
    expect(first.response.accepted).toBe(true);
    const second = await alice.call(
      quotaTarget,
      FoldAssign,
      assignRequest(fixture, 'quota-2', shortParams()),
      { timeoutMs: 30_000 },
    );
    if (!second.ok) throw second.error;
    // Slots are free (three may wait), the disk is not.
    expect(second.response).toMatchObject({ accepted: false, reject_reason: 'capacity' });
    expect(second.response.free_slots).toBeGreaterThan(0);
  });

  it('stops a job at its deadline, frees its slot and its disk', async () => {
    const progress = async () => {
      const result = await alice.call(quotaTarget, FoldProgress, { jobs: { 'quota-1': '' } });
      if (!result.ok) throw result.error;
      return result.response;
    };
    const ended = await waitFor(
      'the deadline to stop quota-1',
      async () => {
        const answer = await progress();
        return answer.progress['quota-1']?.state === 'cancelled' ? answer : undefined;
      },
      60_000,
      500,
    );
    expect(ended.progress['quota-1']?.error).toMatch(/deadline/);
    expect(ended.progress['quota-1']?.step).toBeLessThan(3_000);
    expect(ended.free_slots).toBe(4);
    const layout = jobLayout(quotaDir, `${keys.alice.address}.quota-1`);
    await waitFor('its files to go', () => (existsSync(layout.dir) ? undefined : true), 60_000);
    const again = await alice.call(
      quotaTarget,
      FoldAssign,
      assignRequest(fixture, 'quota-2', stageParams(fixture.spec, { nvt: 20 })),
      { timeoutMs: 30_000 },
    );
    if (!again.ok) throw again.error;
    expect(again.response.accepted).toBe(true);
  }, 120_000);
});
