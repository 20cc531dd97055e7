/**
 * Real jobs and real miner runs for the tests, the benchmark and the measurements. A job is
 * prepared with @fold/pdb-dataset (cached under `.fixtures/`, gitignored); miners' runs go
 * through @fold/gromacs-runner's runStages with the assigned stages and seed, exactly as the
 * miner app runs them, and the claimed frame is extracted and committed as the miner app does
 * (`trjconv -dump` from the stage's full-precision trajectory, commitment over its bytes).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pdbMirrorDir } from '@fold/devkit';
import {
  energySeries,
  extractFrame,
  Gmx,
  type MdpParams,
  mergeMdp,
  type RunStagesResult,
  readEdr,
  readTrr,
  runStages,
  type StageSpec,
} from '@fold/gromacs-runner';
import { type JobSpec, mirrorSource, prepareJob, readJobDir } from '@fold/pdb-dataset';
import { frameCommitment, sha256Hex } from '@fold/synapse';
import type { MinerArtefacts } from '../src/artefacts.js';
import { verifiableStages } from '../src/stage-params.js';

/** Where prepared jobs and runs are kept between test runs. */
export const FIXTURE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '.fixtures');

/** Well-known development addresses (public keys only). */
export const HOTKEYS = {
  alice: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
  bob: '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty',
  charlie: '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y',
  dave: '5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy',
} as const;

/** A prepared job: its directory and specification. */
export interface TestJob {
  readonly dir: string;
  readonly spec: JobSpec;
}

/**
 * Prepares (or reads from the cache) a job for a PDB entry. 1L2Y with seed 36 gives amber03 /
 * SPC/E in a 1.0 nm dodecahedron, 5,913 atoms: the cheapest system to simulate.
 */
export async function preparedJob(id = '1l2y', seed = 36): Promise<TestJob> {
  const dir = join(FIXTURE_ROOT, 'jobs', `${id}-${seed}`);
  if (!existsSync(join(dir, 'job.json'))) {
    await prepareJob({
      id,
      seed,
      source: mirrorSource({ dir: pdbMirrorDir() }),
      cacheDir: join(FIXTURE_ROOT, 'pdb-cache'),
      outDir: dir,
      scratchDir: join(FIXTURE_ROOT, 'scratch'),
    });
  }
  return { dir, spec: await readJobDir(dir) };
}

/** Step counts of the short test stages. */
export interface ShortStages {
  readonly nvt: number;
  readonly npt: number;
  readonly md: number;
}

/** The short stages the tests assign: the job's own parameters, fewer steps, verifiable outputs. */
export function shortStages(
  spec: JobSpec,
  steps: ShortStages = { nvt: 50, npt: 50, md: 250 },
  energyIntervalSteps = 50,
): StageSpec[] {
  return verifiableStages(
    spec.stages.map((s) => ({
      name: s.name,
      mdp: mergeMdp(s.mdp as MdpParams, { nsteps: steps[s.name as keyof ShortStages] ?? 50 }),
    })),
    { energyIntervalSteps },
  );
}

/** What a miner does to its assigned stages: full-precision frames at every energy frame. */
export function minerStages(assigned: readonly StageSpec[]): StageSpec[] {
  return assigned.map((s) => {
    const energy = (s.mdp.nstenergy as number | undefined) ?? 0;
    return energy > 0 ? { ...s, mdp: mergeMdp(s.mdp, { nstxout: energy, nstvout: energy }) } : s;
  });
}

/** Options of {@link minerRun}. */
export interface MinerRunOptions {
  readonly job: TestJob;
  readonly name: string;
  readonly seed: number;
  /** The stages as the miner runs them (default: {@link minerStages} of {@link shortStages}). */
  readonly stages?: readonly StageSpec[];
  /** Another topology to run with (an edited copy, say); default the job's. */
  readonly topology?: string;
  /** OpenMP threads (default 1). */
  readonly threads?: number;
  /** Keep a finished run from an earlier test run (default true). */
  readonly reuse?: boolean;
  /** Leave the seeds to the stages' own `gen-seed` and `ld-seed` instead of setting both to `seed`. */
  readonly seedsInStages?: boolean;
}

