import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { KeyringPair } from '@polkadot/keyring/types';
import { computeBodyHash } from './body-hash.js';
import { type BundleLimits, type DecodedBundle, decodeBundleBase64 } from './codec.js';
import {
  BlacklistedError,
  BodyTooLargeError,
  ConfigError,
  HandlerError,
  OverloadedError,
  RequestFormatError,
  SynapseError,
  SynapseTimeoutError,
  statusCodeOf,
  TransportError,
  UnknownSynapseError,
  VerificationError,
} from './errors.js';
import {
  headerSafe,
  PROTOCOL_VERSION,
  parseRequestHeaders,
  type RequestHeaders,
  terminalHeaders,
} from './headers.js';
import { parseJsonTree, plainOf } from './json-tree.js';
import { cryptoReady, signMessage, verifySignature } from './keys.js';
import { NonceTracker, wallClockNs } from './nonce.js';
import { PriorityGate } from './priority-gate.js';
import { pythonFloatRepr, pythonStrRepr } from './python-str.js';
import type { AnySynapseDefinition, SynapseRequest, SynapseResponse } from './synapse.js';

/** What the axon knows about a request once its signature and nonce are verified. */
export interface RequestContext {
  /** The synapse name (the route). */
  readonly synapse: string;
  /** The caller's hotkey (SS58), proven by its signature. */
  readonly hotkey: string;
  /** The caller dendrite's uuid. */
  readonly uuid: string;
  /** The request's nonce (ns since the epoch on the caller's clock). */
  readonly nonce: bigint;
  /** The caller's address as the socket sees it. */
  readonly ip: string;
  readonly port: number;
  /** The request headers, one value per name. */
  readonly headers: Readonly<Record<string, string>>;
}

/** What a blacklist hook decides. */
export interface BlacklistVerdict {
  readonly blacklisted: boolean;
  /** Why, sent back in the 403 status message. */
  readonly reason?: string;
}

/** What a handler receives besides the validated request fields. */
export interface HandlerContext extends RequestContext {
  /** The request's bundle fields, decoded and checked against the synapse's limits. */
  readonly bundles: Readonly<Record<string, DecodedBundle>>;
  /** Aborted when the request times out, the caller goes away or the axon stops. */
  readonly signal: AbortSignal;
  /** When the caller stops waiting, in ms since the epoch. */
  readonly deadlineUnixMs: number;
}

/** Serves one synapse: returns the response fields (validated against the synapse's schema). */
export type SynapseHandler<D extends AnySynapseDefinition> = (
  request: SynapseRequest<D>,
  context: HandlerContext,
) => Promise<SynapseResponse<D>> | SynapseResponse<D>;

/** Reported to `onError` for every request the axon answers with a status other than 200. */
export interface AxonErrorEvent {
  readonly error: unknown;
  readonly statusCode: number;
  readonly synapse: string | undefined;
  readonly hotkey: string | undefined;
  readonly ip: string;
}

/** Options of an {@link Axon}. */
export interface AxonOptions {
  /** The axon's sr25519 hotkey: requests must be signed for it, responses are signed with it. */
  readonly keypair: KeyringPair;
  /** Address to listen on; `127.0.0.1` by default. */
  readonly host?: string;
  /** Port to listen on; 0 (the default) picks a free one. */
  readonly port?: number;
  /**
   * Decides, after the signature and nonce are verified, whether to refuse the caller (403).
   * The miner app blacklists hotkeys missing from the metagraph here.
   */
  readonly blacklist?: (context: RequestContext) => Promise<BlacklistVerdict> | BlacklistVerdict;
  /** Orders waiting requests when all handler slots are busy: higher runs first. */
  readonly priority?: (context: RequestContext) => Promise<number> | number;
  /** Handlers running at once; 8 by default. */
  readonly maxConcurrent?: number;
  /** Requests waiting for a handler slot before new ones get 503; 64 by default. */
  readonly maxQueued?: number;
  /**
   * The longest timeout a request may claim, in ms; 60,000 by default. Longer `timeout` headers
   * are capped, both for the request's deadline and for its nonce window.
   */
  readonly maxTimeoutMs?: number;
  /** How long a client may take to send its headers, in ms; 10,000 by default. */
  readonly headersTimeoutMs?: number;
  /** Called for every non-200 answer, with the error behind it (for logs and metrics). */
  readonly onError?: (event: AxonErrorEvent) => void;
}

