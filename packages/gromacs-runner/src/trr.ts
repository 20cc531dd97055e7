import { TrrFormatError } from './errors.js';
import { parseFormatFile } from './format-file.js';

// Full-precision trajectories (.trr) are XDR: big-endian 4-byte ints, reals as 4-byte floats
// (mixed-precision builds) or 8-byte doubles (double precision), strings as a 4-byte length and
// bytes padded to 4. Each frame:
//   int 1993, int 13, string "GMX_trn_file" (int 12 + 12 bytes), 13 ints: ir_size, e_size,
//   box_size, vir_size, pres_size, top_size, sym_size, x_size, v_size, f_size, natoms, step, nre,
//   then real t, real lambda, then box (9 reals), virial, pressure, x, v, f as present.
// The real size follows from box_size / 9 (or x_size / (3 natoms)).

/** One frame of a `.trr` trajectory. Vectors are flat `[x0, y0, z0, x1, ...]`, nm and nm/ps. */
export interface TrrFrame {
  readonly step: number;
  readonly timePs: number;
  readonly lambda: number;
  readonly atomCount: number;
  /** Box vectors as rows `[ax, ay, az, bx, by, bz, cx, cy, cz]`, nm; null when the frame has none. */
  readonly boxNm: Float64Array | null;
  /** Positions, nm; null when the frame has none. */
  readonly positionsNm: Float64Array | null;
  /** Velocities, nm/ps; null when the frame has none. */
  readonly velocitiesNmPs: Float64Array | null;
  /** Forces, kJ/mol/nm; null when the frame has none. */
  readonly forcesKjMolNm: Float64Array | null;
}

/** The content of a `.trr` file. */
export interface TrrData {
  readonly frames: readonly TrrFrame[];
  /** `single` from mixed-precision GROMACS, `double` from double precision. */
  readonly precision: 'single' | 'double';
}

/** Limits applied while reading, before anything is allocated for a frame. */
export interface TrrLimits {
  /** Most atoms a frame may declare (default 10 million). */
  readonly maxAtoms?: number;
  /** Most frames read (default 1 million). */
  readonly maxFrames?: number;
}

/** Largest `.trr` file {@link readTrr} reads, bytes. */
export const MAX_TRR_BYTES = 2 * 1024 * 1024 * 1024 - 1;

const MAGIC = 1993;
const VERSION = 'GMX_trn_file';
const DEFAULT_MAX_ATOMS = 10_000_000;
const DEFAULT_MAX_FRAMES = 1_000_000;

/**
 * Parses `.trr` bytes: every frame with its step, time, box, positions, velocities and forces,
 * widened to float64. Every size the header declares is checked against the limits and the bytes
 * left before anything is allocated; a file that ends inside a frame is refused.
 * @throws {TrrFormatError} for a bad magic number or version string, inconsistent sizes, data the
 *   frame does not allow (an inputrec, energies or a topology), more atoms or frames than the
 *   limits, non-finite box entries, or a truncated file.
 */
