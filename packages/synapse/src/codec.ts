import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants } from 'node:zlib';
import msgpack from 'msgpack-lite';
import {
  BundleCorruptError,
  BundleIntegrityError,
  BundleLimitError,
  BundleMissingFileError,
  ConfigError,
} from './errors.js';
import { checkFileName } from './file-names.js';

/** A named file: the unit a bundle carries. */
export interface BundleFile {
  /** One allowlisted path component, e.g. `topol.top` (see `checkFileName`). */
  readonly name: string;
  readonly bytes: Uint8Array;
}

/** How a file travels inside a bundle. */
export type BundleFileMethod = 'reference' | 'stored' | 'compressed';

/** A file as decoded from a bundle; `bytes` is absent when it travelled as its hash. */
export interface BundleEntry {
  readonly name: string;
  readonly sizeBytes: number;
  /** SHA-256 of the content, lowercase hex. */
  readonly sha256: string;
  readonly method: BundleFileMethod;
  /** The content, checked against `sha256`; undefined for a `reference` entry. */
  readonly bytes: Uint8Array | undefined;
}

/** The result of {@link decodeBundle}. */
export interface DecodedBundle {
  readonly entries: readonly BundleEntry[];
  /** Size of the encoded bundle, in bytes. */
  readonly encodedBytes: number;
}

/** Limits enforced by {@link decodeBundle} before allocating and while inflating. */
export interface BundleLimits {
  /** Largest encoded bundle accepted, in bytes. */
  readonly maxEncodedBytes: number;
  /** Largest single file (declared and actual), in bytes. */
  readonly maxFileBytes: number;
  /** Largest sum of the declared sizes of all files, references included, in bytes. */
  readonly maxTotalBytes: number;
  /** Most files in one bundle. */
  readonly maxFiles: number;
  /** Highest decompressed/compressed size ratio accepted for a file larger than `ratioFloorBytes`. */
  readonly maxRatio: number;
  /** Files up to this size are exempt from the ratio check (tiny files compress absurdly well). */
  readonly ratioFloorBytes: number;
}

/**
 * Defaults sized for GROMACS jobs of up to a few hundred thousand atoms. Text inputs (gro, top,
 * itp, log) compress 3-14x and binaries (tpr, trr, xtc, cpt, edr) 1-2.2x, so a ratio above 64
 * is treated as a decompression bomb.
 */
export const DEFAULT_BUNDLE_LIMITS: BundleLimits = Object.freeze({
  maxEncodedBytes: 256 * 1024 * 1024,
  maxFileBytes: 256 * 1024 * 1024,
  maxTotalBytes: 512 * 1024 * 1024,
  maxFiles: 64,
  maxRatio: 64,
  ratioFloorBytes: 64 * 1024,
});

/** Options of {@link encodeBundle}. */
export interface EncodeBundleOptions {
  /**
   * SHA-256 hashes (hex) of files the receiver already holds: those travel as their hash only.
   */
  readonly held?: Iterable<string>;
  /** Brotli quality, 1 to 11, or 0 to store everything; 5 by default. */
  readonly quality?: CompressionQuality;
  /**
   * Smallest saving (a fraction of the file) worth the receiver's decompression time; 0.1 by
   * default.
   * Frames and checkpoints (floats) would save about 9% and travel stored; tpr, gro, top, itp
   * and log files save 50-90% and travel compressed.
   */
  readonly minSavings?: number;
}

/** A brotli quality, or 0 for no compression. */
export type CompressionQuality = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11;

const MAGIC = 'fold-bundle';
const VERSION = 1;
const METHOD_CODES: Readonly<Record<BundleFileMethod, number>> = {
  reference: 0,
  stored: 1,
  compressed: 2,
};
const METHOD_BY_CODE: readonly BundleFileMethod[] = ['reference', 'stored', 'compressed'];
// Compressing high-entropy data (xtc, trr, cpt floats) costs 20-50 ms per MB and saves under
// 10%, so large files are first judged by the byte entropy of a few samples. Measured on a 1UBQ
// NVT stage, in bits per byte (what brotli saves): xtc 8.0 (0%), trr and cpt 7.3 (9%), edr 6.9
// (29%), tpr 6.5 (53%), log 4.5 (72%), gro 3.6 (75%), top 2.7 (90%).

const ENTROPY_SAMPLES = 4;
const ENTROPY_SAMPLE_BYTES = 16 * 1024;
const STORE_ABOVE_BITS_PER_BYTE = 7.2;
const MAX_OUTPUT_CHUNK = 1024 * 1024;

