import { open, stat } from 'node:fs/promises';
import { EdrFormatError } from './errors.js';
import { parseFormatFile } from './format-file.js';

// GROMACS energy files (.edr) are XDR: big-endian 4-byte ints and floats, 8-byte doubles, int64
// as two 4-byte halves (high first), strings as a 4-byte length and bytes padded to 4.
// Layout (enx version 5, GROMACS 4.5 and later):
//   names:  int -55555, int version, int nre, nre x (string name, string unit)
//   frame:  real -2e10, int -7777777, int version, double t, int64 step, int nsum,
//           int64 nsteps (v>=3), double dt (v>=5), int nre, int reserved, int nblock,
//           nblock x (int id, int nsub, nsub x (int type, int nr)), int e_size, int, int,
//           nre x (real e [, real eav, real esum when nsum > 0]), then the sub-block data.
// `real` is a float in files from mixed-precision builds and a double from double-precision ones.

/** A named energy term and its unit. */
export interface EdrTerm {
  readonly name: string;
  readonly unit: string;
}

/** One energy frame. */
export interface EdrFrame {
  readonly step: number;
  readonly timePs: number;
  /** Values in the order of {@link EdrData.terms} (instantaneous values, not averages). */
  readonly values: Float64Array;
}

/** The content of an energy file. */
export interface EdrData {
  readonly terms: readonly EdrTerm[];
  readonly frames: readonly EdrFrame[];
  /** `single` from mixed-precision GROMACS (the usual build), `double` from double precision. */
  readonly precision: 'single' | 'double';
  /** Bytes up to the end of the last complete frame; a file being written may hold more. */
  readonly completeBytes: number;
  /** True when bytes after the last complete frame were ignored (a frame still being written). */
  readonly truncated: boolean;
}

const NAMES_MAGIC = -55555;
const FRAME_MAGIC = -7777777;
const MAX_TERMS = 100_000;
const MAX_BLOCKS = 10_000;
const MAX_STRING = 4096;
const DATATYPE_BYTES: Record<number, number> = { 0: 4, 1: 4, 2: 8, 3: 8, 4: 4 };

class Truncated extends Error {}

class XdrReader {
  readonly view: DataView;
  offset: number;
  constructor(
    readonly bytes: Uint8Array,
    offset: number,
    readonly realBytes: 4 | 8,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.offset = offset;
  }
  need(n: number): void {
    if (this.offset + n > this.bytes.byteLength) throw new Truncated();
  }
  int(): number {
    this.need(4);
    const v = this.view.getInt32(this.offset, false);
    this.offset += 4;
    return v;
  }
  int64(): number {
    this.need(8);
    const v = this.view.getBigInt64(this.offset, false);
    this.offset += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
      throw new EdrFormatError('step number beyond 2^53', { offset: this.offset - 8 });
    }
    return Number(v);
  }
  double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.offset, false);
    this.offset += 8;
    return v;
  }
  real(): number {
    if (this.realBytes === 8) return this.double();
    this.need(4);
    const v = this.view.getFloat32(this.offset, false);
    this.offset += 4;
    return v;
  }
  string(): string {
    const length = this.int();
    if (length < 0 || length > MAX_STRING) {
      throw new EdrFormatError(`string length ${length} out of range`, { offset: this.offset - 4 });
    }
    const padded = (length + 3) & ~3;
    this.need(padded);
    const raw = this.bytes.subarray(this.offset, this.offset + length);
    this.offset += padded;
    const end = raw.indexOf(0);
    return Buffer.from(end >= 0 ? raw.subarray(0, end) : raw).toString('latin1');
  }
  skip(n: number): void {
    this.need(n);
    this.offset += n;
  }
}