export function parseTrr(bytes: Uint8Array, limits: TrrLimits = {}): TrrData {
  const maxAtoms = limits.maxAtoms ?? DEFAULT_MAX_ATOMS;
  const maxFrames = limits.maxFrames ?? DEFAULT_MAX_FRAMES;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const frames: TrrFrame[] = [];
  let precision: 'single' | 'double' | null = null;
  let offset = 0;
  const need = (n: number, what: string) => {
    if (offset + n > bytes.byteLength) {
      throw new TrrFormatError(`file ends inside ${what}`, { offset });
    }
  };
  const int = (what: string) => {
    need(4, what);
    const v = view.getInt32(offset, false);
    offset += 4;
    return v;
  };
  while (offset < bytes.byteLength) {
    if (frames.length >= maxFrames) {
      throw new TrrFormatError(`more than ${maxFrames} frames`, { offset });
    }
    const start = offset;
    if (int('a frame header') !== MAGIC) {
      throw new TrrFormatError('not a .trr frame (bad magic number)', { offset: start });
    }
    const declaredLength = int('the version string');
    const stringLength = int('the version string');
    if (declaredLength !== VERSION.length + 1 || stringLength !== VERSION.length) {
      throw new TrrFormatError('bad version string length', { offset: start });
    }
    need(12, 'the version string');
    const version = Buffer.from(bytes.subarray(offset, offset + 12)).toString('latin1');
    offset += 12;
    if (version !== VERSION) {
      throw new TrrFormatError(`unknown version string ${JSON.stringify(version)}`, {
        offset: start,
      });
    }
    const sizes: number[] = [];
    for (let i = 0; i < 13; i++) sizes.push(int('a frame header'));
    const [irSize, eSize, boxSize, virSize, presSize, topSize, symSize, xSize, vSize, fSize] =
      sizes as [number, number, number, number, number, number, number, number, number, number];
    const natoms = sizes[10] as number;
    const step = sizes[11] as number;
    if (irSize !== 0 || eSize !== 0 || topSize !== 0 || symSize !== 0) {
      throw new TrrFormatError('frame carries an inputrec, energies or a topology', {
        offset: start,
      });
    }
    if (natoms < 0 || natoms > maxAtoms) {
      throw new TrrFormatError(`atom count ${natoms} out of range (limit ${maxAtoms})`, {
        offset: start,
      });
    }
    if (sizes.some((s) => s < 0)) {
      throw new TrrFormatError('negative size in frame header', { offset: start });
    }
    let realBytes: number;
    if (boxSize > 0) realBytes = boxSize / 9;
    else if (natoms > 0 && (xSize || vSize || fSize) > 0)
      realBytes = (xSize || vSize || fSize) / (3 * natoms);
    else realBytes = precision === 'double' ? 8 : 4;
    if (realBytes !== 4 && realBytes !== 8) {
      throw new TrrFormatError('cannot tell the precision from the frame sizes', {
        offset: start,
      });
    }
    const vectorBytes = 3 * natoms * realBytes;
    for (const [size, allowed] of [
      [boxSize, 9 * realBytes],
      [virSize, 9 * realBytes],
      [presSize, 9 * realBytes],
      [xSize, vectorBytes],
      [vSize, vectorBytes],
      [fSize, vectorBytes],
    ] as const) {
      if (size !== 0 && size !== allowed) {
        throw new TrrFormatError('frame sizes disagree with the atom count and precision', {
          offset: start,
        });
      }
    }
    const framePrecision = realBytes === 8 ? 'double' : 'single';
    if (precision !== null && precision !== framePrecision) {
      throw new TrrFormatError('frames of mixed precision', { offset: start });
    }
    precision = framePrecision;
    need(2 * realBytes + boxSize + virSize + presSize + xSize + vSize + fSize, 'frame data');
    const real = () => {
      const v = realBytes === 8 ? view.getFloat64(offset, false) : view.getFloat32(offset, false);
      offset += realBytes;
      return v;
    };
    const reals = (count: number) => {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = real();
      return out;
    };
    const timePs = real();
    const lambda = real();
    const boxNm = boxSize > 0 ? reals(9) : null;
    if (boxNm?.some((v) => !Number.isFinite(v))) {
      throw new TrrFormatError('box vectors are not finite', { offset: start });
    }
    offset += virSize + presSize;
    const positionsNm = xSize > 0 ? reals(3 * natoms) : null;
    const velocitiesNmPs = vSize > 0 ? reals(3 * natoms) : null;
    const forcesKjMolNm = fSize > 0 ? reals(3 * natoms) : null;
    frames.push({
      step,
      timePs,
      lambda,
      atomCount: natoms,
      boxNm,
      positionsNm,
      velocitiesNmPs,
      forcesKjMolNm,
    });
  }
  if (frames.length === 0) throw new TrrFormatError('no frames', { offset: 0 });
  return { frames, precision: precision ?? 'single' };
}

/**
 * Reads a `.trr` file from disk (see {@link parseTrr}).
 * @throws {TrrFormatError} for malformed files or files over {@link MAX_TRR_BYTES}.
 */
