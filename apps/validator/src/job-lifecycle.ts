import { join } from 'node:path';
import { JobNotVerifiableError } from '@fold/energy-verifier';
import { isTerminalStatus, type JobStatus, type ValidatorJob } from '@fold/job-store';
import {
  type Catalog,
  defaultPdbDir,
  loadCatalog,
  PdbDatasetError,
  sampleIds,
} from '@fold/pdb-dataset';
import { FoldCancel } from '@fold/synapse';
import type { ValidatorContext } from './context.js';
import { JobParamsError } from './errors.js';
import {
  type JobSettings,
  paramsToSettings,
  preparationSeed,
  settingsToParams,
} from './job-settings.js';
import type { MinerInfo } from './miner-pool.js';
import { mirrorIds, prepareValidatorJob, removeWorkingFiles } from './preparation.js';

/** Statuses of jobs that still run or will. */
export const LIVE_JOB_STATUSES = ['pending', 'preparing', 'active'] as const;
/** Most jobs listed per status by the tasks (a validator keeps far fewer). */
export const MAX_LISTED_JOBS = 100_000;

/** What a new job is. */
export interface NewJob {
  readonly jobId: string;
  readonly settings: JobSettings;
  readonly source: 'synthetic' | 'organic';
  /** 0-9; organic jobs default to 5, sampled ones to 0. */
  readonly priority?: number;
}

/** Creates a job record (`pending`); creating it again returns the existing one. */
export async function createJob(context: ValidatorContext, job: NewJob): Promise<ValidatorJob> {
  const { job: record, created } = await context.jobs.create({
    jobId: job.jobId,
    proteinId: job.settings.pdbId,
    params: settingsToParams(job.settings),
    source: job.source,
    ...(job.priority === undefined ? {} : { priority: job.priority }),
  });
  if (created) {
    context.logger.info(
      { event: 'job.created', jobId: job.jobId, pdbId: job.settings.pdbId, source: job.source },
      `job ${job.jobId} created for ${job.settings.pdbId}`,
    );
  }
  return record;
}

/** The settings a job gets from the configuration (what a request or sample does not fix). */
export function defaultSettings(
  context: ValidatorContext,
  pdbId: string,
  jobId: string,
): JobSettings {
  const { config } = context;
  return {
    pdbId: pdbId.toLowerCase(),
    seed: preparationSeed(context.salt, jobId),
    upload: false,
    stages: [...config.stages],
    mdSteps: config.mdSteps,
    ...(config.nvtSteps === undefined ? {} : { nvtSteps: config.nvtSteps }),
    ...(config.nptSteps === undefined ? {} : { nptSteps: config.nptSteps }),
    ...(config.energyIntervalSteps === undefined
      ? {}
      : { energyIntervalSteps: config.energyIntervalSteps }),
  };
}

/**
 * Creates the jobs of `config.jobs` (`f<index>-<pdb id>`), once: a restart finds them and
 * creates nothing, and a job that ended is not run again.
 */
export async function ensureFixedJobs(context: ValidatorContext): Promise<void> {
  for (const [index, pdbId] of context.config.jobs.entries()) {
    const jobId = `f${index}-${pdbId.toLowerCase()}`;
    await createJob(context, {
      jobId,
      settings: defaultSettings(context, pdbId, jobId),
      source: 'synthetic',
    });
  }
}

/** Caches of the catalogue and the mirror's ids, read on first use. */
export class CatalogSampler {
  #catalog: Promise<Catalog> | undefined;
  #mirror: Promise<Set<string>> | undefined;

  constructor(private readonly context: ValidatorContext) {}

  /**
   * A reproducible PDB id for sample number `n` that no live job uses.
   * @throws {CatalogError} when the catalogue cannot be read or has no id left.
   */
  async sample(n: number, exclude: ReadonlySet<string>): Promise<string> {
    const { config } = this.context;
    // The same directory preparation reads: the setting, else FOLD_PDB_DIR, else ../shared/pdb.
    const pdbDir = config.pdbDir ?? defaultPdbDir();
    this.#catalog ??= loadCatalog(config.catalogPath ?? join(pdbDir, 'catalog.json'));
    const catalog = await this.#catalog;
    let accept: ((id: string) => boolean) | undefined;
    if (config.pdbSource === 'mirror') {
      this.#mirror ??= mirrorIds(pdbDir);
      const held = await this.#mirror;
      accept = (id) => held.has(id);
    }
    const [id] = sampleIds(catalog, {
      seed: preparationSeed(this.context.salt, `sample-${n}`),
      count: 1,
      exclude,
      ...(accept === undefined ? {} : { accept }),
    });
    if (id === undefined) throw new Error('the catalogue returned no id');
    return id;
  }
}