function readNames(bytes: Uint8Array): { terms: EdrTerm[]; version: number; offset: number } {
  const r = new XdrReader(bytes, 0, 4);
  const magic = r.int();
  if (magic !== NAMES_MAGIC) {
    throw new EdrFormatError(
      magic > 0
        ? 'energy file from GROMACS older than 4.5 (no version header); convert it with a newer gmx energy'
        : 'not a GROMACS energy file (bad magic number)',
      { offset: 0 },
    );
  }
  const version = r.int();
  if (version < 1 || version > 5) {
    throw new EdrFormatError(`unsupported energy file version ${version}`, { offset: 4 });
  }
  const nre = r.int();
  if (nre < 0 || nre > MAX_TERMS)
    throw new EdrFormatError(`term count ${nre} out of range`, { offset: 8 });
  const terms: EdrTerm[] = [];
  for (let i = 0; i < nre; i++) {
    const name = r.string();
    const unit = version >= 2 ? r.string() : 'kJ/mol';
    terms.push({ name, unit });
  }
  return { terms, version, offset: r.offset };
}

function detectPrecision(bytes: Uint8Array, offset: number): 4 | 8 {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (
    offset + 8 <= bytes.byteLength &&
    view.getFloat32(offset, false) < -1e10 &&
    view.getInt32(offset + 4, false) === FRAME_MAGIC
  ) {
    return 4;
  }
  if (
    offset + 12 <= bytes.byteLength &&
    view.getFloat64(offset, false) < -1e10 &&
    view.getInt32(offset + 8, false) === FRAME_MAGIC
  ) {
    return 8;
  }
  if (offset + 12 > bytes.byteLength) throw new Truncated();
  throw new EdrFormatError('no energy frame header after the term names', { offset });
}

function readFrame(r: XdrReader, nreNames: number): EdrFrame {
  const start = r.offset;
  const first = r.real();
  if (!(first < -1e10))
    throw new EdrFormatError('frame does not start with the version marker', { offset: start });
  if (r.int() !== FRAME_MAGIC)
    throw new EdrFormatError('bad frame magic number', { offset: start });
  const version = r.int();
  if (version < 1 || version > 5)
    throw new EdrFormatError(`unsupported frame version ${version}`, { offset: start });
  const timePs = r.double();
  const step = r.int64();
  const nsum = r.int();
  if (version >= 3) r.int64();
  if (version >= 5) r.double();
  const nre = r.int();
  const ndisreField = r.int(); // reserved (0) since version 4
  const ndisre = version < 4 ? ndisreField : 0;
  let nblock = r.int();
  if (nre < 0 || nre > nreNames || nblock < 0 || nblock > MAX_BLOCKS || ndisre < 0) {
    throw new EdrFormatError(`frame header out of range (nre ${nre}, nblock ${nblock})`, {
      offset: start,
    });
  }
  // Sub-block data sizes, read from the headers before the data.
  const subSizes: number[] = [];
  if (ndisre > 0) {
    subSizes.push(ndisre * r.realBytes, ndisre * r.realBytes);
  }
  for (let b = 0; b < nblock; b++) {
    if (version < 4) {
      const nr = r.int();
      if (nr < 0) throw new EdrFormatError('negative block size', { offset: r.offset - 4 });
      subSizes.push(nr * r.realBytes);
      continue;
    }
    r.int(); // block id
    const nsub = r.int();
    if (nsub < 0 || nsub > MAX_BLOCKS)
      throw new EdrFormatError(`sub-block count ${nsub} out of range`, { offset: r.offset - 4 });
    for (let s = 0; s < nsub; s++) {
      const type = r.int();
      const nr = r.int();
      if (nr < 0) throw new EdrFormatError('negative sub-block size', { offset: r.offset - 4 });
      if (type === 5)
        subSizes.push(-nr); // strings: variable size, marked negative
      else {
        const size = DATATYPE_BYTES[type];
        if (size === undefined)
          throw new EdrFormatError(`unknown sub-block type ${type}`, { offset: r.offset - 8 });
        subSizes.push(nr * size);
      }
    }
  }
  if (ndisre > 0) nblock += 1;
  r.int(); // e_size
  r.int();
  r.int();
  const values = new Float64Array(nre);
  for (let i = 0; i < nre; i++) {
    values[i] = r.real();
    if (nsum > 0) {
      r.real();
      r.real();
    }
  }
  for (const size of subSizes) {
    if (size >= 0) {
      r.skip(size);
    } else {
      for (let k = 0; k < -size; k++) {
        r.int();
        r.string();
      }
    }
  }
  return { step, timePs, values };
}

