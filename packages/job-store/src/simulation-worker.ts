import { hostname } from 'node:os';
import { type Job, Queue, UnrecoverableError, WaitingError, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { JobStore } from './connection.js';
import { InvalidInputError, InvalidOptionsError, JobStoreError } from './errors.js';
import {
  type SimulationJobData,
  type SimulationProgress,
  simulationDataCodec,
  simulationProgressCodec,
} from './simulation-job.js';
import {
  type ResourceQueue,
  resourceQueues,
  type SimulationResources,
  simulationKeys,
} from './simulation-topology.js';

/** What a processor gets besides the job. */
export interface SimulationContext {
  /** Aborted when the job is cancelled, the lock is lost, or the worker shuts down: stop mdrun. */
  readonly signal: AbortSignal;
  /**
   * Extends the job's lock now. Locks are renewed automatically while the event loop runs; call
   * this after long synchronous work. @throws {JobStoreError} when the lock was lost
   */
  heartbeat(): Promise<void>;
  /** Publishes progress (stage, step), readable through {@link SimulationQueues.status}. */
  updateProgress(progress: SimulationProgress): Promise<void>;
  /** 1 on the first run; 2 and more when the job is delivered again after a crash or a retry. */
  readonly attempt: number;
  /** The queue (and so the resource) the job runs on. */
  readonly queueName: string;
}

/**
 * Runs one simulation. It resolves with a JSON-serialisable result, throws to fail (retried with
 * backoff, unless it throws BullMQ's `UnrecoverableError`), and must stop when `signal` aborts.
 * A job delivered again after a crash must resume from its checkpoint.
 */
export type SimulationProcessor<R> = (
  job: SimulationJobData,
  context: SimulationContext,
) => Promise<R>;

/** Something that happened in a worker, for logs and metrics. */
export type SimulationWorkerEvent =
  | { type: 'completed'; id: string; queueName: string }
  | { type: 'failed'; id: string; queueName: string; error: Error }
  | { type: 'stalled'; id: string; queueName: string }
  | { type: 'lock-lost'; id: string; queueName: string }
  | { type: 'error'; queueName: string; error: Error };

/** Options of {@link startSimulationWorker}. */
export interface SimulationWorkerOptions<R> {
  /**
   * The queues this process serves and how many simulations it runs from each at once (its local
   * concurrency, e.g. the cores or GPU slots of this machine). The queues' own limits, set by
   * {@link openSimulationQueues}, cap all processes together.
   */
  resources: SimulationResources;
  processor: SimulationProcessor<R>;
  /**
   * How long a job stays locked without renewal, in ms: a worker that died is noticed after at
   * most this plus `stalledIntervalMs`. Default 30,000.
   */
  lockDurationMs?: number;
  /** How often stalled jobs are looked for, in ms. Default 15,000. */
  stalledIntervalMs?: number;
  /** Crashes a job survives before it fails. Default 5. */
  maxStalledCount?: number;
  /** Shown on jobs as the worker that ran them. Default `<hostname>:<pid>`. */
  name?: string;
  /** Everything that happens, for logs. Errors are also thrown where they concern a call. */
  onEvent?: (event: SimulationWorkerEvent) => void;
}

const CANCELLED = 'cancelled';
const SHUTDOWN = 'worker shutting down';
const LOCK_LOST = 'job lock lost';

type AbortReason =
  | { kind: 'cancelled'; reason: string }
  | { kind: 'shutdown' }
  | { kind: 'lock-lost' };

function abortReason(signal: AbortSignal): AbortReason {
  const reason: unknown = signal.reason;
  if (reason === SHUTDOWN) return { kind: 'shutdown' };
  if (reason === LOCK_LOST) return { kind: 'lock-lost' };
  const text = typeof reason === 'string' ? reason : CANCELLED;
  return {
    kind: 'cancelled',
    reason: text.startsWith(`${CANCELLED}:`) ? text.slice(CANCELLED.length + 1).trim() : text,
  };
}

function parseCancelMessage(message: string): { id: string; reason: string } | undefined {
  if (message.length > 4_096) return undefined;
  try {
    const value = JSON.parse(message) as { id?: unknown; reason?: unknown };
    if (typeof value.id !== 'string' || typeof value.reason !== 'string') return undefined;
    return { id: value.id, reason: value.reason };
  } catch {
    return undefined;
  }
}

/**
 * A process's workers for the miner's simulation queues, one BullMQ worker per resource. A job
 * whose worker dies is delivered again once its lock expires (stall recovery); cancellation
 * reaches the running processor through an AbortSignal.
 */
export class SimulationWorker<R> {
  private subscriber: Redis | undefined;
  private closing = false;

  private constructor(
    private readonly store: JobStore,
    private readonly workers: ReadonlyMap<string, Worker<SimulationJobData, R>>,
  ) {}

  /** Use {@link startSimulationWorker}. */
  static async start<R>(
    store: JobStore,
    options: SimulationWorkerOptions<R>,
  ): Promise<SimulationWorker<R>> {
    const specs = resourceQueues(options.resources);
    const lockDurationMs = options.lockDurationMs ?? 30_000;
    const stalledIntervalMs = options.stalledIntervalMs ?? 15_000;
    const maxStalledCount = options.maxStalledCount ?? 5;
    for (const [field, value, min] of [
      ['lockDurationMs', lockDurationMs, 500],
      ['stalledIntervalMs', stalledIntervalMs, 100],
      ['maxStalledCount', maxStalledCount, 0],
    ] as const) {
      if (!Number.isInteger(value) || value < min) {
        throw new InvalidOptionsError(
          `${field} must be an integer of at least ${min}, not ${value}`,
          { field },
        );
      }
    }
    const { connection, prefix } = store.bullmq();
    const name = options.name ?? `${hostname()}:${process.pid}`;
    const emit = options.onEvent ?? (() => {});

    // The global limits are the queues' (openSimulationQueues stores them); a queue without one
    // would let every worker process run its full local concurrency on the same GPU.
    for (const spec of specs) {
      const probe = new Queue(spec.queueName, { connection, prefix });
      probe.on('error', (error) => store.reportConnectionError(error));
      try {
        const limit = await store.run(`read the limit of ${spec.queueName}`, () =>
          probe.getGlobalConcurrency(),
        );
        if (limit === null) {
          throw new InvalidOptionsError(
            `${spec.queueName} has no limit yet: open the simulation queues (openSimulationQueues) before starting workers`,
            { field: 'resources', queue: spec.queueName },
          );
        }
      } finally {
        await probe.close();
      }
    }

    const workers = new Map<string, Worker<SimulationJobData, R>>();
    const self = new SimulationWorker<R>(store, workers);
    for (const spec of specs) {
      const worker: Worker<SimulationJobData, R> = new Worker<SimulationJobData, R>(
        spec.queueName,
        // Three parameters: BullMQ passes an AbortSignal only to processors that declare one.
        (job, token, signal) =>
          self.process(job, token, signal, spec, options.processor, lockDurationMs),
        {
          connection,
          prefix,
          name,
          concurrency: spec.concurrency,
          lockDuration: lockDurationMs,
          stalledInterval: stalledIntervalMs,
          maxStalledCount,
          autorun: false,
        },
      );
      worker.on('completed', (job) =>
        emit({ type: 'completed', id: String(job.id), queueName: spec.queueName }),
      );
      worker.on('failed', (job, error) =>
        emit({ type: 'failed', id: String(job?.id), queueName: spec.queueName, error }),
      );
      worker.on('stalled', (id) => emit({ type: 'stalled', id, queueName: spec.queueName }));
      worker.on('error', (error) => emit({ type: 'error', queueName: spec.queueName, error }));
      // A lock that could not be renewed means another worker may get the job: stop this run so
      // that at most one runner works on it.
      worker.on('lockRenewalFailed', (ids) => {
        for (const id of ids) {
          worker.cancelJob(id, LOCK_LOST);
          emit({ type: 'lock-lost', id, queueName: spec.queueName });
        }
      });
      workers.set(spec.queueName, worker);
    }
    try {
      await self.subscribe();
      for (const worker of workers.values()) {
        void worker
          .run()
          .catch((error: Error) => emit({ type: 'error', queueName: worker.name, error }));
      }
      await Promise.all([...workers.values()].map((w) => w.waitUntilReady()));
    } catch (error) {
      await self.close();
      throw error;
    }
    return self;
  }

  private async subscribe(): Promise<void> {
    const { cancelChannel } = simulationKeys(this.store);
    const subscriber = this.store.duplicate();
    this.subscriber = subscriber;
    subscriber.on('message', (_channel: string, message: string) => {
      const cancel = parseCancelMessage(message);
      if (cancel === undefined) return;
      for (const worker of this.workers.values())
        worker.cancelJob(cancel.id, `${CANCELLED}: ${cancel.reason}`);
    });
    await this.store.run('subscribe to cancellations', () => subscriber.subscribe(cancelChannel));
  }

  private async process(
    job: Job<SimulationJobData, R>,
    token: string | undefined,
    signal: AbortSignal | undefined,
    spec: ResourceQueue,
    processor: SimulationProcessor<R>,
    lockDurationMs: number,
  ): Promise<R> {
    if (signal === undefined || token === undefined) {
      throw new Error('BullMQ gave the processor no abort signal or lock token');
    }
    let data: SimulationJobData;
    try {
      data = simulationDataCodec.checkInput(job.data, { id: job.id });
    } catch (error) {
      throw new UnrecoverableError(`bad simulation payload: ${(error as Error).message}`);
    }
    const keys = simulationKeys(this.store);
    const cancelledReason = await this.store.run('read a cancellation', () =>
      this.store.redis.get(keys.cancelled(data.id)),
    );
    if (cancelledReason !== null) throw new UnrecoverableError(`${CANCELLED}: ${cancelledReason}`);

    const context: SimulationContext = {
      signal,
      attempt: job.attemptsStarted,
      queueName: spec.queueName,
      heartbeat: async () => {
        const extended = await this.store.run('extend a job lock', () =>
          job.extendLock(token, lockDurationMs),
        );
        if (extended !== 1) {
          throw new JobStoreError(
            'REDIS_ERROR',
            `lost the lock of ${data.id}: another worker may run it`,
            {
              details: { id: data.id },
            },
          );
        }
      },
      updateProgress: async (progress) => {
        const checked = simulationProgressCodec.checkInput(progress, { id: data.id });
        await this.store.run('update progress', () => job.updateProgress(checked));
      },
    };
    try {
      return await processor(data, context);
    } catch (error) {
      if (!signal.aborted) {
        if (error instanceof InvalidInputError) throw new UnrecoverableError(error.message);
        throw error;
      }
      const why = abortReason(signal);
      if (why.kind === 'shutdown') {
        // Back to waiting without using up an attempt; another worker resumes it from its checkpoint.
        await job.moveToWait(token);
        throw new WaitingError();
      }
      if (why.kind === 'lock-lost') throw error;
      throw new UnrecoverableError(`${CANCELLED}: ${why.reason}`);
    }
  }

  /** The queues this process serves. */
  get queueNames(): string[] {
    return [...this.workers.keys()];
  }

  /**
   * Stops taking jobs and closes. By default it waits for running simulations to finish; with
   * `abortRunning`, their processors are aborted and the jobs go back to waiting (no attempt used)
   * for another worker to resume.
   */
  async close(options: { abortRunning?: boolean } = {}): Promise<void> {
    if (this.closing) return;
    this.closing = true;
    if (options.abortRunning === true) {
      for (const worker of this.workers.values()) worker.cancelAllJobs(SHUTDOWN);
    }
    await Promise.all([...this.workers.values()].map((w) => w.close()));
    if (this.subscriber !== undefined) {
      const subscriber = this.subscriber;
      await subscriber.quit().catch(() => subscriber.disconnect());
    }
  }
}

/**
 * Starts workers for the miner's simulation queues in this process.
 * @throws {InvalidOptionsError} @throws {ConnectionLostError}
 */
export async function startSimulationWorker<R>(
  store: JobStore,
  options: SimulationWorkerOptions<R>,
): Promise<SimulationWorker<R>> {
  return SimulationWorker.start(store, options);
}
