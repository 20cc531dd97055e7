import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pdbMirrorDir, type RedisServerHandle, startRedisServer } from '@fold/devkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { CatalogSampler, endJob, fillQueue } from '../src/job-lifecycle.js';
import { Validator } from '../src/validator.js';
import { fileLogger, testConfig } from './helpers.js';

// The scheduling loop's supply of jobs, against Redis and the shared mirror's catalogue: the
// queue is topped up to queueSize live jobs, each a seeded sample of an id the mirror holds,
// never one a live job already uses, and a sample number is never used twice.

let dir: string;
let redis: RedisServerHandle;
let validator: Validator;

const QUEUE = 3;
const LIVE = ['pending', 'preparing', 'active'] as const;

beforeAll(async () => {
  redis = await startRedisServer();
  dir = await mkdtemp(join(tmpdir(), 'fold-validator-sampling-'));
  validator = await Validator.start(
    testConfig({
      workDir: join(dir, 'work'),
      redisUrl: redis.url,
      queueSize: QUEUE,
      pdbSource: 'mirror',
      api: false,
    }),
    { logger: fileLogger(join(dir, 'validator.log')), runTasks: false },
  );
});

afterAll(async () => {
  await validator?.stop();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

async function liveJobs() {
  const jobs = [];
  for (const status of LIVE) jobs.push(...(await validator.context.jobs.listByStatus(status)));
  return jobs;
}

function mirrorHolds(id: string): boolean {
  return existsSync(join(pdbMirrorDir(), 'mirror', id.slice(1, 3), `pdb${id}.ent.gz`));
}

describe('sampling jobs from the catalogue', () => {
  const sampler = () => new CatalogSampler(validator.context);

  it('tops the queue up to queueSize jobs of distinct ids the mirror holds', async () => {
    expect(await fillQueue(validator.context, sampler())).toBe(QUEUE);
    const jobs = await liveJobs();
    expect(jobs).toHaveLength(QUEUE);
    const ids = jobs.map((j) => j.proteinId);
    expect(new Set(ids).size).toBe(QUEUE);
    for (const id of ids) expect({ id, held: mirrorHolds(id) }).toEqual({ id, held: true });
    for (const job of jobs) {
      expect(job.jobId).toMatch(new RegExp(`^s\\d+-${job.proteinId}$`));
      expect(job.status).toBe('pending');
    }
  });

  it('adds nothing while the queue is full', async () => {
    expect(await fillQueue(validator.context, sampler())).toBe(0);
    expect(await liveJobs()).toHaveLength(QUEUE);
  });

  it('replaces an ended job with a new sample number and an id no live job uses', async () => {
    const before = await liveJobs();
    const ended = before[0]!;
    await endJob(validator.context, ended.jobId, 'cancelled', 'ended by the test');
    expect(await fillQueue(validator.context, sampler())).toBe(1);
    const after = await liveJobs();
    expect(after).toHaveLength(QUEUE);
    const added = after.find((j) => !before.some((b) => b.jobId === j.jobId))!;
    const numberOf = (jobId: string) => Number(/^s(\d+)-/.exec(jobId)![1]);
    expect(before.map((j) => numberOf(j.jobId))).not.toContain(numberOf(added.jobId));
    const others = after.filter((j) => j.jobId !== added.jobId).map((j) => j.proteinId);
    expect(others).not.toContain(added.proteinId);
    expect(mirrorHolds(added.proteinId)).toBe(true);
  });

  it('draws the same id for the same sample number, and never an excluded one', async () => {
    const first = await sampler().sample(41, new Set());
    expect(await sampler().sample(41, new Set())).toBe(first);
    const other = await sampler().sample(41, new Set([first]));
    expect(other).not.toBe(first);
    expect(mirrorHolds(other)).toBe(true);
  });
});
