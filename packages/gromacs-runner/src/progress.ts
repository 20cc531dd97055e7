import { EdrFollower } from './edr.js';

/** A progress report while a stage runs. */
export interface StageProgress {
  /** Stage name (`nvt`). */
  readonly stage: string;
  /** 0-based position of the stage in the run. */
  readonly stageIndex: number;
  readonly stageCount: number;
  /** Last step with energies written. */
  readonly step: number;
  /** Steps the stage runs to (EM: the maximum). */
  readonly nsteps: number;
  /** Simulated time of `step`, ps. */
  readonly timePs: number;
  /** Speed of this process so far, ns/day; null until two energy frames have arrived (and for EM). */
  readonly nsPerDay: number | null;
  /** Potential energy at `step`, kJ/mol; null until the first frame. */
  readonly potentialKjMol: number | null;
  /** `step / nsteps`, 0..1. */
  readonly fraction: number;
  /** Step this process started from (> 0 after a resume). */
  readonly startStep: number;
}

/** Receives progress; an exception thrown here stops the run and is rethrown by the caller. */
export type ProgressListener = (progress: StageProgress) => void;

/**
 * Watches a stage's energy file while mdrun writes it and reports progress at a fixed interval
 * (only when something new arrived). Speed is measured from frames that arrive while watching,
 * so frames left from before a resume do not inflate it.
 */
export class ProgressWatcher {
  readonly #follower: EdrFollower;
  readonly #timer: NodeJS.Timeout;
  #potentialIndex = -1;
  #first: { wallMs: number; timePs: number } | null = null;
  #last: StageProgress | null = null;
  #polling: Promise<void> = Promise.resolve();
  #failure: unknown = null;

  constructor(
    edrPath: string,
    readonly context: {
      stage: string;
      stageIndex: number;
      stageCount: number;
      nsteps: number;
      startStep: number;
      dynamics: boolean;
    },
    readonly listener: ProgressListener,
    intervalMs: number,
    readonly onFailure: (error: unknown) => void,
  ) {
    this.#follower = new EdrFollower(edrPath);
    this.#timer = setInterval(() => {
      this.#polling = this.#polling.then(() => this.poll());
    }, intervalMs);
  }

  /** The last report made. */
  get last(): StageProgress | null {
    return this.#last;
  }

  /** Reads new frames and reports once if there are any. */
  async poll(): Promise<void> {
    if (this.#failure !== null) return;
    try {
      const { frames, restarted } = await this.#follower.poll();
      if (restarted) this.#first = null;
      if (frames.length === 0) return;
      if (this.#potentialIndex < 0)
        this.#potentialIndex = this.#follower.terms.findIndex((t) => t.name === 'Potential');
      const latest = frames[frames.length - 1];
      if (!latest) return;
      const now = performance.now();
      // The first read may return frames written before this process started (a resume), so the
      // speed is measured from the latest frame of the first read on.
      if (this.#first === null) this.#first = { wallMs: now, timePs: latest.timePs };
      const elapsedMs = now - this.#first.wallMs;
      const simulatedPs = latest.timePs - this.#first.timePs;
      const nsPerDay =
        this.context.dynamics && elapsedMs > 0 && simulatedPs > 0
          ? (simulatedPs / 1000) * (86_400_000 / elapsedMs)
          : null;
      const potential = this.#potentialIndex >= 0 ? latest.values[this.#potentialIndex] : undefined;
      const progress: StageProgress = {
        stage: this.context.stage,
        stageIndex: this.context.stageIndex,
        stageCount: this.context.stageCount,
        step: latest.step,
        nsteps: this.context.nsteps,
        timePs: latest.timePs,
        nsPerDay,
        potentialKjMol: potential === undefined ? null : potential,
        fraction: this.context.nsteps > 0 ? Math.min(1, latest.step / this.context.nsteps) : 1,
        startStep: this.context.startStep,
      };
      this.#last = progress;
      this.listener(progress);
    } catch (error) {
      this.#failure = error;
      this.onFailure(error);
    }
  }

  /** Stops the timer after a last poll. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#polling;
    await this.poll();
  }
}