/** Per-synapse overrides given to {@link Axon.attach}. */
export interface AttachOptions {
  /** Largest request body, in bytes; the synapse's `maxRequestBytes` by default. */
  readonly maxRequestBytes?: number;
  /** Longest timeout for this synapse, in ms; the axon's `maxTimeoutMs` by default. */
  readonly maxTimeoutMs?: number;
  /** Limits for the request's bundles; the synapse's by default. */
  readonly bundleLimits?: Partial<BundleLimits>;
}

/** Where an axon listens and who it is. */
export interface AxonInfo {
  readonly ip: string;
  readonly port: number;
  readonly hotkey: string;
}

interface Route {
  readonly definition: AnySynapseDefinition;
  readonly handler: SynapseHandler<AnySynapseDefinition>;
  readonly maxRequestBytes: number;
  readonly maxTimeoutMs: number;
  readonly bundleLimits: Partial<BundleLimits>;
}

interface RequestState {
  synapse: string | undefined;
  hotkey: string | undefined;
  timeoutS: number | undefined;
  bodyRead: boolean;
}

const ROUTE = /^\/([A-Za-z_][A-Za-z0-9_]{0,63})$/;
const utf8 = new TextDecoder('utf-8', { fatal: true });

function positiveInteger(value: number | undefined, fallback: number, name: string): number {
  const v = value ?? fallback;
  if (!Number.isSafeInteger(v) || v < 0) {
    throw new ConfigError(`Axon option ${name} must be a non-negative integer, got ${v}`, {
      details: { field: name },
    });
  }
  return v;
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) out[key] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