/** Order-0 entropy, in bits per byte, of a few evenly spread samples of `bytes`. */
function sampledEntropy(bytes: Uint8Array): number {
  const counts = new Uint32Array(256);
  let total = 0;
  const stride = Math.floor((bytes.length - ENTROPY_SAMPLE_BYTES) / (ENTROPY_SAMPLES - 1));
  for (let s = 0; s < ENTROPY_SAMPLES; s++) {
    const start = s * stride;
    const end = Math.min(bytes.length, start + ENTROPY_SAMPLE_BYTES);
    for (let i = start; i < end; i++) {
      const byte = bytes[i] as number;
      counts[byte] = (counts[byte] as number) + 1;
    }
    total += end - start;
  }
  let bits = 0;
  for (const count of counts) {
    if (count === 0) continue;
    const p = count / total;
    bits -= p * Math.log2(p);
  }
  return bits;
}

// No extension types: msgpack-lite's preset would rebuild Date, RegExp and Error objects.
const codec = msgpack.createCodec({ preset: false });

/** SHA-256 of bytes as lowercase hex. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes)
    ? bytes
    : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function compressIfWorth(
  bytes: Uint8Array,
  quality: CompressionQuality,
  minSavings: number,
): Uint8Array | undefined {
  if (quality === 0 || bytes.length === 0) return undefined;
  if (
    bytes.length > ENTROPY_SAMPLES * ENTROPY_SAMPLE_BYTES &&
    sampledEntropy(bytes) > STORE_ABOVE_BITS_PER_BYTE
  ) {
    return undefined;
  }
  const compressed = brotliCompressSync(bytes, {
    params: {
      [zlibConstants.BROTLI_PARAM_QUALITY]: quality,
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
  return compressed.length <= bytes.length * (1 - minSavings) ? compressed : undefined;
}

/**
 * Encodes files as a bundle: a msgpack envelope holding, per file, its name, size, SHA-256 and
 * content, compressed with brotli when that saves at least `minSavings`, stored otherwise, or left
 * out when the receiver already holds a file of that hash (`options.held`).
 * @throws {BundleFileNameError} for a name outside the allowlist.
 * @throws {ConfigError} for two files of the same name.
 */
export function encodeBundle(
  files: readonly BundleFile[],
  options: EncodeBundleOptions = {},
): Uint8Array {
  const held = new Set(options.held ?? []);
  const quality = options.quality ?? 5;
  const minSavings = options.minSavings ?? 0.1;
  const names = new Set<string>();
  const records = files.map((file) => {
    checkFileName(file.name);
    if (names.has(file.name)) {
      throw new ConfigError(`Bundle lists the file ${file.name} twice`, {
        details: { file: file.name },
      });
    }
    names.add(file.name);
    const digest = createHash('sha256').update(file.bytes).digest();
    if (held.has(digest.toString('hex'))) {
      return [file.name, file.bytes.length, digest, METHOD_CODES.reference, null];
    }
    const compressed = compressIfWorth(file.bytes, quality, minSavings);
    return compressed === undefined
      ? [file.name, file.bytes.length, digest, METHOD_CODES.stored, asBuffer(file.bytes)]
      : [file.name, file.bytes.length, digest, METHOD_CODES.compressed, asBuffer(compressed)];
  });
  return msgpack.encode([MAGIC, VERSION, records], { codec });
}

function resolveLimits(limits: Partial<BundleLimits> | undefined): BundleLimits {
  const merged = { ...DEFAULT_BUNDLE_LIMITS, ...limits };
  for (const [key, value] of Object.entries(merged)) {
    if (!Number.isSafeInteger(value) || value < 0) {
      throw new ConfigError(`Bundle limit ${key} must be a non-negative integer, got ${value}`, {
        details: { field: key },
      });
    }
  }
  return merged;
}

function corrupt(message: string, details: Record<string, unknown> = {}): never {
  throw new BundleCorruptError(`Corrupt bundle: ${message}`, { details });
}

