import type { RedisOptions as BullmqRedisOptions } from 'bullmq';
import { Redis, type RedisOptions } from 'ioredis';
import {
  ConnectionFailedError,
  ConnectionLostError,
  InvalidOptionsError,
  JobStoreError,
} from './errors.js';

/** Options of {@link connectJobStore}. */
export interface JobStoreOptions {
  /** `redis://[user][:password@]host[:port][/db]` (or `rediss://` for TLS). */
  url: string;
  /**
   * Every key this store writes, BullMQ's included, starts with `<prefix>:`, so several miners or
   * validators can share one Redis. Letters, digits and `:._-`, up to 128 characters, e.g.
   * `fold:validator:5F3sa2TJ`.
   */
  prefix: string;
  /** Overrides a password given in the URL. */
  password?: string;
  /** Socket connect timeout per attempt, in ms. Default 10,000. */
  connectTimeoutMs?: number;
  /**
   * How many reconnection attempts a command waits for while the connection is down before it
   * fails with {@link ConnectionLostError}. Default 10 (about 10 s with the default backoff).
   */
  commandRetries?: number;
  /** Upper bound of the exponential reconnection backoff (50 ms, 100 ms, ...), in ms. Default 2,000. */
  maxReconnectDelayMs?: number;
  /** Shown by `CLIENT LIST`; default `fold-job-store`. */
  connectionName?: string;
  /**
   * Called with errors of the store's connections, BullMQ's included, while they reconnect (for
   * logs). Calls made meanwhile fail on their own with {@link ConnectionLostError}.
   */
  onConnectionError?: (error: Error) => void;
}

/** Connection options and key prefix for BullMQ's `Queue`, `Worker` and `QueueEvents`. */
export interface BullmqSettings {
  readonly connection: BullmqRedisOptions;
  readonly prefix: string;
}

const PREFIX_PATTERN = /^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$/;

const CONNECTION_ERROR_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTCONN',
  'ECONNABORTED',
]);

/** Checks a key prefix. @throws {InvalidOptionsError} */
export function checkPrefix(prefix: string): void {
  if (!PREFIX_PATTERN.test(prefix) || prefix.endsWith(':')) {
    throw new InvalidOptionsError(
      `invalid key prefix ${JSON.stringify(prefix)}: use letters, digits and ":._-" ` +
        '(up to 128 characters, not ending in ":")',
      { field: 'prefix' },
    );
  }
}

function positiveInteger(value: number | undefined, field: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < 0) {
    throw new InvalidOptionsError(`${field} must be a non-negative integer, not ${value}`, {
      field,
    });
  }
  return value;
}

/** Parses a Redis URL into ioredis options. @throws {InvalidOptionsError} */
export function redisOptionsFromUrl(url: string): RedisOptions {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch (cause) {
    throw new InvalidOptionsError(`invalid Redis URL: ${String((cause as Error).message)}`, {
      field: 'url',
    });
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InvalidOptionsError(
      `Redis URL must start with redis:// or rediss://, not ${parsed.protocol}//`,
      {
        field: 'url',
      },
    );
  }
  const port = parsed.port === '' ? 6379 : Number(parsed.port);
  const dbText = parsed.pathname.replace(/^\//, '');
  if (dbText !== '' && !/^\d{1,2}$/.test(dbText)) {
    throw new InvalidOptionsError(`Redis URL path must be a database number, not /${dbText}`, {
      field: 'url',
    });
  }
  const options: RedisOptions = {
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    db: dbText === '' ? 0 : Number(dbText),
  };
  if (parsed.username !== '') options.username = decodeURIComponent(parsed.username);
  if (parsed.password !== '') options.password = decodeURIComponent(parsed.password);
  if (parsed.protocol === 'rediss:') options.tls = {};
  return options;
}

function describe(error: unknown): { name: string; message: string; code: string | undefined } {
  if (typeof error !== 'object' || error === null) {
    return { name: 'Error', message: String(error), code: undefined };
  }
  const { name, message, code } = error as { name?: unknown; message?: unknown; code?: unknown };
  return {
    name: typeof name === 'string' ? name : 'Error',
    message: typeof message === 'string' ? message : String(error),
    code: typeof code === 'string' ? code : undefined,
  };
}

/** True when the error means the connection dropped rather than Redis refusing the command. */
export function isConnectionError(error: unknown): boolean {
  if (error instanceof ConnectionLostError) return true;
  const { name, message, code } = describe(error);
  return (
    name === 'MaxRetriesPerRequestError' ||
    (code !== undefined && CONNECTION_ERROR_CODES.has(code)) ||
    /Connection is closed|Stream isn't writeable|connect ETIMEDOUT|Socket closed unexpectedly/i.test(
      message,
    )
  );
}

/** Maps an ioredis failure to the store's typed errors; store errors pass through unchanged. */
export function toJobStoreError(
  error: unknown,
  context: { operation: string; key?: string },
): JobStoreError {
  if (error instanceof JobStoreError) return error;
  const { name, message } = describe(error);
  const details = {
    operation: context.operation,
    ...(context.key === undefined ? {} : { key: context.key }),
  };
  if (isConnectionError(error)) {
    return new ConnectionLostError(
      `${context.operation} failed: the connection to Redis was lost (${message}); ` +
        'the store keeps reconnecting, retry later',
      { details, cause: error },
    );
  }
  return new JobStoreError('REDIS_ERROR', `${context.operation} failed: ${name}: ${message}`, {
    details,
    cause: error,
  });
}