/**
 * Parses an energy file's bytes without spawning `gmx energy`. A partial frame at the end (a file
 * still being written) is left out and reported through `truncated` and `completeBytes`, unless
 * `allowTruncated` is false.
 * @throws {EdrFormatError} on anything that is not a well-formed energy file.
 */
export function parseEdr(
  bytes: Uint8Array,
  options: { allowTruncated?: boolean; fromFrameOffset?: number } = {},
): EdrData {
  const allowTruncated = options.allowTruncated ?? true;
  let names: ReturnType<typeof readNames>;
  try {
    names = readNames(bytes);
  } catch (error) {
    if (error instanceof Truncated) {
      if (!allowTruncated)
        throw new EdrFormatError('energy file ends inside its header', {
          offset: bytes.byteLength,
        });
      return {
        terms: [],
        frames: [],
        precision: 'single',
        completeBytes: 0,
        truncated: bytes.byteLength > 0,
      };
    }
    throw error;
  }
  const frames: EdrFrame[] = [];
  let precision: 4 | 8;
  try {
    precision = detectPrecision(bytes, names.offset);
  } catch (error) {
    if (!(error instanceof Truncated)) throw error;
    const truncated = bytes.byteLength > names.offset;
    if (truncated && !allowTruncated)
      throw new EdrFormatError('energy file ends inside a frame', { offset: names.offset });
    return {
      terms: names.terms,
      frames,
      precision: 'single',
      completeBytes: names.offset,
      truncated,
    };
  }
  const start = Math.max(names.offset, options.fromFrameOffset ?? 0);
  const { frames: read, consumed } = readFrames(
    bytes,
    start,
    precision,
    names.terms.length,
    allowTruncated,
  );
  frames.push(...read);
  const complete = start + consumed;
  return {
    terms: names.terms,
    frames,
    precision: precision === 4 ? 'single' : 'double',
    completeBytes: complete,
    truncated: complete < bytes.byteLength,
  };
}

function readFrames(
  bytes: Uint8Array,
  start: number,
  realBytes: 4 | 8,
  termCount: number,
  allowTruncated: boolean,
): { frames: EdrFrame[]; consumed: number } {
  const r = new XdrReader(bytes, start, realBytes);
  const frames: EdrFrame[] = [];
  let complete = start;
  while (r.offset < bytes.byteLength) {
    try {
      frames.push(readFrame(r, termCount));
      complete = r.offset;
    } catch (error) {
      if (!(error instanceof Truncated)) throw error;
      if (!allowTruncated)
        throw new EdrFormatError('energy file ends inside a frame', { offset: complete });
      break;
    }
  }
  return { frames, consumed: complete - start };
}

/** The largest energy file {@link readEdr} loads, bytes. */
export const MAX_EDR_BYTES = 1024 * 1024 * 1024;

/**
 * Reads an energy file from disk (see {@link parseEdr}).
 * @throws {EdrFormatError} for malformed files or files over {@link MAX_EDR_BYTES}.
 */
export async function readEdr(
  path: string,
  options: { allowTruncated?: boolean } = {},
): Promise<EdrData> {
  return parseFormatFile(path, MAX_EDR_BYTES, 'energy file', EdrFormatError, (bytes) =>
    parseEdr(bytes, options),
  );
}

/** One term across frames. */
export interface EnergySeries {
  readonly term: string;
  readonly unit: string;
  readonly steps: readonly number[];
  readonly timesPs: readonly number[];
  readonly values: readonly number[];
}

