import { randomBytes } from 'node:crypto';
import { brotliCompressSync } from 'node:zlib';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import msgpack from 'msgpack-lite';
import {
  decodeBundle,
  decodeBundleBase64,
  encodeBundle,
  encodeBundleBase64,
  resolveBundle,
  sha256Hex,
} from './codec.js';
import {
  BundleCorruptError,
  BundleFileNameError,
  BundleIntegrityError,
  BundleLimitError,
  BundleMissingFileError,
} from './errors.js';

const codec = msgpack.createCodec({ preset: false });
const text = (s: string) => new TextEncoder().encode(s);
const topol = {
  name: 'topol.top',
  bytes: text('[ molecules ]\nProtein 1\nSOL 6000\n'.repeat(200)),
};
const random = { name: 'nvt.xtc', bytes: new Uint8Array(randomBytes(300_000)) };
// A .gro-like text of 4,000 atoms at random positions (about 180 KB).
const gro = {
  name: 'em.gro',
  bytes: text(
    Array.from(
      { length: 4000 },
      (_, i) =>
        `${String(i % 99_999).padStart(5)}SOL     OW${String(i).padStart(5)}${[0, 1, 2]
          .map(() => (Math.random() * 9).toFixed(3).padStart(8))
          .join('')}\n`,
    ).join(''),
  ),
};
// Binary floats that compress, like a run input's parameters and coordinates (about 160 KB).
const floats = {
  name: 'nvt.tpr',
  bytes: new Uint8Array(
    Float32Array.from({ length: 40_000 }, (_, i) => Math.round(Math.sin(i / 7) * 500) / 100).buffer,
  ),
};

/** A hand-made bundle, for inputs the encoder itself would never write. */
function rawBundle(records: unknown[]): Uint8Array {
  return msgpack.encode(['fold-bundle', 1, records], { codec });
}

function digest(bytes: Uint8Array): Buffer {
  return Buffer.from(sha256Hex(bytes), 'hex');
}

describe('encodeBundle / decodeBundle', () => {
  it('round-trips any set of allowlisted files losslessly', () => {
    const name = fc
      .tuple(
        fc.stringMatching(/^[a-z0-9][a-z0-9_-]{0,12}$/),
        fc.constantFrom('gro', 'top', 'itp', 'log'),
      )
      .map(([stem, ext]) => `${stem}.${ext}`);
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.tuple(name, fc.uint8Array({ maxLength: 5000 })), {
          selector: ([n]) => n,
          maxLength: 6,
        }),
        (pairs) => {
          const files = pairs.map(([n, bytes]) => ({ name: n, bytes }));
          const decoded = resolveBundle(decodeBundle(encodeBundle(files)));
          expect(decoded.map((f) => [f.name, Buffer.from(f.bytes).toString('hex')])).toEqual(
            files.map((f) => [f.name, Buffer.from(f.bytes).toString('hex')]),
          );
        },
      ),
    );
  });

  it('compresses text and stores incompressible bytes', () => {
    const { entries } = decodeBundle(encodeBundle([topol, random]));
    expect(entries.map((e) => e.method)).toEqual(['compressed', 'stored']);
  });

  it('round-trips large text, float and random files, each probed before compressing', () => {
    const mixed = new Uint8Array(200_000);
    mixed.set(randomBytes(100_000), 50_000);
    const files = [gro, floats, random, { name: 'mixed.trr', bytes: mixed }];
    const decoded = resolveBundle(decodeBundle(encodeBundle(files)));
    expect(decoded.map((f) => sha256Hex(f.bytes))).toEqual(files.map((f) => sha256Hex(f.bytes)));
  });

  it('compresses text at quality 5 and binary files at quality 2 unless told otherwise', () => {
    const size = (file: typeof gro, quality?: 2 | 5) =>
      encodeBundle([file], quality === undefined ? {} : { quality }).length;
    expect(size(gro, 5)).toBeLessThan(size(gro, 2));
    expect(size(gro)).toBe(size(gro, 5));
    expect(size(floats, 5)).toBeLessThan(size(floats, 2));
    expect(size(floats)).toBe(size(floats, 2));
  });

  it('sends a file the receiver holds as its hash only', () => {
    const held = [sha256Hex(random.bytes)];
    const full = encodeBundle([topol, random]);
    const slim = encodeBundle([topol, random], { held });
    expect(full.length - slim.length).toBeGreaterThan(random.bytes.length);
    const decoded = decodeBundle(slim);
    expect(decoded.entries[1]).toMatchObject({
      name: 'nvt.xtc',
      method: 'reference',
      bytes: undefined,
    });
    const files = resolveBundle(decoded, (sha) => (sha === held[0] ? random.bytes : undefined));
    expect(Buffer.from(files[1]?.bytes ?? []).equals(Buffer.from(random.bytes))).toBe(true);
  });

  it('fails naming the file when a referenced hash is not held', () => {
    const decoded = decodeBundle(encodeBundle([random], { held: [sha256Hex(random.bytes)] }));
    expect(() => resolveBundle(decoded)).toThrow(BundleMissingFileError);
    expect(() => resolveBundle(decoded, () => new Uint8Array(3))).toThrow(BundleIntegrityError);
  });

  it('refuses to encode a name outside the allowlist', () => {
    expect(() => encodeBundle([{ name: '../x.gro', bytes: new Uint8Array(1) }])).toThrow(
      BundleFileNameError,
    );
  });
});

