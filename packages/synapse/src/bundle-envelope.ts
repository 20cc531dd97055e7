import { BundleCorruptError, BundleLimitError } from './errors.js';

/**
 * The bundle envelope, in MessagePack: `['fold-bundle', version, [[name, sizeBytes, sha256,
 * method, data], ...]]`. Only this one shape is written and read, so the codec needs no generic
 * MessagePack library: the writer sizes the output first and copies each file's bytes once, and
 * the reader checks every length against what is left before it takes anything, reads the file
 * count before any record, and returns file contents as views into the input (no copies).
 * Any conforming MessagePack encoder's output of that shape is read (every width of integers,
 * strings, arrays and binaries), so bundles made by other implementations decode alike.
 */

/** The envelope's magic string and the version this package writes and reads. */
export const ENVELOPE_MAGIC = 'fold-bundle';
export const ENVELOPE_VERSION = 1;

/** One file record as it sits in the envelope. */
export interface EnvelopeRecord {
  readonly name: string;
  readonly sizeBytes: number;
  /** 32 bytes. */
  readonly sha256: Uint8Array;
  /** 0 reference, 1 stored, 2 compressed. */
  readonly methodCode: number;
  /** The content as sent; null for a reference. */
  readonly data: Uint8Array | null;
}

// Longest name read: the allowlist takes 100 characters; anything longer is refused unread.
const MAX_NAME_BYTES = 255;

const uintBytes = (n: number) =>
  n < 0x80 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : n < 0x1_0000_0000 ? 5 : 9;
const strHeaderBytes = (n: number) => (n < 32 ? 1 : n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);
const binHeaderBytes = (n: number) => (n < 0x100 ? 2 : n < 0x10000 ? 3 : 5);
const arrayHeaderBytes = (n: number) => (n < 16 ? 1 : n < 0x10000 ? 3 : 5);

class Writer {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  uint(n: number): void {
    const b = this.buf;
    if (n < 0x80) b[this.pos++] = n;
    else if (n < 0x100) {
      b[this.pos++] = 0xcc;
      b[this.pos++] = n;
    } else if (n < 0x10000) {
      b[this.pos++] = 0xcd;
      this.pos = b.writeUInt16BE(n, this.pos);
    } else if (n < 0x1_0000_0000) {
      b[this.pos++] = 0xce;
      this.pos = b.writeUInt32BE(n, this.pos);
    } else {
      b[this.pos++] = 0xcf;
      this.pos = b.writeBigUInt64BE(BigInt(n), this.pos);
    }
  }

  header(n: number, small: number, small8: number | null, mark16: number, mark32: number): void {
    const b = this.buf;
    const smallMax = small === 0x90 ? 16 : 32;
    if (n < smallMax) b[this.pos++] = small | n;
    else if (small8 !== null && n < 0x100) {
      b[this.pos++] = small8;
      b[this.pos++] = n;
    } else if (n < 0x10000) {
      b[this.pos++] = mark16;
      this.pos = b.writeUInt16BE(n, this.pos);
    } else {
      b[this.pos++] = mark32;
      this.pos = b.writeUInt32BE(n, this.pos);
    }
  }

  array(n: number): void {
    this.header(n, 0x90, null, 0xdc, 0xdd);
  }

  str(s: string, byteLength: number): void {
    this.header(byteLength, 0xa0, 0xd9, 0xda, 0xdb);
    this.pos += this.buf.write(s, this.pos, 'utf8');
  }

  bin(bytes: Uint8Array): void {
    const b = this.buf;
    const n = bytes.length;
    if (n < 0x100) {
      b[this.pos++] = 0xc4;
      b[this.pos++] = n;
    } else if (n < 0x10000) {
      b[this.pos++] = 0xc5;
      this.pos = b.writeUInt16BE(n, this.pos);
    } else {
      b[this.pos++] = 0xc6;
      this.pos = b.writeUInt32BE(n, this.pos);
    }
    b.set(bytes, this.pos);
    this.pos += n;
  }
}

/** Writes the envelope into one buffer of exactly its size. */
export function writeEnvelope(records: readonly EnvelopeRecord[]): Buffer {
  const nameBytes = records.map((r) => Buffer.byteLength(r.name, 'utf8'));
  let size =
    1 +
    strHeaderBytes(ENVELOPE_MAGIC.length) +
    ENVELOPE_MAGIC.length +
    1 +
    arrayHeaderBytes(records.length);
  records.forEach((r, i) => {
    const n = nameBytes[i] as number;
    size += 1 + strHeaderBytes(n) + n + uintBytes(r.sizeBytes) + 2 + 32 + uintBytes(r.methodCode);
    size += r.data === null ? 1 : binHeaderBytes(r.data.length) + r.data.length;
  });
  const w = new Writer(Buffer.allocUnsafe(size));
  w.array(3);
  w.str(ENVELOPE_MAGIC, ENVELOPE_MAGIC.length);
  w.uint(ENVELOPE_VERSION);
  w.array(records.length);
  records.forEach((r, i) => {
    w.array(5);
    w.str(r.name, nameBytes[i] as number);
    w.uint(r.sizeBytes);
    w.bin(r.sha256);
    w.uint(r.methodCode);
    if (r.data === null) w.buf[w.pos++] = 0xc0;
    else w.bin(r.data);
  });
  if (w.pos !== size) throw new Error(`bundle envelope sized ${size} bytes but wrote ${w.pos}`);
  return w.buf;
}