/**
 * Adds sampled jobs until `queueSize` jobs are live (pending, preparing or active). Does nothing
 * when the configuration names fixed jobs. Sample numbers come from a Redis counter, so a
 * restart never reuses one.
 */
export async function fillQueue(
  context: ValidatorContext,
  sampler: CatalogSampler,
): Promise<number> {
  const { config, jobs } = context;
  if (config.jobs.length > 0) return 0;
  const live: ValidatorJob[] = [];
  for (const status of LIVE_JOB_STATUSES)
    live.push(...(await jobs.listByStatus(status, { limit: MAX_LISTED_JOBS })));
  const missing = config.queueSize - live.length;
  if (missing <= 0) return 0;
  const exclude = new Set(live.map((j) => j.proteinId));
  for (let i = 0; i < missing; i++) {
    const n = await context.state.nextSampleNumber();
    const pdbId = await sampler.sample(n, exclude);
    exclude.add(pdbId);
    const jobId = `s${n}-${pdbId}`;
    await createJob(context, {
      jobId,
      settings: defaultSettings(context, pdbId, jobId),
      source: 'synthetic',
    });
  }
  return missing;
}

/**
 * Prepares jobs one at a time, interrupted preparations first, then pending jobs by priority
 * (organic first): `start-preparing`, the preparation, then `activate` and the job opens in the
 * score book. A job whose entry cannot be prepared fails with the reason; a problem of the
 * machine (gmx missing) is thrown and the job is tried again on the next run.
 */
export async function prepareJobs(context: ValidatorContext, signal: AbortSignal): Promise<number> {
  let prepared = 0;
  for (;;) {
    if (signal.aborted) return prepared;
    const [next] = [
      ...(await context.jobs.listByStatus('preparing', { limit: 1 })),
      ...(await context.jobs.listByStatus('pending', { limit: 1 })),
    ];
    if (next === undefined) return prepared;
    await prepareOne(context, next, signal);
    prepared++;
  }
}

async function prepareOne(
  context: ValidatorContext,
  job: ValidatorJob,
  signal: AbortSignal,
): Promise<void> {
  const { logger } = context;
  await context.jobs.transition(
    job.jobId,
    { type: 'start-preparing' },
    {
      transitionId: `prepare:${job.jobId}`,
    },
  );
  logger.info(
    { event: 'job.preparing', jobId: job.jobId, pdbId: job.proteinId },
    `preparing ${job.jobId}`,
  );
  const started = context.now();
  try {
    const settings = paramsToSettings(job.params);
    const spec = await prepareValidatorJob(job.jobId, settings, {
      config: context.config,
      source: context.source,
      signal,
      onProgress: (event) =>
        logger.debug({ event: `prepare.${event.kind}`, jobId: job.jobId, ...event }),
    });
    context.prepared.forget(job.jobId);
    // The verifier builds the validator's own run inputs now: a job it cannot verify fails
    // before any miner spends time on it.
    await context.verifiers.get(job.jobId, 0, job.jobId);
    await activateJob(context, job.jobId);
    logger.info(
      {
        event: 'job.active',
        jobId: job.jobId,
        pdbId: spec.pdbId,
        atoms: spec.system.atomCount,
        hyperparameters: spec.provenance.hyperparameters,
        stages: spec.stages.map((s) => `${s.name}:${s.mdp.nsteps}`),
        elapsedMs: context.now() - started,
      },
      `job ${job.jobId} is active`,
    );
  } catch (error) {
    if (signal.aborted) throw error;
    if (
      error instanceof PdbDatasetError ||
      error instanceof JobParamsError ||
      error instanceof JobNotVerifiableError
    ) {
      await endJob(
        context,
        job.jobId,
        'failed',
        `preparation failed: ${error.message}`.slice(0, 500),
      );
      return;
    }
    throw error;
  }
}

