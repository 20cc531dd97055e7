import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RedisServerHandle } from '@fold/devkit';
import { energySeries, parseEdr } from '@fold/gromacs-runner';
import {
  type AxonTarget,
  Dendrite,
  FoldArtefacts,
  FoldAssign,
  FoldProgress,
  resolveBundle,
  verifyFrameCommitment,
} from '@fold/synapse';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jobLayout } from '../src/job-files.js';
import {
  assignRequest,
  cleanup,
  devKeys,
  type Fixture,
  jobFixture,
  type MinerProcess,
  readText,
  scratchDir,
  spawnMiner,
  stageParams,
  startRedis,
  waitFor,
} from './support.js';

const NVT_STEPS = 2_000;
const ENERGY_STEPS = 50;
const KILL_AFTER_STEP = 200;

let redis: RedisServerHandle;
let workDir: string;
let fixture: Fixture;
let keys: Awaited<ReturnType<typeof devKeys>>;
let alice: Dendrite;
const processes: MinerProcess[] = [];

function minerArgs(): string[] {
  return [
    'run',
    '--axon-host',
    '127.0.0.1',
    '--axon-port',
    '0',
    '--redis-url',
    redis.url,
    '--work-dir',
    workDir,
    '--cpus',
    '2',
    '--cpu-slots',
    '1',
    '--dev-allow',
    keys.alice.address,
    '--checkpoint-interval-minutes',
    '0.05',
    '--commit-interval-seconds',
    '0',
    '--progress-interval-seconds',
    '0.5',
    '--lock-duration-ms',
    '3000',
    '--stalled-interval-ms',
    '1000',
    '--log-level',
    'info',
  ];
}

async function startCli(): Promise<{ process: MinerProcess; target: AxonTarget }> {
  // The key travels in the environment, as the README advises, and must never reach the log.
  const started = spawnMiner(minerArgs(), { FOLD_MINER_HOTKEY_URI: '//Bob' });
  processes.push(started);
  const record = await started.waitForLog('the miner to start', (r) => r.msg === 'miner started');
  const axon = record.axon as { ip: string; port: number; hotkey: string };
  return { process: started, target: { ip: axon.ip, port: axon.port, hotkey: axon.hotkey } };
}

/** Whether a process runs (a zombie, exited but not reaped by its new parent, does not). */
async function alive(pid: number): Promise<boolean> {
  const stat = await readText(`/proc/${pid}/stat`);
  if (stat === undefined) return false;
  // pid (comm) state ...: the comm may hold spaces, the state follows its closing parenthesis.
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
}

beforeAll(async () => {
  [redis, fixture, keys] = await Promise.all([startRedis(), jobFixture(), devKeys()]);
  workDir = await scratchDir('kill');
  alice = new Dendrite({ keypair: keys.alice.pair });
}, 120_000);

