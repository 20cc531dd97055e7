import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import msgpack from 'msgpack-lite';
import { type EnvelopeRecord, readEnvelope, writeEnvelope } from './bundle-envelope.js';
import { BundleCorruptError, BundleLimitError, SynapseError } from './errors.js';

// The encoder this package used before it wrote its envelope itself, and a reference reader.
const codec = msgpack.createCodec({ preset: false });

// Sizes up to 2^32 - 1: msgpack-lite writes larger integers as floats, which the reader refuses
// (no file that large passes the limits, nor fits in a Buffer here).
const recordWith = (data: fc.Arbitrary<Uint8Array>) =>
  fc.record({
    name: fc.string({ minLength: 1, maxLength: 60 }),
    sizeBytes: fc.oneof(
      fc.nat({ max: 200 }),
      fc.nat({ max: 70_000 }),
      fc.nat({ max: 2 ** 32 - 1 }),
    ),
    sha256: fc.uint8Array({ minLength: 32, maxLength: 32 }),
    methodCode: fc.nat({ max: 300 }),
    data: fc.option(data, { nil: null }),
  });
const records = fc.array(
  recordWith(
    fc.oneof(
      fc.uint8Array({ maxLength: 300 }),
      fc.uint8Array({ minLength: 65_536, maxLength: 66_000 }),
    ),
  ),
  { maxLength: 20 },
);
const smallRecords = fc.array(recordWith(fc.uint8Array({ maxLength: 300 })), { maxLength: 8 });

const plain = (list: readonly EnvelopeRecord[]) =>
  list.map((r) => [
    r.name,
    r.sizeBytes,
    Buffer.from(r.sha256).toString('hex'),
    r.methodCode,
    r.data === null ? null : Buffer.from(r.data).toString('hex'),
  ]);

function lite(list: readonly EnvelopeRecord[], version = 1): Buffer {
  return msgpack.encode(
    [
      'fold-bundle',
      version,
      list.map((r) => [
        r.name,
        r.sizeBytes,
        Buffer.from(r.sha256),
        r.methodCode,
        r.data === null ? null : Buffer.from(r.data),
      ]),
    ],
    { codec },
  );
}

