import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, stat } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { readEdr } from './edr.js';
import {
  GmxAbortedError,
  GmxCommandError,
  InvalidInputError,
  RunStateMismatchError,
} from './errors.js';
import { Gmx } from './gmx.js';
import { assertFileName, assertNumber, readFileLimited } from './inputs.js';
import {
  type MinimizationResult,
  parseCheckpointSteps,
  parseLastLogStep,
  parseMinimizationLog,
  parsePerformance,
} from './md-log.js';
import {
  getMdpNumber,
  getMdpWord,
  type MdpParams,
  mergeMdp,
  renderMdp,
  validateMdpParams,
} from './mdp.js';
import type { GmxOptions } from './process.js';
import { type ProgressListener, ProgressWatcher } from './progress.js';
import type { MdrunResources } from './resources.js';
import { checkTopologyIncludes } from './topology.js';
import { WorkDirLock } from './work-lock.js';

/** A system to simulate: coordinates, topology and the topology's local includes. */
export interface SystemFiles {
  /** Starting coordinates (.gro), e.g. {@link PreparedSystem.gro}. */
  readonly gro: string;
  /** Topology (.top). Its `#include`s may name the `itps` (by file name) and force-field files only. */
  readonly top: string;
  /** Files the topology includes (position restraints, per-chain topologies); copied beside it under the same names. */
  readonly itps?: readonly string[];
}

/** One stage of a run. */
export interface StageSpec {
  /** Stage name, also the prefix of its files (`nvt` -> `nvt.tpr`, `nvt.edr`, ...). */
  readonly name: string;
  /** Its complete parameter set (see {@link stagePreset} for the recipe's). */
  readonly mdp: MdpParams;
}

/** Options of {@link runStages}. */
export interface RunStagesOptions {
  /** Directory of the run; the same directory resumes the same run. */
  readonly workDir: string;
  /** The system; copied into `workDir` on the first call. */
  readonly input: SystemFiles;
  /** Stages in order, each starting from the previous one's final coordinates (and checkpoint, for dynamics). */
  readonly stages: readonly StageSpec[];
  /** Written as `gen-seed` and `ld-seed` into every stage (overriding the stage's own), 0..2^31-1. */
  readonly seed?: number;
  /** Threads, pinning, GPU (see {@link planResources}); default: mdrun's own choice with one rank. */
  readonly resources?: MdrunResources;
  /** Minutes between checkpoints (`mdrun -cpt`); default 1. Fractions are allowed (0.05 = 3 s). */
  readonly checkpointIntervalMinutes?: number;
  /** Stop cleanly after about this many hours of this call (`mdrun -maxh`); the result then says `completed: false`. */
  readonly maxHours?: number;
  /** grompp warnings tolerated per stage (default 0). */
  readonly maxWarnings?: number;
  /** Cancels the run: mdrun gets SIGTERM (it writes a checkpoint and stops), SIGKILL after `killGraceMs`. */
  readonly signal?: AbortSignal;
  /** Grace between SIGTERM and SIGKILL, ms (default 20,000). */
  readonly killGraceMs?: number;
  /** Progress callback; see {@link StageProgress}. */
  readonly onProgress?: ProgressListener;
  /** How often progress is read from the energy file, ms (default 1000). */
  readonly progressIntervalMs?: number;
  /** Which gmx to run; a {@link Gmx} or its options (default: `FOLD_GMX` or `gmx` on PATH). */
  readonly gmx?: Gmx | GmxOptions;
}

/** Files of a stage, absolute paths (some exist only if the parameters ask for them). */
export interface StageFiles {
  readonly mdp: string;
  readonly tpr: string;
  readonly log: string;
  readonly edr: string;
  /** Final coordinates, present once the stage completed. */
  readonly gro: string;
  /** Checkpoint (dynamics). */
  readonly cpt: string;
  /** Full-precision frames (`nstxout`/`nstvout`). */
  readonly trr: string;
  /** Compressed frames (`nstxout-compressed`). */
  readonly xtc: string;
}