/**
 * One logical connection to Redis under a key prefix: the store's own ioredis client (with
 * exponential reconnection backoff and typed errors) and the settings BullMQ needs for its own
 * connections.
 */
export class JobStore {
  private closed = false;

  private constructor(
    /** The key prefix; every key of this store starts with `<prefix>:`. */
    readonly prefix: string,
    /** The store's ioredis client. Prefer the typed APIs; commands here throw raw ioredis errors. */
    readonly redis: Redis,
    private readonly baseOptions: RedisOptions,
    private readonly onConnectionError: ((error: Error) => void) | undefined,
  ) {}

  /** Hands a background connection error to `onConnectionError` (see {@link JobStoreOptions}). */
  reportConnectionError(error: Error): void {
    this.onConnectionError?.(error);
  }

  /** Use {@link connectJobStore}. */
  static async open(options: JobStoreOptions): Promise<JobStore> {
    checkPrefix(options.prefix);
    const fromUrl = redisOptionsFromUrl(options.url);
    const maxDelayMs = positiveInteger(options.maxReconnectDelayMs, 'maxReconnectDelayMs', 2_000);
    const base: RedisOptions = {
      ...fromUrl,
      ...(options.password === undefined ? {} : { password: options.password }),
      connectionName: options.connectionName ?? 'fold-job-store',
      connectTimeout: positiveInteger(options.connectTimeoutMs, 'connectTimeoutMs', 10_000),
      // Exponential backoff between reconnection attempts, capped; never gives up on its own.
      retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times - 1, 16), maxDelayMs),
    };
    let everReady = false;
    const redis = new Redis({
      ...base,
      // The first connection fails fast; reconnection with backoff starts once it has worked.
      retryStrategy: (times: number) =>
        everReady ? (base.retryStrategy as (n: number) => number)(times) : null,
      lazyConnect: true,
      enableOfflineQueue: true,
      maxRetriesPerRequest: positiveInteger(options.commandRetries, 'commandRetries', 10),
    });
    redis.once('ready', () => {
      everReady = true;
    });
    const onError = options.onConnectionError;
    // ioredis reports every failed reconnection as an 'error' event; commands fail on their own.
    redis.on('error', (error: Error) => onError?.(error));
    // A refused AUTH or ready check only reaches the 'error' event; connect() then just reports
    // "Connection is closed.", so the first such error is kept as the reason.
    let firstError: Error | undefined;
    const keepFirstError = (error: Error) => {
      firstError ??= error;
    };
    redis.on('error', keepFirstError);
    try {
      await redis.connect();
      await redis.ping();
    } catch (error) {
      if (redis.status !== 'end') redis.disconnect();
      const cause = firstError ?? error;
      const { message } = describe(cause);
      const hint = /NOAUTH|WRONGPASS|invalid password|invalid username/i.test(message)
        ? ' (check the password and user name)'
        : ' (is it running? `fold-redis start` starts one)';
      throw new ConnectionFailedError(
        `could not connect to Redis at ${fromUrl.host}:${fromUrl.port}: ${message}${hint}`,
        { details: { host: fromUrl.host, port: fromUrl.port }, cause },
      );
    } finally {
      redis.off('error', keepFirstError);
    }
    return new JobStore(options.prefix, redis, base, onError);
  }

  /** `<prefix>:<part>:<part>...` */
  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /**
   * Settings for BullMQ: blocking connections need `maxRetriesPerRequest: null`, and queue keys
   * live under `<prefix>:q`.
   */
  bullmq(): BullmqSettings {
    const {
      host,
      port,
      username,
      password,
      db,
      tls,
      connectionName,
      connectTimeout,
      retryStrategy,
    } = this.baseOptions;
    const connection: BullmqRedisOptions = {
      host,
      port,
      db,
      connectionName,
      connectTimeout,
      maxRetriesPerRequest: null,
    };
    if (username !== undefined) connection.username = username;
    if (password !== undefined) connection.password = password;
    if (tls !== undefined) connection.tls = tls;
    if (typeof retryStrategy === 'function') {
      connection.retryStrategy = (times: number) => retryStrategy(times) ?? null;
    }
    return { connection, prefix: this.key('q') };
  }

  /** A new client with the store's settings, e.g. for pub/sub. The caller closes it. */
  duplicate(): Redis {
    const client = new Redis({ ...this.baseOptions, maxRetriesPerRequest: null });
    // Reconnection is automatic; subscribers re-subscribe on reconnect.
    client.on('error', (error: Error) => this.reportConnectionError(error));
    return client;
  }

  /**
   * Runs Redis commands and maps failures to typed errors.
   * @throws {ConnectionLostError} when the connection dropped
   * @throws {JobStoreError} REDIS_ERROR when Redis refused the command
   */
  async run<T>(operation: string, commands: () => Promise<T>, key?: string): Promise<T> {
    try {
      return await commands();
    } catch (error) {
      throw toJobStoreError(error, { operation, key });
    }
  }

  /** Round-trips a PING. @throws {ConnectionLostError} */
  async ping(): Promise<void> {
    await this.run('PING', () => this.redis.ping());
  }

  /** Closes the store's connection (after pending replies). Queues and workers close on their own. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      await this.redis.quit();
    } catch {
      // Already disconnected: nothing left to flush.
      this.redis.disconnect();
    }
  }
}

/**
 * Connects to Redis and returns the store every other API of this package works through.
 * @throws {InvalidOptionsError} bad URL, prefix or limits
 * @throws {ConnectionFailedError} Redis did not answer
 */
export async function connectJobStore(options: JobStoreOptions): Promise<JobStore> {
  return JobStore.open(options);
}