function corrupt(message: string, details: Record<string, unknown> = {}): never {
  throw new BundleCorruptError(`Corrupt bundle: ${message}`, { details });
}

class Reader {
  pos = 0;
  constructor(readonly buf: Buffer) {}

  private need(n: number, what: string): void {
    if (n > this.buf.length - this.pos) corrupt(`${what} runs past the end at offset ${this.pos}`);
  }

  private byte(what: string): number {
    this.need(1, what);
    return this.buf[this.pos++] as number;
  }

  private be(width: 1 | 2 | 4 | 8, what: string): number {
    this.need(width, what);
    const b = this.buf;
    const at = this.pos;
    this.pos += width;
    if (width === 1) return b[at] as number;
    if (width === 2) return b.readUInt16BE(at);
    if (width === 4) return b.readUInt32BE(at);
    const n = b.readBigUInt64BE(at);
    if (n > BigInt(Number.MAX_SAFE_INTEGER)) corrupt(`${what} is beyond 2^53`);
    return Number(n);
  }

  /** A non-negative integer in any MessagePack integer form. */
  uint(what: string): number {
    const t = this.byte(what);
    if (t < 0x80) return t;
    switch (t) {
      case 0xcc:
        return this.be(1, what);
      case 0xcd:
        return this.be(2, what);
      case 0xce:
        return this.be(4, what);
      case 0xcf:
        return this.be(8, what);
      case 0xd0:
      case 0xd1:
      case 0xd2:
      case 0xd3: {
        const width = (1 << (t - 0xd0)) as 1 | 2 | 4 | 8;
        this.need(width, what);
        const negative = ((this.buf[this.pos] as number) & 0x80) !== 0;
        if (negative) corrupt(`${what} is negative`);
        return this.be(width, what);
      }
      default:
        return corrupt(`${what} is not a non-negative integer`);
    }
  }

  array(what: string): number {
    const t = this.byte(what);
    if (t >= 0x90 && t <= 0x9f) return t & 0x0f;
    if (t === 0xdc) return this.be(2, what);
    if (t === 0xdd) return this.be(4, what);
    return corrupt(`${what} is not an array`);
  }

  str(what: string, maxBytes: number): string {
    const t = this.byte(what);
    let n: number;
    if (t >= 0xa0 && t <= 0xbf) n = t & 0x1f;
    else if (t === 0xd9) n = this.be(1, what);
    else if (t === 0xda) n = this.be(2, what);
    else if (t === 0xdb) n = this.be(4, what);
    else return corrupt(`${what} is not a string`);
    if (n > maxBytes) corrupt(`${what} is longer than ${maxBytes} bytes`);
    this.need(n, what);
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** Binary data as a view into the input, or null for nil; undefined for anything else. */
  binOrNil(what: string): Buffer | null | undefined {
    const t = this.byte(what);
    let n: number;
    if (t === 0xc0) return null;
    if (t === 0xc4) n = this.be(1, what);
    else if (t === 0xc5) n = this.be(2, what);
    else if (t === 0xc6) n = this.be(4, what);
    else return undefined;
    this.need(n, what);
    const view = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return view;
  }

  get atEnd(): boolean {
    return this.pos === this.buf.length;
  }
}

/**
 * Reads an envelope. The file count is checked against `maxFiles` before any record is read;
 * every length is checked against the bytes left before it is used. File contents are views into
 * `encoded`. Names, sizes and methods are returned as read: the caller checks them.
 * @throws {BundleCorruptError} for anything but exactly one envelope of the expected shape.
 * @throws {BundleLimitError} for more files than `maxFiles`.
 */
export function readEnvelope(encoded: Buffer, maxFiles: number): EnvelopeRecord[] {
  const r = new Reader(encoded);
  if (r.array('envelope') !== 3 || r.str('magic', 32) !== ENVELOPE_MAGIC)
    corrupt('not a fold bundle');
  const version = r.uint('version');
  if (version !== ENVELOPE_VERSION) corrupt(`unsupported version ${version}`);
  const count = r.array('file list');
  if (count > maxFiles) {
    throw new BundleLimitError(`Bundle holds ${count} files, more than the limit of ${maxFiles}`, {
      details: { limit: maxFiles, actual: count },
    });
  }
  const records: EnvelopeRecord[] = [];
  for (let i = 0; i < count; i++) {
    const what = `file #${i}`;
    if (r.array(what) !== 5) corrupt(`${what} is not a 5-item record`);
    const name = r.str(`${what} name`, MAX_NAME_BYTES);
    const sizeBytes = r.uint(`file ${name} size`);
    const sha256 = r.binOrNil(`file ${name} SHA-256`);
    if (sha256 === undefined || sha256 === null || sha256.length !== 32)
      corrupt(`file ${name} has no SHA-256`, { file: name });
    const methodCode = r.uint(`file ${name} method`);
    const data = r.binOrNil(`file ${name} content`);
    if (data === undefined) corrupt(`file ${name} has content that is not bytes`, { file: name });
    records.push({ name, sizeBytes, sha256, methodCode, data });
  }
  if (!r.atEnd) corrupt('bytes follow the envelope');
  return records;
}
