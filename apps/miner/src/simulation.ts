import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  EdrFollower,
  type EdrFrame,
  type EdrTerm,
  type Gmx,
  type MdrunResources,
  readEdr,
  readRunState,
  runStages,
  type StageProgress,
  writeFileAtomic,
} from '@fold/gromacs-runner';
import {
  type AssignmentUpdate,
  InvalidTransitionError,
  isTerminalAssignmentState,
  type MinerAssignment,
  type MinerAssignments,
  type SimulationContext,
  type SimulationJobData,
  type SimulationProcessor,
} from '@fold/job-store';
import type { Logger } from 'pino';
import { BestFrameTracker, type CommittedFrame, type FrameEnergy } from './best-frame.js';
import { DiskEstimateExceededError } from './errors.js';
import { commitFrame, frameFileName } from './frame-commit.js';
import {
  dirSizeBytes,
  finalizedMarker,
  type JobLayout,
  type JobMeta,
  jobLayout,
  readJobMeta,
} from './job-files.js';
import type { SlotPool } from './resources.js';
import { type PlannedStage, planStages } from './stage-plan.js';

/** What the simulation processor needs from the miner. */
export interface SimulationServices {
  readonly assignments: MinerAssignments;
  readonly workDir: string;
  /** This miner's hotkey (SS58), bound into frame commitments. */
  readonly minerHotkey: string;
  readonly gmx: Gmx;
  /** Per queue name: the local slot pool and each slot's mdrun resources. */
  readonly slots: Readonly<
    Record<string, { readonly pool: SlotPool; readonly resources: readonly MdrunResources[] }>
  >;
  readonly checkpointIntervalMinutes: number;
  /** Least time between two best-frame extractions of a job, ms. */
  readonly commitIntervalMs: number;
  /** How often the runner reports progress, ms (default 1000). */
  readonly progressIntervalMs?: number;
  readonly logger: Logger;
  /** True once this process is shutting down: an aborted run then goes back to the queue. */
  readonly isStopping: () => boolean;
}

/** How a run ended, kept as the queue job's result. */
export interface SimulationOutcome {
  readonly state: 'finished' | 'expired' | 'skipped';
  readonly lastStage: string | null;
  readonly lastStep: number | null;
}

/** The job's record went terminal under the run (cancelled, expired): the run must stop. */
class AssignmentEndedError extends Error {
  override name = 'AssignmentEndedError';
}

const BYTES_CHECK_INTERVAL_MS = 5_000;

/**
 * The queue processor of the miner: runs one assignment's stages with the runner in its job
 * directory (resuming from checkpoints when the job comes back after a crash or a shutdown),
 * tracks the frame of lowest potential energy, extracts and commits it, and keeps the assignment
 * record (state, stage, step, simulated time, speed, best frame, bytes) up to date.
 */
export function createSimulationProcessor(
  services: SimulationServices,
): SimulationProcessor<SimulationOutcome> {
  return async (job, context) => new AssignmentRun(services, job, context).run();
}

class AssignmentRun {
  readonly #log: Logger;
  readonly #layout: JobLayout;
  readonly #internal = new AbortController();
  #meta!: JobMeta;
  #stages!: Map<string, PlannedStage>;
  #tracker = new BestFrameTracker();
  #current: { name: string; follower: EdrFollower; fresh: boolean } | undefined;
  #chain: Promise<void> = Promise.resolve();
  #failure: unknown;
  #lastCommitMs = Number.NEGATIVE_INFINITY;
  #lastBytesCheckMs = 0;

  constructor(
    private readonly services: SimulationServices,
    private readonly job: SimulationJobData,
    private readonly context: SimulationContext,
  ) {
    this.#log = services.logger.child({ job: job.id, attempt: context.attempt });
    this.#layout = jobLayout(services.workDir, job.id);
  }