/** Activates a prepared job and opens it in the score book. */
export async function activateJob(context: ValidatorContext, jobId: string): Promise<void> {
  const { job } = await context.jobs.transition(
    jobId,
    { type: 'activate' },
    {
      transitionId: `activate:${jobId}`,
    },
  );
  await openInBook(context, job);
}

/** Opens an active job in the score book unless it is open already (after a restart). */
export async function openInBook(context: ValidatorContext, job: ValidatorJob): Promise<void> {
  const book = context.ledger.book;
  if (book.openJobIds().includes(job.jobId)) return;
  const view = await context.prepared.get(job.jobId);
  book.openJob({
    jobId: job.jobId,
    createdAtMs: job.activatedAt ?? job.createdAt,
    atomCount: view.spec.system.proteinAtomCount,
    ...(view.startCaNm.length > 0 ? { startCaCoordinatesNm: view.startCaNm } : {}),
  });
  await context.ledger.save();
}

/** Why the validator cancels a job on its miners, in the protocol's words. */
function cancelReason(status: JobStatus): 'superseded' | 'deadline' | 'validator' | 'other' {
  if (status === 'cancelled') return 'validator';
  if (status === 'finished' || status === 'early-stopped') return 'superseded';
  return 'other';
}

/**
 * Ends a job: records the final status, cancels it on the miners still running it (the answer
 * does not hold the job back: a miner that is gone frees its slot at its own deadline), drops
 * it from the score book, forgets its pending claims and removes its verification files. The
 * best structure stays for downloads.
 */
export async function endJob(
  context: ValidatorContext,
  jobId: string,
  status: Exclude<JobStatus, 'pending' | 'preparing' | 'active'>,
  reason: string,
  options: { readonly reasonForMiners?: 'superseded' | 'deadline' | 'validator' | 'other' } = {},
): Promise<void> {
  const { job, applied } = await context.jobs.transition(
    jobId,
    { type: 'end', status, reason: reason.slice(0, 512) },
    { transitionId: `end:${jobId}` },
  );
  const states = await context.state.minerStates(jobId);
  const snapshot = await context.directory.snapshot();
  const byUid = new Map<number, MinerInfo>(snapshot.miners.map((m) => [m.uid, m]));
  for (const assignment of job.assignments) {
    if (assignment.state !== 'assigned' && assignment.state !== 'running') continue;
    const state = states.get(assignment.uid);
    const miner = byUid.get(assignment.uid);
    if (state?.delivered === true && miner !== undefined && miner.hotkey === assignment.hotkey) {
      const result = await context.caller.call(
        miner,
        FoldCancel,
        { job_id: state.minerJobId, reason: options.reasonForMiners ?? cancelReason(job.status) },
        { timeoutMs: context.config.queryTimeoutSeconds * 1000 },
      );
      if (!result.ok) {
        context.logger.warn(
          { event: 'job.cancel-failed', jobId, uid: assignment.uid, status: result.statusCode },
          `could not cancel ${jobId} on uid ${assignment.uid}: ${result.statusMessage}`,
        );
      }
    }
    await context.jobs.transition(
      jobId,
      {
        type: 'set-assignment-state',
        uid: assignment.uid,
        hotkey: assignment.hotkey,
        state: 'dropped',
      },
      { transitionId: `drop:${jobId}:${assignment.uid}` },
    );
  }
  if (context.ledger.book.openJobIds().includes(jobId)) {
    context.ledger.book.endJob(jobId);
    await context.ledger.save();
  }
  await context.state.removeClaimsOf(jobId);
  await context.verifiers.forget(jobId);
  await removeWorkingFiles(context.config.workDir, jobId);
  context.prepared.forget(jobId);
  if (applied) {
    context.metrics.jobsEnded.inc({ status });
    context.logger.info(
      {
        event: 'job.ended',
        jobId,
        status,
        reason,
        bestEnergyKjMol: job.best?.energyKjMol ?? null,
        bestUid: job.best?.uid ?? null,
      },
      `job ${jobId} ${status}: ${reason}`,
    );
  }
}

/** Whether a job still runs (not ended). */
export function isLive(job: ValidatorJob): boolean {
  return !isTerminalStatus(job.status);
}