/** Where a stage stands. */
export interface StageResult {
  readonly name: string;
  /** `completed`: ran to its last step; `stopped`: stopped early by `maxHours` (resumable); `pending`: not started. */
  readonly status: 'completed' | 'stopped' | 'pending';
  /** Steps asked for (EM: the maximum). */
  readonly nsteps: number;
  /** Last step reached; null when not started. */
  readonly lastStep: number | null;
  /** Potential energy at `lastStep`, kJ/mol; null when unknown. */
  readonly potentialKjMol: number | null;
  /** Speed mdrun reported for its last process, ns/day (dynamics only). */
  readonly nsPerDay: number | null;
  /** How often this stage was continued from a checkpoint. */
  readonly resumes: number;
  /** EM summary, for minimisation stages. */
  readonly minimization: MinimizationResult | null;
  readonly files: StageFiles;
}

/** The outcome of {@link runStages}. */
export interface RunStagesResult {
  readonly workDir: string;
  /** True when every stage completed. */
  readonly completed: boolean;
  readonly stages: readonly StageResult[];
}

/** Largest coordinate file {@link runStages} accepts, bytes (about 3 million atoms). */
export const MAX_GRO_BYTES = 256 * 1024 * 1024;
/** Largest topology or include file {@link runStages} accepts, bytes. */
export const MAX_TOPOLOGY_BYTES = 64 * 1024 * 1024;

/** Name of the state file kept in a run's work directory. */
export const RUN_STATE_FILE = 'fold-run.json';

interface StageState {
  status: 'ready' | 'completed';
  result?: StageResult;
  resumes: number;
}

interface RunState {
  version: 1;
  specHash: string;
  stages: Record<string, StageState>;
}

const STAGE_NAME = /^[a-z][a-z0-9_-]{0,31}$/;
const RESERVED_NAMES = new Set(['input', 'topol', 'mdout']);
const MINIMIZERS = new Set(['steep', 'cg', 'l-bfgs', 'nm']);
const DYNAMICS = new Set(['md', 'md-vv', 'md-vv-avek', 'sd', 'bd']);

function sha256(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

function stageFiles(workDir: string, name: string): StageFiles {
  const f = (ext: string) => join(workDir, `${name}.${ext}`);
  return {
    mdp: f('mdp'),
    tpr: f('tpr'),
    log: f('log'),
    edr: f('edr'),
    gro: f('gro'),
    cpt: f('cpt'),
    trr: f('trr'),
    xtc: f('xtc'),
  };
}

interface PlannedStage {
  readonly name: string;
  readonly mdp: MdpParams;
  readonly mdpText: string;
  readonly kind: 'minimization' | 'dynamics';
  readonly nsteps: number;
  /** The step mdrun ends on: `init-step + nsteps`. */
  readonly lastStep: number;
  readonly restrained: boolean;
  readonly generatesVelocities: boolean;
}

function planStage(spec: StageSpec, seed: number | undefined): PlannedStage {
  if (
    typeof spec?.name !== 'string' ||
    !STAGE_NAME.test(spec.name) ||
    RESERVED_NAMES.has(spec.name)
  ) {
    throw new InvalidInputError(
      'stages.name',
      `'${String(spec?.name)}' is not an allowed stage name (a-z, 0-9, _, -)`,
    );
  }
  const checked = validateMdpParams(spec.mdp);
  const mdp =
    seed === undefined ? checked : mergeMdp(checked, { 'gen-seed': seed, 'ld-seed': seed });
  const integrator = getMdpWord(mdp, 'integrator') ?? 'md';
  const kind = MINIMIZERS.has(integrator)
    ? 'minimization'
    : DYNAMICS.has(integrator)
      ? 'dynamics'
      : null;
  if (kind === null) {
    throw new InvalidInputError(
      `stages.${spec.name}.integrator`,
      `integrator '${integrator}' is not supported in staged runs`,
    );
  }
  const nsteps = getMdpNumber(mdp, 'nsteps');
  if (nsteps === undefined || !Number.isInteger(nsteps) || nsteps < 0) {
    throw new InvalidInputError(
      `stages.${spec.name}.nsteps`,
      'give a non-negative nsteps so that the stage has an end',
    );
  }
  const initStep = getMdpNumber(mdp, 'init-step') ?? 0;
  const define = getMdpWord(mdp, 'define') ?? '';
  return {
    name: spec.name,
    mdp,
    mdpText: renderMdp(mdp, { comment: `stage ${spec.name}` }),
    kind,
    nsteps,
    lastStep: initStep + nsteps,
    restrained: /(^|\s)-dposres/.test(define),
    generatesVelocities: getMdpWord(mdp, 'gen-vel') === 'yes',
  };
}

async function readState(path: string): Promise<RunState | null> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw error;
  }
  let parsed: RunState;
  try {
    parsed = JSON.parse(text) as RunState;
  } catch (cause) {
    throw new RunStateMismatchError(
      resolve(path, '..'),
      `${RUN_STATE_FILE} is not valid JSON; was it edited?`,
      {
        cause: String(cause),
      },
    );
  }
  if (
    parsed?.version !== 1 ||
    typeof parsed.specHash !== 'string' ||
    typeof parsed.stages !== 'object'
  ) {
    throw new RunStateMismatchError(
      resolve(path, '..'),
      `${RUN_STATE_FILE} is not a run state this version understands`,
    );
  }
  return parsed;
}