function decompressBounded(data: Uint8Array, sizeBytes: number, name: string): Uint8Array {
  let out: Buffer;
  try {
    // zlib stops, and frees what it made, as soon as the output passes maxOutputLength: a bomb
    // that lies about its size costs at most its declared size plus one chunk.
    out = brotliDecompressSync(data, {
      maxOutputLength: Math.max(1, sizeBytes),
      chunkSize: Math.min(MAX_OUTPUT_CHUNK, Math.max(64, sizeBytes)),
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new BundleLimitError(
        `File ${name} decompresses beyond its declared ${sizeBytes} bytes: rejected as a decompression bomb`,
        { details: { file: name, limit: sizeBytes }, cause: error },
      );
    }
    corrupt(`file ${name} is not a valid brotli stream`, { file: name });
  }
  if (out.length !== sizeBytes) {
    corrupt(`file ${name} decompresses to ${out.length} bytes, not the declared ${sizeBytes}`, {
      file: name,
    });
  }
  return out;
}

interface RawRecord {
  readonly name: string;
  readonly sizeBytes: number;
  readonly sha256: Buffer;
  readonly method: BundleFileMethod;
  readonly data: Buffer | null;
}

function readRecord(record: unknown, index: number): RawRecord {
  if (!Array.isArray(record) || record.length !== 5)
    corrupt(`file #${index} is not a 5-item record`);
  const [name, sizeBytes, sha256, methodCode, data] = record as unknown[];
  if (typeof name !== 'string') corrupt(`file #${index} has no name`);
  if (typeof sizeBytes !== 'number' || !Number.isSafeInteger(sizeBytes) || sizeBytes < 0) {
    corrupt(`file ${name} has no valid size`, { file: name });
  }
  if (!Buffer.isBuffer(sha256) || sha256.length !== 32)
    corrupt(`file ${name} has no SHA-256`, { file: name });
  const method = typeof methodCode === 'number' ? METHOD_BY_CODE[methodCode] : undefined;
  if (method === undefined) corrupt(`file ${name} has an unknown method`, { file: name });
  if (method === 'reference' ? data !== null : !Buffer.isBuffer(data)) {
    corrupt(`file ${name} has content that does not match its method`, { file: name });
  }
  return { name, sizeBytes, sha256, method, data: data as Buffer | null };
}

/**
 * Decodes a bundle without touching the file system. Every limit is checked before the memory
 * it guards is allocated: the encoded size first, then the file count, names, declared sizes and
 * their sum, and each compressed file's ratio; decompression then stops as soon as a file grows
 * past its declared size, so a decompression bomb is rejected without being expanded. Each file's
 * content is checked against its SHA-256.
 * @throws {BundleLimitError} when a limit is exceeded.
 * @throws {BundleFileNameError} for a name outside the allowlist.
 * @throws {BundleCorruptError} for anything that is not a well-formed bundle.
 * @throws {BundleIntegrityError} when content does not match its hash.
 */
export function decodeBundle(encoded: Uint8Array, limits?: Partial<BundleLimits>): DecodedBundle {
  const lim = resolveLimits(limits);
  if (encoded.length > lim.maxEncodedBytes) {
    throw new BundleLimitError(
      `Bundle of ${encoded.length} bytes exceeds the limit of ${lim.maxEncodedBytes} bytes`,
      { details: { limit: lim.maxEncodedBytes, actual: encoded.length } },
    );
  }
  let envelope: unknown;
  try {
    envelope = msgpack.decode(asBuffer(encoded), { codec });
  } catch (error) {
    throw new BundleCorruptError('Corrupt bundle: not a msgpack document', { cause: error });
  }
  if (!Array.isArray(envelope) || envelope.length !== 3 || envelope[0] !== MAGIC) {
    corrupt('not a fold bundle');
  }
  if (envelope[1] !== VERSION) corrupt(`unsupported version ${String(envelope[1])}`);
  const list: unknown = envelope[2];
  if (!Array.isArray(list)) corrupt('no file list');
  if (list.length > lim.maxFiles) {
    throw new BundleLimitError(
      `Bundle holds ${list.length} files, more than the limit of ${lim.maxFiles}`,
      {
        details: { limit: lim.maxFiles, actual: list.length },
      },
    );
  }

  const records = list.map(readRecord);
  const names = new Set<string>();
  let totalBytes = 0;
  for (const r of records) {
    checkFileName(r.name);
    if (names.has(r.name)) corrupt(`file ${r.name} appears twice`, { file: r.name });
    names.add(r.name);
    if (r.sizeBytes > lim.maxFileBytes) {
      throw new BundleLimitError(
        `File ${r.name} declares ${r.sizeBytes} bytes, more than the limit of ${lim.maxFileBytes}`,
        { details: { file: r.name, limit: lim.maxFileBytes, actual: r.sizeBytes } },
      );
    }
    totalBytes += r.sizeBytes;
    if (totalBytes > lim.maxTotalBytes) {
      throw new BundleLimitError(
        `Bundle files declare more than the total limit of ${lim.maxTotalBytes} bytes`,
        { details: { file: r.name, limit: lim.maxTotalBytes, actual: totalBytes } },
      );
    }
    if (r.method === 'stored' && r.data !== null && r.data.length !== r.sizeBytes) {
      corrupt(`stored file ${r.name} holds ${r.data.length} bytes, not ${r.sizeBytes}`, {
        file: r.name,
      });
    }
    if (
      r.method === 'compressed' &&
      r.data !== null &&
      r.sizeBytes > lim.ratioFloorBytes &&
      r.sizeBytes > r.data.length * lim.maxRatio
    ) {
      throw new BundleLimitError(
        `File ${r.name} would expand ${r.data.length} bytes to ${r.sizeBytes}, a ratio above the limit of ${lim.maxRatio}: rejected as a decompression bomb`,
        {
          details: {
            file: r.name,
            limit: lim.maxRatio,
            actual: r.sizeBytes / Math.max(1, r.data.length),
          },
        },
      );
    }
  }

  const entries = records.map((r): BundleEntry => {
    const sha256 = r.sha256.toString('hex');
    if (r.method === 'reference' || r.data === null) {
      return { name: r.name, sizeBytes: r.sizeBytes, sha256, method: r.method, bytes: undefined };
    }
    const bytes = r.method === 'stored' ? r.data : decompressBounded(r.data, r.sizeBytes, r.name);
    if (sha256Hex(bytes) !== sha256) {
      throw new BundleIntegrityError(`File ${r.name} does not match its SHA-256 ${sha256}`, {
        details: { file: r.name, sha256 },
      });
    }
    return { name: r.name, sizeBytes: r.sizeBytes, sha256, method: r.method, bytes };
  });
  return { entries, encodedBytes: encoded.length };
}

/**
 * Turns a decoded bundle into files, taking the content of `reference` entries from `lookup`
 * (the receiver's store, by SHA-256) and checking it against the hash and declared size.
 * @throws {BundleMissingFileError} when `lookup` does not hold a referenced file.
 * @throws {BundleIntegrityError} when what `lookup` returns does not match.
 */
export function resolveBundle(
  decoded: DecodedBundle,
  lookup: (sha256: string) => Uint8Array | undefined = () => undefined,
): BundleFile[] {
  return decoded.entries.map((entry) => {
    if (entry.bytes !== undefined) return { name: entry.name, bytes: entry.bytes };
    const bytes = lookup(entry.sha256);
    if (bytes === undefined) {
      throw new BundleMissingFileError(
        `File ${entry.name} was sent as its hash ${entry.sha256}, which this side does not hold`,
        { details: { file: entry.name, sha256: entry.sha256 } },
      );
    }
    if (bytes.length !== entry.sizeBytes || sha256Hex(bytes) !== entry.sha256) {
      throw new BundleIntegrityError(
        `Held content for ${entry.name} does not match ${entry.sha256}`,
        {
          details: { file: entry.name, sha256: entry.sha256 },
        },
      );
    }
    return { name: entry.name, bytes };
  });
}

/**
 * Decodes base64, or returns undefined when the text is not whole base64: Node skips characters
 * outside the alphabet and stops at inner padding, so those show up as missing bytes.
 */
function decodeWholeBase64(text: string): Buffer | undefined {
  if (text.length % 4 !== 0) return undefined;
  const padding = text.endsWith('==') ? 2 : text.endsWith('=') ? 1 : 0;
  const bytes = Buffer.from(text, 'base64');
  return bytes.length === (text.length / 4) * 3 - padding ? bytes : undefined;
}

/** {@link encodeBundle}, as the base64 text a synapse field carries. */
export function encodeBundleBase64(
  files: readonly BundleFile[],
  options?: EncodeBundleOptions,
): string {
  return asBuffer(encodeBundle(files, options)).toString('base64');
}

/**
 * {@link decodeBundle} of a synapse field's base64 text. The text's length is checked against
 * `maxEncodedBytes` before it is decoded, and text that is not whole base64 (stray
 * characters, inner padding, a truncated quad) is refused.
 * @throws {BundleLimitError}, {@link BundleCorruptError} and the errors of {@link decodeBundle}.
 */
export function decodeBundleBase64(text: string, limits?: Partial<BundleLimits>): DecodedBundle {
  const lim = resolveLimits(limits);
  const encodedBytes = Math.floor((text.length * 3) / 4);
  if (encodedBytes > lim.maxEncodedBytes + 2) {
    throw new BundleLimitError(
      `Bundle of about ${encodedBytes} bytes exceeds the limit of ${lim.maxEncodedBytes} bytes`,
      { details: { limit: lim.maxEncodedBytes, actual: encodedBytes } },
    );
  }
  const bytes = decodeWholeBase64(text);
  if (bytes === undefined) corrupt('the field is not well-formed base64');
  return decodeBundle(bytes, lim);
}
