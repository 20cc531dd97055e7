import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { extractFrame, type Gmx } from '@fold/gromacs-runner';
import { frameCommitment } from '@fold/synapse';
import type { CommittedFrame, FrameEnergy } from './best-frame.js';
import { FrameExtractionError } from './errors.js';
import type { JobLayout } from './job-files.js';

/** The file name of an extracted best frame: `best-<stage>-<step>.trr`. */
export function frameFileName(stage: string, step: number): string {
  return `best-${stage}-${step}.trr`;
}

async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The single frame and its time in `gmx check` output, or undefined when the file does not hold
 * exactly one frame.
 */
export function parseSingleFrameCheck(text: string): { timePs: number } | undefined {
  const last = /Last frame\s+(\d+)\s+time\s+([-+0-9.eE]+)/.exec(text);
  if (last === null || last[1] !== '0') return undefined;
  const timePs = Number(last[2]);
  return Number.isFinite(timePs) ? { timePs } : undefined;
}

/** What {@link commitFrame} needs to know about the job. */
export interface CommitContext {
  readonly layout: JobLayout;
  /** The validator's job id, bound into the commitment. */
  readonly validatorJobId: string;
  /** This miner's hotkey (SS58), bound into the commitment. */
  readonly minerHotkey: string;
  /** Time between two frames of the stage's full-precision trajectory, ps. */
  readonly frameSpacingPs: number;
  readonly gmx: Gmx;
  readonly signal?: AbortSignal;
}

/**
 * Extracts one frame from its stage's full-precision trajectory into a single-frame `.trr` in the
 * job's `frames/` directory (x, v and box as mdrun wrote them), checks that the file holds that
 * frame and not a neighbour (`trjconv -dump` falls back to the nearest frame it has), and computes
 * its commitment over the job id, this miner's hotkey and the file's SHA-256.
 * @returns the committed frame; its file is `frames/<frameFileName(stage, step)>`.
 * @throws {FrameExtractionError} when the extracted file is not the frame asked for.
 * @throws {GmxCommandError} when trjconv or check fail.
 */
export async function commitFrame(
  frame: FrameEnergy,
  context: CommitContext,
): Promise<CommittedFrame> {
  const { layout, gmx } = context;
  const output = frameFileName(frame.stage, frame.step);
  const path = join(layout.framesDir, output);
  const signal = context.signal === undefined ? {} : { signal: context.signal };
  try {
    await extractFrame({
      cwd: layout.framesDir,
      trajectory: join(layout.runDir, `${frame.stage}.trr`),
      tpr: join(layout.runDir, `${frame.stage}.tpr`),
      timePs: frame.timePs,
      output,
      gmx,
      ...signal,
    });
    const checked = parseSingleFrameCheck(
      await gmx.check({ cwd: layout.framesDir, trajectory: output, ...signal }),
    );
    // gmx check prints times to 1e-3 ps; frames are a whole spacing apart.
    const tolerancePs = Math.max(context.frameSpacingPs / 2, 1e-3);
    if (checked === undefined || Math.abs(checked.timePs - frame.timePs) >= tolerancePs) {
      throw new FrameExtractionError(
        `extracted ${output} does not hold the frame at ${frame.timePs} ps (got ${
          checked === undefined ? 'no single frame' : `${checked.timePs} ps`
        })`,
        { details: { file: path } },
      );
    }
  } catch (error) {
    await rm(path, { force: true });
    throw error;
  }
  const commitment = frameCommitment({
    jobId: context.validatorJobId,
    minerHotkey: context.minerHotkey,
    frameSha256: await sha256File(path),
  });
  return { ...frame, commitment };
}
