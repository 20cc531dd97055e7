import { join, resolve } from 'node:path';
import { type EdrData, readEdr } from './edr.js';
import { Gmx } from './gmx.js';
import { assertFileName, assertNumber } from './inputs.js';
import type { GmxOptions } from './process.js';
import type { MdrunResources } from './resources.js';

/** Options of {@link extractFrame}. */
export interface ExtractFrameOptions {
  /** Directory the output is written to (and relative paths are resolved against). */
  readonly cwd: string;
  /** Trajectory to take the frame from: a `.trr` for full precision (what a rerun needs), or `.xtc`. */
  readonly trajectory: string;
  /** The run input the trajectory belongs to (atom names, groups). */
  readonly tpr: string;
  /** Time of the frame, ps; the nearest stored frame is written. */
  readonly timePs: number;
  /** File name written in `cwd`: `.trr` keeps full precision and velocities, `.gro` is readable text. */
  readonly output: string;
  readonly signal?: AbortSignal;
  readonly gmx?: Gmx | GmxOptions;
}

/**
 * Writes the single frame nearest `timePs` (`gmx trjconv -dump`) to a new file, e.g. the frame of
 * lowest potential energy for a validator to rerun. Returns its absolute path.
 * @throws {GmxCommandError} when trjconv fails (no such trajectory, mismatching tpr).
 */
export async function extractFrame(options: ExtractFrameOptions): Promise<string> {
  const gmx = options.gmx instanceof Gmx ? options.gmx : new Gmx(options.gmx ?? {});
  const output = assertFileName('output', options.output);
  return gmx.trjconv({
    cwd: resolve(options.cwd),
    trajectory: options.trajectory,
    tpr: options.tpr,
    output,
    dumpTimePs: assertNumber('timePs', options.timePs, { min: 0 }),
    ...(options.signal ? { signal: options.signal } : {}),
  });
}

/** Options of {@link rerunEnergies}. */
export interface RerunOptions {
  readonly cwd: string;
  /** The verifier's own run input (built with grompp from its own parameters and topology). */
  readonly tpr: string;
  /** Frames to recompute (.trr for exact positions). */
  readonly trajectory: string;
  /** Prefix of the rerun's files in `cwd` (default `rerun`). */
  readonly deffnm?: string;
  /** Threads; defaults to one rank and one thread, which reproduces bit for bit on the same build. */
  readonly resources?: MdrunResources;
  readonly signal?: AbortSignal;
  readonly gmx?: Gmx | GmxOptions;
}

/**
 * Recomputes energies for given frames with a run input of your own (`mdrun -rerun`), and reads
 * them back from the rerun's `.edr`: the validator's check of a miner's reported potential.
 * @throws {GmxCommandError} when mdrun fails; {@link EdrFormatError} when its output is unreadable.
 */
export async function rerunEnergies(options: RerunOptions): Promise<EdrData> {
  const gmx = options.gmx instanceof Gmx ? options.gmx : new Gmx(options.gmx ?? {});
  const cwd = resolve(options.cwd);
  const deffnm = assertFileName('deffnm', options.deffnm ?? 'rerun');
  await gmx.mdrun({
    cwd,
    deffnm,
    tpr: options.tpr,
    rerun: options.trajectory,
    kind: 'rerun',
    resources: options.resources ?? { ntmpi: 1, ntomp: 1 },
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return readEdr(join(cwd, `${deffnm}.edr`), { allowTruncated: false });
}

/**
 * mdrun settings under which the same binary with the same thread count replays a trajectory bit
 * for bit: one rank, fixed OpenMP threads, `-reprod`, no PME tuning. Spread into
 * {@link Gmx.mdrun}'s options for a verifier's short continuation runs.
 */
export function reproducibleMdrun(threads: number): {
  resources: MdrunResources;
  reproducible: true;
  tunePme: false;
} {
  assertNumber('threads', threads, { min: 1, max: 1024, integer: true });
  return {
    resources: { ntmpi: 1, ntomp: threads, pin: 'off' },
    reproducible: true,
    tunePme: false,
  };
}
