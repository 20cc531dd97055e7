import {
  GromacsError,
  getMdpNumber,
  getMdpWord,
  type MdpParams,
  mergeMdp,
  validateMdpParams,
} from '@fold/gromacs-runner';
import { type SimulationParams, STAGE_NAMES, type StageName } from '@fold/synapse';
import { JobInputError } from './errors.js';

/** One stage as the miner runs it. */
export interface PlannedStage {
  readonly name: StageName;
  readonly kind: 'minimization' | 'dynamics';
  /** The validator's parameters with the miner's output intervals (see {@link planStages}). */
  readonly mdp: MdpParams;
  readonly nsteps: number;
  /** Time step, ps (0 for minimisation). */
  readonly dtPs: number;
  /** Steps between energy frames (`nstenergy`). */
  readonly energyIntervalSteps: number;
  /** Steps between full-precision frames (`nstxout`, `nstvout`); 0 for minimisation. */
  readonly frameIntervalSteps: number;
  /** Steps between compressed frames (`nstxout-compressed`); 0 when none. */
  readonly compressedIntervalSteps: number;
  /** Steps between log entries (`nstlog`). */
  readonly logIntervalSteps: number;
}

const MINIMIZERS = new Set(['steep', 'cg', 'l-bfgs']);
const DYNAMICS = new Set(['md', 'md-vv', 'md-vv-avek', 'sd', 'bd']);
// GROMACS's defaults when an option is absent.
const GMX_DEFAULT_NSTENERGY = 1000;
const GMX_DEFAULT_NSTLOG = 1000;
const GMX_DEFAULT_NSTCALCENERGY = 100;

function interval(mdp: MdpParams, key: string, fallback: number): number {
  const value = getMdpNumber(mdp, key);
  return value === undefined ? fallback : value;
}

function roundUpToMultiple(value: number, of: number): number {
  return Math.ceil(value / of) * of;
}

/**
 * The stages of a job in the order miners run them (em, nvt, npt, md; those present), each the
 * validator's parameters with one change of the miner's own: full-precision frames with
 * velocities (`nstxout`, `nstvout`) are written at every energy frame, or every
 * `minFrameIntervalSteps` rounded up to a multiple of `nstenergy`, so that the frame of lowest
 * potential energy can be extracted exactly as mdrun had it. Output intervals do not change the
 * trajectory. A stage that writes no energies (`nstenergy = 0`) gets them at that interval (500
 * steps when none is set), rounded to `nstcalcenergy`. Pure.
 * @throws {JobInputError} `invalid_input` for parameters the runner refuses or a stage without
 *   an end; `unsupported` for an integrator the miner does not run.
 */
export function planStages(
  params: SimulationParams,
  options: { readonly minFrameIntervalSteps: number },
): PlannedStage[] {
  const planned: PlannedStage[] = [];
  for (const name of STAGE_NAMES) {
    const given = params[name];
    if (given === undefined) continue;
    let mdp: MdpParams;
    try {
      mdp = validateMdpParams(given);
    } catch (error) {
      if (!(error instanceof GromacsError)) throw error;
      throw new JobInputError(`stage ${name}: ${error.message}`, {
        details: { field: `params.${name}`, ...error.details },
        cause: error,
      });
    }
    const integrator = getMdpWord(mdp, 'integrator') ?? 'md';
    const nsteps = getMdpNumber(mdp, 'nsteps');
    if (nsteps === undefined || !Number.isSafeInteger(nsteps) || nsteps < 0) {
      throw new JobInputError(`stage ${name}: nsteps must be a non-negative integer`, {
        details: { field: `params.${name}.nsteps` },
      });
    }
    const logIntervalSteps = interval(mdp, 'nstlog', GMX_DEFAULT_NSTLOG);
    const compressedIntervalSteps = interval(mdp, 'nstxout-compressed', 0);
    if (MINIMIZERS.has(integrator)) {
      planned.push({
        name,
        kind: 'minimization',
        mdp,
        nsteps,
        dtPs: 0,
        energyIntervalSteps: interval(mdp, 'nstenergy', GMX_DEFAULT_NSTENERGY),
        frameIntervalSteps: 0,
        compressedIntervalSteps,
        logIntervalSteps,
      });
      continue;
    }
    if (!DYNAMICS.has(integrator)) {
      throw new JobInputError(`stage ${name}: integrator ${integrator} is not run by this miner`, {
        details: { field: `params.${name}.integrator` },
        rejectReason: 'unsupported',
      });
    }
    const calc = interval(mdp, 'nstcalcenergy', GMX_DEFAULT_NSTCALCENERGY);
    let energy = interval(mdp, 'nstenergy', GMX_DEFAULT_NSTENERGY);
    if (energy <= 0) {
      energy = roundUpToMultiple(options.minFrameIntervalSteps || 500, Math.max(1, calc));
    }
    const frame = roundUpToMultiple(Math.max(energy, options.minFrameIntervalSteps), energy);
    planned.push({
      name,
      kind: 'dynamics',
      mdp: mergeMdp(mdp, { nstenergy: energy, nstxout: frame, nstvout: frame }),
      nsteps,
      dtPs: interval(mdp, 'dt', 0.001),
      energyIntervalSteps: energy,
      frameIntervalSteps: frame,
      compressedIntervalSteps,
      logIntervalSteps,
    });
  }
  if (planned.length === 0) {
    throw new JobInputError('the job has no stage', { details: { field: 'params' } });
  }
  return planned;
}

const KiB = 1024;

function frames(nsteps: number, every: number): number {
  return every > 0 ? Math.floor(nsteps / every) + 1 : 0;
}

/**
 * An upper bound of the disk a job uses at its peak, bytes: inputs (kept and copied into the run
 * directory), each stage's run input, checkpoints (and their previous copies), energies, log,
 * final coordinates and compressed frames, the largest stage's full-precision trajectory (the
 * miner deletes a stage's .trr once the stage is over and its best frame extracted) and two
 * extracted frames; plus a quarter for safety. Measured per atom on GROMACS 2022 mixed-precision
 * outputs: .trr frame 24 B (x and v), .cpt 24 B, .gro with velocities 69 B, .tpr 41-64 B,
 * .xtc frame about 4 B. Pure.
 */
export function estimateJobBytes(
  stages: readonly PlannedStage[],
  atomCount: number,
  inputBytes: number,
): number {
  const fullFrameBytes = atomCount * 24 + KiB;
  let total = 2 * inputBytes + 2 * fullFrameBytes;
  let largestTrr = 0;
  for (const stage of stages) {
    total += atomCount * 128 + 256 * KiB; // .tpr
    total += atomCount * 72 + KiB; // final .gro
    total += frames(stage.nsteps, stage.energyIntervalSteps) * KiB + 8 * KiB; // .edr
    total += frames(stage.nsteps, stage.logIntervalSteps) * 4 * KiB + 64 * KiB; // .log
    total += frames(stage.nsteps, stage.compressedIntervalSteps) * (atomCount * 8 + KiB); // .xtc
    total += 64 * KiB; // .mdp, mdout, stderr
    if (stage.kind === 'dynamics') total += 2 * (atomCount * 32 + 64 * KiB); // .cpt, _prev.cpt
    // Minimisation writes a .trr only when the validator asks for one (nstxout).
    const trrEvery =
      stage.kind === 'dynamics' ? stage.frameIntervalSteps : interval(stage.mdp, 'nstxout', 0);
    largestTrr = Math.max(largestTrr, frames(stage.nsteps, trrEvery) * fullFrameBytes);
  }
  return Math.ceil((total + largestTrr) * 1.25) + 1024 * KiB;
}
