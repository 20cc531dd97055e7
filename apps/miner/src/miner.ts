import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { ChainClient, ChainError, KeyError, loadSigner, type Signer } from '@fold/chain-client';
import { detectGpuOffload, detectGromacs, Gmx, GromacsError } from '@fold/gromacs-runner';
import {
  ConnectionFailedError,
  connectJobStore,
  type JobStore,
  type MinerAssignments,
  openMinerAssignments,
  openSimulationQueues,
  type SimulationQueues,
  type SimulationWorker,
  startSimulationWorker,
} from '@fold/job-store';
import {
  Axon,
  type AxonInfo,
  FoldArtefacts,
  FoldAssign,
  FoldCancel,
  FoldProgress,
} from '@fold/synapse';
import type { Logger } from 'pino';
import { answerArtefacts } from './artefacts.js';
import { AssignHandler } from './assign.js';
import { answerCancel } from './cancel.js';
import type { CapacityPolicy } from './capacity.js';
import { type MinerConfig, publicConfig } from './config.js';
import { ConfigError, StartupError } from './errors.js';
import { type HousekeepingReport, runHousekeeping } from './housekeeping.js';
import { JOBS_DIR } from './job-files.js';
import { createLogger } from './logger.js';
import { answerProgress } from './progress.js';
import { planSlots, type SlotPlan, SlotPool } from './resources.js';
import { createSimulationProcessor, type SimulationOutcome } from './simulation.js';
import { taoToRao, ValidatorGate } from './validator-gate.js';

/** The Redis key prefix of a miner: `redisPrefix`, or `fold:miner:<hotkey address>`. */
export function minerPrefix(config: Pick<MinerConfig, 'redisPrefix'>, hotkey: string): string {
  return config.redisPrefix ?? `fold:miner:${hotkey}`;
}

/**
 * Loads the configured hotkey (key URI or key file).
 * @throws {ConfigError} naming `hotkeyUri` or `hotkeyFile`; the message never quotes the secret.
 */
export async function loadHotkey(
  config: Pick<MinerConfig, 'hotkeyUri' | 'hotkeyFile'>,
): Promise<Signer> {
  const field = config.hotkeyUri !== undefined ? 'hotkeyUri' : 'hotkeyFile';
  try {
    return await loadSigner(
      config.hotkeyUri !== undefined
        ? { uri: config.hotkeyUri }
        : { file: config.hotkeyFile ?? '' },
    );
  } catch (error) {
    if (!(error instanceof KeyError)) throw error;
    throw new ConfigError(`${field}: ${error.message}`, { details: { field }, cause: error });
  }
}

const DAY_MS = 86_400_000;
const MiB = 1024 * 1024;

/**
 * A running miner: the axon serving the fold synapses (blacklist and priority from the
 * metagraph), the simulation workers of this process, and housekeeping (deadlines, purges). All
 * state is in Redis and the work directory, so a miner killed at any point resumes its jobs when
 * started again, and several miner processes on one Redis share the jobs.
 */
export class Miner {
  #stopping = false;
  #stopped: Promise<void> | undefined;
  #housekeepingTimer: NodeJS.Timeout | undefined;
  #housekeeping: Promise<void> = Promise.resolve();

  private constructor(
    readonly config: MinerConfig,
    readonly logger: Logger,
    /** This miner's hotkey (SS58). */
    readonly hotkey: string,
    /** The Redis key prefix of its state. */
    readonly prefix: string,
    readonly slotPlan: SlotPlan,
    private readonly store: JobStore,
    readonly queues: SimulationQueues,
    readonly assignments: MinerAssignments,
    private readonly chain: ChainClient | undefined,
    private readonly gate: ValidatorGate,
    private readonly worker: SimulationWorker<SimulationOutcome> | undefined,
    private readonly axon: Axon | undefined,
  ) {}

  /** Where the axon listens, when this process serves one. */
  get axonInfo(): AxonInfo | undefined {
    return this.axon?.info;
  }