afterAll(async () => {
  alice?.close();
  for (const p of processes) {
    if (p.child.exitCode === null && p.child.signalCode === null) {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  }
  await redis?.stop();
  await cleanup(workDir);
});

describe('fold-miner killed with SIGKILL mid-simulation', () => {
  it('resumes the job from its checkpoint after a restart and ends on the exact step', async () => {
    const first = await startCli();
    const assigned = await alice.call(
      first.target,
      FoldAssign,
      assignRequest(
        fixture,
        'survivor',
        stageParams(fixture.spec, { nvt: NVT_STEPS }, { energySteps: ENERGY_STEPS }),
      ),
      { timeoutMs: 30_000 },
    );
    if (!assigned.ok || !assigned.response.accepted) throw new Error('job refused');
    const progress = async (target: AxonTarget) => {
      const result = await alice.call(target, FoldProgress, { jobs: { survivor: '' } });
      return result.ok ? result.response.progress.survivor : undefined;
    };
    await waitFor(
      `NVT to pass step ${KILL_AFTER_STEP}`,
      async () => ((await progress(first.target))?.step ?? 0) >= KILL_AFTER_STEP || undefined,
      180_000,
      200,
    );
    const layout = jobLayout(workDir, `${keys.alice.address}.survivor`);
    const lock = JSON.parse((await readText(join(layout.runDir, '.fold-run.lock'))) ?? '{}') as {
      mdrunPid?: number;
    };
    first.process.child.kill('SIGKILL');
    await first.process.exited;
    // A runner killed with SIGKILL leaves its mdrun running; the next runner must stop it.
    const orphan = lock.mdrunPid;
    expect(orphan !== undefined && (await alive(orphan))).toBe(true);

    const second = await startCli();
    const resumed = await second.process.waitForLog(
      'the stage to resume',
      (r) => r.msg === 'stage running' && typeof r.startStep === 'number' && r.startStep > 0,
      120_000,
    );
    expect(resumed.attempt).toBeGreaterThanOrEqual(2);
    expect(orphan !== undefined && (await alive(orphan))).toBe(false);
    const done = await waitFor(
      'the job to finish',
      async () => {
        const report = await progress(second.target);
        if (report?.state === 'failed') throw new Error(`failed: ${report.error}`);
        return report?.state === 'finished' ? report : undefined;
      },
      240_000,
      500,
    );
    expect(done).toMatchObject({ stage: 'nvt', step: NVT_STEPS });

    const runState = JSON.parse((await readText(join(layout.runDir, 'fold-run.json'))) ?? '{}') as {
      stages: Record<string, { resumes: number }>;
    };
    expect(runState.stages.nvt?.resumes).toBeGreaterThanOrEqual(1);
    // Every energy frame once, in order, up to the last step: the continuation appended exactly.
    const steps = energySeries(
      parseEdr(await readFile(join(layout.runDir, 'nvt.edr'))),
      'Potential',
    ).steps;
    expect(steps).toEqual(
      Array.from({ length: NVT_STEPS / ENERGY_STEPS + 1 }, (_, i) => i * ENERGY_STEPS),
    );

    // The committed frame still matches its commitment after the crash.
    const artefacts = await alice.call(second.target, FoldArtefacts, {
      job_id: 'survivor',
      stage: done.best_stage ?? 'nvt',
      step: done.best_step ?? 0,
      want: ['frame'],
      held_sha256: [],
    });
    if (!artefacts.ok || artefacts.bundles.bundle === undefined) throw new Error('no artefacts');
    const [frame] = resolveBundle(artefacts.bundles.bundle);
    expect(
      verifyFrameCommitment(done.best_commitment ?? '', {
        jobId: 'survivor',
        minerHotkey: keys.bob.address,
        frameBytes: frame?.bytes ?? new Uint8Array(),
      }),
    ).toBe(true);

    for (const p of processes) expect(p.lines.join('\n')).not.toContain('//Bob');
  }, 600_000);

  it('stops on SIGTERM with the job checkpointed and back in the queue, as status shows', async () => {
    for (const p of processes) if (p.child.exitCode === null) p.child.kill('SIGTERM');
    await Promise.all(processes.map((p) => p.exited));
    const { process: running, target } = await startCli();
    const assigned = await alice.call(
      target,
      FoldAssign,
      assignRequest(fixture, 'paused', stageParams(fixture.spec, { nvt: NVT_STEPS })),
      { timeoutMs: 30_000 },
    );
    if (!assigned.ok || !assigned.response.accepted) throw new Error('job refused');
    const runDir = jobLayout(workDir, `${keys.alice.address}.paused`).runDir;
    await waitFor(
      'a first checkpoint',
      async () => ((await readText(join(runDir, 'nvt.cpt'))) === undefined ? undefined : true),
      120_000,
    );
    running.child.kill('SIGTERM');
    expect(await running.exited).toBe(0);
    const messages = running.records().map((r) => r.msg);
    expect(messages).toContain('simulation paused for shutdown; it resumes from its checkpoint');
    expect(messages).toContain('miner stopped');

    const status = spawnMiner(
      ['status', '--json', '--redis-url', redis.url, '--work-dir', workDir],
      {
        FOLD_MINER_HOTKEY_URI: '//Bob',
      },
    );
    expect(await status.exited).toBe(0);
    const snapshot = JSON.parse(status.lines.join('\n')) as {
      jobs: { validatorJobId: string; state: string; stage: string; step: number }[];
      counts: Record<string, number>;
    };
    const paused = snapshot.jobs.find((j) => j.validatorJobId === 'paused');
    expect(paused).toMatchObject({ state: 'queued', stage: 'nvt' });
    expect(paused?.step).toBeGreaterThan(0);
    expect(snapshot.counts.finished).toBe(1);
    expect(status.lines.join('\n')).not.toContain('//Bob');
  }, 300_000);
});
