import { type Job, Queue } from 'bullmq';
import type { JobStore } from './connection.js';
import { InvalidInputError, InvalidOptionsError } from './errors.js';
import {
  checkSimulationId,
  type SimulationJobData,
  type SimulationJobInput,
  type SimulationProgress,
  simulationInputCodec,
  simulationJobId,
  simulationProgressCodec,
} from './simulation-job.js';
import {
  type ResourceQueue,
  resourceQueues,
  type SimulationResources,
  simulationKeys,
} from './simulation-topology.js';

/** Options of {@link openSimulationQueues}. */
export interface SimulationQueuesOptions {
  resources: SimulationResources;
  /** Runs of a job that fails (throws) before it is given up; default 3. Crashes do not count. */
  attempts?: number;
  /** First retry delay, doubled each time, in ms; default 10,000. */
  backoffMs?: number;
  /** How long finished jobs stay queryable, in ms; default 7 days. */
  keepFinishedMs?: number;
}

/** Where a simulation job stands. */
export interface SimulationStatus {
  readonly id: string;
  readonly queueName: string;
  readonly state:
    | 'waiting'
    | 'delayed'
    | 'prioritized'
    | 'active'
    | 'completed'
    | 'failed'
    | 'waiting-children'
    | 'unknown';
  /** How many times a worker has started it (more than 1 after a crash or a retry). */
  readonly attemptsStarted: number;
  /** Runs that failed by throwing (crashes and shutdowns do not count). */
  readonly failedAttempts: number;
  readonly progress: SimulationProgress | undefined;
  readonly failedReason: string | undefined;
  readonly cancelled: boolean;
  readonly result: unknown;
}

/** What {@link SimulationQueues.cancel} did. */
export type CancelOutcome =
  /** It was waiting and is gone. */
  | 'removed'
  /** It runs (or was just picked up): the worker's processor gets an abort signal. */
  | 'signalled'
  /** It had already completed or failed. */
  | 'finished'
  /** No such job. */
  | 'not-found';

type SimulationQueue = Queue<SimulationJobData>;

const JOB_NAME = 'simulation';
const DAY_MS = 86_400_000;

/**
 * The miner's simulation queues: one per resource (CPU, each GPU), each with a limit of
 * simultaneous simulations kept in Redis (BullMQ global concurrency), so that no GPU runs more
 * than configured however many worker processes serve it. Enqueueing is idempotent by job id.
 */
export class SimulationQueues {
  private constructor(
    private readonly store: JobStore,
    private readonly queues: ReadonlyMap<string, { queue: SimulationQueue; spec: ResourceQueue }>,
    private readonly keepFinishedMs: number,
  ) {}

  /** Use {@link openSimulationQueues}. */
  static async open(store: JobStore, options: SimulationQueuesOptions): Promise<SimulationQueues> {
    const specs = resourceQueues(options.resources);
    const attempts = options.attempts ?? 3;
    const backoffMs = options.backoffMs ?? 10_000;
    const keepFinishedMs = options.keepFinishedMs ?? 7 * DAY_MS;
    for (const [field, value] of [
      ['attempts', attempts],
      ['backoffMs', backoffMs],
      ['keepFinishedMs', keepFinishedMs],
    ] as const) {
      if (!Number.isInteger(value) || value < (field === 'attempts' ? 1 : 0)) {
        throw new InvalidOptionsError(`${field} must be a non-negative integer, not ${value}`, {
          field,
        });
      }
    }
    const { connection, prefix } = store.bullmq();
    const queues = new Map<string, { queue: SimulationQueue; spec: ResourceQueue }>();
    for (const spec of specs) {
      const queue: SimulationQueue = new Queue<SimulationJobData>(spec.queueName, {
        connection,
        prefix,
        defaultJobOptions: {
          attempts,
          backoff: { type: 'exponential', delay: backoffMs },
          removeOnComplete: { age: Math.ceil(keepFinishedMs / 1_000) },
          removeOnFail: { age: Math.ceil(keepFinishedMs / 1_000) },
        },
      });
      queue.on('error', (error) => store.reportConnectionError(error));
      queues.set(spec.queueName, { queue, spec });
    }
    const opened = new SimulationQueues(store, queues, keepFinishedMs);
    try {
      await opened.applyLimits();
    } catch (error) {
      await opened.close();
      throw error;
    }
    return opened;
  }