/**
 * One term of an energy file by name (`Potential`, `Temperature`, `Pressure`). Names are matched
 * exactly first, then ignoring case and treating spaces and `-` alike (gmx energy's spelling).
 * @throws {EdrFormatError} when the term is absent.
 */
export function energySeries(data: EdrData, term: string): EnergySeries {
  const loose = (s: string) => s.toLowerCase().replace(/[\s-]+/g, '-');
  let index = data.terms.findIndex((t) => t.name === term);
  if (index < 0) index = data.terms.findIndex((t) => loose(t.name) === loose(term));
  if (index < 0) {
    throw new EdrFormatError(
      `no energy term '${term}' (have: ${data.terms.map((t) => t.name).join(', ')})`,
      {
        offset: 0,
      },
    );
  }
  const steps: number[] = [];
  const timesPs: number[] = [];
  const values: number[] = [];
  for (const frame of data.frames) {
    if (index >= frame.values.length) continue;
    steps.push(frame.step);
    timesPs.push(frame.timePs);
    values.push(frame.values[index] as number);
  }
  return {
    term: data.terms[index]?.name ?? term,
    unit: data.terms[index]?.unit ?? '',
    steps,
    timesPs,
    values,
  };
}

/**
 * Follows an energy file that mdrun is writing: each {@link EdrFollower.poll} returns the frames
 * completed since the previous call (all frames so far on the first call). Use one follower per
 * mdrun process: mdrun truncates its outputs only when it starts. Should the file shrink anyway,
 * the follower starts over and says so with `restarted`.
 */
export class EdrFollower {
  #offset = 0;
  #size = -1;
  #header: { terms: readonly EdrTerm[]; realBytes: 4 | 8 } | null = null;

  constructor(readonly path: string) {}

  /** Term names, known once mdrun has written the header. */
  get terms(): readonly EdrTerm[] {
    return this.#header?.terms ?? [];
  }

  /**
   * New complete frames; empty when nothing new (or the file does not exist yet).
   * @throws {EdrFormatError} when the file is malformed.
   */
  async poll(): Promise<{ frames: readonly EdrFrame[]; restarted: boolean }> {
    let size: number;
    try {
      size = (await stat(this.path)).size;
    } catch {
      // Not created yet: mdrun opens its outputs a moment after it starts.
      return { frames: [], restarted: false };
    }
    if (size === this.#size) return { frames: [], restarted: false };
    const restarted = size < this.#size;
    if (restarted) {
      this.#offset = 0;
      this.#header = null;
    }
    this.#size = size;
    if (this.#header === null) {
      const data = parseEdr(await readRange(this.path, 0, size), { allowTruncated: true });
      // Precision is only known from the first frame; until then, read from the start each time.
      if (data.frames.length === 0) return { frames: [], restarted };
      this.#header = { terms: data.terms, realBytes: data.precision === 'single' ? 4 : 8 };
      this.#offset = data.completeBytes;
      return { frames: data.frames, restarted };
    }
    const chunk = await readRange(this.path, this.#offset, size);
    try {
      const header = this.#header;
      const { frames, consumed } = readFrames(
        chunk,
        0,
        header.realBytes,
        header.terms.length,
        true,
      );
      this.#offset += consumed;
      return { frames, restarted };
    } catch (error) {
      if (!(error instanceof EdrFormatError)) throw error;
      // mdrun truncated the file (continuing from a checkpoint) and wrote past the old end
      // between two polls: what follows the old offset is no frame boundary. Read it afresh.
      this.#offset = 0;
      this.#header = null;
      this.#size = -1;
      const again = await this.poll();
      return { frames: again.frames, restarted: true };
    }
  }
}

async function readRange(path: string, from: number, to: number): Promise<Uint8Array> {
  const handle = await open(path, 'r');
  try {
    const buffer = new Uint8Array(Math.max(0, to - from));
    const { bytesRead } = await handle.read(buffer, 0, buffer.byteLength, from);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}