export async function readTrr(path: string, limits: TrrLimits = {}): Promise<TrrData> {
  return parseFormatFile(path, MAX_TRR_BYTES, 'trajectory', TrrFormatError, (bytes) =>
    parseTrr(bytes, limits),
  );
}

/** A frame to write with {@link encodeTrr}; vectors flat, absent ones null or omitted. */
export interface TrrFrameInput {
  readonly step: number;
  readonly timePs: number;
  readonly lambda?: number;
  readonly atomCount: number;
  readonly boxNm?: ArrayLike<number> | null;
  readonly positionsNm?: ArrayLike<number> | null;
  readonly velocitiesNmPs?: ArrayLike<number> | null;
  readonly forcesKjMolNm?: ArrayLike<number> | null;
}

/**
 * Writes frames in the `.trr` layout GROMACS reads (`gmx check`, `grompp -t`, `mdrun -rerun`):
 * e.g. a frame assembled from other data, or a test's deliberately altered copy of a miner's.
 * Single precision rounds every value to float32.
 * @throws {TrrFormatError} when a vector's length is not three per atom, the box is not 9
 *   numbers, or the step does not fit the format's 32-bit field.
 */
export function encodeTrr(
  frames: readonly TrrFrameInput[],
  precision: 'single' | 'double' = 'single',
): Uint8Array {
  const realBytes = precision === 'double' ? 8 : 4;
  const sizeOf = (v: ArrayLike<number> | null | undefined, count: number, what: string) => {
    if (v === null || v === undefined) return 0;
    if (v.length !== count) {
      throw new TrrFormatError(`${what} has ${v.length} numbers, expected ${count}`, {
        offset: 0,
      });
    }
    return count * realBytes;
  };
  const layouts = frames.map((f) => {
    if (!Number.isInteger(f.step) || f.step < -(2 ** 31) || f.step >= 2 ** 31) {
      throw new TrrFormatError(`step ${f.step} does not fit a .trr frame`, { offset: 0 });
    }
    if (!Number.isInteger(f.atomCount) || f.atomCount < 0) {
      throw new TrrFormatError(`atom count ${f.atomCount} is not valid`, { offset: 0 });
    }
    const n3 = 3 * f.atomCount;
    const sizes = {
      box: sizeOf(f.boxNm, 9, 'box'),
      x: sizeOf(f.positionsNm, n3, 'positions'),
      v: sizeOf(f.velocitiesNmPs, n3, 'velocities'),
      f: sizeOf(f.forcesKjMolNm, n3, 'forces'),
    };
    const bytes = 24 + 13 * 4 + 2 * realBytes + sizes.box + sizes.x + sizes.v + sizes.f;
    return { frame: f, sizes, bytes };
  });
  const out = new Uint8Array(layouts.reduce((sum, l) => sum + l.bytes, 0));
  const view = new DataView(out.buffer);
  let offset = 0;
  const int = (v: number) => {
    view.setInt32(offset, v, false);
    offset += 4;
  };
  const real = (v: number) => {
    if (realBytes === 8) view.setFloat64(offset, v, false);
    else view.setFloat32(offset, v, false);
    offset += realBytes;
  };
  for (const { frame, sizes } of layouts) {
    int(MAGIC);
    int(VERSION.length + 1);
    int(VERSION.length);
    out.set(Buffer.from(VERSION, 'latin1'), offset);
    offset += VERSION.length;
    for (const v of [0, 0, sizes.box, 0, 0, 0, 0, sizes.x, sizes.v, sizes.f]) int(v);
    int(frame.atomCount);
    int(frame.step);
    int(0);
    real(frame.timePs);
    real(frame.lambda ?? 0);
    for (const v of [frame.boxNm, frame.positionsNm, frame.velocitiesNmPs, frame.forcesKjMolNm]) {
      if (v === null || v === undefined) continue;
      for (let i = 0; i < v.length; i++) real(v[i] as number);
    }
  }
  return out;
}
