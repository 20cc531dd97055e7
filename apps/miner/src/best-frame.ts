/** The potential energy of one full-precision frame of a stage. */
export interface FrameEnergy {
  readonly stage: string;
  readonly step: number;
  readonly timePs: number;
  readonly potentialKjMol: number;
}

/** A frame whose commitment has been published. */
export interface CommittedFrame extends FrameEnergy {
  readonly commitment: string;
}

/** Steps of a stage whose frames the validator can verify, both ends included. */
export interface ClaimableRange {
  readonly stage: string;
  readonly first_step: number;
  readonly last_step: number;
}

/**
 * Keeps the frame of lowest potential energy a job has produced: the committed one (published
 * with its commitment) and a better candidate waiting to be extracted and committed. Only frames
 * that are in the full-precision trajectory (steps that are multiples of the stage's frame
 * interval) and, when the validator named them, in its claimable ranges are candidates: a best
 * the validator cannot verify (too close to its stage's end) would earn nothing and would
 * replace the verifiable one it could. Pure: the caller reads energies and extracts frames.
 */
export class BestFrameTracker {
  #committed: CommittedFrame | undefined;
  #pending: FrameEnergy | undefined;
  readonly #claimable: readonly ClaimableRange[] | undefined;

  /**
   * @param committed the frame committed before (a resumed job).
   * @param claimable the validator's claimable ranges; absent: every full-precision frame.
   */
  constructor(committed?: CommittedFrame, claimable?: readonly ClaimableRange[]) {
    this.#committed = committed;
    this.#claimable = claimable;
  }

  /** Whether the validator can verify a frame of this stage and step. */
  isClaimable(stage: string, step: number): boolean {
    return (
      this.#claimable === undefined ||
      this.#claimable.some((r) => r.stage === stage && step >= r.first_step && step <= r.last_step)
    );
  }

  /** The frame last committed. */
  get committed(): CommittedFrame | undefined {
    return this.#committed;
  }

  /** A better frame than the committed one, not yet committed. */
  get pending(): FrameEnergy | undefined {
    return this.#pending;
  }

  /** The best frame known, committed or not. */
  get best(): FrameEnergy | undefined {
    return this.#pending ?? this.#committed;
  }

  /**
   * Considers frames of a stage, in order. A frame becomes the pending candidate when its
   * potential is strictly lower than the best known (the earlier frame wins a tie).
   * @returns true when the pending candidate changed.
   */
  offer(frames: readonly FrameEnergy[], frameIntervalSteps: number): boolean {
    let changed = false;
    for (const frame of frames) {
      if (frameIntervalSteps <= 0 || frame.step % frameIntervalSteps !== 0) continue;
      if (!Number.isFinite(frame.potentialKjMol)) continue;
      if (!this.isClaimable(frame.stage, frame.step)) continue;
      const best = this.best;
      if (best === undefined || frame.potentialKjMol < best.potentialKjMol) {
        this.#pending = frame;
        changed = true;
      }
    }
    return changed;
  }

  /**
   * Re-reads a stage from its start after mdrun continued it from a checkpoint (which truncates
   * the stage's files to the checkpoint and writes the rest again, not bit for bit the same).
   * Frames of this stage known before are forgotten; a committed frame of this stage stays only
   * if the re-read frames still hold it with the same energy, otherwise the best re-read frame
   * replaces it even if its energy is higher, since the published frame no longer matches the
   * stage's files.
   * @returns true when the committed frame was dropped.
   */
  rebase(stage: string, frames: readonly FrameEnergy[], frameIntervalSteps: number): boolean {
    if (this.#pending?.stage === stage) this.#pending = undefined;
    const committed = this.#committed;
    let dropped = false;
    if (committed?.stage === stage) {
      const same = frames.find((f) => f.step === committed.step);
      if (same === undefined || same.potentialKjMol !== committed.potentialKjMol) {
        this.#committed = undefined;
        dropped = true;
      }
    }
    this.offer(frames, frameIntervalSteps);
    return dropped;
  }

  /** Records that the pending frame (or the given one) was committed. */
  markCommitted(frame: CommittedFrame): void {
    this.#committed = frame;
    const pending = this.#pending;
    if (pending !== undefined && pending.stage === frame.stage && pending.step === frame.step) {
      this.#pending = undefined;
    }
  }
}