async function lastEnergy(edr: string): Promise<{ step: number; potential: number | null } | null> {
  if (!existsSync(edr)) return null;
  const data = await readEdr(edr, { allowTruncated: true });
  const frame = data.frames[data.frames.length - 1];
  if (!frame) return null;
  const index = data.terms.findIndex((t) => t.name === 'Potential');
  return { step: frame.step, potential: index >= 0 ? (frame.values[index] ?? null) : null };
}

async function lastStepReached(
  files: StageFiles,
): Promise<{ step: number | null; potential: number | null }> {
  const energy = await lastEnergy(files.edr);
  const log = existsSync(files.log) ? parseLastLogStep(await readFile(files.log, 'utf8')) : null;
  const steps = [energy?.step, log?.step].filter((s): s is number => typeof s === 'number');
  return {
    step: steps.length > 0 ? Math.max(...steps) : null,
    potential: energy?.potential ?? null,
  };
}

function isCheckpointProblem(error: unknown): boolean {
  return error instanceof GmxCommandError && /checkpoint/i.test(error.fatalError ?? '');
}

/**
 * Runs stages (typically EM -> NVT -> NPT -> MD) in one work directory, each from the previous
 * stage's final coordinates, dynamics also from its checkpoint (`grompp -t`) unless the stage
 * draws new velocities. Restrained stages (`define = -DPOSRES`) get their starting coordinates as
 * the restraint reference (`grompp -r`).
 *
 * Resumable: a state file (`fold-run.json`) records the inputs' and parameters' hash and which
 * stages are done. Calling `runStages` again with the same options on the same directory — after
 * a crash, a kill -9 of mdrun or of this process, a reboot, a cancellation or a `maxHours` stop —
 * skips finished stages and continues the current one from its last checkpoint (`mdrun -cpi`,
 * appending to its outputs), so the stage ends on exactly its requested step. A corrupt checkpoint
 * falls back to the previous one (`<stage>_prev.cpt`), then to restarting the stage.
 *
 * @returns every stage's status, files, last step and potential energy.
 * @throws {GmxAbortedError} when `signal` aborted (the current stage keeps a checkpoint).
 * @throws {RunStateMismatchError} when `workDir` holds a run of other inputs or parameters.
 * @throws {RunLockedError} when another live process runs in `workDir`.
 * @throws {InvalidInputError | MdpError} for refused options, file names or parameters.
 * @throws {GmxCommandError} (and subclasses) when a gmx step fails.
 */
