import { createHash } from 'node:crypto';
import { constants, gunzipSync } from 'node:zlib';
import { PdbParseError } from './errors.js';

/** Default limit on an entry's uncompressed size. The largest PDB-format entries are about 10 MB. */
export const DEFAULT_MAX_ENTRY_BYTES = 32 * 1024 * 1024;

/** Limits applied while decoding an entry's bytes. */
export interface EntryLimits {
  /** Largest accepted uncompressed PDB text, in bytes. Default {@link DEFAULT_MAX_ENTRY_BYTES}. */
  readonly maxEntryBytes?: number;
}

/** An entry's PDB text with the hashes provenance records. */
export interface DecodedEntry {
  /** The PDB-format text (ASCII). */
  readonly text: string;
  /** SHA-256 (hex) of the uncompressed text, the value the mirror's MANIFEST records. */
  readonly sha256: string;
  /** Size of the uncompressed text in bytes. */
  readonly sizeBytes: number;
}

/** SHA-256 of bytes or UTF-8 text, as lower-case hex. */
export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Decodes an entry file: gzip (detected by its magic bytes) or plain text. Checks the size limit
 * before and while inflating, so a small gzip bomb cannot allocate more than the limit, and
 * rejects bytes that cannot be PDB text (NUL or non-ASCII).
 * @throws {PdbParseError} `ENTRY_TOO_LARGE`, `CORRUPT_GZIP` (bad or truncated gzip stream) or
 *   `NOT_PDB` (binary or non-ASCII content).
 */
export function decodeEntryBytes(
  bytes: Uint8Array,
  limits: EntryLimits = {},
  label = 'entry',
): DecodedEntry {
  const maxEntryBytes = limits.maxEntryBytes ?? DEFAULT_MAX_ENTRY_BYTES;
  let raw: Uint8Array;
  if (isGzip(bytes)) {
    try {
      raw = gunzipSync(bytes, { maxOutputLength: maxEntryBytes });
    } catch (cause) {
      const code = (cause as { code?: string }).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || cause instanceof RangeError) {
        throw new PdbParseError(
          'ENTRY_TOO_LARGE',
          `${label} inflates to more than ${maxEntryBytes} bytes (the limit); raise maxEntryBytes if this entry is genuine`,
          { details: { label, maxEntryBytes }, cause },
        );
      }
      const truncated =
        code === 'Z_BUF_ERROR' || (cause as { errno?: number }).errno === constants.Z_BUF_ERROR;
      throw new PdbParseError(
        'CORRUPT_GZIP',
        `${label} is not a valid gzip stream${truncated ? ' (it ends early: truncated download?)' : ''}: ${(cause as Error).message}`,
        { details: { label, truncated }, cause },
      );
    }
  } else {
    if (bytes.length > maxEntryBytes) {
      throw new PdbParseError(
        'ENTRY_TOO_LARGE',
        `${label} is ${bytes.length} bytes, over the limit of ${maxEntryBytes}`,
        { details: { label, sizeBytes: bytes.length, maxEntryBytes } },
      );
    }
    raw = bytes;
  }
  for (let i = 0; i < raw.length; i++) {
    const b = raw[i]!;
    if (b === 0 || b > 0x7e || (b < 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09)) {
      throw new PdbParseError(
        'NOT_PDB',
        `${label} contains a byte 0x${b.toString(16).padStart(2, '0')} at offset ${i}: PDB files are plain ASCII text`,
        { details: { label, offset: i } },
      );
    }
  }
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
  return { text, sha256: sha256Hex(raw), sizeBytes: raw.length };
}
