import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisServerHandle, startRedisServer } from '@fold/devkit';
import type { ValidatorJob } from '@fold/job-store';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { submitJob } from '../src/api/submission.js';
import { jobLayout } from '../src/job-layout.js';
import { endJob } from '../src/job-lifecycle.js';
import { Validator } from '../src/validator.js';
import { fileLogger, testConfig } from './helpers.js';

// Retention against a real Redis: ended jobs are deleted (record, side keys, directory) once
// they ended more than jobRetentionDays ago; jobs still running are never touched.

const DAY_MS = 86_400_000;

let redis: RedisServerHandle;
let dir: string;
let validator: Validator;
let clockMs = Date.now();

const params = {
  forceField: 'charmm27' as const,
  water: 'tip3p' as const,
  box: 'dodecahedron' as const,
  boxDistanceNm: 1.0,
  ionConcentrationMolar: 0.1,
  temperatureK: 300,
  pressureBar: 1,
  stages: ['md' as const],
  mdSteps: 200,
};

const purge = () =>
  validator.tasks['purge-jobs']?.({
    task: 'purge-jobs',
    data: {},
    scheduledAtMs: clockMs,
    signal: new AbortController().signal,
  });

/** An ended job with what a job leaves behind: a directory, a verdict, a structure point. */
async function endedJob(): Promise<ValidatorJob> {
  const context = validator.context;
  const { jobId } = await submitJob(context, { pdbId: '1l2y', params });
  const layout = jobLayout(context.config.workDir, jobId);
  await mkdir(layout.bestDir, { recursive: true });
  await writeFile(join(layout.bestDir, 'best.gro'), 'a structure\n');
  await context.state.saveVerdictDetail(jobId, 1, 'c'.repeat(64), { accepted: true });
  await context.state.addStructurePoint(jobId, {
    at: Date.now(),
    uid: 1,
    hotkey: '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty',
    stage: 'md',
    step: 100,
    energyKjMol: -1,
    rmsdNm: 0.1,
    radiusOfGyrationNm: 0.7,
  });
  await endJob(context, jobId, 'cancelled', 'cancelled by its submitter');
  return context.jobs.require(jobId);
}

async function gone(job: ValidatorJob): Promise<boolean> {
  const context = validator.context;
  const layout = jobLayout(context.config.workDir, job.jobId);
  const record = await context.jobs.get(job.jobId);
  const verdicts = await context.state.verdictDetails(job.jobId);
  const structures = await context.state.structureSeries(job.jobId);
  const left = [
    record !== undefined,
    existsSync(layout.dir),
    verdicts.length > 0,
    structures.length > 0,
  ];
  if (left.every((x) => x)) return false;
  if (left.every((x) => !x)) return true;
  throw new Error(`${job.jobId} is half deleted: ${JSON.stringify(left)}`);
}

beforeAll(async () => {
  redis = await startRedisServer();
  dir = await mkdtemp(join(tmpdir(), 'fold-validator-retention-'));
  validator = await Validator.start(
    testConfig({
      workDir: join(dir, 'work'),
      redisUrl: redis.url,
      queueSize: 0,
      api: false,
      jobRetentionDays: 1,
    }),
    { logger: fileLogger(join(dir, 'validator.log')), now: () => clockMs, runTasks: false },
  );
}, 120_000);

afterAll(async () => {
  await validator?.stop();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
}, 60_000);

describe('purging ended jobs', () => {
  it('deletes each ended job once its retention has passed, and never a live one', async () => {
    const first = await endedJob();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const second = await endedJob();
    const live = await submitJob(validator.context, { pdbId: '1l2y', params });
    const firstEnded = first.endedAt ?? 0;
    const secondEnded = second.endedAt ?? 0;
    expect(secondEnded).toBeGreaterThan(firstEnded);

    clockMs = firstEnded + DAY_MS - 1;
    await purge();
    expect(await gone(first)).toBe(false);
    expect(await gone(second)).toBe(false);

    clockMs = secondEnded + DAY_MS - 1;
    await purge();
    expect(await gone(first)).toBe(true);
    expect(await gone(second)).toBe(false);

    clockMs = secondEnded + 365 * DAY_MS;
    await purge();
    expect(await gone(second)).toBe(true);
    expect((await validator.context.jobs.require(live.jobId)).status).toBe('pending');
  });
});