export async function runStages(options: RunStagesOptions): Promise<RunStagesResult> {
  const workDir = resolve(options.workDir);
  if (!Array.isArray(options.stages) || options.stages.length === 0) {
    throw new InvalidInputError('stages', 'give at least one stage');
  }
  const seed =
    options.seed === undefined
      ? undefined
      : assertNumber('seed', options.seed, { min: 0, max: 2 ** 31 - 1, integer: true });
  const planned = options.stages.map((s) => planStage(s, seed));
  const names = new Set(planned.map((s) => s.name));
  if (names.size !== planned.length)
    throw new InvalidInputError('stages', 'stage names must be distinct');
  const checkpointMinutes = assertNumber(
    'checkpointIntervalMinutes',
    options.checkpointIntervalMinutes ?? 1,
    { min: 0, max: 1e6 },
  );
  const maxHours =
    options.maxHours === undefined
      ? undefined
      : assertNumber('maxHours', options.maxHours, { min: 0 });
  const killGraceMs = assertNumber('killGraceMs', options.killGraceMs ?? 20_000, {
    min: 0,
    max: 3_600_000,
  });
  const progressMs = assertNumber('progressIntervalMs', options.progressIntervalMs ?? 1000, {
    min: 10,
    max: 3_600_000,
  });

  // Inputs: read, check names and includes, hash.
  const itpPaths = options.input.itps ?? [];
  const itpNames = itpPaths.map((p) => assertFileName('input.itps', basename(p)));
  for (const n of itpNames) {
    if (n === 'topol.top' || n === 'input.gro' || planned.some((s) => n.startsWith(`${s.name}.`))) {
      throw new InvalidInputError('input.itps', `'${n}' clashes with a file the run writes`);
    }
  }
  if (new Set(itpNames).size !== itpNames.length)
    throw new InvalidInputError('input.itps', 'two includes share a file name');
  const groText = await readFileLimited('input.gro', options.input.gro, MAX_GRO_BYTES);
  const topText = (
    await readFileLimited('input.top', options.input.top, MAX_TOPOLOGY_BYTES)
  ).toString('utf8');
  const includes = checkTopologyIncludes(topText, 'input.top');
  const itpTexts = await Promise.all(
    itpPaths.map(async (p, i) =>
      (await readFileLimited(`input.itps[${i}]`, p, MAX_TOPOLOGY_BYTES)).toString('utf8'),
    ),
  );
  itpTexts.forEach((text, i) => {
    includes.push(...checkTopologyIncludes(text, `input.itps[${i}]`));
  });
  const missing = includes.filter((n) => !itpNames.includes(n));
  if (missing.length > 0) {
    throw new InvalidInputError(
      'input.itps',
      `the topology includes ${missing.join(', ')}, which are not among the itps`,
    );
  }
  const specHash = sha256(
    JSON.stringify({
      gro: sha256(groText),
      top: sha256(topText),
      itps: itpNames.map((n, i) => [n, sha256(itpTexts[i] ?? '')]),
      stages: planned.map((s) => [s.name, s.mdpText]),
    }),
  );

  await mkdir(workDir, { recursive: true });
  const lock = await WorkDirLock.acquire(workDir, { killGraceMs });
  try {
    const statePath = join(workDir, RUN_STATE_FILE);
    let state = await readState(statePath);
    if (state && state.specHash !== specHash) {
      throw new RunStateMismatchError(
        workDir,
        `${workDir} holds a run of other inputs or parameters; use a new work directory for a new run`,
        { expected: state.specHash, got: specHash },
      );
    }
    const saveState = async (s: RunState) =>
      writeFileAtomic(statePath, `${JSON.stringify(s, null, 2)}\n`);
    if (!state) {
      await writeFileAtomic(join(workDir, 'input.gro'), groText);
      await writeFileAtomic(join(workDir, 'topol.top'), topText);
      for (const [i, n] of itpNames.entries())
        await writeFileAtomic(join(workDir, n), itpTexts[i] ?? '');
      state = { version: 1, specHash, stages: {} };
      await saveState(state);
    }
    const gmx = options.gmx instanceof Gmx ? options.gmx : new Gmx(options.gmx ?? {});
    const startedMs = Date.now();
    const results: StageResult[] = [];
    let stoppedEarly = false;

    for (const [index, stage] of planned.entries()) {
      const files = stageFiles(workDir, stage.name);
      const pending = (): StageResult => ({
        name: stage.name,
        status: 'pending',
        nsteps: stage.nsteps,
        lastStep: null,
        potentialKjMol: null,
        nsPerDay: null,
        resumes: state?.stages[stage.name]?.resumes ?? 0,
        minimization: null,
        files,
      });
      if (stoppedEarly) {
        results.push(pending());
        continue;
      }
      const recorded = state.stages[stage.name];
      if (recorded?.status === 'completed' && recorded.result && existsSync(files.gro)) {
        results.push(recorded.result);
        continue;
      }
      const previous = index > 0 ? planned[index - 1] : undefined;
      const coordinates = previous ? `${previous.name}.gro` : 'input.gro';
      if (options.signal?.aborted) {
        throw new GmxAbortedError(`run cancelled before stage ${stage.name}`, {
          details: { stage: stage.name },
        });
      }

      // 1. Run input, unless a previous call already made it for these parameters.
      if (recorded?.status !== 'ready' || !existsSync(files.tpr)) {
        await writeFileAtomic(files.mdp, stage.mdpText);
        const useCheckpoint =
          previous?.kind === 'dynamics' && stage.kind === 'dynamics' && !stage.generatesVelocities;
        await gmx.grompp({
          cwd: workDir,
          mdp: `${stage.name}.mdp`,
          coordinates,
          topology: 'topol.top',
          output: `${stage.name}.tpr`,
          ...(stage.restrained ? { restraintCoordinates: coordinates } : {}),
          ...(useCheckpoint && previous ? { checkpoint: `${previous.name}.cpt` } : {}),
          maxWarnings: options.maxWarnings ?? 0,
          ...(options.signal ? { signal: options.signal } : {}),
        });
        state.stages[stage.name] = { status: 'ready', resumes: 0 };
        await saveState(state);
      }
      const stageState = state.stages[stage.name] as StageState;

      // 2. mdrun, continuing from the checkpoint when there is one.
      const before =
        stage.kind === 'dynamics' ? await lastStepReached(files) : { step: null, potential: null };
      let result: StageResult;
      if (stage.kind === 'dynamics' && before.step === stage.lastStep && existsSync(files.gro)) {
        // Finished before the state file could record it (e.g. killed right at the end).
        result = await finishedResult(stage, files, stageState);
      } else {
        const hasCheckpoint = stage.kind === 'dynamics' && existsSync(files.cpt);
        if (hasCheckpoint) {
          stageState.resumes += 1;
          await saveState(state);
        }
        const startStep = hasCheckpoint
          ? (parseCheckpointSteps(
              existsSync(files.log) ? await readFile(files.log, 'utf8') : '',
            ).pop() ?? 0)
          : 0;
        const remainingHours =
          maxHours === undefined ? undefined : maxHours - (Date.now() - startedMs) / 3_600_000;
        if (remainingHours !== undefined && remainingHours <= 0) {
          stoppedEarly = true;
          results.push(pending());
          continue;
        }
        await runMdrun({
          gmx,
          lock,
          stage,
          files,
          index,
          stageCount: planned.length,
          startStep,
          hasCheckpoint,
          checkpointMinutes,
          remainingHours,
          killGraceMs,
          progressMs,
          options,
        });
        const reached = await lastStepReached(files);
        if (stage.kind === 'dynamics' && reached.step !== stage.lastStep) {
          // mdrun exits 0 when -maxh stops it: the stage is resumable, not failed.
          stoppedEarly = true;
          await saveState(state);
          const performance = parsePerformance(await readFile(files.log, 'utf8'));
          results.push({
            ...pending(),
            status: 'stopped',
            lastStep: reached.step,
            potentialKjMol: reached.potential,
            nsPerDay: performance?.nsPerDay ?? null,
          });
          continue;
        }
        result = await finishedResult(stage, files, stageState);
      }
      state.stages[stage.name] = { status: 'completed', result, resumes: stageState.resumes };
      await saveState(state);
      results.push(result);
    }
    return { workDir, completed: results.every((r) => r.status === 'completed'), stages: results };
  } finally {
    await lock.release();
  }
}

