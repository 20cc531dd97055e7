/**
 * A miner's side of the fold synapses kept in memory: enough to demonstrate and measure the
 * protocol (the demo, the benchmark and the integration tests use it). It is not a miner: jobs
 * live in this process only, and simulations are driven from outside through `update`.
 */
import {
  type ArtefactRole,
  type Axon,
  type BundleFile,
  encodeBundleBase64,
  FoldArtefacts,
  FoldAssign,
  FoldCancel,
  FoldProgress,
  frameCommitment,
  type JobState,
  resolveBundle,
  type SimulationParams,
  type StageName,
  type SynapseRequest,
  type SynapseResponse,
  sha256Hex,
} from '../src/index.js';

/** A job as this miner holds it. */
export interface MemoryJob {
  readonly jobId: string;
  readonly proteinId: string;
  readonly validatorHotkey: string;
  readonly inputs: readonly BundleFile[];
  readonly params: SimulationParams;
  readonly seed: number;
  state: JobState;
  stage: StageName | null;
  step: number;
  simulatedTimePs: number;
  nsPerDay: number | null;
  best: {
    stage: StageName;
    step: number;
    energyKjMol: number;
    commitment: string;
    frame: BundleFile;
  } | null;
  /** The current stage's output files by role (edr, log, tpr, xtc). */
  outputs: Partial<Record<Exclude<ArtefactRole, 'frame'>, BundleFile>>;
  error: string | null;
  version: number;
  updatedUnixMs: number;
}

/** What a simulation reports to {@link MemoryMiner.update}. */
export interface JobUpdate {
  readonly state?: JobState;
  readonly stage?: StageName;
  readonly step?: number;
  readonly simulatedTimePs?: number;
  readonly nsPerDay?: number;
  readonly outputs?: MemoryJob['outputs'];
  /** A frame whose potential energy beats the best so far (lower is better). */
  readonly frame?: {
    readonly file: BundleFile;
    readonly step: number;
    readonly energyKjMol: number;
  };
  readonly error?: string;
}

export class MemoryMiner {
  readonly jobs = new Map<string, MemoryJob>();

  /**
   * @param hotkey the miner's hotkey (SS58), bound into frame commitments.
   * @param totalSlots how many jobs it runs at once.
   * @param onAssign starts a simulation for an accepted job (the demo runs gmx here).
   */
  constructor(
    private readonly hotkey: string,
    private readonly totalSlots: number,
    private readonly onAssign: (job: MemoryJob) => void = () => undefined,
  ) {}

  get freeSlots(): number {
    let busy = 0;
    for (const job of this.jobs.values())
      if (job.state === 'queued' || job.state === 'running') busy++;
    return Math.max(0, this.totalSlots - busy);
  }

  /** Attaches the four fold synapses' handlers to an axon. */
  attachTo(axon: Axon): void {
    axon.attach(FoldAssign, (request, context) => {
      const bundle = context.bundles.input_bundle;
      if (bundle === undefined) throw new Error('input_bundle was not decoded');
      return this.assign(request, resolveBundle(bundle), context.hotkey);
    });
    axon.attach(FoldProgress, (request) => this.progress(request));
    axon.attach(FoldArtefacts, (request) => this.artefacts(request));
    axon.attach(FoldCancel, (request) => this.cancel(request));
  }

  /** Records simulation progress; a new best frame gets its commitment now. */
  update(jobId: string, update: JobUpdate): void {
    const job = this.jobs.get(jobId);
    if (job === undefined || job.state === 'cancelled') return;
    if (update.state !== undefined) job.state = update.state;
    if (update.stage !== undefined) job.stage = update.stage;
    if (update.step !== undefined) job.step = update.step;
    if (update.simulatedTimePs !== undefined) job.simulatedTimePs = update.simulatedTimePs;
    if (update.nsPerDay !== undefined) job.nsPerDay = update.nsPerDay;
    if (update.outputs !== undefined) job.outputs = { ...job.outputs, ...update.outputs };
    if (update.error !== undefined) job.error = update.error;
    const frame = update.frame;
    if (frame !== undefined && (job.best === null || frame.energyKjMol < job.best.energyKjMol)) {
      job.best = {
        stage: job.stage ?? 'nvt',
        step: frame.step,
        energyKjMol: frame.energyKjMol,
        frame: frame.file,
        commitment: frameCommitment({
          jobId,
          minerHotkey: this.hotkey,
          frameSha256: sha256Hex(frame.file.bytes),
        }),
      };
    }
    job.version++;
    job.updatedUnixMs = Date.now();
  }

