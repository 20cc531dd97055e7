import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisServerHandle, startRedisServer } from '@fold/devkit';
import { connectJobStore, openMinerAssignments } from '@fold/job-store';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { submitJob } from '../src/api/submission.js';
import { Validator } from '../src/validator.js';
import type { VerdictRecord } from '../src/verification.js';
import { fileLogger, testConfig, waitForJobEnd } from './helpers.js';
import { type CliProcess, startLocalMiner } from './processes.js';

// Rebasing with two real fold-miner processes and no chain (a dry run on a static miner list):
// when the job's best verified result improves, the other miner is stopped and handed that
// structure as a new start (job id <job>-r1, a seed of its own), and its results there are
// verified against the rebased job.

const MD_STEPS = 5_000;

let dir: string;
let redis: RedisServerHandle;
const miners: CliProcess[] = [];
let validator: Validator;

async function startMiner(
  name: string,
  uri: string,
  core: number,
): Promise<{ hotkey: string; port: number }> {
  const miner = await startLocalMiner({ name, uri, redisUrl: redis.url, workDir: dir, core });
  miners.push(miner.process);
  return miner;
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fold-validator-rebase-'));
  redis = await startRedisServer();
  const [bob, charlie] = await Promise.all([
    startMiner('bob', '//Bob', 0),
    startMiner('charlie', '//Charlie', 1),
  ]);
  validator = await Validator.start(
    testConfig({
      workDir: join(dir, 'validator'),
      redisUrl: redis.url,
      staticMiners: [
        `1:${bob?.hotkey}@127.0.0.1:${bob?.port}`,
        `2:${charlie?.hotkey}@127.0.0.1:${charlie?.port}`,
      ],
      rebase: true,
      // At 150 K the miners relax steadily: the miner handed an earlier best lags the holder's
      // run by less than the fold preset's 1% until the holder's run ends.
      improvementFraction: 0.001,
      minersPerJob: 2,
      queueSize: 0,
      queryIntervalSeconds: 2,
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
  for (const m of miners) await m.stop();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
}, 120_000);

describe('rebasing a job on its best verified structure', () => {
  it('hands the other miner the best structure and verifies its results from there', async () => {
    const context = validator.context;
    const job = await submitJob(context, {
      pdbId: '1l2y',
      params: {
        forceField: 'charmm27',
        water: 'tip3p',
        box: 'dodecahedron',
        boxDistanceNm: 1.0,
        ionConcentrationMolar: 0.1,
        temperatureK: 150,
        pressureBar: 1,
        stages: ['md'],
        mdSteps: MD_STEPS,
      },
    });
    const ended = await waitForJobEnd(context, job.jobId, 400_000);
    expect(ended?.status).toBe('finished');
    // A generation handed out when the job had just ended is never sent: look at one that was.
    const rebased = [...(await context.state.minerStates(job.jobId)).values()].find(
      (s) => s.generation > 0 && s.delivered,
    );
    if (rebased === undefined) {
      throw new Error(
        `no miner was rebased: ${JSON.stringify({ status: ended?.status, reason: ended?.statusReason, assignments: ended?.assignments, verdicts: ended?.verdicts })}`,
      );
    }
    expect(rebased.delivered).toBe(true);
    expect(rebased.minerJobId).toBe(`${job.jobId}-r${rebased.generation}`);

    // The rebased miner ran the new generation: its first run was stopped, the second ran.
    const name = rebased.uid === 1 ? 'bob' : 'charlie';
    const store = await connectJobStore({ url: redis.url, prefix: `fold:miner:${name}` });
    const assignments = openMinerAssignments(store);
    const all = [
      ...(await assignments.listByState('finished')),
      ...(await assignments.listByState('cancelled')),
    ];
    await store.close();
    const holder = (await context.state.verdictDetails(job.jobId)) as VerdictRecord[];
    // One run per generation it was handed, in order; a generation superseded by the next rebase
    // before a progress round delivered it is never handed out. The last ran to its end, earlier
    // ones were stopped by the next rebase (or had just finished when it came).
    const generationOf = (id: string): number =>
      id === job.jobId ? 0 : Number(id.slice(`${job.jobId}-r`.length));
    const runs = all
      .map((a) => [a.validatorJobId, a.state] as const)
      .sort(([a], [b]) => generationOf(a) - generationOf(b));
    expect(runs.length).toBeGreaterThan(1);
    for (const [id] of runs.slice(1)) expect(id).toMatch(new RegExp(`^${job.jobId}-r[1-9][0-9]*$`));
    const generations = runs.map(([id]) => generationOf(id));
    expect(generations[0]).toBe(0);
    expect(new Set(generations).size).toBe(generations.length);
    expect(generations.at(-1)).toBe(rebased.generation);
    expect(runs.at(-1)?.[1]).toBe('finished');
    for (const [, state] of runs.slice(0, -1)) expect(['cancelled', 'finished']).toContain(state);
    // The first best came from the other miner's original run; after the rebase, the rebased
    // miner's results are judged against the rebased job.
    expect(holder.some((v) => v.generation === 0 && v.accepted && v.uid !== rebased.uid)).toBe(
      true,
    );
    const later = holder.filter((v) => v.generation > 0);
    expect(later.length).toBeGreaterThan(0);
    expect(later.filter((v) => !v.accepted).map((v) => v.reasons)).toEqual([]);
    // The structure series starts from the original run's best.
    expect((await context.state.structureSeries(job.jobId)).length).toBeGreaterThan(0);
  }, 900_000);
});
