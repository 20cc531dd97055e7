import { ApiPromise, WsProvider } from '@polkadot/api';
import { ConnectionError, InvalidArgumentError } from './errors.js';

/** Reconnection with exponential backoff: `initialDelayMs`, doubling up to `maxDelayMs`. */
export interface ReconnectOptions {
  /** Delay before the first retry after a drop; default 100 ms. */
  readonly initialDelayMs?: number;
  /** Longest delay between retries; default 5 s. */
  readonly maxDelayMs?: number;
}

/** Where and how to connect. */
export interface ConnectOptions {
  /** `ws://` or `wss://` endpoint of a Subtensor node (or chopsticks). */
  readonly endpoint: string;
  /** How long the first connection may take; default 30 s. */
  readonly connectTimeoutMs?: number;
  /** How long one JSON-RPC request may take; default 60 s. */
  readonly requestTimeoutMs?: number;
  /** How long an operation waits for a dropped socket to come back; default 60 s. */
  readonly reconnectTimeoutMs?: number;
  readonly reconnect?: ReconnectOptions;
}

/**
 * A WebSocket connection to the chain that reconnects with backoff after a drop, and the
 * @polkadot/api instance on it. WsProvider's own reconnection retries at a fixed delay, so it is
 * switched off and driven from here.
 */
export class Connection {
  readonly api: ApiPromise;
  readonly endpoint: string;
  readonly reconnectTimeoutMs: number;
  readonly #provider: WsProvider;
  readonly #backoff: Backoff;
  #closed = false;
  #drops = 0;

  private constructor(
    api: ApiPromise,
    provider: WsProvider,
    backoff: Backoff,
    options: ConnectOptions,
  ) {
    this.api = api;
    this.#provider = provider;
    this.#backoff = backoff;
    this.endpoint = options.endpoint;
    this.reconnectTimeoutMs = options.reconnectTimeoutMs ?? 60_000;
    provider.on('disconnected', () => {
      if (!this.#closed) this.#drops++;
    });
  }

  /**
   * Connects and loads the runtime metadata.
   * @throws {InvalidArgumentError} on an endpoint that is not ws:// or wss://
   * @throws {ConnectionError} CONNECTION_FAILED when the node cannot be reached in time
   */
  static async open(options: ConnectOptions): Promise<Connection> {
    let url: URL;
    try {
      url = new URL(options.endpoint);
    } catch {
      throw new InvalidArgumentError(
        'INVALID_ARGUMENT',
        `${JSON.stringify(options.endpoint)} is not a URL`,
        {
          details: { field: 'endpoint' },
        },
      );
    }
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
      throw new InvalidArgumentError(
        'INVALID_ARGUMENT',
        `endpoint must be ws:// or wss://, got ${url.protocol}`,
        {
          details: { field: 'endpoint' },
        },
      );
    }
    const provider = new WsProvider(
      options.endpoint,
      false,
      {},
      options.requestTimeoutMs ?? 60_000,
    );
    const backoff = new Backoff(provider, options.reconnect ?? {});
    const connectTimeoutMs = options.connectTimeoutMs ?? 30_000;
    backoff.start();
    try {
      await waitForProvider(provider, connectTimeoutMs);
      const api = await withTimeout(
        ApiPromise.create({ provider, noInitWarn: true, throwOnConnect: true }),
        connectTimeoutMs,
      );
      return new Connection(api, provider, backoff, options);
    } catch (cause) {
      backoff.stop();
      await provider.disconnect().catch(() => undefined);
      throw new ConnectionError(
        'CONNECTION_FAILED',
        `cannot connect to ${options.endpoint} within ${connectTimeoutMs} ms`,
        {
          details: { endpoint: options.endpoint },
          cause,
        },
      );
    }
  }

  /** Whether the socket is open now. */
  get isConnected(): boolean {
    return this.#provider.isConnected;
  }