describe('decodeBundle limits', () => {
  it('rejects a file whose declared size is over the per-file limit before inflating', () => {
    const encoded = encodeBundle([topol]);
    expect(() => decodeBundle(encoded, { maxFileBytes: 1000 })).toThrow(
      /declares \d+ bytes, more than the limit of 1000/,
    );
  });

  it('rejects bundles whose declared sizes add up past the total limit', () => {
    const encoded = encodeBundle([topol, { ...topol, name: 'b.top' }]);
    expect(() => decodeBundle(encoded, { maxTotalBytes: topol.bytes.length + 10 })).toThrow(
      BundleLimitError,
    );
  });

  it('rejects more files than the count limit', () => {
    const files = Array.from({ length: 5 }, (_, i) => ({ name: `f${i}.itp`, bytes: text('x') }));
    expect(() => decodeBundle(encodeBundle(files), { maxFiles: 4 })).toThrow(
      /5 files, more than the limit of 4/,
    );
  });

  it('rejects an encoded bundle over the encoded-size limit without parsing it', () => {
    expect(() => decodeBundle(new Uint8Array(2000), { maxEncodedBytes: 1000 })).toThrow(
      BundleLimitError,
    );
    expect(() => decodeBundleBase64('A'.repeat(4000), { maxEncodedBytes: 1000 })).toThrow(
      BundleLimitError,
    );
  });

  it('rejects an honest decompression bomb by its ratio, before expanding it', () => {
    const zeros = new Uint8Array(50 * 1024 * 1024);
    const bomb = brotliCompressSync(zeros);
    const encoded = rawBundle([['em.gro', zeros.length, Buffer.alloc(32), 2, bomb]]);
    const started = performance.now();
    expect(() => decodeBundle(encoded)).toThrow(
      /a ratio above the limit of 64: rejected as a decompression bomb/,
    );
    expect(performance.now() - started).toBeLessThan(50);
  });

  it('stops expanding a lying bomb as soon as it passes its declared size', () => {
    // 64 KiB of noise keeps the ratio within limits for a declared 1 MiB; 64 MiB of zeros follow.
    const body = new Uint8Array(64 * 1024 * 1024);
    body.set(randomBytes(64 * 1024));
    const bomb = brotliCompressSync(body);
    const encoded = rawBundle([['em.gro', 1024 * 1024, Buffer.alloc(32), 2, bomb]]);
    const before = process.memoryUsage().arrayBuffers;
    const started = performance.now();
    expect(() => decodeBundle(encoded)).toThrow(
      /decompresses beyond its declared 1048576 bytes: rejected as a decompression bomb/,
    );
    expect(performance.now() - started).toBeLessThan(200);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThan(16 * 1024 * 1024);
  });

  it('rejects content that does not match its declared SHA-256', () => {
    const encoded = rawBundle([['em.gro', 3, digest(text('abd')), 1, Buffer.from('abc')]]);
    expect(() => decodeBundle(encoded)).toThrow(BundleIntegrityError);
  });

  it.each([
    ['a traversal name', '../../etc/passwd.gro'],
    ['an absolute name', '/etc/cron.d/job.itp'],
    ['a Windows path', 'C:\\x.gro'],
    ['a control character', 'a\nb.gro'],
    ['an extension outside the allowlist', 'run.sh'],
    ['an mdp file', 'nvt.mdp'],
    ['a hidden file', '.bashrc.itp'],
  ])('rejects %s', (_what, name) => {
    const encoded = rawBundle([[name, 1, digest(text('x')), 1, Buffer.from('x')]]);
    expect(() => decodeBundle(encoded)).toThrow(BundleFileNameError);
  });

  it.each([
    ['random bytes', new Uint8Array([0xc1, 0x00, 0x13])],
    ['another msgpack document', msgpack.encode({ files: [] })],
    ['a wrong version', msgpack.encode(['fold-bundle', 2, []], { codec })],
    ['a record of the wrong shape', rawBundle([['em.gro', 1]])],
    ['a negative size', rawBundle([['em.gro', -1, digest(text('x')), 1, Buffer.from('x')]])],
    ['an unknown method', rawBundle([['em.gro', 1, digest(text('x')), 7, Buffer.from('x')]])],
    ['a stored size mismatch', rawBundle([['em.gro', 2, digest(text('x')), 1, Buffer.from('x')]])],
    [
      'a broken compressed stream',
      rawBundle([['em.gro', 10, digest(text('x')), 2, Buffer.from('nonsense')]]),
    ],
    [
      'a duplicate name',
      rawBundle([
        ['a.gro', 1, digest(text('x')), 1, Buffer.from('x')],
        ['a.gro', 1, digest(text('x')), 1, Buffer.from('x')],
      ]),
    ],
  ])('rejects %s as corrupt', (_what, encoded) => {
    expect(() => decodeBundle(encoded)).toThrow(BundleCorruptError);
  });

  it('accepts only well-formed base64 in a field', () => {
    const field = encodeBundleBase64([topol]);
    expect(decodeBundleBase64(field).entries).toHaveLength(1);
    expect(() => decodeBundleBase64(`${field.slice(0, -4)}!!!!`)).toThrow(BundleCorruptError);
    expect(() => decodeBundleBase64(field.slice(1))).toThrow(BundleCorruptError);
    expect(() => decodeBundleBase64(`QQ==${field}`)).toThrow(BundleCorruptError);
  });
});