  /** True once {@link stop} was called. */
  get stopping(): boolean {
    return this.#stopping;
  }

  /**
   * Starts a miner: loads the hotkey, checks `gmx` (and the configured GPUs), connects to Redis
   * and the chain, opens the queues with the cluster's limits, starts this process's workers,
   * the axon (and registers it on chain when `serveAxon`), and housekeeping.
   * @throws {ConfigError} for an unusable hotkey or slot layout.
   * @throws {StartupError} GMX_UNAVAILABLE, GPU_UNAVAILABLE, REDIS_UNAVAILABLE,
   *   CHAIN_UNAVAILABLE, AXON_NOT_SERVED.
   */
  static async start(config: MinerConfig, options: { logger?: Logger } = {}): Promise<Miner> {
    const logger = options.logger ?? createLogger(config.logLevel);
    const signer = await loadHotkey(config);
    const slotPlan = planSlots(config);
    const gmxOptions = config.gmxPath === undefined ? {} : { gmxPath: config.gmxPath };
    await checkGromacs(config, gmxOptions, logger);
    await mkdir(join(config.workDir, JOBS_DIR), { recursive: true });
    const prefix = minerPrefix(config, signer.address);

    const cleanup: (() => Promise<void>)[] = [];
    const unwind = async () => {
      for (const step of cleanup.reverse()) await step().catch(() => undefined);
    };
    try {
      let store: JobStore;
      try {
        store = await connectJobStore({
          url: config.redisUrl,
          prefix,
          connectionName: 'fold-miner',
          onConnectionError: (error) => logger.warn({ err: error }, 'Redis connection error'),
        });
      } catch (error) {
        if (!(error instanceof ConnectionFailedError)) throw error;
        throw new StartupError('REDIS_UNAVAILABLE', `Redis at ${config.redisUrl} did not answer`, {
          details: { field: 'redisUrl' },
          cause: error,
        });
      }
      cleanup.push(() => store.close());
      const queues = await openSimulationQueues(store, {
        resources: slotPlan.cluster,
        // GROMACS failures do not go away on a retry; crashes are resumed without using one.
        attempts: 1,
      });
      cleanup.push(() => queues.close());
      const assignments = openMinerAssignments(store);

      let chain: ChainClient | undefined;
      if (config.chainEndpoint !== undefined) {
        try {
          chain = await ChainClient.connect({ endpoint: config.chainEndpoint });
        } catch (error) {
          if (!(error instanceof ChainError)) throw error;
          throw new StartupError(
            'CHAIN_UNAVAILABLE',
            `chain at ${config.chainEndpoint} unreachable`,
            {
              details: { field: 'chainEndpoint' },
              cause: error,
            },
          );
        }
        const client = chain;
        cleanup.push(() => client.close());
      }
      const gate = await ValidatorGate.open(
        {
          minStakeRao: taoToRao(config.minStakeTao),
          devAllow: new Set(config.devAllow),
          chain: chain !== undefined,
        },
        chain === undefined || config.netuid === undefined
          ? undefined
          : { client: chain, netuid: config.netuid },
        logger,
      ).catch((error: unknown) => {
        if (!(error instanceof ChainError)) throw error;
        throw new StartupError(
          'CHAIN_UNAVAILABLE',
          `the metagraph of subnet ${config.netuid} cannot be read: ${error.message}`,
          { details: { field: 'netuid' }, cause: error },
        );
      });
      cleanup.push(() => gate.close());

      const capacity: CapacityPolicy = {
        totalSlots: slotPlan.totalSlots,
        maxQueuedJobs: config.maxQueuedJobs,
      };
      let miner: Miner | undefined;
      const gmx = new Gmx(gmxOptions);
      let worker: SimulationWorker<SimulationOutcome> | undefined;
      if (Object.keys(slotPlan.slots).length > 0) {
        const slots = Object.fromEntries(
          Object.entries(slotPlan.slots).map(([queue, resources]) => [
            queue,
            { pool: new SlotPool(resources.length), resources },
          ]),
        );
        worker = await startSimulationWorker(store, {
          resources: slotPlan.local,
          lockDurationMs: config.lockDurationMs,
          stalledIntervalMs: config.stalledIntervalMs,
          processor: createSimulationProcessor({
            assignments,
            workDir: config.workDir,
            minerHotkey: signer.address,
            gmx,
            slots,
            checkpointIntervalMinutes: config.checkpointIntervalMinutes,
            commitIntervalMs: config.commitIntervalSeconds * 1000,
            progressIntervalMs: config.progressIntervalSeconds * 1000,
            logger,
            isStopping: () => miner?.stopping ?? false,
          }),
          onEvent: (event) => {
            if (event.type === 'completed') return;
            // A cancelled simulation ends as a failed queue job; that is not a problem.
            const cancelled =
              event.type === 'failed' && event.error.message.startsWith('cancelled');
            const level =
              (event.type === 'error' || event.type === 'failed') && !cancelled ? 'warn' : 'info';
            logger[level](
              { event: event.type, ...('error' in event ? { err: event.error } : {}) },
              `simulation worker: ${event.type}`,
            );
          },
        });
        const started = worker;
        cleanup.push(() => started.close({ abortRunning: true }));
      }

      let axon: Axon | undefined;
      if (config.axon) {
        const assign = new AssignHandler({
          assignments,
          queues,
          workDir: config.workDir,
          capacity,
          cluster: slotPlan.cluster,
          diskQuotaBytes: config.diskQuotaBytes,
          minFrameIntervalSteps: config.minFrameIntervalSteps,
          logger,
        });
        axon = new Axon({
          keypair: signer.pair,
          host: config.axonHost,
          port: config.axonPort,
          blacklist: ({ hotkey }) => gate.judge(hotkey),
          priority: ({ hotkey }) => gate.judge(hotkey).priority,
          onError: (event) =>
            logger.info(
              {
                status: event.statusCode,
                synapse: event.synapse,
                caller: event.hotkey,
                ip: event.ip,
                err: event.error,
              },
              'request refused',
            ),
        });
        axon.attach(
          FoldAssign,
          (request, context) => {
            const bundle = context.bundles.input_bundle;
            if (bundle === undefined) throw new Error('the axon decoded no input bundle');
            return assign.handle(request, bundle, context.hotkey);
          },
          {
            maxRequestBytes: config.maxInputBytes + MiB,
            bundleLimits: { maxEncodedBytes: config.maxInputBytes },
          },
        );
        axon.attach(FoldProgress, (request, context) =>
          answerProgress(request, context.hotkey, { assignments, capacity }),
        );
        axon.attach(FoldArtefacts, (request, context) =>
          answerArtefacts(request, context.hotkey, {
            assignments,
            workDir: config.workDir,
            logger,
          }),
        );
        axon.attach(FoldCancel, (request, context) =>
          answerCancel(request, context.hotkey, { assignments, queues, capacity, logger }),
        );
        const info = await axon.start();
        const served = axon;
        cleanup.push(() => served.stop());
        if (config.serveAxon && chain !== undefined && config.netuid !== undefined) {
          await serveOnChain(chain, config, signer, info.port, logger);
        }
      }

      miner = new Miner(
        config,
        logger,
        signer.address,
        prefix,
        slotPlan,
        store,
        queues,
        assignments,
        chain,
        gate,
        worker,
        axon,
      );
      miner.startHousekeeping();
      logger.info(
        {
          hotkey: signer.address,
          prefix,
          axon: axon?.info,
          slots: slotPlan.summary,
          totalSlots: slotPlan.totalSlots,
          config: publicConfig(config),
        },
        'miner started',
      );
      return miner;
    } catch (error) {
      await unwind();
      throw error;
    }
  }

