/**
 * Tampering with copies of honest artefacts, as cheating miners do. Every function returns new
 * bytes and leaves its input alone.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  encodeTrr,
  Gmx,
  GromacsError,
  type MdpParams,
  mergeMdp,
  parseEdr,
  parseTrr,
  readTrr,
  renderMdp,
  type TrrFrame,
  type TrrFrameInput,
} from '@fold/gromacs-runner';
import { frameCommitment, sha256Hex } from '@fold/synapse';
import { type Submission, shortStages, type TestJob } from './fixtures.js';

/** The single frame of a one-frame `.trr`. */
export function frameOf(bytes: Uint8Array): TrrFrame {
  const frame = parseTrr(bytes).frames[0];
  if (!frame) throw new Error('no frame');
  return frame;
}

/** A copy of the submission with another frame, committed under `hotkey` as a cheater would. */
export function withFrame(
  submission: Submission,
  jobId: string,
  hotkey: string,
  change: (frame: TrrFrame) => TrrFrameInput,
): Submission {
  const frame = encodeTrr([change(frameOf(submission.artefacts.frame))]);
  return recommit({ ...submission, artefacts: { ...submission.artefacts, frame } }, jobId, hotkey);
}

/** The submission with its commitment recomputed for `hotkey` over its (possibly altered) frame. */
export function recommit(submission: Submission, jobId: string, hotkey: string): Submission {
  return {
    ...submission,
    claim: {
      ...submission.claim,
      commitment: frameCommitment({
        jobId,
        minerHotkey: hotkey,
        frameSha256: sha256Hex(submission.artefacts.frame),
      }),
    },
  };
}

/** Gaussian noise of `sigmaNm` on every position (a fixed pseudo-random sequence). */
export function perturbed(frame: TrrFrame, sigmaNm: number, seed = 1): TrrFrameInput {
  let state = seed >>> 0 || 1;
  const uniform = () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return (state + 1) / 4294967297;
  };
  const positions = Float64Array.from(frame.positionsNm as Float64Array, (x) => {
    const gauss = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
    return x + sigmaNm * gauss;
  });
  return { ...frame, positionsNm: positions };
}

/**
 * Replaces one float32 value in `.edr` bytes (energies are single precision in mixed-precision
 * files). The value must occur exactly once, so that nothing else is changed by accident.
 */
export function replaceEdrValue(bytes: Uint8Array, from: number, to: number): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  const pattern = new DataView(new ArrayBuffer(4));
  pattern.setFloat32(0, from, false);
  const wanted = pattern.getUint32(0, false);
  const at: number[] = [];
  for (let i = 0; i + 4 <= out.length; i++) if (view.getUint32(i, false) === wanted) at.push(i);
  if (at.length !== 1) throw new Error(`value ${from} occurs ${at.length} times in the .edr`);
  view.setFloat32(at[0] as number, to, false);
  return out;
}

/** The value of a term at a step of `.edr` bytes. */
export function edrValue(bytes: Uint8Array, term: string, step: number): number {
  const edr = parseEdr(bytes);
  const index = edr.terms.findIndex((t) => t.name === term);
  const frame = edr.frames.find((f) => f.step === step);
  if (index < 0 || !frame) throw new Error(`no ${term} at step ${step}`);
  return frame.values[index] as number;
}

/** `.edr` bytes cut after the frame of `lastStep`: what a miner's file holds while it is still running. */
export function edrUpTo(bytes: Uint8Array, lastStep: number): Uint8Array {
  let low = 0;
  let high = bytes.length;
  // The shortest prefix whose complete frames reach lastStep.
  while (low < high) {
    const mid = (low + high) >> 1;
    let reached = false;
    try {
      const edr = parseEdr(bytes.subarray(0, mid), { allowTruncated: true });
      reached = edr.frames.some((f) => f.step >= lastStep);
    } catch (error) {
      // A prefix that ends inside the names block is not an energy file yet.
      if (!(error instanceof GromacsError)) throw error;
    }
    if (reached) high = mid;
    else low = mid + 1;
  }
  return bytes.slice(0, parseEdr(bytes.subarray(0, low), { allowTruncated: true }).completeBytes);
}

/** Text edits of a log, failing loudly when the pattern is absent. */
export function editLog(bytes: Uint8Array, from: RegExp, to: string): Uint8Array {
  const text = new TextDecoder().decode(bytes);
  if (!from.test(text)) throw new Error(`${String(from)} is not in the log`);
  return new TextEncoder().encode(text.replace(from, to));
}

/**
 * Positions after `steps` of steepest descent from the frame with the job's own topology and
 * production parameters: the frame of a miner who minimises instead of sampling.
 */
export async function minimisedPositions(
  job: TestJob,
  frameBytes: Uint8Array,
  steps: number,
  parentDir: string,
): Promise<Float64Array> {
  const dir = await mkdtemp(join(parentDir, 'em-'));
  try {
    const gmx = new Gmx();
    const md = shortStages(job.spec).find((s) => s.name === 'md')?.mdp as MdpParams;
    const mdp = mergeMdp(md, {
      integrator: 'steep',
      nsteps: steps,
      emtol: 10,
      nstxout: 1,
      tcoupl: 'no',
      pcoupl: 'no',
      'gen-vel': 'no',
      'gen-seed': null,
      'ld-seed': null,
    });
    await writeFile(join(dir, 'em.mdp'), renderMdp(mdp));
    await writeFile(join(dir, 'frame.trr'), encodeTrr([frameOf(frameBytes)]));
    await gmx.grompp({
      cwd: dir,
      mdp: 'em.mdp',
      coordinates: join(job.dir, job.spec.structure),
      topology: join(job.dir, job.spec.topology),
      checkpoint: 'frame.trr',
      output: 'em.tpr',
      maxWarnings: 2,
    });
    await gmx.mdrun({ cwd: dir, deffnm: 'em', resources: { ntmpi: 1, ntomp: 1, pin: 'off' } });
    const frames = (await readTrr(join(dir, 'em.trr'))).frames;
    return frames[frames.length - 1]?.positionsNm as Float64Array;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