describe('writeEnvelope / readEnvelope', () => {
  it('writes MessagePack that a generic decoder reads as the same records', () => {
    fc.assert(
      fc.property(records, (list) => {
        const decoded = msgpack.decode(writeEnvelope(list), { codec }) as unknown[];
        expect(decoded[0]).toBe('fold-bundle');
        expect(decoded[1]).toBe(1);
        const files = (decoded[2] as unknown[][]).map(([n, size, sha, method, data]) => [
          n,
          size,
          (sha as Buffer).toString('hex'),
          method,
          data === null ? null : (data as Buffer).toString('hex'),
        ]);
        expect(files).toEqual(plain(list));
      }),
      { numRuns: 60 },
    );
  });

  it('reads what a generic MessagePack encoder writes, and its own output, alike', () => {
    fc.assert(
      fc.property(records, (list) => {
        expect(plain(readEnvelope(lite(list), 64))).toEqual(plain(list));
        expect(plain(readEnvelope(writeEnvelope(list), 64))).toEqual(plain(list));
      }),
      { numRuns: 60 },
    );
  });

  it('reads integers, strings and arrays in their wider forms', () => {
    const sha = Buffer.alloc(32, 7);
    // array32(3), str8 'fold-bundle', uint64 1, array16(1), array32(5), str16 'a.gro',
    // int32 3, bin32 sha, uint16 1, bin16 'abc'
    const bytes = Buffer.concat([
      Buffer.from([0xdd, 0, 0, 0, 3, 0xd9, 11]),
      Buffer.from('fold-bundle'),
      Buffer.from([0xcf, 0, 0, 0, 0, 0, 0, 0, 1, 0xdc, 0, 1, 0xdd, 0, 0, 0, 5, 0xda, 0, 5]),
      Buffer.from('a.gro'),
      Buffer.from([0xd2, 0, 0, 0, 3, 0xc6, 0, 0, 0, 32]),
      sha,
      Buffer.from([0xcd, 0, 1, 0xc5, 0, 3]),
      Buffer.from('abc'),
    ]);
    const [r] = readEnvelope(bytes, 64);
    expect(r).toMatchObject({ name: 'a.gro', sizeBytes: 3, methodCode: 1 });
    expect(Buffer.from(r?.data ?? []).toString()).toBe('abc');
  });

  it('returns file contents as views into the input, without copying', () => {
    const data = Buffer.from('content');
    const encoded = writeEnvelope([
      { name: 'a.gro', sizeBytes: 7, sha256: Buffer.alloc(32), methodCode: 1, data },
    ]);
    const [r] = readEnvelope(encoded, 64);
    expect(r?.data?.buffer).toBe(encoded.buffer);
  });

  it('refuses more files than the limit from the list header, before reading any record', () => {
    // An array32 header claiming 4 billion records and nothing after it.
    const bytes = Buffer.concat([
      Buffer.from([0x93, 0xab]),
      Buffer.from('fold-bundle'),
      Buffer.from([0x01, 0xdd, 0xff, 0xff, 0xff, 0xff]),
    ]);
    expect(() => readEnvelope(bytes, 64)).toThrow(BundleLimitError);
  });

  it.each([
    ['a name longer than 255 bytes', [{ name: 'a'.repeat(256) }]],
    ['a SHA-256 of 31 bytes', [{ sha256: Buffer.alloc(31) }]],
    ['a string for content', [{ data: 'abc' }]],
    ['a negative size', [{ sizeBytes: -1 }]],
    ['a fractional size', [{ sizeBytes: 1.5 }]],
    ['a size written as a float', [{ sizeBytes: 2 ** 40 }]],
  ])('refuses %s as corrupt', (_what, overrides) => {
    const base = { name: 'a.gro', sizeBytes: 1, sha256: Buffer.alloc(32), methodCode: 1 };
    const list = overrides.map((o) => {
      const r = { ...base, data: Buffer.from('x') as unknown, ...o };
      return [r.name, r.sizeBytes, r.sha256, r.methodCode, r.data];
    });
    const bytes = msgpack.encode(['fold-bundle', 1, list], { codec });
    expect(() => readEnvelope(bytes, 64)).toThrow(BundleCorruptError);
  });

  it('writes sizes beyond 2^32 as uint64 and refuses those beyond 2^53', () => {
    const base = { name: 'a.gro', sha256: Buffer.alloc(32), methodCode: 0, data: null };
    const big = writeEnvelope([{ ...base, sizeBytes: 2 ** 40 + 3 }]);
    expect(readEnvelope(big, 64)[0]?.sizeBytes).toBe(2 ** 40 + 3);
    const at = big.indexOf(0xcf, 14);
    big.writeBigUInt64BE(2n ** 60n, at + 1);
    expect(() => readEnvelope(big, 64)).toThrow(/beyond 2\^53/);
  });

  it('refuses a wrong version, and bytes after the envelope', () => {
    expect(() => readEnvelope(lite([], 2), 64)).toThrow(/unsupported version 2/);
    expect(() => readEnvelope(Buffer.concat([lite([]), Buffer.from([0])]), 64)).toThrow(
      /bytes follow the envelope/,
    );
  });

  it('refuses every truncation of a valid envelope as corrupt', () => {
    const encoded = writeEnvelope([
      {
        name: 'a.gro',
        sizeBytes: 3,
        sha256: Buffer.alloc(32),
        methodCode: 1,
        data: Buffer.from('abc'),
      },
      { name: 'b.tpr', sizeBytes: 9, sha256: Buffer.alloc(32), methodCode: 0, data: null },
    ]);
    for (let length = 0; length < encoded.length; length++) {
      expect(() => readEnvelope(encoded.subarray(0, length), 64)).toThrow(BundleCorruptError);
    }
  });

  it('answers any corruption of an envelope with a bundle error, never another exception', () => {
    fc.assert(
      fc.property(
        smallRecords,
        fc.array(fc.tuple(fc.nat(), fc.nat({ max: 255 })), { minLength: 1, maxLength: 8 }),
        (list, flips) => {
          const encoded = Buffer.from(writeEnvelope(list));
          for (const [at, value] of flips) encoded[at % encoded.length] = value;
          try {
            readEnvelope(encoded, 64);
          } catch (error) {
            expect(error).toBeInstanceOf(SynapseError);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
