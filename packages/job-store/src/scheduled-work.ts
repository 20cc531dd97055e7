import { hostname } from 'node:os';
import { type Job, Queue, UnrecoverableError, Worker } from 'bullmq';
import type { JobStore } from './connection.js';
import { InvalidInputError, InvalidOptionsError } from './errors.js';

/** When a task runs: every so many ms, or on a cron pattern. */
export type ScheduleSpec = { everyMs: number } | { cron: string; timezone?: string };

/** Plain data handed to each run of a task. */
export type ScheduledData = Readonly<Record<string, string | number | boolean | null>>;

/** A scheduled task as stored. */
export interface ScheduledTask {
  readonly task: string;
  readonly everyMs: number | undefined;
  readonly cron: string | undefined;
  /** When the next run is due, ms since the epoch. */
  readonly nextRunAt: number | undefined;
  readonly data: ScheduledData;
}

/** One run of a task. */
export interface ScheduledRun {
  readonly task: string;
  readonly data: ScheduledData;
  /** When this run was due, ms since the epoch. */
  readonly scheduledAtMs: number;
  /** Aborted when the worker shuts down. */
  readonly signal: AbortSignal;
}

/** Does one run of a task; throwing fails this run only (the next one comes on schedule). */
export type ScheduledHandler = (run: ScheduledRun) => Promise<void>;

const TASK_PATTERN = /^[a-z][a-z0-9-]{0,47}$/;
const CRON_PATTERN = /^[0-9*/,? LW#A-Za-z-]{1,128}$/;

function checkTask(task: string): void {
  if (!TASK_PATTERN.test(task)) {
    throw new InvalidInputError(
      `invalid task name ${JSON.stringify(task)}: lower-case letters, digits and "-"`,
      {
        field: 'task',
      },
    );
  }
}

function queueName(task: string): string {
  return `sched-${task}`;
}

function checkData(data: ScheduledData): void {
  const entries = Object.entries(data);
  if (entries.length > 64 || JSON.stringify(data).length > 16_384) {
    throw new InvalidInputError('scheduled task data is limited to 64 fields and 16 KiB', {
      field: 'data',
    });
  }
  for (const [key, value] of entries) {
    const ok =
      value === null ||
      typeof value === 'string' ||
      typeof value === 'boolean' ||
      (typeof value === 'number' && Number.isFinite(value));
    if (!ok)
      throw new InvalidInputError(`scheduled task data field ${key} is not a plain value`, {
        field: key,
      });
  }
}

/**
 * Scheduled work of a validator (progress rounds, weight setting) as repeatable BullMQ jobs: one
 * queue per task with a global concurrency of one, so a task never overlaps itself even with
 * several validator processes, while different tasks run side by side.
 */
export class Scheduler {
  private readonly queues = new Map<string, Queue>();

  constructor(private readonly store: JobStore) {}

  private queue(task: string): Queue {
    let queue = this.queues.get(task);
    if (queue === undefined) {
      const { connection, prefix } = this.store.bullmq();
      queue = new Queue(queueName(task), { connection, prefix });
      queue.on('error', (error) => this.store.reportConnectionError(error));
      this.queues.set(task, queue);
    }
    return queue;
  }

  private get tasksKey(): string {
    return this.store.key('sched', 'tasks');
  }

  /**
   * Creates or replaces the schedule of a task. Idempotent: every validator process may call it
   * at start-up. @throws {InvalidInputError}
   */
  async schedule(task: string, spec: ScheduleSpec, data: ScheduledData = {}): Promise<void> {
    checkTask(task);
    checkData(data);
    let repeat: { every: number } | { pattern: string; tz?: string };
    if ('everyMs' in spec) {
      if (!Number.isInteger(spec.everyMs) || spec.everyMs < 10) {
        throw new InvalidInputError(
          `everyMs must be an integer of at least 10, not ${spec.everyMs}`,
          {
            field: 'everyMs',
          },
        );
      }
      repeat = { every: spec.everyMs };
    } else {
      if (!CRON_PATTERN.test(spec.cron)) {
        throw new InvalidInputError(`invalid cron pattern ${JSON.stringify(spec.cron)}`, {
          field: 'cron',
        });
      }
      repeat =
        spec.timezone === undefined
          ? { pattern: spec.cron }
          : { pattern: spec.cron, tz: spec.timezone };
    }
    const queue = this.queue(task);
    await this.store.run(`schedule ${task}`, async () => {
      await queue.setGlobalConcurrency(1);
      await queue.upsertJobScheduler(task, repeat, {
        name: task,
        data,
        opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { count: 1_000 } },
      });
      await this.store.redis.sadd(this.tasksKey, task);
    });
  }

  /** Stops scheduling a task; false when it was not scheduled. */
  async unschedule(task: string): Promise<boolean> {
    checkTask(task);
    const queue = this.queue(task);
    return this.store.run(`unschedule ${task}`, async () => {
      const removed = await queue.removeJobScheduler(task);
      await this.store.redis.srem(this.tasksKey, task);
      return removed;
    });
  }

  /** The scheduled tasks. */
  async list(): Promise<ScheduledTask[]> {
    const tasks = (
      await this.store.run('list tasks', () => this.store.redis.smembers(this.tasksKey))
    ).filter((t) => TASK_PATTERN.test(t));
    const result: ScheduledTask[] = [];
    for (const task of tasks.sort()) {
      const scheduler = await this.store.run(`read ${task}`, () =>
        this.queue(task).getJobScheduler(task),
      );
      if (scheduler === undefined) continue;
      result.push({
        task,
        everyMs: scheduler.every ?? undefined,
        cron: scheduler.pattern ?? undefined,
        nextRunAt: scheduler.next ?? undefined,
        data: (scheduler.template?.data ?? {}) as ScheduledData,
      });
    }
    return result;
  }

  /** Closes the queues' connections (not the store). */
  async close(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
  }
}

