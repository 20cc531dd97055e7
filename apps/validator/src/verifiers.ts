import { join } from 'node:path';
import { JobVerifier } from '@fold/energy-verifier';
import type { ValidatorConfig } from './config.js';
import { generationDir, jobLayout } from './job-layout.js';

/** What the progress round needs to know before it queues a claim. */
export interface ClaimPolicy {
  /** Whether a frame of this stage at this step can be verified (and so is worth claiming). */
  claimable(stage: string, step: number): boolean;
}

/**
 * The validator's verifiers, one per job and generation (the original job, each rebase), each
 * built once (@fold/energy-verifier builds the validator's own run inputs with gmx) and kept
 * until the job ends.
 */
export class JobVerifiers {
  readonly #verifiers = new Map<string, Promise<JobVerifier>>();

  constructor(private readonly config: ValidatorConfig) {}

  /**
   * The verifier of a job's generation; `minerJobId` is the job id its miners commit to.
   * @throws {JobNotVerifiableError} when the job's stages cannot be verified.
   * @throws {VerifierSetupError} when gmx fails on the validator's own inputs.
   */
  get(jobId: string, generation: number, minerJobId: string): Promise<JobVerifier> {
    const key = `${jobId}:${generation}`;
    let verifier = this.#verifiers.get(key);
    if (verifier === undefined) {
      verifier = JobVerifier.create({
        jobDir: generationDir(this.config.workDir, jobId, generation),
        workDir: join(jobLayout(this.config.workDir, jobId).verifyDir, `gen-${generation}`),
        jobId: minerJobId,
        threads: this.config.verifyThreads,
        ...(this.config.gmxPath === undefined ? {} : { gmx: { gmxPath: this.config.gmxPath } }),
      });
      verifier.catch(() => this.#verifiers.delete(key));
      this.#verifiers.set(key, verifier);
    }
    return verifier;
  }

  /**
   * What can be claimed in a job's generation: frames of its verifier's eligible stages, after
   * the job's first frame (which is the job's own starting structure: no work, and the verifier
   * refuses it) and before the last reproduction window of their stage.
   */
  async policy(jobId: string, generation: number, minerJobId: string): Promise<ClaimPolicy> {
    const verifier = await this.get(jobId, generation, minerJobId);
    const window = verifier.tolerances.reproductionWindowSteps;
    return {
      claimable: (stage, step) => {
        const reference = verifier.stage(stage);
        if (reference === undefined) return false;
        if (reference.index === 0 && step <= reference.initStep) return false;
        // A frame within the window of its stage's end cannot be compared with a continuation.
        return step <= reference.lastStep - window;
      },
    };
  }

  /** Closes and forgets a job's verifiers (the job ended). */
  async forget(jobId: string): Promise<void> {
    for (const [key, verifier] of [...this.#verifiers]) {
      if (!key.startsWith(`${jobId}:`)) continue;
      this.#verifiers.delete(key);
      await verifier.then(
        (v) => v.close(),
        () => undefined,
      );
    }
  }

  /** Closes every verifier. */
  async closeAll(): Promise<void> {
    const all = [...this.#verifiers.values()];
    this.#verifiers.clear();
    await Promise.all(
      all.map((v) =>
        v.then(
          (x) => x.close(),
          () => undefined,
        ),
      ),
    );
  }
}