  /**
   * The WebSocket provider, for subscriptions that must not go through @polkadot/api's
   * memoisation (it hands an identical resubscription the first, dead one).
   */
  get provider(): WsProvider {
    return this.#provider;
  }

  /** How many times the socket dropped since the connection opened. */
  get dropCount(): number {
    return this.#drops;
  }

  /**
   * Resolves at once when connected, else when the socket is back.
   * @throws {ConnectionError} CONNECTION_LOST after `timeoutMs` (default `reconnectTimeoutMs`)
   */
  async waitConnected(timeoutMs = this.reconnectTimeoutMs): Promise<void> {
    if (this.#closed) {
      throw new ConnectionError('CONNECTION_LOST', 'the chain client is closed', {
        details: { endpoint: this.endpoint },
      });
    }
    try {
      await waitForProvider(this.#provider, timeoutMs);
    } catch (cause) {
      throw new ConnectionError(
        'CONNECTION_LOST',
        `${this.endpoint} did not come back within ${timeoutMs} ms`,
        {
          details: { endpoint: this.endpoint, drops: this.#drops },
          cause,
        },
      );
    }
  }

  /**
   * Runs a read (anything safe to repeat) and runs it again after the socket comes back when it
   * failed because the socket dropped, up to `attempts` times.
   * @throws {ConnectionError} when the socket stays away; the read's own error otherwise
   */
  async read<T>(operation: () => Promise<T>, attempts = 3): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      await this.waitConnected();
      try {
        return await operation();
      } catch (error) {
        if (attempt >= attempts || !this.#lostSocket(error)) throw error;
      }
    }
  }

  #lostSocket(error: unknown): boolean {
    const message = error instanceof Error ? error.message : String(error);
    return !this.isConnected || /disconnected from|WebSocket is not connected/.test(message);
  }

  /** Calls `listener` on every drop of the socket; returns the function that stops it. */
  onDisconnect(listener: () => void): () => void {
    return this.#provider.on('disconnected', listener);
  }

  /** Closes the socket for good. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#backoff.stop();
    await this.api.disconnect();
  }
}

class Backoff {
  readonly #provider: WsProvider;
  readonly #initialDelayMs: number;
  readonly #maxDelayMs: number;
  #delayMs: number;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(provider: WsProvider, options: ReconnectOptions) {
    this.#provider = provider;
    this.#initialDelayMs = options.initialDelayMs ?? 100;
    this.#maxDelayMs = options.maxDelayMs ?? 5_000;
    this.#delayMs = this.#initialDelayMs;
  }

  start(): void {
    this.#provider.on('connected', () => {
      this.#delayMs = this.#initialDelayMs;
    });
    // A failed attempt also ends in 'disconnected' (the socket closes), which schedules the next.
    this.#provider.on('disconnected', () => this.#schedule());
    this.#attempt();
  }

  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
  }

  #schedule(): void {
    if (this.#stopped) return;
    clearTimeout(this.#timer);
    const delay = this.#delayMs;
    this.#delayMs = Math.min(this.#delayMs * 2, this.#maxDelayMs);
    this.#timer = setTimeout(() => this.#attempt(), delay);
  }

  #attempt(): void {
    if (this.#stopped || this.#provider.isConnected) return;
    // connect() only creates the socket; failures arrive as 'disconnected'. It throws when a
    // socket is already being opened, in which case that socket's outcome is awaited instead.
    this.#provider.connect().catch(() => undefined);
  }
}

function waitForProvider(provider: WsProvider, timeoutMs: number): Promise<void> {
  if (provider.isConnected) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const stop = provider.on('connected', () => {
      clearTimeout(timer);
      stop();
      resolve();
    });
    const timer = setTimeout(() => {
      stop();
      reject(new Error(`not connected after ${timeoutMs} ms`));
    }, timeoutMs);
  });
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no answer within ${timeoutMs} ms`)),
      timeoutMs,
    );
    promise.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (error: unknown) => {
        clearTimeout(timer);
        reject(error);
      },
    );
  });
}