/** Opens the scheduler on a store. */
export function openScheduler(store: JobStore): Scheduler {
  return new Scheduler(store);
}

/** Options of {@link startScheduledWorker}. */
export interface ScheduledWorkerOptions {
  /** The tasks this process runs, by name. */
  handlers: Readonly<Record<string, ScheduledHandler>>;
  /** Lock of a running task, in ms; a crashed run is retried after it. Default 60,000. */
  lockDurationMs?: number;
  /** How often crashed runs are looked for, in ms. Default 30,000. */
  stalledIntervalMs?: number;
  /** Called when a run fails or a worker reports an error (for logs). */
  onError?: (task: string, error: Error) => void;
}

/** Workers running scheduled tasks in this process. */
export class ScheduledWorker {
  constructor(private readonly workers: readonly Worker[]) {}

  /** Stops taking runs; with `abortRunning`, running handlers see their signal abort. */
  async close(options: { abortRunning?: boolean } = {}): Promise<void> {
    if (options.abortRunning === true)
      for (const worker of this.workers) worker.cancelAllJobs('shutdown');
    await Promise.all(this.workers.map((w) => w.close()));
  }
}

/**
 * Runs scheduled tasks in this process. Each task runs at most once at a time across all
 * processes of this store. @throws {InvalidOptionsError}
 */
export async function startScheduledWorker(
  store: JobStore,
  options: ScheduledWorkerOptions,
): Promise<ScheduledWorker> {
  const tasks = Object.keys(options.handlers);
  if (tasks.length === 0)
    throw new InvalidOptionsError('no scheduled task handlers given', { field: 'handlers' });
  for (const task of tasks) checkTask(task);
  const { connection, prefix } = store.bullmq();
  const onError = options.onError ?? (() => {});
  const workers: Worker[] = [];
  for (const task of tasks) {
    const handler = options.handlers[task] as ScheduledHandler;
    const worker = new Worker(
      queueName(task),
      async (job: Job, _token?: string, signal?: AbortSignal) => {
        if (job.name !== task)
          throw new UnrecoverableError(`unexpected job ${job.name} on ${queueName(task)}`);
        await handler({
          task,
          data: (job.data ?? {}) as ScheduledData,
          scheduledAtMs: job.timestamp + (job.opts.delay ?? 0),
          signal: signal ?? new AbortController().signal,
        });
      },
      {
        connection,
        prefix,
        name: `${hostname()}:${process.pid}`,
        concurrency: 1,
        lockDuration: options.lockDurationMs ?? 60_000,
        stalledInterval: options.stalledIntervalMs ?? 30_000,
      },
    );
    worker.on('failed', (_job, error) => onError(task, error));
    worker.on('error', (error) => onError(task, error));
    workers.push(worker);
  }
  await Promise.all(workers.map((w) => w.waitUntilReady()));
  return new ScheduledWorker(workers);
}
