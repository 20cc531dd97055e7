import { readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ChainClient, loadSigner, type Signer } from '@fold/chain-client';
import { detectGromacs } from '@fold/gromacs-runner';
import {
  connectJobStore,
  JOB_STATUSES,
  type JobStore,
  openJobTable,
  openScheduler,
  type ScheduledHandler,
  type ScheduledWorker,
  startScheduledWorker,
} from '@fold/job-store';
import {
  FOLD_PRESET,
  REFERENCE_PRESET,
  REFERENCE_RELATIVE_PRESET,
  type ScoringParams,
} from '@fold/scoring';
import { Dendrite } from '@fold/synapse';
import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { createApiServer } from './api/server.js';
import { parseStaticMiner, type ValidatorConfig } from './config.js';
import type { ValidatorContext } from './context.js';
import { StartupError } from './errors.js';
import {
  CatalogSampler,
  ensureFixedJobs,
  fillQueue,
  MAX_LISTED_JOBS,
  prepareJobs,
} from './job-lifecycle.js';
import { ValidatorMetrics } from './metrics.js';
import { countedCaller } from './miner-calls.js';
import { chainMinerDirectory, type MinerDirectory, staticMinerDirectory } from './miner-pool.js';
import { pdbSourceOf } from './preparation.js';
import { PreparedJobs } from './prepared-jobs.js';
import { runProgressRound } from './progress-round.js';
import { purgeEndedJobs } from './retention.js';
import { ScoreLedger } from './score-ledger.js';
import { ValidatorState } from './validator-state.js';
import { fetchArtefacts, verifyClaims } from './verification.js';
import { JobVerifiers } from './verifiers.js';
import { type ChainSide, revealWeights, setWeightsIfDue } from './weights.js';

/** The scoring parameters a configuration selects (preset, threshold and early-stop overrides). */
export function scoringParamsOf(config: ValidatorConfig): ScoringParams {
  const preset =
    config.scoringPreset === 'reference'
      ? REFERENCE_PRESET
      : config.scoringPreset === 'reference-relative'
        ? REFERENCE_RELATIVE_PRESET
        : FOLD_PRESET;
  const periodMs =
    config.earlyStopMinutes === undefined
      ? undefined
      : Math.round(config.earlyStopMinutes * 60_000);
  return {
    ...preset,
    ...(config.improvementFraction === undefined
      ? {}
      : { threshold: { kind: 'relative', fraction: config.improvementFraction } }),
    earlyStop: {
      ...preset.earlyStop,
      ...(periodMs === undefined
        ? {}
        : { baseIdleMs: periodMs, idleMsPerAtom: 0, maxIdleMs: periodMs }),
      ...(config.earlyStopMinUpdates === undefined
        ? {}
        : { minUpdates: config.earlyStopMinUpdates }),
    },
  };
}