  private assign(
    request: SynapseRequest<typeof FoldAssign>,
    inputs: BundleFile[],
    validatorHotkey: string,
  ): SynapseResponse<typeof FoldAssign> {
    const reject = (reason: 'capacity' | 'duplicate_job' | 'deadline_passed') => ({
      accepted: false,
      reject_reason: reason,
      free_slots: this.freeSlots,
    });
    if (this.jobs.has(request.job_id)) return reject('duplicate_job');
    if (request.deadline_unix_ms <= Date.now()) return reject('deadline_passed');
    if (this.freeSlots === 0) return reject('capacity');
    const job: MemoryJob = {
      jobId: request.job_id,
      proteinId: request.protein_id,
      validatorHotkey,
      inputs,
      params: request.params,
      seed: request.seed,
      state: 'queued',
      stage: null,
      step: 0,
      simulatedTimePs: 0,
      nsPerDay: null,
      best: null,
      outputs: {},
      error: null,
      version: 1,
      updatedUnixMs: Date.now(),
    };
    this.jobs.set(job.jobId, job);
    this.onAssign(job);
    return { accepted: true, reject_reason: null, free_slots: this.freeSlots };
  }

  private progress(
    request: SynapseRequest<typeof FoldProgress>,
  ): SynapseResponse<typeof FoldProgress> {
    const response: SynapseResponse<typeof FoldProgress> = {
      progress: {},
      unchanged: [],
      unknown: [],
      free_slots: this.freeSlots,
      total_slots: this.totalSlots,
    };
    for (const [jobId, seenEtag] of Object.entries(request.jobs)) {
      const job = this.jobs.get(jobId);
      if (job === undefined) {
        response.unknown.push(jobId);
        continue;
      }
      const etag = `v${job.version}`;
      if (etag === seenEtag) {
        response.unchanged.push(jobId);
        continue;
      }
      response.progress[jobId] = {
        etag,
        state: job.state,
        stage: job.stage,
        step: job.step,
        simulated_time_ps: job.simulatedTimePs,
        best_potential_energy_kj_mol: job.best?.energyKjMol ?? null,
        best_stage: job.best?.stage ?? null,
        best_step: job.best?.step ?? null,
        best_commitment: job.best?.commitment ?? null,
        ns_per_day: job.nsPerDay,
        updated_unix_ms: job.updatedUnixMs,
        error: job.error,
      };
    }
    return response;
  }

  private artefacts(
    request: SynapseRequest<typeof FoldArtefacts>,
  ): SynapseResponse<typeof FoldArtefacts> {
    const none = (error: 'unknown_job' | 'frame_unavailable') => ({
      bundle: null,
      files: {},
      frame_step: null,
      commitment: null,
      error,
    });
    const job = this.jobs.get(request.job_id);
    if (job === undefined) return none('unknown_job');
    const best = job.best;
    if (best === null || best.stage !== request.stage || best.step !== request.step) {
      return none('frame_unavailable');
    }
    const files: BundleFile[] = [];
    const names: Partial<Record<ArtefactRole, string>> = {};
    for (const role of request.want) {
      const file = role === 'frame' ? best.frame : job.outputs[role];
      if (file === undefined) continue;
      files.push(file);
      names[role] = file.name;
    }
    return {
      bundle: encodeBundleBase64(files, { held: request.held_sha256 }),
      files: names,
      frame_step: best.step,
      commitment: best.commitment,
      error: null,
    };
  }

  private cancel(request: SynapseRequest<typeof FoldCancel>): SynapseResponse<typeof FoldCancel> {
    const job = this.jobs.get(request.job_id);
    if (job === undefined) return { cancelled: false, state: null, free_slots: this.freeSlots };
    const wasActive = job.state === 'queued' || job.state === 'running';
    if (wasActive) {
      job.state = 'cancelled';
      job.version++;
      job.updatedUnixMs = Date.now();
    }
    return { cancelled: wasActive, state: job.state, free_slots: this.freeSlots };
  }
}
