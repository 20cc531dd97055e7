import type { IncomingHttpHeaders } from 'node:http';
import { RequestFormatError } from './errors.js';
import { pythonFloatRepr } from './python-str.js';

/**
 * The Bittensor SDK version whose wire rules this package follows (10.2.0 as the SDK's
 * `version_as_int`: major * 1e6 + minor * 1e3 + patch). Sent as `bt_header_*_version`; versions
 * from 7.2.0 on use the time-based nonce checked here.
 */
export const PROTOCOL_VERSION = 10_002_000;

/** The SDK's default query timeout, used when a request has no `timeout` header (seconds). */
export const DEFAULT_TIMEOUT_S = 12;

/** A terminal (axon or dendrite) as its `bt_header_<side>_*` headers describe it. */
export interface TerminalHeaders {
  readonly statusCode?: number;
  readonly statusMessage?: string;
  readonly processTimeS?: number;
  readonly ip?: string;
  readonly port?: number;
  readonly version?: number;
  readonly nonce?: bigint;
  readonly uuid?: string;
  readonly hotkey?: string;
  readonly signature?: string;
}

const FIELD_NAMES: Readonly<Record<keyof TerminalHeaders, string>> = {
  statusCode: 'status_code',
  statusMessage: 'status_message',
  processTimeS: 'process_time',
  ip: 'ip',
  port: 'port',
  version: 'version',
  nonce: 'nonce',
  uuid: 'uuid',
  hotkey: 'hotkey',
  signature: 'signature',
};

/**
 * A header value as Node may send it: printable ASCII only (status messages can quote what a
 * peer sent), at most 1024 characters.
 */
export function headerSafe(text: string): string {
  const cleaned = text.replace(/[^\x20-\x7e]/g, '?');
  return cleaned.length > 1024 ? `${cleaned.slice(0, 1021)}...` : cleaned;
}

/** The `bt_header_<side>_*` headers of a terminal, rendered as the SDK's `str()` renders them. */
export function terminalHeaders(
  side: 'axon' | 'dendrite',
  terminal: TerminalHeaders,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, field] of Object.entries(FIELD_NAMES) as [keyof TerminalHeaders, string][]) {
    const value = terminal[key];
    if (value === undefined) continue;
    out[`bt_header_${side}_${field}`] =
      key === 'processTimeS' ? pythonFloatRepr(value as number) : headerSafe(String(value));
  }
  return out;
}

function single(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name];
  if (Array.isArray(value)) {
    throw new RequestFormatError('REQUEST_INVALID', `Header ${name} appears more than once`, {
      details: { field: name },
    });
  }
  return value;
}

function bad(name: string, why: string): never {
  throw new RequestFormatError(
    'REQUEST_INVALID',
    `Improperly formatted request: header ${name} ${why}`,
    {
      details: { field: name },
    },
  );
}

const INTEGER = /^-?[0-9]{1,20}$/;
const UUID = /^[A-Za-z0-9-]{1,64}$/;
const HOTKEY = /^[1-9A-HJ-NP-Za-km-z]{40,60}$/;
const HEX64 = /^[0-9a-f]{64}$/;

function optionalInt(headers: IncomingHttpHeaders, name: string): number | undefined {
  const raw = single(headers, name);
  if (raw === undefined) return undefined;
  if (!INTEGER.test(raw) || !Number.isSafeInteger(Number(raw))) bad(name, 'is not an integer');
  return Number(raw);
}

function optionalFloat(headers: IncomingHttpHeaders, name: string): number | undefined {
  const raw = single(headers, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(value)) bad(name, 'is not a number');
  return value;
}

/** What an axon reads from a request's headers before it reads the body. */
export interface RequestHeaders {
  readonly name: string | undefined;
  readonly timeoutS: number;
  readonly bodyHash: string;
  readonly axonHotkey: string | undefined;
  readonly dendrite: Required<Pick<TerminalHeaders, 'hotkey' | 'nonce' | 'uuid' | 'signature'>> &
    Pick<TerminalHeaders, 'version' | 'ip'>;
}