function readBody(
  req: IncomingMessage,
  limitBytes: number,
  signal: AbortSignal,
  synapse: string,
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const cleanup = () => {
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('error', onError);
      signal.removeEventListener('abort', onAbort);
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > limitBytes) {
        cleanup();
        req.pause();
        reject(
          new BodyTooLargeError(
            `${synapse} request body exceeds the limit of ${limitBytes} bytes`,
            {
              details: { synapse, limit: limitBytes },
            },
          ),
        );
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => {
      cleanup();
      resolve(Buffer.concat(chunks, total));
    };
    const onError = (error: Error) => {
      cleanup();
      reject(new TransportError('The request body could not be read', { cause: error }));
    };
    const onAbort = () => {
      cleanup();
      req.pause();
      reject(signal.reason);
    };
    if (signal.aborted) {
      onAbort();
      return;
    }
    req.on('data', onData);
    req.on('end', onEnd);
    req.on('error', onError);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal.aborted) reject(signal.reason);
    else signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/**
 * The server side of the Bittensor protocol, wire-compatible with the Python SDK's axon
 * (bittensor/core/axon.py). For each POST `/<SynapseName>` it checks, in this order: the route
 * (404), the headers (400), the declared body size (413, before reading), the addressee, the
 * sr25519 signature over `{nonce}.{dendrite hotkey}.{axon hotkey}.{dendrite uuid}.{body hash}`
 * and the nonce (401), the blacklist hook (403), the priority hook (503); then it reads the body
 * within its limit (413) and the request's timeout (408), parses it (400), compares its body hash
 * with the signed one (400), validates it against the synapse's schema (422), decodes its bundles
 * within their limits (413/422), waits for a handler slot by priority (503 when the queue is
 * full) and runs the handler within the timeout (408; 500 when it fails). Status code and
 * message travel in `bt_header_axon_status_code` / `bt_header_axon_status_message`, as the SDK's
 * dendrite reads them. Unlike the SDK, the signature is verified before the blacklist hook runs,
 * so the hook only ever sees proven hotkeys, and a request without a signature is refused.
 */
export class Axon {
  /** This axon's uuid, sent in its response headers and signature. */
  readonly uuid: string = randomUUID();
  private readonly keypair: KeyringPair;
  private readonly routes = new Map<string, Route>();
  private readonly nonces: NonceTracker;
  private readonly gate: PriorityGate;
  private readonly maxTimeoutMs: number;
  private readonly headersTimeoutMs: number;
  private readonly inflight = new Set<AbortController>();
  private server: Server | undefined;
  private stopping = false;
  private address: AxonInfo | undefined;

  /** @throws {ConfigError} for options that cannot work. */
  constructor(private readonly options: AxonOptions) {
    this.keypair = options.keypair;
    if (this.keypair.type !== 'sr25519') {
      throw new ConfigError(`Axon hotkey must be sr25519, got ${this.keypair.type}`);
    }
    this.maxTimeoutMs = positiveInteger(options.maxTimeoutMs, 60_000, 'maxTimeoutMs');
    this.headersTimeoutMs = positiveInteger(options.headersTimeoutMs, 10_000, 'headersTimeoutMs');
    this.gate = new PriorityGate(
      Math.max(1, positiveInteger(options.maxConcurrent, 8, 'maxConcurrent')),
      positiveInteger(options.maxQueued, 64, 'maxQueued'),
    );
    this.nonces = new NonceTracker(BigInt(this.maxTimeoutMs) * 1_000_000n);
  }

  /** The axon's hotkey (SS58). */
  get hotkey(): string {
    return this.keypair.address;
  }

  /**
   * Where the axon listens, once started.
   * @throws {ConfigError} before {@link start}.
   */
  get info(): AxonInfo {
    if (this.address === undefined) throw new ConfigError('The axon has not been started');
    return this.address;
  }

  /**
   * Serves a synapse with a handler.
   * @throws {ConfigError} when the synapse is already attached or the axon is running.
   */
  attach<D extends AnySynapseDefinition>(
    definition: D,
    handler: SynapseHandler<D>,
    options: AttachOptions = {},
  ): this {
    if (this.server !== undefined)
      throw new ConfigError('Attach synapses before starting the axon');
    if (this.routes.has(definition.name)) {
      throw new ConfigError(`Synapse ${definition.name} is already attached`);
    }
    this.routes.set(definition.name, {
      definition,
      handler: handler as unknown as SynapseHandler<AnySynapseDefinition>,
      maxRequestBytes: positiveInteger(
        options.maxRequestBytes,
        definition.maxRequestBytes,
        'maxRequestBytes',
      ),
      maxTimeoutMs: Math.min(
        this.maxTimeoutMs,
        positiveInteger(options.maxTimeoutMs, this.maxTimeoutMs, 'maxTimeoutMs'),
      ),
      bundleLimits: { ...definition.bundleLimits, ...options.bundleLimits },
    });
    return this;
  }

  /** Starts listening. @returns where. */
  async start(): Promise<AxonInfo> {
    if (this.server !== undefined) return this.info;
    await cryptoReady();
    const requestTimeout = this.maxTimeoutMs + 10_000;
    const server = createServer({
      requestTimeout,
      headersTimeout: Math.min(this.headersTimeoutMs, requestTimeout),
      keepAliveTimeout: 5_000,
    });
    server.on('request', (req, res) => {
      void this.handle(req, res);
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port ?? 0, this.options.host ?? '127.0.0.1', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
    this.stopping = false;
    const bound = server.address() as AddressInfo;
    this.address = { ip: bound.address, port: bound.port, hotkey: this.hotkey };
    return this.address;
  }

  /**
   * Stops: no new connections, running handlers are aborted (their callers get 503), idle
   * connections close at once and busy ones after at most `graceMs`.
   */
  async stop(graceMs = 2_000): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    this.stopping = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    for (const controller of this.inflight) {
      controller.abort(
        new OverloadedError('OVERLOADED', 'Service unavailable: the axon is stopping'),
      );
    }
    const timer = setTimeout(() => server.closeAllConnections(), graceMs);
    await closed;
    clearTimeout(timer);
    this.server = undefined;
    this.address = undefined;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const startedMs = performance.now();
    const state: RequestState = {
      synapse: undefined,
      hotkey: undefined,
      timeoutS: undefined,
      bodyRead: false,
    };
    const controller = new AbortController();
    this.inflight.add(controller);
    res.on('close', () => {
      if (!res.writableFinished)
        controller.abort(new TransportError('The caller closed the connection'));
    });
    let timer: NodeJS.Timeout | undefined;
    try {
      const response = await this.process(req, state, controller, (t) => {
        timer = t;
      });
      this.respond(req, res, state, startedMs, 200, 'Success', JSON.stringify(response));
    } catch (error) {
      const statusCode = statusCodeOf(error);
      const message = this.statusMessage(error, statusCode);
      this.respond(req, res, state, startedMs, statusCode, message, JSON.stringify({ message }));
      this.options.onError?.({
        error,
        statusCode,
        synapse: state.synapse,
        hotkey: state.hotkey,
        ip: req.socket.remoteAddress ?? '',
      });
    } finally {
      clearTimeout(timer);
      this.inflight.delete(controller);
    }
  }

  private statusMessage(error: unknown, statusCode: number): string {
    if (error instanceof VerificationError) return `Not Verified with error: ${error.message}`;
    if (error instanceof SynapseError && statusCode !== 500) return error.message;
    // Internal failures stay internal: the caller gets an id to quote, onError gets the error.
    const id =
      error instanceof HandlerError && typeof error.details.errorId === 'string'
        ? error.details.errorId
        : randomUUID();
    return `Internal Server Error #${id}`;
  }

  private async process(
    req: IncomingMessage,
    state: RequestState,
    controller: AbortController,
    setTimer: (timer: NodeJS.Timeout) => void,
  ): Promise<unknown> {
    const path = (req.url ?? '').split('?')[0] ?? '';
    const name = ROUTE.exec(path)?.[1];
    const route = name === undefined ? undefined : this.routes.get(name);
    if (name === undefined || route === undefined) {
      const shown = pythonStrRepr(decodeURIComponentSafe(path.slice(1)).slice(0, 64));
      const available = `[${[...this.routes.keys()].map(pythonStrRepr).join(', ')}]`;
      throw new UnknownSynapseError(
        `Synapse name ${shown} not found. Available synapses ${available}`,
        {
          details: { synapse: path.slice(1, 65) },
        },
      );
    }
    if (req.method !== 'POST') {
      throw new RequestFormatError(
        'REQUEST_INVALID',
        `Improperly formatted request: use POST, not ${req.method}`,
      );
    }
    const definition = route.definition;
    state.synapse = definition.name;
    const headers = parseRequestHeaders(req.headers);
    if (headers.name !== undefined && headers.name !== definition.name) {
      throw new RequestFormatError(
        'REQUEST_INVALID',
        `Improperly formatted request: header name ${JSON.stringify(headers.name)} does not match the path /${definition.name}`,
        { details: { field: 'name' } },
      );
    }
    state.hotkey = headers.dendrite.hotkey;
    const timeoutS = Math.min(headers.timeoutS, route.maxTimeoutMs / 1000);
    state.timeoutS = timeoutS;
    const deadlineUnixMs = Date.now() + timeoutS * 1000;
    setTimer(
      setTimeout(() => {
        controller.abort(
          new SynapseTimeoutError(`Response timeout after: ${timeoutS}s`, {
            details: { synapse: definition.name, timeoutS },
          }),
        );
      }, timeoutS * 1000),
    );

    const declared = req.headers['content-length'];
    if (declared !== undefined) {
      if (!/^[0-9]{1,15}$/.test(declared)) {
        throw new RequestFormatError(
          'REQUEST_INVALID',
          'Improperly formatted request: bad content-length',
        );
      }
      if (Number(declared) > route.maxRequestBytes) {
        throw new BodyTooLargeError(
          `${definition.name} request body of ${declared} bytes exceeds the limit of ${route.maxRequestBytes} bytes`,
          {
            details: {
              synapse: definition.name,
              limit: route.maxRequestBytes,
              actual: Number(declared),
            },
          },
        );
      }
    }

    this.verify(headers, timeoutS);
    const context: RequestContext = {
      synapse: definition.name,
      hotkey: headers.dendrite.hotkey,
      uuid: headers.dendrite.uuid,
      nonce: headers.dendrite.nonce,
      ip: req.socket.remoteAddress ?? '',
      port: req.socket.remotePort ?? 0,
      headers: flatHeaders(req),
    };
    const signal = controller.signal;
    if (this.options.blacklist !== undefined) {
      const verdict = await Promise.race([this.options.blacklist(context), untilAborted(signal)]);
      if (verdict.blacklisted) {
        throw new BlacklistedError(
          `Forbidden. Key is blacklisted: ${verdict.reason ?? 'no reason given'}.`,
          {
            details: { peer: context.hotkey },
          },
        );
      }
    }
    const priority = await this.priorityOf(context, signal);
    // A slot is taken before the body is read, so at most maxConcurrent bodies sit in memory.
    const release = await this.gate.acquire(priority, signal);
    let input: { request: Record<string, unknown>; bundles: Record<string, DecodedBundle> };
    try {
      input = await this.readRequest(req, route, headers, signal, state);
    } catch (error) {
      release();
      throw error;
    }
    const running = Promise.resolve().then(() =>
      route.handler(input.request, { ...context, bundles: input.bundles, signal, deadlineUnixMs }),
    );
    // The slot is given back when the handler settles, even after a timeout answered the caller.
    running.then(release, release);
    let result: unknown;
    try {
      result = await Promise.race([running, untilAborted(signal)]);
    } catch (error) {
      if (error instanceof SynapseError) throw error;
      throw new HandlerError(`${definition.name} handler failed`, {
        details: { synapse: definition.name, errorId: randomUUID() },
        cause: error,
      });
    }
    try {
      return definition.validateResponse(result);
    } catch (error) {
      throw new HandlerError(`${definition.name} handler answered outside the response schema`, {
        details: { synapse: definition.name, errorId: randomUUID() },
        cause: error,
      });
    }
  }

  /** Reads, parses, hash-checks and validates the body, and decodes its bundles. */
  private async readRequest(
    req: IncomingMessage,
    route: Route,
    headers: RequestHeaders,
    signal: AbortSignal,
    state: RequestState,
  ): Promise<{ request: Record<string, unknown>; bundles: Record<string, DecodedBundle> }> {
    const definition = route.definition;
    const body = await readBody(req, route.maxRequestBytes, signal, definition.name);
    state.bodyRead = true;
    let text: string;
    try {
      text = utf8.decode(body);
    } catch (error) {
      throw new RequestFormatError('JSON_MALFORMED', 'Malformed JSON body: not UTF-8', {
        cause: error,
      });
    }
    const tree = parseJsonTree(text);
    if (tree.kind !== 'object') {
      throw new RequestFormatError(
        'JSON_MALFORMED',
        'Malformed JSON body: expected an object of synapse fields',
      );
    }
    const parsedHash = computeBodyHash(tree, definition.hashFields, definition.request);
    if (parsedHash !== headers.bodyHash) {
      throw new RequestFormatError(
        'BODY_HASH_MISMATCH',
        `Hash mismatch between header body hash ${headers.bodyHash} and parsed body hash ${parsedHash}`,
        { details: { peer: headers.dendrite.hotkey } },
      );
    }
    const request = definition.parseRequestBody(plainOf(tree)) as Record<string, unknown>;
    const bundles: Record<string, DecodedBundle> = {};
    for (const field of definition.requestBundleFields) {
      const value = request[field];
      if (typeof value === 'string') bundles[field] = decodeBundleBase64(value, route.bundleLimits);
    }
    return { request, bundles };
  }

  private verify(headers: RequestHeaders, timeoutS: number): void {
    const d = headers.dendrite;
    if (headers.axonHotkey !== undefined && headers.axonHotkey !== this.hotkey) {
      throw new VerificationError(
        'AXON_HOTKEY_MISMATCH',
        `Request was signed for axon hotkey ${headers.axonHotkey}, this axon is ${this.hotkey}`,
        { details: { peer: d.hotkey } },
      );
    }
    const message = `${d.nonce}.${d.hotkey}.${this.hotkey}.${d.uuid}.${headers.bodyHash}`;
    if (!verifySignature(message, d.signature, d.hotkey)) {
      throw new VerificationError(
        'SIGNATURE_INVALID',
        `Signature mismatch with ${message} and ${d.signature}`,
        {
          details: { peer: d.hotkey },
        },
      );
    }
    this.nonces.accept(`${d.hotkey}:${d.uuid}`, d.nonce, timeoutS);
  }

  private async priorityOf(context: RequestContext, signal: AbortSignal): Promise<number> {
    const hook = this.options.priority;
    if (hook === undefined) return 0;
    let value: number;
    try {
      value = await Promise.race([Promise.resolve(hook(context)), untilAborted(signal)]);
    } catch (error) {
      if (signal.aborted) throw error;
      throw new OverloadedError(
        'PRIORITY_FAILED',
        'Service unavailable: the priority hook failed',
        {
          details: { peer: context.hotkey },
          cause: error,
        },
      );
    }
    if (!Number.isFinite(value)) {
      throw new OverloadedError(
        'PRIORITY_FAILED',
        `Service unavailable: priority ${value} is not a number`,
        {
          details: { peer: context.hotkey },
        },
      );
    }
    return value;
  }

  private respond(
    req: IncomingMessage,
    res: ServerResponse,
    state: RequestState,
    startedMs: number,
    statusCode: number,
    statusMessage: string,
    body: string,
  ): void {
    if (res.headersSent || res.destroyed) return;
    const nonce = wallClockNs();
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      ...(state.synapse === undefined ? {} : { name: state.synapse }),
      ...(state.timeoutS === undefined ? {} : { timeout: pythonFloatRepr(state.timeoutS) }),
      ...terminalHeaders('axon', {
        statusCode,
        statusMessage: headerSafe(statusMessage),
        processTimeS: (performance.now() - startedMs) / 1000,
        version: PROTOCOL_VERSION,
        nonce,
        uuid: this.uuid,
        hotkey: this.hotkey,
        // The SDK axon signs "{axon nonce}.{dendrite hotkey}.{axon hotkey}.{axon uuid}" (preprocess).
        ...(state.hotkey === undefined
          ? {}
          : {
              signature: signMessage(
                this.keypair,
                `${nonce}.${state.hotkey}.${this.hotkey}.${this.uuid}`,
              ),
            }),
      }),
    };
    // A body left unread (rejected early, stalled) must not be parsed as the next request.
    const close = !state.bodyRead || !req.complete || this.stopping;
    if (close) headers.connection = 'close';
    res.writeHead(statusCode, headers);
    res.end(body);
  }
}

function decodeURIComponentSafe(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
