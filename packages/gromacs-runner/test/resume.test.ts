import { existsSync, readFileSync } from 'node:fs';
import { readFile, readlink, truncate } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import {
  energySeries,
  GmxAbortedError,
  GmxCommandError,
  type PreparedSystem,
  prepareSystem,
  type RunStagesOptions,
  readEdr,
  runStages,
  type StageProgress,
  stagePreset,
} from '../src/index.js';
import { cleanProteinPdb, tempDir } from './structures.js';

// Interrupting real mdrun processes of 1L2Y NVT in every way a miner meets: its mdrun killed
// with SIGKILL, a cancellation, the runner process itself killed, a checkpoint torn by a crash.
// Checkpoints every 0.3 s of wall time so that interruptions find one.
const ENERGY_STEPS = 50;

function alive(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

async function mdrunPid(workDir: string): Promise<number | null> {
  try {
    const lock = JSON.parse(await readFile(join(workDir, '.fold-run.lock'), 'utf8')) as {
      mdrunPid: number | null;
    };
    return lock.mdrunPid;
  } catch {
    return null;
  }
}

async function expectExactSteps(edr: string, nsteps: number): Promise<void> {
  const steps = energySeries(await readEdr(edr, { allowTruncated: false }), 'Potential').steps;
  // Every energy frame exactly once, from step 0 to the last: nothing lost, nothing repeated.
  expect(steps).toEqual(
    Array.from({ length: nsteps / ENERGY_STEPS + 1 }, (_, i) => i * ENERGY_STEPS),
  );
}

describe('resuming NVT of 1L2Y after interruptions', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let system: PreparedSystem;

  const options = (name: string, nsteps: number): RunStagesOptions => ({
    workDir: join(dir.path, name),
    input: { gro: system.gro, top: system.top, itps: system.itps },
    stages: [
      {
        name: 'nvt',
        mdp: stagePreset('nvt', {
          nsteps,
          outputs: {
            energySteps: ENERGY_STEPS,
            logSteps: 100,
            compressedSteps: 0,
            fullPrecisionSteps: 500,
          },
        }),
      },
    ],
    seed: 99,
    checkpointIntervalMinutes: 0.005,
    resources: { ntmpi: 1, ntomp: 1, pin: 'off' },
    progressIntervalMs: 100,
    killGraceMs: 10_000,
  });

  beforeAll(async () => {
    dir = await tempDir('resume');
    system = await prepareSystem({
      pdbText: cleanProteinPdb('1l2y'),
      workDir: join(dir.path, 'prep'),
      forceField: 'charmm27',
      water: 'tip3p',
      box: 'dodecahedron',
      resources: { ntmpi: 1, ntomp: 1, pin: 'off' },
    });
  }, 120_000);

  afterAll(async () => {
    await dir?.remove();
  });

  it('finishes with exactly nsteps after mdrun was killed with SIGKILL mid-stage', async () => {
    const o = options('kill-mdrun', 1000);
    let killedAt: number | null = null;
    const first = runStages({
      ...o,
      onProgress: (p) => {
        if (killedAt === null && p.step >= 300 && existsSync(join(o.workDir, 'nvt.cpt'))) {
          killedAt = p.step;
          void mdrunPid(o.workDir).then((pid) => pid !== null && process.kill(pid, 'SIGKILL'));
        }
      },
    });
    await expect(first).rejects.toThrow(GmxCommandError);
    await expect(first).rejects.toMatchObject({
      subcommand: 'mdrun',
      exitCode: null,
      details: { signal: 'SIGKILL' },
    });
    expect(killedAt).not.toBeNull();

    const resumed: StageProgress[] = [];
    const result = await runStages({ ...o, onProgress: (p) => resumed.push(p) });
    expect(result.completed).toBe(true);
    expect(result.stages[0]).toMatchObject({ status: 'completed', lastStep: 1000, resumes: 1 });
    expect(resumed[0]?.startStep).toBeGreaterThan(0);
    await expectExactSteps(join(o.workDir, 'nvt.edr'), 1000);
    expect(await readFile(join(o.workDir, 'nvt.log'), 'utf8')).toContain(
      'Restarting from checkpoint',
    );
  }, 180_000);

  it('stops mdrun cleanly on cancellation, then continues from its checkpoint', async () => {
    const o = options('cancel', 1000);
    const controller = new AbortController();
    const first = runStages({
      ...o,
      signal: controller.signal,
      onProgress: (p) => {
        if (p.step >= 300) controller.abort(new Error('operator asked to stop'));
      },
    });
    await expect(first).rejects.toThrow(GmxAbortedError);
    await expect(first).rejects.toMatchObject({
      code: 'ABORTED',
      details: { stage: 'nvt', checkpoint: join(o.workDir, 'nvt.cpt') },
    });
    // mdrun wrote a final checkpoint on SIGTERM and left the directory free.
    expect(await readFile(join(o.workDir, 'nvt.log'), 'utf8')).toMatch(
      /Received the (TERM|INT) signal/,
    );
    expect(existsSync(join(o.workDir, '.fold-run.lock'))).toBe(false);

    const result = await runStages(o);
    expect(result.stages[0]).toMatchObject({ status: 'completed', lastStep: 1000, resumes: 1 });
    await expectExactSteps(join(o.workDir, 'nvt.edr'), 1000);
  }, 180_000);

  it('stops the mdrun left behind by a runner killed with SIGKILL before resuming', async () => {
    const o = options('kill-runner', 2000);
    const child = execa(
      'node',
      [fileURLToPath(new URL('./run-stages-child.mjs', import.meta.url)), JSON.stringify(o)],
      {
        reject: false,
        lines: true,
        buffer: false,
      },
    );
    let orphan: number | null = null;
    // Keep reading until the child is gone: leaving its output pipe unread would make its next
    // write fail, and a runner that exits on an error stops its mdrun itself (the clean case).
    for await (const line of child) {
      if (orphan !== null) continue;
      const p = JSON.parse(String(line)) as StageProgress;
      if (p.step >= 300 && existsSync(join(o.workDir, 'nvt.cpt'))) {
        orphan = await mdrunPid(o.workDir);
        child.kill('SIGKILL');
      }
    }
    await child;
    expect(orphan).not.toBeNull();
    // A runner killed with SIGKILL leaves its mdrun running, still writing into the directory.
    expect(alive(orphan as number)).toBe(true);
    expect(await readlink(`/proc/${orphan}/cwd`)).toBe(o.workDir);

    const result = await runStages(o);
    expect(alive(orphan as number)).toBe(false);
    expect(result.stages[0]).toMatchObject({ status: 'completed', lastStep: 2000 });
    await expectExactSteps(join(o.workDir, 'nvt.edr'), 2000);
  }, 240_000);

  it('falls back from a torn checkpoint and still ends on exactly nsteps', async () => {
    const o = options('torn', 1000);
    let killed = false;
    const first = runStages({
      ...o,
      onProgress: (p) => {
        if (!killed && p.step >= 500 && existsSync(join(o.workDir, 'nvt_prev.cpt'))) {
          killed = true;
          void mdrunPid(o.workDir).then((pid) => pid !== null && process.kill(pid, 'SIGKILL'));
        }
      },
    });
    await expect(first).rejects.toThrow(GmxCommandError);
    // What a machine losing power in the middle of a checkpoint write leaves behind.
    await truncate(join(o.workDir, 'nvt.cpt'), 1000);

    const result = await runStages(o);
    expect(result.stages[0]).toMatchObject({ status: 'completed', lastStep: 1000 });
    expect(existsSync(join(o.workDir, 'nvt.cpt.corrupt'))).toBe(true);
    await expectExactSteps(join(o.workDir, 'nvt.edr'), 1000);
  }, 180_000);

  it('stops cleanly at maxHours with a resumable stage, then finishes on the next call', async () => {
    const o = options('max-hours', 1000);
    // A budget spent before mdrun starts leaves the stage pending, its run input made; the next
    // call reuses that input, so its whole budget goes to mdrun even on a busy machine (grompp
    // alone can take longer than the 0.36 s below).
    const spent = await runStages({ ...o, maxHours: 0 });
    expect(spent.completed).toBe(false);
    expect(spent.stages[0]?.status).toBe('pending');
    // 0.36 s of mdrun: stops (exit 0) at the next neighbour-search step after 99% of that.
    const first = await runStages({ ...o, maxHours: 0.0001 });
    expect(first.completed).toBe(false);
    expect(first.stages[0]?.status).toBe('stopped');
    expect(first.stages[0]?.lastStep).toBeLessThan(1000);

    const second = await runStages(o);
    expect(second.stages[0]).toMatchObject({ status: 'completed', lastStep: 1000, resumes: 1 });
    await expectExactSteps(join(o.workDir, 'nvt.edr'), 1000);
  }, 180_000);
});
