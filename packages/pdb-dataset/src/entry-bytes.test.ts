import { gzipSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import { decodeEntryBytes, sha256Hex } from './entry-bytes.js';
import { PdbParseError } from './errors.js';

const TEXT =
  'HEADER    TEST\nATOM      1  N   GLY A   1       0.000   0.000   0.000  1.00  0.00           N\nEND\n';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(PdbParseError);
    return (error as PdbParseError).code;
  }
  return undefined;
}

describe('decodeEntryBytes', () => {
  it('inflates gzip and hashes the uncompressed text', () => {
    const decoded = decodeEntryBytes(gzipSync(TEXT));
    expect(decoded.text).toBe(TEXT);
    expect(decoded.sha256).toBe(sha256Hex(TEXT));
    expect(decoded.sizeBytes).toBe(TEXT.length);
  });

  it('accepts plain text', () => {
    expect(decodeEntryBytes(Buffer.from(TEXT)).text).toBe(TEXT);
  });

  it('reports a corrupt gzip stream', () => {
    const bytes = gzipSync(TEXT);
    bytes[12] = (bytes[12]! ^ 0xff) & 0xff;
    bytes[13] = (bytes[13]! ^ 0xff) & 0xff;
    expect(codeOf(() => decodeEntryBytes(bytes))).toBe('CORRUPT_GZIP');
  });

  it('reports a truncated gzip stream as corrupt and says it ends early', () => {
    const bytes = gzipSync(TEXT.repeat(50));
    expect(() => decodeEntryBytes(bytes.subarray(0, bytes.length - 30))).toThrow(/ends early/);
  });

  it('stops inflating a gzip bomb at the size limit', () => {
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024, 0x41));
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(codeOf(() => decodeEntryBytes(bomb, { maxEntryBytes: 1024 * 1024 }))).toBe(
      'ENTRY_TOO_LARGE',
    );
  });

  it('refuses plain text over the size limit', () => {
    expect(codeOf(() => decodeEntryBytes(Buffer.alloc(2048, 0x41), { maxEntryBytes: 1024 }))).toBe(
      'ENTRY_TOO_LARGE',
    );
  });

  it('refuses binary content as not PDB', () => {
    expect(codeOf(() => decodeEntryBytes(Buffer.from([0x48, 0x00, 0x01, 0x02])))).toBe('NOT_PDB');
    expect(codeOf(() => decodeEntryBytes(Buffer.from('HEADER caf\u00e9\n', 'utf8')))).toBe(
      'NOT_PDB',
    );
  });
});
