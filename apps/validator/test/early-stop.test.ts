import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisServerHandle, startRedisServer } from '@fold/devkit';
import { connectJobStore, openMinerAssignments } from '@fold/job-store';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { submitJob } from '../src/api/submission.js';
import { Validator } from '../src/validator.js';
import { fileLogger, testConfig, waitFor, waitForJobEnd } from './helpers.js';
import { type CliProcess, startLocalMiner } from './processes.js';

// Early stopping with a real fold-miner process and no chain (a dry run on a static miner
// list): a job whose best does not improve within the early-stop period ends as early-stopped,
// and the miner still running it is told to stop, which frees its slot.

let dir: string;
let redis: RedisServerHandle;
let miner: CliProcess | undefined;
let validator: Validator;
const MINER_PREFIX = 'fold:miner:bob';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fold-validator-early-stop-'));
  redis = await startRedisServer();
  const bob = await startLocalMiner({
    name: 'bob',
    uri: '//Bob',
    redisUrl: redis.url,
    workDir: dir,
    core: 0,
  });
  miner = bob.process;
  validator = await Validator.start(
    testConfig({
      workDir: join(dir, 'validator'),
      redisUrl: redis.url,
      staticMiners: [`1:${bob.hotkey}@127.0.0.1:${bob.port}`],
      minersPerJob: 1,
      queueSize: 0,
      queryIntervalSeconds: 2,
      // Only the first result improves the best by half; after it, nothing does.
      improvementFraction: 0.5,
      earlyStopMinutes: 1,
      earlyStopMinUpdates: 0,
      weightsCheckSeconds: 600,
      taskLockSeconds: 5,
      taskStalledCheckSeconds: 2,
      api: false,
    }),
    { logger: fileLogger(join(dir, 'validator.log')) },
  );
}, 300_000);

afterAll(async () => {
  await validator?.stop();
  await miner?.stop();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
}, 120_000);

describe('early stopping', () => {
  it('ends a job that stops improving and cancels it on the miner still running it', async () => {
    const context = validator.context;
    const job = await submitJob(context, {
      pdbId: '1l2y',
      params: {
        forceField: 'amber03',
        water: 'spce',
        box: 'dodecahedron',
        boxDistanceNm: 1.0,
        stages: ['md'],
        // Far more than the test runs: the job can only end early.
        mdSteps: 5_000_000,
      },
    });
    const ended = await waitForJobEnd(context, job.jobId, 400_000);
    expect({ status: ended?.status, reason: ended?.statusReason }).toEqual({
      status: 'early-stopped',
      reason: expect.stringMatching(/^early stop: /),
    });
    expect(ended?.assignments.map((a) => [a.uid, a.state])).toEqual([[1, 'dropped']]);
    const state = (await context.state.minerStates(job.jobId)).get(1);
    expect(state?.delivered).toBe(true);

    // The miner was told: its run of the job is cancelled and its slot free again.
    const store = await connectJobStore({ url: redis.url, prefix: MINER_PREFIX });
    try {
      const assignments = openMinerAssignments(store);
      const cancelled = await waitFor(
        'the miner to cancel the job',
        async () => {
          const list = await assignments.listByState('cancelled');
          return list.some((a) => a.validatorJobId === state?.minerJobId) ? list : undefined;
        },
        60_000,
        1_000,
      );
      expect(cancelled.map((a) => a.validatorJobId)).toContain(state?.minerJobId);
      expect(await assignments.listByState('running')).toEqual([]);
    } finally {
      await store.close();
    }
  }, 600_000);
});