/** A finished miner run. */
export interface MinerRun {
  readonly dir: string;
  readonly result: RunStagesResult;
  readonly seed: number;
}

/** Runs (or reuses) a miner's job with the runner, as the miner app does. */
export async function minerRun(options: MinerRunOptions): Promise<MinerRun> {
  const { job } = options;
  const dir = join(FIXTURE_ROOT, 'runs', `${job.spec.pdbId}-${options.name}`);
  if (options.reuse === false) await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  const itps = job.spec.files.filter((f) => f.role === 'include').map((f) => join(job.dir, f.name));
  const result = await runStages({
    workDir: dir,
    input: {
      gro: join(job.dir, job.spec.structure),
      top: options.topology ?? join(job.dir, job.spec.topology),
      itps,
    },
    stages: options.stages ?? minerStages(shortStages(job.spec)),
    ...(options.seedsInStages ? {} : { seed: options.seed }),
    resources: { ntmpi: 1, ntomp: options.threads ?? 1, pin: 'off' },
  });
  return { dir, result, seed: options.seed };
}

/** A claim and its artefacts, as a validator receives them. */
export interface Submission {
  readonly claim: {
    readonly stage: string;
    readonly step: number;
    readonly potentialKjMol: number;
    readonly commitment: string;
    readonly committedAt: number;
  };
  readonly artefacts: Required<MinerArtefacts>;
}

/**
 * The artefacts a miner returns for one frame of a stage: the frame extracted as the miner app
 * does, its commitment, and the stage's .edr, .log and .tpr. With no step given, the frame of
 * lowest potential among those with `windowSteps` of the stage after them.
 */
export async function submission(
  run: MinerRun,
  options: {
    readonly jobId: string;
    readonly hotkey: string;
    readonly stage?: string;
    readonly step?: number;
    readonly windowSteps?: number;
    readonly committedAt?: number;
  },
): Promise<Submission> {
  const stageName = options.stage ?? 'md';
  const stage = run.result.stages.find((s) => s.name === stageName);
  if (!stage) throw new Error(`the run has no stage ${stageName}`);
  const potentials = energySeries(await readEdr(stage.files.edr), 'Potential');
  const frameSteps = new Set(await trrSteps(stage.files.trr));
  let step = options.step;
  if (step === undefined) {
    let best = Number.POSITIVE_INFINITY;
    potentials.steps.forEach((s, i) => {
      const v = potentials.values[i] as number;
      if (
        s > 0 &&
        frameSteps.has(s) &&
        s + (options.windowSteps ?? 100) <= stage.nsteps &&
        v < best
      ) {
        best = v;
        step = s;
      }
    });
  }
  if (step === undefined) throw new Error('no frame qualifies');
  const index = potentials.steps.indexOf(step);
  const dt = 0.002;
  const frameName = `best-${stageName}-${step}.trr`;
  const framePath = join(run.dir, frameName);
  if (!existsSync(framePath)) {
    await extractFrame({
      cwd: run.dir,
      trajectory: stage.files.trr,
      tpr: stage.files.tpr,
      timePs: step * dt,
      output: frameName,
      gmx: new Gmx(),
    });
  }
  const frame = new Uint8Array(await readFile(framePath));
  return {
    claim: {
      stage: stageName,
      step,
      potentialKjMol: potentials.values[index] as number,
      commitment: frameCommitment({
        jobId: options.jobId,
        minerHotkey: options.hotkey,
        frameSha256: sha256Hex(frame),
      }),
      committedAt: options.committedAt ?? 1_700_000_000_000,
    },
    artefacts: {
      frame,
      edr: new Uint8Array(await readFile(stage.files.edr)),
      log: new Uint8Array(await readFile(stage.files.log)),
      tpr: new Uint8Array(await readFile(stage.files.tpr)),
    },
  };
}

async function trrSteps(path: string): Promise<number[]> {
  return (await readTrr(path)).frames.map((f) => f.step);
}

/** A generous wall time for a short run: one hour. */
export const ONE_HOUR_MS = 3_600_000;
