import { randomUUID } from 'node:crypto';
import { Agent, request as httpRequest, type IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';
import type { KeyringPair } from '@polkadot/keyring/types';
import type { TSchema } from '@sinclair/typebox';
import { computeBodyHash } from './body-hash.js';
import { type BundleLimits, type DecodedBundle, decodeBundleBase64 } from './codec.js';
import {
  AxonStatusError,
  BodyTooLargeError,
  ConfigError,
  ResponseError,
  SynapseError,
  SynapseTimeoutError,
  statusCodeOf,
  TransportError,
} from './errors.js';
import {
  headerSafe,
  PROTOCOL_VERSION,
  parseAxonResponseHeaders,
  type TerminalHeaders,
  terminalHeaders,
} from './headers.js';
import { parseJsonTree, plainOf } from './json-tree.js';
import { cryptoReady, isSs58Address, signMessage, verifySignature } from './keys.js';
import { wallClockNs } from './nonce.js';
import { pythonFloatRepr } from './python-str.js';
import type { AnySynapseDefinition, SynapseRequest, SynapseResponse } from './synapse.js';

/** The axon a dendrite calls: where it listens and which hotkey must have signed its answers. */
export interface AxonTarget {
  readonly ip: string;
  readonly port: number;
  /** The axon's hotkey (SS58), part of the signed message. */
  readonly hotkey: string;
}

/** Options of a {@link Dendrite}. */
export interface DendriteOptions {
  /** The dendrite's sr25519 hotkey: every request is signed with it. */
  readonly keypair: KeyringPair;
  /** The address reported in `bt_header_dendrite_ip`; `0.0.0.0` by default. */
  readonly externalIp?: string;
  /** Reuse connections between calls (as the SDK's aiohttp session does); true by default. */
  readonly keepAlive?: boolean;
}

/** Options of one {@link Dendrite.call}. */
export interface CallOptions {
  /** How long to wait for the whole answer, in ms; 12,000 by default (the SDK's default). */
  readonly timeoutMs?: number;
  /** Largest answer accepted, in bytes; the synapse's `maxResponseBytes` by default. */
  readonly maxResponseBytes?: number;
  /** Limits for the answer's bundles; the synapse's by default. */
  readonly bundleLimits?: Partial<BundleLimits>;
  /** Cancels the call. */
  readonly signal?: AbortSignal;
}

interface CallMeasure {
  /** Bytes written to the socket for this call: request line, headers and body. */
  readonly bytesSent: number;
  /** Bytes read from the socket for this call: status line, headers and body. */
  readonly bytesReceived: number;
  /** Wall time of the call, in ms. */
  readonly elapsedMs: number;
  /** What the axon said about itself in its `bt_header_axon_*` headers. */
  readonly axon: TerminalHeaders;
}

/** A call the axon answered with 200 and a valid, signed response. */
export interface CallSuccess<D extends AnySynapseDefinition> extends CallMeasure {
  readonly ok: true;
  readonly statusCode: 200;
  readonly statusMessage: string;
  readonly response: SynapseResponse<D>;
  /** The response's bundle fields, decoded within their limits (absent when null). */
  readonly bundles: Readonly<Record<string, DecodedBundle>>;
}

/** A call that failed: on the wire, at the axon, or in the answer's checks. */
export interface CallFailure extends CallMeasure {
  readonly ok: false;
  /** The axon's status code, or the SDK dendrite's code for local failures (408, 503, 422...). */
  readonly statusCode: number;
  readonly statusMessage: string;
  readonly error: SynapseError;
}

/** What {@link Dendrite.call} resolves to. */
export type CallResult<D extends AnySynapseDefinition> = CallSuccess<D> | CallFailure;

interface RawAnswer {
  readonly status: number;
  readonly headers: IncomingMessage['headers'];
  readonly body: Buffer;
}

const INPUT_OBJ_DEFAULTS: Readonly<Record<string, string>> = {
  string: '""',
  integer: '0',
  number: '0.0',
  boolean: 'false',
  object: '{}',
  array: '[]',
};

/**
 * The SDK dendrite sends, for each required field, base64 of `json.dumps` of an empty value of
 * its type, so that a Python axon can build the synapse from headers before it reads the body
 * (bittensor/core/synapse.py, `Synapse.to_headers`, `bt_header_input_obj_*`).
 */
function inputObjHeaders(definition: AnySynapseDefinition): Record<string, string> {
  const out: Record<string, string> = {};
  const schema = definition.request as TSchema & {
    required?: string[];
    properties: Record<string, { type?: unknown }>;
  };
  for (const field of schema.required ?? []) {
    const type = schema.properties[field]?.type;
    const empty = typeof type === 'string' ? INPUT_OBJ_DEFAULTS[type] : undefined;
    if (empty !== undefined)
      out[`bt_header_input_obj_${field}`] = Buffer.from(empty).toString('base64');
  }
  return out;
}

/**
 * The client side of the Bittensor protocol, wire-compatible with the Python SDK's dendrite
 * (bittensor/core/dendrite.py): it POSTs the synapse's fields as JSON to `/<SynapseName>`, with
 * the SDK's headers, the body hash and an sr25519 signature of
 * `{nonce}.{dendrite hotkey}.{axon hotkey}.{dendrite uuid}.{body hash}`. Nonces are wall-clock
 * nanoseconds, strictly increasing per dendrite. Answers are size-limited, schema-checked,
 * bundle-decoded within limits, and must carry the axon hotkey's signature.
 */
export class Dendrite {
  /** This dendrite's uuid (part of every signed message). */
  readonly uuid: string = randomUUID();
  private readonly keypair: KeyringPair;
  private readonly agent: Agent;
  private readonly externalIp: string;
  private lastNonce = 0n;

  /** @throws {ConfigError} for a hotkey that is not sr25519. */
  constructor(options: DendriteOptions) {
    this.keypair = options.keypair;
    if (this.keypair.type !== 'sr25519') {
      throw new ConfigError(`Dendrite hotkey must be sr25519, got ${this.keypair.type}`);
    }
    this.externalIp = options.externalIp ?? '0.0.0.0';
    this.agent = new Agent({ keepAlive: options.keepAlive ?? true });
  }

  /** The dendrite's hotkey (SS58). */
  get hotkey(): string {
    return this.keypair.address;
  }

  /** Closes pooled connections. */
  close(): void {
    this.agent.destroy();
  }

  private nextNonce(): bigint {
    const now = wallClockNs();
    this.lastNonce = now > this.lastNonce ? now : this.lastNonce + 1n;
    return this.lastNonce;
  }

  /**
   * Calls a synapse on an axon. Never rejects for what happens on the wire or at the axon:
   * those come back as a {@link CallFailure} with the status code the SDK's dendrite would set
   * (408 timeout, 503 unreachable, 422 unusable answer) or the axon's own.
   * @throws {SchemaError} when `request` breaks the synapse's request schema.
   * @throws {ConfigError} for a target that is not an address, port and SS58 hotkey.
   */
  async call<D extends AnySynapseDefinition>(
    target: AxonTarget,
    definition: D,
    request: SynapseRequest<D>,
    options: CallOptions = {},
  ): Promise<CallResult<D>> {
    if (
      !Number.isInteger(target.port) ||
      target.port <= 0 ||
      target.port > 65535 ||
      !isSs58Address(target.hotkey)
    ) {
      throw new ConfigError(
        `Axon target ${target.ip}:${target.port} (${target.hotkey}) is not usable`,
        {
          details: { peer: target.hotkey },
        },
      );
    }
    const checked = definition.validateRequest(request);
    await cryptoReady();
    const timeoutMs = options.timeoutMs ?? 12_000;
    const body = JSON.stringify(checked);
    // Hash the very text that is sent, read back as the axon will read it.
    const bodyHash = computeBodyHash(
      parseJsonTree(body),
      definition.hashFields,
      definition.request,
    );
    const nonce = this.nextNonce();
    const message = `${nonce}.${this.hotkey}.${target.hotkey}.${this.uuid}.${bodyHash}`;
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      name: definition.name,
      timeout: pythonFloatRepr(timeoutMs / 1000),
      ...terminalHeaders('axon', { ip: target.ip, port: target.port, hotkey: target.hotkey }),
      ...terminalHeaders('dendrite', {
        ip: this.externalIp,
        version: PROTOCOL_VERSION,
        nonce,
        uuid: this.uuid,
        hotkey: this.hotkey,
        signature: signMessage(this.keypair, message),
      }),
      ...inputObjHeaders(definition),
      header_size: '0',
      total_size: String(Buffer.byteLength(body)),
      computed_body_hash: bodyHash,
    };
    const maxResponseBytes = options.maxResponseBytes ?? definition.maxResponseBytes;
    const started = performance.now();
    const measure = { sent: 0, received: 0 };
    let answer: RawAnswer;
    try {
      answer = await this.exchange(target, definition.name, headers, body, {
        timeoutMs,
        maxResponseBytes,
        measure,
        ...(options.signal === undefined ? {} : { signal: options.signal }),
      });
    } catch (error) {
      const failure =
        error instanceof SynapseError
          ? error
          : new TransportError('Client error', { cause: error });
      return this.failure(failure, measure, started, {});
    }
    const axon = parseAxonResponseHeaders(answer.headers);
    if (answer.status !== 200) {
      const statusMessage = axon.statusMessage ?? messageOf(answer.body) ?? `HTTP ${answer.status}`;
      return this.failure(
        new AxonStatusError(answer.status, statusMessage, {
          details: { peer: target.hotkey, synapse: definition.name },
        }),
        measure,
        started,
        axon,
      );
    }
    try {
      const response = this.readResponse(definition, answer.body);
      this.checkAxonSignature(axon, target);
      const bundles: Record<string, DecodedBundle> = {};
      const limits = { ...definition.bundleLimits, ...options.bundleLimits };
      for (const field of definition.responseBundleFields) {
        const value = (response as Record<string, unknown>)[field];
        if (typeof value === 'string') bundles[field] = decodeBundleBase64(value, limits);
      }
      return {
        ok: true,
        statusCode: 200,
        statusMessage: axon.statusMessage ?? 'Success',
        response,
        bundles,
        axon,
        bytesSent: measure.sent,
        bytesReceived: measure.received,
        elapsedMs: performance.now() - started,
      };
    } catch (error) {
      const failure =
        error instanceof SynapseError
          ? error
          : new ResponseError('RESPONSE_INVALID', 'Failed to parse response', { cause: error });
      return this.failure(failure, measure, started, axon);
    }
  }

  private readResponse<D extends AnySynapseDefinition>(
    definition: D,
    body: Buffer,
  ): SynapseResponse<D> {
    let plain: unknown;
    try {
      plain = plainOf(parseJsonTree(new TextDecoder('utf-8', { fatal: true }).decode(body)));
    } catch (error) {
      throw new ResponseError('RESPONSE_INVALID', 'Failed to parse response: not a JSON body', {
        cause: error,
      });
    }
    try {
      return definition.parseResponseBody(plain) as SynapseResponse<D>;
    } catch (error) {
      throw new ResponseError(
        'RESPONSE_INVALID',
        `Failed to parse response: ${error instanceof Error ? error.message : String(error)}`,
        { cause: error },
      );
    }
  }

  private checkAxonSignature(axon: TerminalHeaders, target: AxonTarget): void {
    const { nonce, uuid, hotkey, signature } = axon;
    const signed =
      nonce !== undefined &&
      uuid !== undefined &&
      signature !== undefined &&
      hotkey === target.hotkey &&
      verifySignature(`${nonce}.${this.hotkey}.${target.hotkey}.${uuid}`, signature, target.hotkey);
    if (!signed) {
      throw new ResponseError(
        'AXON_SIGNATURE_INVALID',
        `The answer is not signed by the axon hotkey ${target.hotkey}`,
        { details: { peer: target.hotkey } },
      );
    }
  }

  private failure(
    error: SynapseError,
    measure: { sent: number; received: number },
    started: number,
    axon: TerminalHeaders,
  ): CallFailure {
    return {
      ok: false,
      statusCode: statusCodeOf(error),
      statusMessage: headerSafe(error.message),
      error,
      axon,
      bytesSent: measure.sent,
      bytesReceived: measure.received,
      elapsedMs: performance.now() - started,
    };
  }

  private exchange(
    target: AxonTarget,
    name: string,
    headers: Record<string, string>,
    body: string,
    options: {
      timeoutMs: number;
      maxResponseBytes: number;
      measure: { sent: number; received: number };
      signal?: AbortSignal;
    },
  ): Promise<RawAnswer> {
    return new Promise<RawAnswer>((resolve, reject) => {
      let settled = false;
      let socket: Socket | undefined;
      let base = { written: 0, read: 0 };
      const account = () => {
        if (socket === undefined) return;
        // bytesWritten counts what was handed to the socket, sent or not: what still waits in its
        // buffer (all of it when the connection never opened) did not reach the peer.
        options.measure.sent = Math.max(
          0,
          socket.bytesWritten - socket.writableLength - base.written,
        );
        options.measure.received = socket.bytesRead - base.read;
      };
      const finish = (error: unknown, answer?: RawAnswer) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        options.signal?.removeEventListener('abort', onAbort);
        account();
        if (answer !== undefined) resolve(answer);
        else reject(error);
      };
      const req = httpRequest({
        host: target.ip,
        port: target.port,
        method: 'POST',
        path: `/${name}`,
        headers,
        agent: this.agent,
      });
      const timer = setTimeout(() => {
        const error = new SynapseTimeoutError(
          `Request timeout after ${options.timeoutMs / 1000} seconds`,
          {
            details: { peer: target.hotkey, synapse: name },
          },
        );
        finish(error);
        req.destroy(error);
      }, options.timeoutMs);
      const onAbort = () => {
        const error = new TransportError('The call was cancelled', {
          details: { peer: target.hotkey },
        });
        finish(error);
        req.destroy(error);
      };
      options.signal?.addEventListener('abort', onAbort, { once: true });
      req.on('socket', (s: Socket) => {
        socket = s;
        base = { written: s.bytesWritten, read: s.bytesRead };
      });
      req.on('error', (error: NodeJS.ErrnoException) => {
        const where = `${target.ip}:${target.port}/${name}`;
        const message =
          error.code === 'ECONNREFUSED'
            ? `Service unavailable at ${where}`
            : error.code === 'ECONNRESET' || error.message === 'socket hang up'
              ? `Service disconnected at ${where}`
              : `Client error at ${where}: ${error.message}`;
        finish(
          new TransportError(message, {
            details: { peer: target.hotkey, errno: error.code },
            cause: error,
          }),
        );
      });
      req.on('response', (res) => {
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > options.maxResponseBytes) {
          const error = new BodyTooLargeError(
            `${name} answer of ${declared} bytes exceeds the limit of ${options.maxResponseBytes} bytes`,
            { details: { peer: target.hotkey, limit: options.maxResponseBytes, actual: declared } },
          );
          finish(error);
          req.destroy(error);
          return;
        }
        const chunks: Buffer[] = [];
        let total = 0;
        res.on('data', (chunk: Buffer) => {
          total += chunk.length;
          if (total > options.maxResponseBytes) {
            const error = new BodyTooLargeError(
              `${name} answer exceeds the limit of ${options.maxResponseBytes} bytes`,
              { details: { peer: target.hotkey, limit: options.maxResponseBytes } },
            );
            finish(error);
            req.destroy(error);
            return;
          }
          chunks.push(chunk);
        });
        res.on('end', () => {
          finish(undefined, {
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks, total),
          });
        });
        res.on('error', (error) => finish(new TransportError('Payload error', { cause: error })));
      });
      req.end(body);
    });
  }
}

function messageOf(body: Buffer): string | undefined {
  try {
    const value: unknown = JSON.parse(body.toString('utf8'));
    if (typeof value === 'object' && value !== null && 'message' in value) {
      const message = (value as { message: unknown }).message;
      if (typeof message === 'string') return message;
    }
  } catch {
    // An error body that is not JSON still has the status code; the message is optional.
  }
  return undefined;
}
