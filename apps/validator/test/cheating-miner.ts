// A cheating miner for the end-to-end tests: an axon under its own hotkey in front of a real
// fold-miner process that does the work. It passes assignments and cancellations through, and
// lies about the result: every progress answer claims a potential energy lower than the frame's
// by `lowerByFraction`. To look like its own work it publishes commitments to the (genuine)
// frames under its own hotkey, fetching each new best frame from the miner behind it. Cheating
// code has no place in the product miner; it lives here.
import {
  Axon,
  type AxonTarget,
  Dendrite,
  FoldArtefacts,
  FoldAssign,
  FoldCancel,
  FoldProgress,
  frameCommitment,
  type SynapseResponse,
  sha256Hex,
} from '@fold/synapse';
import type { KeyringPair } from '@polkadot/keyring/types';

export interface CheatingMinerOptions {
  /** The cheater's hotkey (its axon answers and signs as it). */
  readonly keypair: KeyringPair;
  /** The honest miner process doing the work; it must admit the cheater's hotkey. */
  readonly worker: AxonTarget;
  /** Where the cheater's axon listens. */
  readonly host: string;
  readonly port?: number;
  /** How much lower than the truth the claimed energy is (0.05: 5% lower). */
  readonly lowerByFraction: number;
}

export class CheatingMiner {
  readonly #axon: Axon;
  readonly #dendrite: Dendrite;
  // The worker's commitment → the cheater's commitment to the same frame.
  readonly #commitments = new Map<string, string>();
  /** Claims made (job id → energies claimed), for assertions. */
  readonly claims = new Map<string, number[]>();

  constructor(private readonly options: CheatingMinerOptions) {
    this.#dendrite = new Dendrite({ keypair: options.keypair });
    this.#axon = new Axon({
      keypair: options.keypair,
      host: options.host,
      port: options.port ?? 0,
    });
    const forward = async <R>(
      promise: Promise<{ ok: boolean; response?: R; statusMessage: string }>,
    ) => {
      const result = await promise;
      if (!result.ok || result.response === undefined)
        throw new Error(`worker: ${result.statusMessage}`);
      return result.response;
    };
    this.#axon.attach(FoldAssign, (request) =>
      forward(this.#dendrite.call(options.worker, FoldAssign, request, { timeoutMs: 55_000 })),
    );
    this.#axon.attach(FoldCancel, (request) =>
      forward(this.#dendrite.call(options.worker, FoldCancel, request)),
    );
    this.#axon.attach(FoldProgress, async (request) => {
      const answer = await forward(this.#dendrite.call(options.worker, FoldProgress, request));
      const progress: SynapseResponse<typeof FoldProgress>['progress'] = {};
      for (const [jobId, report] of Object.entries(answer.progress)) {
        let commitment = report.best_commitment;
        let energy = report.best_potential_energy_kj_mol;
        if (
          commitment !== null &&
          report.best_stage !== null &&
          report.best_step !== null &&
          energy !== null
        ) {
          commitment = await this.#own(jobId, commitment, report.best_stage, report.best_step);
          energy -= Math.abs(energy) * options.lowerByFraction;
          this.claims.set(jobId, [...(this.claims.get(jobId) ?? []), energy]);
        }
        progress[jobId] = {
          ...report,
          best_commitment: commitment,
          best_potential_energy_kj_mol: energy,
        };
      }
      return { ...answer, progress };
    });
    this.#axon.attach(FoldArtefacts, async (request) => {
      const answer = await forward(
        this.#dendrite.call(options.worker, FoldArtefacts, request, { timeoutMs: 55_000 }),
      );
      const own =
        answer.commitment === null ? null : (this.#commitments.get(answer.commitment) ?? null);
      return { ...answer, commitment: own };
    });
  }

  /** The cheater's commitment to the frame behind the worker's commitment. */
  async #own(
    jobId: string,
    workerCommitment: string,
    stage: 'em' | 'nvt' | 'npt' | 'md',
    step: number,
  ): Promise<string> {
    const known = this.#commitments.get(workerCommitment);
    if (known !== undefined) return known;
    const result = await this.#dendrite.call(
      this.options.worker,
      FoldArtefacts,
      { job_id: jobId, stage, step, want: ['frame'], held_sha256: [] },
      { timeoutMs: 55_000 },
    );
    if (!result.ok) throw new Error(`worker: ${result.statusMessage}`);
    const name = result.response.files.frame;
    const frame = result.bundles.bundle?.entries.find((e) => e.name === name)?.bytes;
    if (frame === undefined) throw new Error('the worker sent no frame');
    const own = frameCommitment({
      jobId,
      minerHotkey: this.options.keypair.address,
      frameSha256: sha256Hex(frame),
    });
    this.#commitments.set(workerCommitment, own);
    return own;
  }

  async start(): Promise<AxonTarget> {
    const info = await this.#axon.start();
    return { ip: info.ip, port: info.port, hotkey: info.hotkey };
  }

  async stop(): Promise<void> {
    this.#dendrite.close();
    await this.#axon.stop(500);
  }
}