  async run(): Promise<SimulationOutcome> {
    const { assignments } = this.services;
    const record = await assignments.get(this.job.id);
    if (record === undefined || isTerminalAssignmentState(record.state)) {
      this.#log.info({ state: record?.state ?? 'missing' }, 'assignment already ended; not run');
      return { state: 'skipped', lastStage: null, lastStep: null };
    }
    const slots = this.services.slots[this.context.queueName];
    if (slots === undefined) throw new Error(`no local slots for ${this.context.queueName}`);
    const slot = slots.pool.take();
    try {
      return await this.runInSlot(record, slots.resources[slot] ?? {});
    } finally {
      slots.pool.give(slot);
    }
  }

  private async runInSlot(
    record: MinerAssignment,
    resources: MdrunResources,
  ): Promise<SimulationOutcome> {
    try {
      this.#meta = await readJobMeta(this.#layout);
      const plan = planStages(this.#meta.params, {
        minFrameIntervalSteps: this.#meta.minFrameIntervalSteps,
      });
      this.#stages = new Map(plan.map((s) => [s.name, s]));
      this.#tracker = new BestFrameTracker(committedOf(record), this.#meta.claimable);
      const remainingHours = (record.deadlineAt - Date.now()) / 3_600_000;
      if (remainingHours <= 0) {
        await this.update({ state: 'expired', error: 'deadline passed before the run' });
        return { state: 'expired', lastStage: null, lastStep: null };
      }
      await this.update({ state: 'running' });
      this.#log.info({ resources, stages: plan.map((s) => s.name) }, 'simulation started');
      await this.finalizeCompletedStages();
      const signal = AbortSignal.any([this.context.signal, this.#internal.signal]);
      const result = await runStages({
        workDir: this.#layout.runDir,
        input: {
          gro: join(this.#layout.inputsDir, this.#meta.inputs.gro),
          top: join(this.#layout.inputsDir, this.#meta.inputs.top),
          itps: this.#meta.inputs.itps.map((name) => join(this.#layout.inputsDir, name)),
        },
        stages: plan.map((s) => ({ name: s.name, mdp: s.mdp })),
        seed: this.#meta.seed,
        resources,
        checkpointIntervalMinutes: this.services.checkpointIntervalMinutes,
        maxHours: remainingHours,
        signal,
        onProgress: (progress) => this.onProgress(progress),
        progressIntervalMs: this.services.progressIntervalMs ?? 1000,
        gmx: this.services.gmx,
      });
      await this.#chain;
      if (this.#failure !== undefined) throw this.#failure;
      for (const stage of plan) if (stageDone(result, stage.name)) await this.finalizeStage(stage);
      const last = [...result.stages].reverse().find((s) => s.lastStep !== null);
      const lastStage = last?.name ?? null;
      const lastStep = last?.lastStep ?? null;
      const bytesUsed = await dirSizeBytes(this.#layout.dir);
      if (!result.completed) {
        await this.update({ state: 'expired', bytesUsed, error: 'deadline reached' });
        this.#log.info({ lastStage, lastStep }, 'simulation stopped at the deadline');
        return { state: 'expired', lastStage, lastStep };
      }
      const lastResult = result.stages[result.stages.length - 1];
      await this.update({
        state: 'finished',
        ...(lastStage === null ? {} : { stage: lastStage }),
        ...(lastStep === null ? {} : { step: lastStep }),
        ...(lastResult?.nsPerDay == null ? {} : { nsPerDay: lastResult.nsPerDay }),
        bytesUsed,
      });
      this.#log.info(
        { lastStage, lastStep, best: this.#tracker.committed, bytesUsed },
        'simulation finished',
      );
      return { state: 'finished', lastStage, lastStep };
    } catch (error) {
      await this.#chain;
      const failure = this.#failure ?? error;
      await this.settleAfterFailure(failure);
      throw failure;
    }
  }

  /** Leaves the record right after a run that threw, and says why in the log. */
  private async settleAfterFailure(error: unknown): Promise<void> {
    const current = await this.services.assignments.get(this.job.id);
    if (current === undefined || isTerminalAssignmentState(current.state)) {
      this.#log.info({ state: current?.state }, 'simulation stopped: the assignment ended');
      return;
    }
    if (this.context.signal.aborted) {
      if (this.services.isStopping()) {
        // Back in the queue: another start of this or another process resumes from the checkpoint.
        await this.update({ state: 'queued' }).catch(() => undefined);
        this.#log.info('simulation paused for shutdown; it resumes from its checkpoint');
      } else {
        this.#log.warn({ reason: String(this.context.signal.reason) }, 'simulation aborted');
      }
      return;
    }
    const message = error instanceof Error ? error.message : String(error);
    this.#log.error({ err: error }, 'simulation failed');
    await this.update({ state: 'failed', error: message.slice(0, 500) }).catch(() => undefined);
  }

  private onProgress(progress: StageProgress): void {
    this.#chain = this.#chain
      .then(() => (this.#failure === undefined ? this.handleProgress(progress) : undefined))
      .catch((error: unknown) => {
        this.#failure ??= error;
        this.#internal.abort(error);
      });
  }

  private async handleProgress(progress: StageProgress): Promise<void> {
    const stage = this.#stages.get(progress.stage);
    if (stage === undefined) return;
    if (this.#current?.name !== stage.name) {
      const previous =
        this.#current === undefined ? undefined : this.#stages.get(this.#current.name);
      if (previous !== undefined) await this.finalizeStage(previous);
      this.#current = {
        name: stage.name,
        follower: new EdrFollower(join(this.#layout.runDir, `${stage.name}.edr`)),
        fresh: true,
      };
      this.#log.info({ stage: stage.name, startStep: progress.startStep }, 'stage running');
    }
    if (stage.kind === 'dynamics') await this.trackFrames(stage);
    const now = Date.now();
    const update: AssignmentUpdate = {
      state: 'running',
      stage: stage.name,
      step: progress.step,
      simulatedTimePs: progress.timePs,
      ...(progress.nsPerDay === null ? {} : { nsPerDay: progress.nsPerDay }),
    };
    if (now - this.#lastBytesCheckMs >= BYTES_CHECK_INTERVAL_MS) {
      this.#lastBytesCheckMs = now;
      const bytesUsed = await dirSizeBytes(this.#layout.dir);
      if (bytesUsed > this.#meta.estimateBytes) {
        throw new DiskEstimateExceededError(
          `job uses ${bytesUsed} bytes, more than the ${this.#meta.estimateBytes} it was admitted with`,
          { details: { job: this.job.id, bytesUsed, estimateBytes: this.#meta.estimateBytes } },
        );
      }
      Object.assign(update, { bytesUsed });
    }
    await this.update(update);
    await this.context.updateProgress({
      stage: stage.name,
      step: progress.step,
      totalSteps: progress.nsteps,
    });
  }

  /** Reads the current stage's new energy frames and commits a better frame when it is time. */
  private async trackFrames(stage: PlannedStage): Promise<void> {
    const current = this.#current;
    if (current === undefined) return;
    const { frames, restarted } = await current.follower.poll();
    const energies = toFrameEnergies(stage.name, current.follower.terms, frames);
    if (current.fresh || restarted) {
      // The first read of a stage in this process, or mdrun truncated the file to a checkpoint.
      current.fresh = false;
      if (this.#tracker.rebase(stage.name, energies, stage.frameIntervalSteps)) {
        this.#log.warn({ stage: stage.name }, 'best frame rewritten by a resume; committing anew');
        this.#lastCommitMs = Number.NEGATIVE_INFINITY;
      }
    } else {
      this.#tracker.offer(energies, stage.frameIntervalSteps);
    }
    if (Date.now() - this.#lastCommitMs >= this.services.commitIntervalMs)
      await this.commitPending();
  }

  private async commitPending(): Promise<void> {
    const pending = this.#tracker.pending;
    if (pending === undefined) return;
    const stage = this.#stages.get(pending.stage);
    if (stage === undefined) return;
    this.#lastCommitMs = Date.now();
    const previous = this.#tracker.committed;
    const committed = await commitFrame(pending, {
      layout: this.#layout,
      validatorJobId: this.job.validatorJobId,
      minerHotkey: this.services.minerHotkey,
      frameSpacingPs: stage.frameIntervalSteps * stage.dtPs,
      gmx: this.services.gmx,
      signal: this.context.signal,
    });
    await this.update({
      bestEnergyKjMol: committed.potentialKjMol,
      bestStage: committed.stage,
      bestFrameStep: committed.step,
      commitment: committed.commitment,
    });
    this.#tracker.markCommitted(committed);
    this.#log.info(
      { stage: committed.stage, step: committed.step, energyKjMol: committed.potentialKjMol },
      'best frame committed',
    );
    if (
      previous !== undefined &&
      (previous.stage !== committed.stage || previous.step !== committed.step)
    ) {
      await rm(join(this.#layout.framesDir, frameFileName(previous.stage, previous.step)), {
        force: true,
      });
    }
  }

  /**
   * Settles a finished stage once: re-reads its energies, commits its best frame if it beats the
   * best so far, then deletes its full-precision trajectory (the best frame is extracted; the
   * validator never needs the rest) and leaves a marker so that a restart does not redo it.
   */
  private async finalizeStage(stage: PlannedStage): Promise<void> {
    const marker = finalizedMarker(this.#layout, stage.name);
    if (existsSync(marker)) return;
    const edr = join(this.#layout.runDir, `${stage.name}.edr`);
    if (stage.kind === 'dynamics' && existsSync(edr)) {
      const data = await readEdr(edr, { allowTruncated: false });
      const energies = toFrameEnergies(stage.name, data.terms, data.frames);
      this.#tracker.rebase(stage.name, energies, stage.frameIntervalSteps);
      await this.commitPending();
    }
    await rm(join(this.#layout.runDir, `${stage.name}.trr`), { force: true });
    await writeFileAtomic(marker, `${new Date().toISOString()}\n`);
    if (this.#current?.name === stage.name) this.#current = undefined;
  }

  /** After a crash: stages the runner finished but this miner had not settled. */
  private async finalizeCompletedStages(): Promise<void> {
    const state = await readRunState(this.#layout.runDir);
    if (state === null) return;
    for (const stage of this.#stages.values()) {
      if (state.stages[stage.name]?.status === 'completed') await this.finalizeStage(stage);
    }
  }

  private async update(fields: AssignmentUpdate): Promise<void> {
    try {
      await this.services.assignments.update(this.job.id, fields);
    } catch (error) {
      if (error instanceof InvalidTransitionError) {
        throw new AssignmentEndedError(`assignment ${this.job.id} ended while it ran`, {
          cause: error,
        });
      }
      throw error;
    }
  }
}

function stageDone(
  result: { readonly stages: readonly { readonly name: string; readonly status: string }[] },
  name: string,
): boolean {
  return result.stages.some((s) => s.name === name && s.status === 'completed');
}

function committedOf(record: MinerAssignment): CommittedFrame | undefined {
  if (
    record.commitment === undefined ||
    record.bestStage === undefined ||
    record.bestFrameStep === undefined ||
    record.bestEnergyKjMol === undefined
  ) {
    return undefined;
  }
  return {
    stage: record.bestStage,
    step: record.bestFrameStep,
    // The time is only needed to extract a frame, which a committed frame already is.
    timePs: 0,
    potentialKjMol: record.bestEnergyKjMol,
    commitment: record.commitment,
  };
}

function toFrameEnergies(
  stage: string,
  terms: readonly EdrTerm[],
  frames: readonly EdrFrame[],
): FrameEnergy[] {
  const index = terms.findIndex((t) => t.name === 'Potential');
  if (index < 0) return [];
  return frames.map((frame) => ({
    stage,
    step: frame.step,
    timePs: frame.timePs,
    potentialKjMol: frame.values[index] ?? Number.NaN,
  }));
}