async function finishedResult(
  stage: PlannedStage,
  files: StageFiles,
  stageState: StageState,
): Promise<StageResult> {
  const logText = await readFile(files.log, 'utf8');
  if (stage.kind === 'minimization') {
    const minimization = parseMinimizationLog(logText);
    return {
      name: stage.name,
      status: 'completed',
      nsteps: stage.nsteps,
      lastStep: minimization.steps,
      potentialKjMol: minimization.potentialKjMol,
      nsPerDay: null,
      resumes: stageState.resumes,
      minimization,
      files,
    };
  }
  const reached = await lastStepReached(files);
  return {
    name: stage.name,
    status: 'completed',
    nsteps: stage.nsteps,
    lastStep: reached.step,
    potentialKjMol: reached.potential,
    nsPerDay: parsePerformance(logText)?.nsPerDay ?? null,
    resumes: stageState.resumes,
    minimization: null,
    files,
  };
}

interface MdrunCall {
  gmx: Gmx;
  lock: WorkDirLock;
  stage: PlannedStage;
  files: StageFiles;
  index: number;
  stageCount: number;
  startStep: number;
  hasCheckpoint: boolean;
  checkpointMinutes: number;
  remainingHours: number | undefined;
  killGraceMs: number;
  progressMs: number;
  options: RunStagesOptions;
}

