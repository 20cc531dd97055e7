import { createHash } from 'node:crypto';
import { brotliCompressSync, brotliDecompressSync, constants as zlibConstants } from 'node:zlib';
import { type EnvelopeRecord, readEnvelope, writeEnvelope } from './bundle-envelope.js';
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
  /**
   * Brotli quality for every compressed file, 1 to 11, or 0 to store everything. By default it
   * is chosen per file: 5 for text (gro, top, itp, log), where quality 5 is 10-17% smaller than
   * quality 2, and 2 for binary files (tpr, edr), where quality 5 gains 3-8% for four times the
   * time (see the package README).
   */
  readonly quality?: CompressionQuality;
  /**
   * Smallest saving (a fraction of the file) worth the receiver's decompression time; 0.1 by
   * default. Files over 64 KiB are first judged by compressing samples of them: xtc, trr and cpt
   * files (floats) save under 10% and travel stored without a full compression; tpr, edr, gro,
   * top, itp and log files save 25-90% and travel compressed.
   */
  readonly minSavings?: number;
}

/** A brotli quality, or 0 for no compression. */
export type CompressionQuality = 0 | 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8 | 9 | 10 | 11;

const TEXT_QUALITY = 5;
const BINARY_QUALITY = 2;
const METHOD_CODES: Readonly<Record<BundleFileMethod, number>> = {
  reference: 0,
  stored: 1,
  compressed: 2,
};
const METHOD_BY_CODE: readonly BundleFileMethod[] = ['reference', 'stored', 'compressed'];
const MAX_OUTPUT_CHUNK = 1024 * 1024;

// Compressing data that barely compresses (xtc, trr and cpt floats) costs 5-12 ms per MB on the
// two ends together for a saving under 10%, so a large file is first judged by a fast compression of a few
// evenly spread samples. What brotli quality 1 saves on a 1UBQ NVT stage: xtc 0%, trr and cpt
// 9%, edr 25%, tpr 45%, log 66%, gro 69%, top 84%; the samples' figures are within a few points.
const PROBE_ABOVE_BYTES = 64 * 1024;
const PROBE_SAMPLES = 4;
const PROBE_SAMPLE_BYTES = 8 * 1024;
const PROBE_QUALITY = 1;

function brotli(bytes: Uint8Array, quality: number): Buffer {
  return brotliCompressSync(bytes, {
    params: {
      [zlibConstants.BROTLI_PARAM_QUALITY]: quality,
      [zlibConstants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
    },
  });
}

/** A few evenly spread samples of a file larger than the probe's threshold, end to end. */
function spreadSample(bytes: Uint8Array): Buffer {
  const sample = Buffer.allocUnsafe(PROBE_SAMPLES * PROBE_SAMPLE_BYTES);
  const stride = Math.floor((bytes.length - PROBE_SAMPLE_BYTES) / (PROBE_SAMPLES - 1));
  for (let s = 0; s < PROBE_SAMPLES; s++) {
    const start = s * stride;
    sample.set(bytes.subarray(start, start + PROBE_SAMPLE_BYTES), s * PROBE_SAMPLE_BYTES);
  }
  return sample;
}

/** True when at most 1% of `sample` is outside printable ASCII, tab and line ends. */
function looksLikeText(sample: Uint8Array): boolean {
  let other = 0;
  for (let i = 0; i < sample.length; i++) {
    const byte = sample[i] as number;
    if ((byte < 0x20 || byte > 0x7e) && byte !== 0x0a && byte !== 0x0d && byte !== 0x09) other++;
  }
  return other * 100 <= sample.length;
}

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
  quality: CompressionQuality | undefined,
  minSavings: number,
): Buffer | undefined {
  if (quality === 0 || bytes.length === 0) return undefined;
  const sample = bytes.length > PROBE_ABOVE_BYTES ? spreadSample(bytes) : bytes;
  if (sample !== bytes && 1 - brotli(sample, PROBE_QUALITY).length / sample.length < minSavings) {
    return undefined;
  }
  const compressed = brotli(
    bytes,
    quality ?? (looksLikeText(sample) ? TEXT_QUALITY : BINARY_QUALITY),
  );
  return compressed.length <= bytes.length * (1 - minSavings) ? compressed : undefined;
}

/**
 * Encodes files as a bundle: a MessagePack envelope holding, per file, its name, size, SHA-256
 * and content, compressed with brotli when that saves at least `minSavings`, stored otherwise, or
 * left out when the receiver already holds a file of that hash (`options.held`). Each file is
 * hashed once and copied once, into an output allocated at its final size.
 * @throws {BundleFileNameError} for a name outside the allowlist.
 * @throws {ConfigError} for two files of the same name.
 */
export function encodeBundle(
  files: readonly BundleFile[],
  options: EncodeBundleOptions = {},
): Uint8Array {
  const held = new Set(options.held ?? []);
  const quality = options.quality;
  const minSavings = options.minSavings ?? 0.1;
  const names = new Set<string>();
  const records = files.map((file): EnvelopeRecord => {
    checkFileName(file.name);
    if (names.has(file.name)) {
      throw new ConfigError(`Bundle lists the file ${file.name} twice`, {
        details: { file: file.name },
      });
    }
    names.add(file.name);
    const sha256 = createHash('sha256').update(file.bytes).digest();
    const sizeBytes = file.bytes.length;
    if (held.has(sha256.toString('hex'))) {
      return { name: file.name, sizeBytes, sha256, methodCode: METHOD_CODES.reference, data: null };
    }
    const compressed = compressIfWorth(file.bytes, quality, minSavings);
    return compressed === undefined
      ? { name: file.name, sizeBytes, sha256, methodCode: METHOD_CODES.stored, data: file.bytes }
      : {
          name: file.name,
          sizeBytes,
          sha256,
          methodCode: METHOD_CODES.compressed,
          data: compressed,
        };
  });
  return writeEnvelope(records);
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
  readonly sha256: Uint8Array;
  readonly method: BundleFileMethod;
  readonly data: Uint8Array | null;
}

function checkRecord(record: EnvelopeRecord): RawRecord {
  const { name, sizeBytes, methodCode, data } = record;
  if (!Number.isSafeInteger(sizeBytes)) corrupt(`file ${name} has no valid size`, { file: name });
  const method = METHOD_BY_CODE[methodCode];
  if (method === undefined) corrupt(`file ${name} has an unknown method`, { file: name });
  if ((method === 'reference') !== (data === null)) {
    corrupt(`file ${name} has content that does not match its method`, { file: name });
  }
  return { name, sizeBytes, sha256: record.sha256, method, data };
}

/**
 * Decodes a bundle without touching the file system. Every limit is checked before the memory
 * it guards is allocated: the encoded size first, then the file count, names, declared sizes and
 * their sum, and each compressed file's ratio; decompression then stops as soon as a file grows
 * past its declared size, so a decompression bomb is rejected without being expanded. Each file's
 * content is checked against its SHA-256. A stored file's `bytes` is a view into `encoded`
 * (nothing is copied), so `encoded` must not be changed while the entries are in use.
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
  const records = readEnvelope(asBuffer(encoded), lim.maxFiles).map(checkRecord);
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
    const sha256 = Buffer.from(r.sha256).toString('hex');
    if (r.method === 'reference' || r.data === null) {
      return { name: r.name, sizeBytes: r.sizeBytes, sha256, method: r.method, bytes: undefined };
    }
    const bytes = r.method === 'stored' ? r.data : decompressBounded(r.data, r.sizeBytes, r.name);
    if (!createHash('sha256').update(bytes).digest().equals(r.sha256)) {
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
