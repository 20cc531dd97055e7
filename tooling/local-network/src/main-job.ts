import { followJob } from './follow-job.js';
import { type LocalNetwork, startLocalNetwork } from './network.js';
import { PhaseClock } from './phases.js';
import { MINER_ROLES } from './plan.js';
import type { Reporter } from './reporter.js';
import { type RunSummary, summarize } from './summary.js';
import { type JobParams, ValidatorApi } from './validator-api.js';
import { jobView } from './view.js';

/** A job to run on the local network: a PDB entry and the parameters it fixes. */
export interface JobRequest {
  readonly pdbId: string;
  readonly params: JobParams;
}

/**
 * The main job: 1L2Y (Trp-cage, 20 residues, the smallest protein of the mirror that prepares),
 * every hyperparameter fixed so that a second run reads the preparation from the cache, and one
 * short production stage: 2,000 steps (4 ps) at 150 K, cold enough that the minimised system
 * keeps relaxing and each miner's lowest-energy frame is one it simulated.
 */
export const MAIN_JOB: JobRequest = {
  pdbId: '1l2y',
  params: {
    forceField: 'charmm27',
    water: 'tip3p',
    box: 'dodecahedron',
    boxDistanceNm: 1.0,
    ionConcentrationMolar: 0.1,
    temperatureK: 150,
    pressureBar: 1,
    stages: ['md'],
    mdSteps: 2_000,
  },
};

/** Options of {@link runMainJob}. */
export interface MainJobOptions {
  /** The network's directory (emptied at start, stopped and left with its logs at the end). */
  readonly dir: string;
  readonly job: JobRequest;
  /** Content cache of preparations; default `.fold/cache/preparations`. */
  readonly preparationCacheDir?: string;
  /** From submission to weights on chain; default 15 minutes. */
  readonly timeoutMs?: number;
  readonly reporter: Reporter;
  /** Aborting stops the run (and the network). */
  readonly signal?: AbortSignal;
  /** Called once the network runs (tests kill a miner from here). */
  readonly onNetwork?: (network: LocalNetwork, jobId: string) => void;
}

/**
 * Starts the local network, runs one job through it (preparation, two miners, verification,
 * weights read back from the chain), reports progress as it goes, stops every process it
 * started, and returns the summary. The run succeeded when `summary.weightsLanded`.
 * @throws {LocalNetworkError} when the network cannot start, the job fails, a process exits
 *   unasked, or the time is up (everything is stopped first)
 */
export async function runMainJob(options: MainJobOptions): Promise<RunSummary> {
  const startedAt = Date.now();
  const phases = new PhaseClock();
  const { reporter } = options;
  phases.onChange((records) => reporter.phases(records));
  const network = await startLocalNetwork({
    dir: options.dir,
    name: 'demo',
    phases,
    onStep: (message) => reporter.step(message),
    ...(options.preparationCacheDir === undefined
      ? {}
      : { preparationCacheDir: options.preparationCacheDir }),
    ...(options.signal === undefined ? {} : { signal: options.signal }),
  });
  try {
    const { state } = network;
    const names = new Map(state.miners.map((m) => [m.uid, m.name]));
    const api = new ValidatorApi(state.validator.apiUrl, state.validator.token);
    const jobId = await api.submitJob(options.job.pdbId, options.job.params);
    reporter.step(
      `submitted ${options.job.pdbId.toUpperCase()} as job ${jobId} to ${MINER_ROLES.length} miners`,
    );
    options.onNetwork?.(network, jobId);
    const followed = await followJob({
      api,
      jobId,
      phases,
      readChainWeights: () => network.client.weights(state.netuid, state.validator.uid),
      crashed: () => network.crashed(),
      onUpdate: (job, status) => reporter.job(jobView(job, status, names)),
      timeoutMs: options.timeoutMs ?? 15 * 60_000,
      ...(options.signal === undefined ? {} : { signal: options.signal }),
    });
    return summarize(followed, names, phases.records(), Date.now() - startedAt);
  } finally {
    reporter.step('stopping the network');
    await network.stop();
  }
}
