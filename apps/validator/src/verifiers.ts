import { join } from 'node:path';
import { JobVerifier } from '@fold/energy-verifier';
import { type ClaimableFrames, STAGE_NAMES, type StageName } from '@fold/synapse';
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
   * What can be claimed in a job's generation: frames in its {@link claimableFrames} ranges.
   */
  async policy(jobId: string, generation: number, minerJobId: string): Promise<ClaimPolicy> {
    const ranges = claimableFrames(await this.get(jobId, generation, minerJobId));
    return {
      claimable: (stage, step) =>
        ranges.some((r) => r.stage === stage && step >= r.first_step && step <= r.last_step),
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

/**
 * The frames a verifier can verify, per eligible stage: after the job's first frame (the job's
 * own starting structure: no work, and the verifier refuses it) and before the last reproduction
 * window of their stage (a frame there cannot be compared with a continuation). Miners are told
 * these ranges with their assignment, so that their published best is always verifiable.
 */
export function claimableFrames(verifier: JobVerifier): ClaimableFrames[] {
  const window = verifier.tolerances.reproductionWindowSteps;
  return verifier.eligibleStages.flatMap((name) => {
    const reference = verifier.stage(name);
    const stage = STAGE_NAMES.find((n): n is StageName => n === name);
    if (reference === undefined || stage === undefined) return [];
    const first = reference.index === 0 ? reference.initStep + 1 : reference.initStep;
    const last = reference.lastStep - window;
    return last >= first ? [{ stage, first_step: first, last_step: last }] : [];
  });
}