  private async applyLimits(): Promise<void> {
    for (const { queue, spec } of this.queues.values()) {
      await this.store.run(`set the concurrency of ${spec.queueName}`, () =>
        queue.setGlobalConcurrency(spec.concurrency),
      );
    }
  }

  /** The BullMQ queue names, e.g. `sim-cpu`, `sim-gpu-0`. */
  get queueNames(): string[] {
    return [...this.queues.keys()];
  }

  private async leastLoadedGpu(): Promise<string> {
    let best: { name: string; load: number } | undefined;
    for (const [name, { queue, spec }] of this.queues) {
      if (spec.resource.kind !== 'gpu') continue;
      const counts = await this.store.run('count GPU jobs', () =>
        queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized'),
      );
      const load = Object.values(counts).reduce((sum, n) => sum + n, 0) / spec.concurrency;
      if (best === undefined || load < best.load) best = { name, load };
    }
    if (best === undefined)
      throw new InvalidInputError('no GPU is configured for this miner', { field: 'resource' });
    return best.name;
  }

  private async queueFor(input: SimulationJobInput): Promise<string> {
    const { resource } = input;
    if (resource.kind === 'cpu') {
      if (!this.queues.has('sim-cpu'))
        throw new InvalidInputError('no CPU slots are configured', { field: 'resource' });
      return 'sim-cpu';
    }
    if (resource.gpuId === undefined) return this.leastLoadedGpu();
    const name = `sim-gpu-${resource.gpuId}`;
    if (!this.queues.has(name))
      throw new InvalidInputError(`GPU ${resource.gpuId} is not configured`, { field: 'resource' });
    return name;
  }

  /**
   * Enqueues a simulation under `<validator hotkey>.<validator job id>`. Enqueueing the same id
   * again returns the existing job (`created: false`) and never runs it twice.
   * @throws {InvalidInputError}
   */
  async enqueue(
    input: SimulationJobInput,
  ): Promise<{ id: string; queueName: string; created: boolean }> {
    const checked = simulationInputCodec.checkInput(input);
    const id = simulationJobId(checked.validatorHotkey, checked.validatorJobId);
    const keys = simulationKeys(this.store);
    const cancelled = await this.store.run('read a cancellation', () =>
      this.store.redis.exists(keys.cancelled(id)),
    );
    if (cancelled === 1) {
      throw new InvalidInputError(
        `${id} was cancelled; a cancelled simulation is not enqueued again`,
        { id },
      );
    }
    const wanted = await this.queueFor(checked);
    // The route is claimed atomically, so two racing enqueues of one id pick the same queue.
    const claimed = await this.store.run(
      'route a simulation',
      () => this.store.redis.set(keys.route(id), wanted, 'PX', this.keepFinishedMs + DAY_MS, 'NX'),
      keys.route(id),
    );
    const queueName =
      claimed === 'OK'
        ? wanted
        : ((await this.store.run('read a route', () => this.store.redis.get(keys.route(id)))) ??
          wanted);
    const entry = this.queues.get(queueName);
    if (entry === undefined) {
      throw new InvalidOptionsError(
        `${id} was enqueued on ${queueName}, which this miner no longer configures`,
        {
          field: 'resources',
          id,
        },
      );
    }
    const resource =
      entry.spec.resource.kind === 'cpu'
        ? { kind: 'cpu' as const }
        : { kind: 'gpu' as const, gpuId: entry.spec.resource.gpuId };
    const data: SimulationJobData = {
      id,
      validatorHotkey: checked.validatorHotkey,
      validatorJobId: checked.validatorJobId,
      stage: checked.stage,
      workDir: checked.workDir,
      resource,
      enqueuedAt: Date.now(),
    };
    if (checked.checkpointPath !== undefined) data.checkpointPath = checked.checkpointPath;
    // With a fixed jobId BullMQ keeps the existing job, whatever its state.
    await this.store.run('enqueue a simulation', () =>
      entry.queue.add(JOB_NAME, data, { jobId: id }),
    );
    return { id, queueName, created: claimed === 'OK' };
  }