/** The app's version, from its package.json. */
export async function validatorVersion(): Promise<string> {
  const text = await readFile(new URL('../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}

/** Options of {@link Validator.start}. */
export interface ValidatorStartOptions {
  readonly logger: Logger;
  /** The clock (tests). */
  readonly now?: () => number;
  /** Run the scheduled tasks (default true; false leaves them to call by hand). */
  readonly runTasks?: boolean;
}

/**
 * A running validator: the job store, the chain, the scheduled tasks (preparation, progress
 * rounds, verification, weights, reveals) and the HTTP API. All durable state is in Redis and
 * the work directory, so a validator killed at any point and started again carries on.
 */
export class Validator {
  #stopped = false;

  private constructor(
    /** What the tasks share. */
    readonly context: ValidatorContext,
    private readonly store: JobStore,
    private readonly dendrite: Dendrite,
    private readonly chain: ChainSide | null,
    private readonly worker: ScheduledWorker | null,
    private readonly api: FastifyInstance | null,
    /** Handlers of the scheduled tasks by name (also callable directly). */
    readonly tasks: Readonly<Record<string, ScheduledHandler>>,
  ) {}

  /** Where the API listens, or null without one. */
  get apiAddress(): { host: string; port: number } | null {
    const address = this.api?.server.address() as AddressInfo | null | undefined;
    return address ? { host: address.address, port: address.port } : null;
  }

  /**
   * Starts a validator: key, Redis, gmx, chain (or the static miner list), the score book, the
   * scheduled tasks and the API.
   * @throws {StartupError} when something it needs is missing or unreachable.
   * @throws {ConfigError} for settings that cannot work together.
   */
  static async start(config: ValidatorConfig, options: ValidatorStartOptions): Promise<Validator> {
    const { logger } = options;
    const now = options.now ?? Date.now;
    const version = await validatorVersion();
    let signer: Signer;
    try {
      signer = await loadSigner(
        config.hotkeyFile !== undefined
          ? { file: config.hotkeyFile }
          : { uri: config.hotkeyUri ?? '' },
      );
    } catch (cause) {
      throw new StartupError(`cannot load the hotkey: ${(cause as Error).message}`, { cause });
    }
    try {
      await detectGromacs(config.gmxPath === undefined ? {} : { gmxPath: config.gmxPath });
    } catch (cause) {
      throw new StartupError(`GROMACS is not usable: ${(cause as Error).message}`, { cause });
    }
    let store: JobStore;
    try {
      store = await connectJobStore({
        url: config.redisUrl,
        prefix: config.redisPrefix ?? `fold:validator:${signer.address}`,
        connectionName: 'fold-validator',
        onConnectionError: (error) =>
          logger.warn({ event: 'redis.error', err: error.message }, 'Redis connection error'),
      });
    } catch (cause) {
      throw new StartupError(`cannot reach Redis: ${(cause as Error).message}`, { cause });
    }
    let chain: ChainSide | null = null;
    let directory: MinerDirectory;
    if (config.chainEndpoint !== undefined && config.netuid !== undefined) {
      let client: ChainClient;
      try {
        client = await ChainClient.connect({
          endpoint: config.chainEndpoint,
          revealStorePath: join(config.workDir, 'pending-reveals.json'),
        });
      } catch (cause) {
        await store.close();
        throw new StartupError(`cannot reach the chain: ${(cause as Error).message}`, { cause });
      }
      chain = { client, netuid: config.netuid, signer };
      directory = chainMinerDirectory(client, config.netuid, signer.address);
      const uid = await client.uidOf(config.netuid, signer.address);
      if (uid === undefined) {
        logger.warn(
          { event: 'chain.not-registered', netuid: config.netuid, hotkey: signer.address },
          `the hotkey is not registered on subnet ${config.netuid}: weights cannot be set`,
        );
      }
    } else {
      directory = staticMinerDirectory(config.staticMiners.map(parseStaticMiner));
    }

    const state = new ValidatorState(store);
    const metrics = new ValidatorMetrics();
    const ledger = await ScoreLedger.load(state, scoringParamsOf(config));
    if (ledger.restarted) {
      logger.warn(
        { event: 'scores.restarted' },
        'the scoring parameters changed: scores start over',
      );
    }
    const dendrite = new Dendrite({ keypair: signer.pair });
    const context: ValidatorContext = {
      config,
      logger,
      store,
      jobs: openJobTable(store),
      state,
      ledger,
      prepared: new PreparedJobs(config.workDir),
      verifiers: new JobVerifiers(config),
      caller: countedCaller(dendrite, metrics),
      directory,
      source: pdbSourceOf(config),
      metrics,
      hotkey: signer.address,
      salt: await state.salt(),
      capacity: new Map(),
      now,
    };
    await reconcileBook(context);
    await ensureFixedJobs(context);

    const sampler = new CatalogSampler(context);
    const tasks: Record<string, ScheduledHandler> = {
      'prepare-jobs': async ({ signal }) => {
        await fillQueue(context, sampler);
        await prepareJobs(context, signal);
      },
      'progress-round': async ({ signal }) => {
        const summary = await runProgressRound(context, signal);
        metrics.roundSeconds.observe(summary.elapsedMs / 1000);
        const counts = await context.jobs.counts();
        for (const status of JOB_STATUSES) metrics.jobs.set({ status }, counts[status]);
        logger.info(
          { event: 'round.done', ...summary },
          `progress round: ${summary.queries} queries, ${summary.claims} claims`,
        );
      },
      'fetch-artefacts': async ({ signal }) => {
        const summary = await fetchArtefacts(context, signal);
        if (summary.fetched + summary.superseded + summary.failed > 0)
          logger.info(
            { event: 'artefacts.done', ...summary },
            `artefacts: ${summary.fetched} fetched`,
          );
      },
      'verify-claims': async ({ signal }) => {
        const summary = await verifyClaims(context, signal);
        if (summary.verdicts + summary.retried > 0)
          logger.info(
            { event: 'verification.done', ...summary },
            `verification: ${summary.verdicts} verdicts`,
          );
      },
      'set-weights': async () => {
        await setWeightsIfDue(context, chain);
      },
      'purge-jobs': async ({ signal }) => {
        const summary = await purgeEndedJobs(context, signal);
        if (summary.deleted > 0)
          logger.info({ event: 'purge.done', ...summary }, `purged ${summary.deleted} ended jobs`);
      },
    };
    if (chain !== null) {
      const side = chain;
      tasks['reveal-weights'] = async () => {
        await revealWeights(context, side);
      };
    }

    let worker: ScheduledWorker | null = null;
    if (options.runTasks !== false) {
      const scheduler = openScheduler(store);
      const every = (seconds: number) => ({ everyMs: Math.max(10, Math.round(seconds * 1000)) });
      await scheduler.schedule('prepare-jobs', every(Math.min(5, config.queryIntervalSeconds)));
      await scheduler.schedule('progress-round', every(config.queryIntervalSeconds));
      await scheduler.schedule('fetch-artefacts', every(Math.min(2, config.queryIntervalSeconds)));
      await scheduler.schedule('verify-claims', every(Math.min(5, config.queryIntervalSeconds)));
      await scheduler.schedule('set-weights', every(config.weightsCheckSeconds));
      await scheduler.schedule('purge-jobs', every(3600));
      if (chain !== null)
        await scheduler.schedule('reveal-weights', every(config.weightsCheckSeconds));
      else await scheduler.unschedule('reveal-weights');
      await scheduler.close();
      worker = await startScheduledWorker(store, {
        handlers: tasks,
        lockDurationMs: Math.round(config.taskLockSeconds * 1000),
        stalledIntervalMs: Math.round(config.taskStalledCheckSeconds * 1000),
        onError: (task, error) =>
          logger.error(
            {
              event: 'task.failed',
              task,
              err: error.message,
              code: (error as { code?: unknown }).code,
            },
            `task ${task} failed: ${error.message}`,
          ),
      });
    }

    let api: FastifyInstance | null = null;
    if (config.api) {
      api = await createApiServer(context, {
        version,
        netuid: config.netuid ?? null,
        chainEndpoint: config.chainEndpoint ?? null,
        startedAt: now(),
        blockNumber: async () => (chain === null ? null : chain.client.blockNumber()),
      });
      await api.listen({ host: config.apiHost, port: config.apiPort });
    }
    const validator = new Validator(context, store, dendrite, chain, worker, api, tasks);
    logger.info(
      {
        event: 'validator.started',
        hotkey: signer.address,
        version,
        netuid: config.netuid ?? null,
        api: validator.apiAddress,
        dryRun: config.dryRun,
      },
      `fold-validator ${version} started as ${signer.address}`,
    );
    return validator;
  }

  /**
   * Stops taking scheduled runs (running ones are aborted), closes the API, the chain and Redis.
   * What was recorded stays; the next start carries on.
   */
  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    await this.api?.close();
    await this.worker?.close({ abortRunning: true });
    await this.context.verifiers.closeAll();
    this.dendrite.close();
    await this.chain?.client.close();
    await this.store.close();
    this.context.logger.info({ event: 'validator.stopped' }, 'fold-validator stopped');
  }
}

/**
 * Aligns the score book with the job table after a start: jobs the book holds that are no longer
 * active (ended while the validator was down, or between the two writes) are ended in the book;
 * active jobs it lacks are opened by the next progress round.
 */
async function reconcileBook(context: ValidatorContext): Promise<void> {
  const active = new Set(await context.jobs.listIdsByStatus('active', { limit: MAX_LISTED_JOBS }));
  const book = context.ledger.book;
  let changed = false;
  for (const jobId of book.openJobIds()) {
    if (active.has(jobId)) continue;
    book.endJob(jobId);
    changed = true;
  }
  if (changed) await context.ledger.save();
}