  private startHousekeeping(): void {
    const round = () => {
      this.#housekeeping = this.#housekeeping.then(async () => {
        if (this.#stopping) return;
        try {
          const report = await this.housekeepOnce();
          if (report.expired.length + report.failed.length > 0) {
            this.logger.info({ ...report }, 'housekeeping');
          }
        } catch (error) {
          // The next round tries again; a failing round must not stop the miner.
          this.logger.error({ err: error }, 'housekeeping round failed');
        }
      });
    };
    round();
    this.#housekeepingTimer = setInterval(round, this.config.housekeepingIntervalSeconds * 1000);
  }

  /** Runs one housekeeping round now (expiries, lost simulations, purges). */
  async housekeep(): Promise<HousekeepingReport> {
    await this.#housekeeping;
    return this.housekeepOnce();
  }

  private housekeepOnce(): Promise<HousekeepingReport> {
    return runHousekeeping({
      assignments: this.assignments,
      queues: this.queues,
      workDir: this.config.workDir,
      policy: {
        retentionMs: this.config.retentionHours * 3_600_000,
        purgeAfterFetchMs: this.config.purgeAfterFetchMinutes * 60_000,
        recordRetentionMs: 7 * DAY_MS,
      },
      logger: this.logger,
    });
  }

  /**
   * Stops: the axon first (no new requests), then housekeeping, then this process's runs are
   * aborted (mdrun writes a checkpoint and stops; the jobs go back to their queue, to be resumed
   * by the next start or another process), then the connections close.
   */
  stop(): Promise<void> {
    this.#stopped ??= (async () => {
      this.#stopping = true;
      this.logger.info('miner stopping');
      await this.axon?.stop();
      clearInterval(this.#housekeepingTimer);
      await this.#housekeeping;
      await this.worker?.close({ abortRunning: true });
      await this.queues.close();
      await this.gate.close();
      await this.chain?.close();
      await this.store.close();
      this.logger.info('miner stopped');
    })();
    return this.#stopped;
  }
}