  private async find(
    id: string,
  ): Promise<
    { job: Job<SimulationJobData>; queue: SimulationQueue; queueName: string } | undefined
  > {
    const routed = await this.store.run('read a route', () =>
      this.store.redis.get(simulationKeys(this.store).route(id)),
    );
    const names = routed !== null && this.queues.has(routed) ? [routed] : [...this.queues.keys()];
    for (const name of names) {
      const entry = this.queues.get(name);
      if (entry === undefined) continue;
      const job = await this.store.run('read a simulation', () => entry.queue.getJob(id));
      if (job !== undefined && job !== null) return { job, queue: entry.queue, queueName: name };
    }
    return undefined;
  }

  /** Where the job stands, or undefined when there is none. */
  async status(id: string): Promise<SimulationStatus | undefined> {
    checkSimulationId(id);
    const found = await this.find(id);
    if (found === undefined) return undefined;
    const { queue, queueName } = found;
    // State first, then the job again: a job finishing in between shows its result, not stale data.
    const [state, cancelled] = await this.store.run('read a simulation', () =>
      Promise.all([
        queue.getJobState(id),
        this.store.redis.exists(simulationKeys(this.store).cancelled(id)),
      ]),
    );
    const job = (await this.store.run('read a simulation', () => queue.getJob(id))) ?? found.job;
    let progress: SimulationProgress | undefined;
    if (typeof job.progress === 'object' && job.progress !== null) {
      progress = simulationProgressCodec.checkInput(job.progress, { id });
    }
    return {
      id,
      queueName,
      state,
      attemptsStarted: job.attemptsStarted,
      // BullMQ counts a successful run among the attempts made.
      failedAttempts: Math.max(0, job.attemptsMade - (state === 'completed' ? 1 : 0)),
      progress,
      failedReason:
        job.failedReason === undefined || job.failedReason === '' ? undefined : job.failedReason,
      cancelled: cancelled === 1,
      result: job.returnvalue ?? undefined,
    };
  }

  /**
   * Cancels a simulation: a waiting one is removed; a running one's processor receives an abort
   * signal (through pub/sub, in whichever process runs it) and the job fails without retries.
   * A job picked up after this call is cancelled before its processor starts, and the id cannot
   * be enqueued again.
   */
  async cancel(id: string, reason = 'cancelled'): Promise<CancelOutcome> {
    checkSimulationId(id);
    const keys = simulationKeys(this.store);
    const why = reason.slice(0, 512);
    const found = await this.find(id);
    const state =
      found === undefined
        ? undefined
        : await this.store.run('read a simulation', () => found.job.getState());
    if (state === 'completed' || state === 'failed') return 'finished';
    // Marked before anything else: a worker that picks the job up from now on refuses to run it.
    await this.store.run('mark a cancellation', () =>
      this.store.redis.set(keys.cancelled(id), why, 'PX', this.keepFinishedMs + DAY_MS),
    );
    if (found === undefined) return 'not-found';
    if (state === 'waiting' || state === 'delayed' || state === 'prioritized') {
      const removed = await this.store.run('remove a simulation', async () => {
        try {
          await found.job.remove();
          return true;
        } catch (error) {
          // A worker locked it between the two reads: it runs now, so signal it below.
          if (/locked/i.test(String((error as Error).message))) return false;
          throw error;
        }
      });
      if (removed) return 'removed';
    }
    await this.store.run('signal a cancellation', () =>
      this.store.redis.publish(keys.cancelChannel, JSON.stringify({ id, reason: why })),
    );
    return 'signalled';
  }

  /** Job counts per queue and state. */
  async counts(): Promise<Record<string, Record<string, number>>> {
    const result: Record<string, Record<string, number>> = {};
    for (const [name, { queue }] of this.queues) {
      result[name] = await this.store.run('count simulations', () =>
        queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized', 'completed', 'failed'),
      );
    }
    return result;
  }

  /** Closes the queues' connections (not the store). */
  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map(({ queue }) => queue.close()));
  }
}

/**
 * Opens the miner's simulation queues and stores their concurrency limits in Redis.
 * @throws {InvalidOptionsError} @throws {ConnectionLostError}
 */
export async function openSimulationQueues(
  store: JobStore,
  options: SimulationQueuesOptions,
): Promise<SimulationQueues> {
  return SimulationQueues.open(store, options);
}