async function runMdrun(call: MdrunCall): Promise<void> {
  const { gmx, lock, stage, files, options } = call;
  const workDir = resolve(options.workDir);
  const internal = new AbortController();
  let listenerError: unknown = null;
  const signal = options.signal
    ? AbortSignal.any([options.signal, internal.signal])
    : internal.signal;
  const watcher = options.onProgress
    ? new ProgressWatcher(
        files.edr,
        {
          stage: stage.name,
          stageIndex: call.index,
          stageCount: call.stageCount,
          nsteps: stage.nsteps,
          startStep: call.startStep,
          dynamics: stage.kind === 'dynamics',
        },
        options.onProgress,
        call.progressMs,
        (error) => {
          listenerError = error;
          internal.abort(error);
        },
      )
    : null;
  let pidWrite: Promise<void> = Promise.resolve();
  const attempt = (withCheckpoint: boolean) =>
    gmx.mdrun({
      cwd: workDir,
      deffnm: stage.name,
      kind: stage.kind,
      ...(withCheckpoint ? { checkpoint: `${stage.name}.cpt` } : {}),
      ...(stage.kind === 'dynamics' ? { checkpointIntervalMinutes: call.checkpointMinutes } : {}),
      ...(call.remainingHours !== undefined ? { maxHours: call.remainingHours } : {}),
      resources: options.resources ?? { ntmpi: 1 },
      signal,
      killGraceMs: call.killGraceMs,
      stderrFile: `${stage.name}.mdrun.txt`,
      onSpawn: (pid) => {
        pidWrite = lock.setMdrunPid(pid);
      },
    });
  try {
    try {
      await attempt(stage.kind === 'dynamics');
    } catch (error) {
      if (!(call.hasCheckpoint && isCheckpointProblem(error))) throw error;
      // A checkpoint torn by a crash: fall back to the one before it, or start the stage over.
      await rename(files.cpt, `${files.cpt}.corrupt`);
      const prev = join(workDir, `${stage.name}_prev.cpt`);
      if (existsSync(prev) && (await stat(prev)).size > 0) await copyFile(prev, files.cpt);
      await attempt(true);
    }
  } catch (error) {
    if (listenerError !== null) throw listenerError;
    if (error instanceof GmxAbortedError) {
      throw new GmxAbortedError(
        `stage ${stage.name} was cancelled; run again to continue from its checkpoint`,
        {
          details: {
            ...error.details,
            stage: stage.name,
            checkpoint: existsSync(files.cpt) ? files.cpt : null,
          },
          cause: error.cause,
        },
      );
    }
    throw error;
  } finally {
    await watcher?.stop();
    await pidWrite;
    await lock.setMdrunPid(null);
  }
  if (listenerError !== null) throw listenerError;
}

/** Reads a run's state without running anything: which stages are done. Null when the directory holds no run. */
export async function readRunState(
  workDir: string,
): Promise<{ stages: Readonly<Record<string, { status: string }>> } | null> {
  const state = await readState(join(resolve(workDir), RUN_STATE_FILE));
  if (!state) return null;
  return { stages: state.stages };
}
