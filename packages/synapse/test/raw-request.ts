import { randomUUID } from 'node:crypto';
import { connect } from 'node:net';
import type { KeyringPair } from '@polkadot/keyring/types';
import { computeBodyHash } from '../src/body-hash.js';
import { parseJsonTree } from '../src/json-tree.js';
import { signMessage } from '../src/keys.js';
import type { AnySynapseDefinition } from '../src/synapse.js';

/** An HTTP answer as read off a raw socket. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  /** Milliseconds from the first byte written to the end of the answer. */
  readonly elapsedMs: number;
}

/** What goes on the wire: headers in order, then the body (possibly only its first part). */
export interface RawRequest {
  readonly method?: string;
  readonly path: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body?: string | Buffer;
  /** Keep the connection open after writing, without finishing the body. */
  readonly stall?: boolean;
}

/**
 * Sends bytes exactly as given over a fresh TCP connection and reads the answer. No HTTP client
 * sits in between, so hostile requests (lying content-length, stalls, bad JSON) reach the axon
 * as written.
 */
export function sendRaw(
  port: number,
  request: RawRequest,
  timeoutMs = 10_000,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const socket = connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
    const tryParse = (): RawResponse | undefined => {
      const data = Buffer.concat(chunks);
      const end = data.indexOf('\r\n\r\n');
      if (end < 0) return undefined;
      const [statusLine = '', ...lines] = data.subarray(0, end).toString('latin1').split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = Number(headers['content-length'] ?? Number.NaN);
      const body = data.subarray(end + 4);
      if (!Number.isFinite(length) || body.length < length) return undefined;
      return {
        status: Number(statusLine.split(' ')[1]),
        headers,
        body: body.subarray(0, length).toString('utf8'),
        elapsedMs: performance.now() - started,
      };
    };
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      const response = tryParse();
      if (response !== undefined) {
        clearTimeout(timer);
        socket.destroy();
        resolve(response);
      }
    });
    socket.on('error', (error) => {
      const response = tryParse();
      clearTimeout(timer);
      if (response !== undefined) resolve(response);
      else reject(error);
    });
    socket.on('connect', () => {
      const head = [
        `${request.method ?? 'POST'} ${request.path} HTTP/1.1`,
        'host: 127.0.0.1',
        ...Object.entries(request.headers).map(([k, v]) => `${k}: ${v}`),
        '',
        '',
      ].join('\r\n');
      socket.write(head);
      if (request.body !== undefined) socket.write(request.body);
      if (!request.stall) socket.end();
    });
  });
}

/** Everything that makes up a signed request; tests change one part to make it hostile. */
export interface SignedRequestParts {
  readonly dendrite: KeyringPair;
  readonly axonHotkey: string;
  readonly axonPort: number;
  readonly body: string;
  readonly definition: AnySynapseDefinition;
  readonly nonce?: bigint;
  readonly uuid?: string;
  readonly timeoutS?: string;
  /** The hotkey the signature names as the axon (defaults to `axonHotkey`). */
  readonly signedForHotkey?: string;
  /** The hash put in the header and signed (defaults to the body's own hash). */
  readonly bodyHash?: string;
}

/**
 * Builds a request header by header as the SDK's dendrite builds it
 * (bittensor/core/dendrite.py `preprocess_synapse_for_request`, bittensor/core/synapse.py
 * `to_headers`): name, timeout, axon ip/port/hotkey, dendrite ip/version/nonce/uuid/hotkey/
 * signature, header_size, total_size, computed_body_hash.
 */
export function signedRequest(parts: SignedRequestParts): RawRequest {
  const nonce = parts.nonce ?? BigInt(Date.now()) * 1_000_000n;
  const uuid = parts.uuid ?? randomUUID();
  const bodyHash =
    parts.bodyHash ??
    computeBodyHash(
      parseJsonTree(parts.body),
      parts.definition.hashFields,
      parts.definition.request,
    );
  const signedFor = parts.signedForHotkey ?? parts.axonHotkey;
  const message = `${nonce}.${parts.dendrite.address}.${signedFor}.${uuid}.${bodyHash}`;
  return {
    path: `/${parts.definition.name}`,
    headers: {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(parts.body)),
      name: parts.definition.name,
      timeout: parts.timeoutS ?? '12.0',
      bt_header_axon_ip: '127.0.0.1',
      bt_header_axon_port: String(parts.axonPort),
      bt_header_axon_hotkey: signedFor,
      bt_header_dendrite_ip: '0.0.0.0',
      bt_header_dendrite_version: '10002000',
      bt_header_dendrite_nonce: String(nonce),
      bt_header_dendrite_uuid: uuid,
      bt_header_dendrite_hotkey: parts.dendrite.address,
      bt_header_dendrite_signature: signMessage(parts.dendrite, message),
      header_size: '640',
      total_size: String(Buffer.byteLength(parts.body)),
      computed_body_hash: bodyHash,
    },
    body: parts.body,
  };
}