async function checkGromacs(
  config: MinerConfig,
  gmxOptions: { gmxPath?: string },
  logger: Logger,
): Promise<void> {
  try {
    const info = await detectGromacs(gmxOptions);
    logger.info({ gmx: info.path, version: info.version, gpu: info.gpuSupport }, 'GROMACS found');
    if (config.gpuIds.length === 0) return;
    const offload = await detectGpuOffload(gmxOptions);
    const missing = config.gpuIds.filter((id) => !offload.deviceIds.includes(id));
    if (!offload.info.gpuSupport || missing.length > 0) {
      throw new StartupError(
        'GPU_UNAVAILABLE',
        offload.info.gpuSupport
          ? `GPU device(s) ${missing.join(',')} not found (found: ${offload.deviceIds.join(',') || 'none'})`
          : `${info.path} has no GPU support; point gmxPath (FOLD_GMX) at a CUDA build or drop gpuIds`,
        { details: { field: 'gpuIds' } },
      );
    }
  } catch (error) {
    if (!(error instanceof GromacsError)) throw error;
    throw new StartupError('GMX_UNAVAILABLE', `GROMACS cannot be run: ${error.message}`, {
      details: { field: 'gmxPath' },
      cause: error,
    });
  }
}

async function serveOnChain(
  chain: ChainClient,
  config: MinerConfig,
  signer: Signer,
  listenPort: number,
  logger: Logger,
): Promise<void> {
  const netuid = config.netuid as number;
  const ip = config.externalIp as string;
  const port = config.externalPort ?? listenPort;
  const metagraph = await chain.metagraph(netuid);
  const self = metagraph.neurons.find((n) => n.hotkey === signer.address);
  if (self?.axon?.ip === ip && self.axon.port === port) {
    logger.info({ ip, port }, 'axon already registered on chain');
    return;
  }
  try {
    const inclusion = await chain.serveAxon({ netuid, hotkey: signer, ip, port });
    logger.info({ ip, port, block: inclusion.blockNumber }, 'axon registered on chain');
  } catch (error) {
    if (!(error instanceof ChainError)) throw error;
    throw new StartupError('AXON_NOT_SERVED', `serveAxon failed: ${error.message}`, {
      details: { field: 'serveAxon', code: error.code },
      cause: error,
    });
  }
}