/**
 * Reads the SDK request headers an axon needs (bittensor/core/synapse.py, `Synapse.to_headers`
 * and `parse_headers_to_inputs`): `name`, `timeout`, `computed_body_hash`, the dendrite's
 * hotkey, nonce, uuid, signature and version, and the axon hotkey the request was signed for.
 * Unlike the SDK, a request without a signature is refused rather than let through.
 * @throws {RequestFormatError} `REQUEST_INVALID`, naming the header.
 */
export function parseRequestHeaders(headers: IncomingHttpHeaders): RequestHeaders {
  const hotkey = single(headers, 'bt_header_dendrite_hotkey');
  if (hotkey === undefined || !HOTKEY.test(hotkey))
    bad('bt_header_dendrite_hotkey', 'is missing or not an SS58 address');
  const nonceRaw = single(headers, 'bt_header_dendrite_nonce');
  if (nonceRaw === undefined || !/^[0-9]{1,20}$/.test(nonceRaw)) {
    bad('bt_header_dendrite_nonce', 'is missing or not a non-negative integer');
  }
  const uuid = single(headers, 'bt_header_dendrite_uuid');
  if (uuid === undefined || !UUID.test(uuid))
    bad('bt_header_dendrite_uuid', 'is missing or malformed');
  const signature = single(headers, 'bt_header_dendrite_signature');
  if (signature === undefined || signature.length > 200) {
    bad('bt_header_dendrite_signature', 'is missing or too long');
  }
  const bodyHash = single(headers, 'computed_body_hash');
  if (bodyHash === undefined || !HEX64.test(bodyHash)) {
    bad('computed_body_hash', 'is missing or not 64 lowercase hex characters');
  }
  const axonHotkey = single(headers, 'bt_header_axon_hotkey');
  if (axonHotkey !== undefined && !HOTKEY.test(axonHotkey))
    bad('bt_header_axon_hotkey', 'is not an SS58 address');
  const timeoutS = optionalFloat(headers, 'timeout') ?? DEFAULT_TIMEOUT_S;
  if (timeoutS <= 0) bad('timeout', 'must be positive');
  const name = single(headers, 'name');
  const version = optionalInt(headers, 'bt_header_dendrite_version');
  const ip = single(headers, 'bt_header_dendrite_ip');
  return {
    name,
    timeoutS,
    bodyHash,
    axonHotkey,
    dendrite: {
      hotkey,
      nonce: BigInt(nonceRaw),
      uuid,
      signature,
      ...(version === undefined ? {} : { version }),
      ...(ip === undefined ? {} : { ip: headerSafe(ip) }),
    },
  };
}

/**
 * Reads the `bt_header_axon_*` headers of a response, as a dendrite merges them
 * (bittensor/core/dendrite.py, `process_server_response`). Malformed values are left out.
 */
export function parseAxonResponseHeaders(headers: IncomingHttpHeaders): TerminalHeaders {
  const get = (field: string): string | undefined => {
    const value = headers[`bt_header_axon_${field}`];
    return Array.isArray(value) ? undefined : value;
  };
  const int = (field: string): number | undefined => {
    const raw = get(field);
    return raw !== undefined && INTEGER.test(raw) ? Number(raw) : undefined;
  };
  const processTime = Number(get('process_time'));
  const nonce = get('nonce');
  const out: Record<string, unknown> = {
    statusCode: int('status_code'),
    statusMessage: get('status_message'),
    processTimeS: Number.isFinite(processTime) ? processTime : undefined,
    ip: get('ip'),
    port: int('port'),
    version: int('version'),
    nonce: nonce !== undefined && /^[0-9]{1,20}$/.test(nonce) ? BigInt(nonce) : undefined,
    uuid: get('uuid'),
    hotkey: get('hotkey'),
    signature: get('signature'),
  };
  for (const key of Object.keys(out)) if (out[key] === undefined) delete out[key];
  return out as TerminalHeaders;
}
