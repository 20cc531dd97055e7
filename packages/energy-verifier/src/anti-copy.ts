import { createHash } from 'node:crypto';
import { GromacsError, parseTrr, type TrrFrame } from '@fold/gromacs-runner';
import { verifyFrameCommitment } from '@fold/synapse';
import { caRmsd, periodicRmsd, unwrappedSubset } from './geometry.js';
import { type Reason, reason } from './reasons.js';
import type { ReferenceSystem } from './system.js';
import type { Tolerances } from './tolerances.js';

/**
 * Another miner's submission for the same job, as the validator stored it. Give the frame file,
 * or its positions (all atoms, nm), or only its C-alpha positions (made whole, as
 * {@link caPositionsOf} returns them).
 */
export interface OtherSubmission {
  readonly hotkey: string;
  /** When that miner's commitment was first seen, ms since the epoch. */
  readonly committedAt: number;
  readonly frame?: Uint8Array;
  readonly positionsNm?: ArrayLike<number>;
  readonly caPositionsNm?: ArrayLike<number>;
}

/** The C-alpha positions of a frame, made whole across the box (what to store for {@link OtherSubmission}). */
export function caPositionsOf(
  system: Pick<ReferenceSystem, 'caAtoms'>,
  frame: Pick<TrrFrame, 'positionsNm' | 'boxNm'>,
): Float64Array {
  if (!frame.positionsNm || !frame.boxNm) return new Float64Array(0);
  return unwrappedSubset(frame.positionsNm, frame.boxNm, system.caAtoms);
}

/** Whether the frame bytes, the job id and the miner's hotkey reproduce the commitment. */
export function checkCommitment(input: {
  readonly commitment: string;
  readonly jobId: string;
  readonly minerHotkey: string;
  readonly frameBytes: Uint8Array;
}): Reason[] {
  if (verifyFrameCommitment(input.commitment, input)) return [];
  const frameSha256 = createHash('sha256').update(input.frameBytes).digest('hex');
  return [
    reason(
      'COMMITMENT_MISMATCH',
      "the frame does not match the commitment the miner published for it (other bytes, another job or another miner's commitment)",
      { commitment: input.commitment, frameSha256 },
    ),
  ];
}

/** Figures the anti-copy check measured. */
export interface CopyMeasurements {
  /** All-atom periodic RMSD to the job's starting structure, nm. */
  readonly inputRmsdNm: number;
  /** The closest earlier submission and its distance, nm; null when none was compared. */
  readonly closest: {
    readonly hotkey: string;
    readonly rmsdNm: number;
    readonly kind: 'all-atom' | 'c-alpha';
  } | null;
}

/**
 * Refuses frames that are the job's own starting structure, and frames identical or
 * near-identical to a submission another miner committed earlier (the earlier commitment wins;
 * a tie in time counts as earlier, so two simultaneous copies are both refused). Submissions by
 * the same hotkey and later ones are ignored; unusable ones (wrong atom count, unreadable frame)
 * are skipped.
 */
export function checkCopies(input: {
  readonly system: ReferenceSystem;
  readonly frame: TrrFrame;
  readonly frameBytes: Uint8Array;
  readonly minerHotkey: string;
  readonly committedAt: number;
  readonly others: readonly OtherSubmission[];
  readonly tolerances: Tolerances;
}): { reasons: Reason[]; measurements: CopyMeasurements } {
  const { system, frame, tolerances } = input;
  const positions = frame.positionsNm as Float64Array;
  const box = frame.boxNm as Float64Array;
  const reasons: Reason[] = [];
  const inputRmsdNm = periodicRmsd(positions, system.startPositionsNm, box);
  if (inputRmsdNm < tolerances.inputRmsdNm) {
    reasons.push(
      reason(
        'FRAME_IS_INPUT',
        `the frame is ${inputRmsdNm.toFixed(4)} nm (all-atom RMSD) from the job's starting structure`,
        { rmsdNm: inputRmsdNm, limitNm: tolerances.inputRmsdNm },
      ),
    );
  }
  const ownSha = createHash('sha256').update(input.frameBytes).digest('hex');
  let ownCa: Float64Array | null = null;
  let closest: CopyMeasurements['closest'] = null;
  for (const other of input.others) {
    if (other.hotkey === input.minerHotkey || !(other.committedAt <= input.committedAt)) continue;
    let rmsdNm: number | null = null;
    let kind: 'all-atom' | 'c-alpha' = 'all-atom';
    let theirs: ArrayLike<number> | undefined = other.positionsNm;
    if (other.frame !== undefined) {
      if (createHash('sha256').update(other.frame).digest('hex') === ownSha) rmsdNm = 0;
      else theirs = framePositions(other.frame, system.atomCount) ?? theirs;
    }
    if (rmsdNm === null && theirs !== undefined && theirs.length === positions.length) {
      rmsdNm = periodicRmsd(positions, theirs, box);
    } else if (
      rmsdNm === null &&
      other.caPositionsNm !== undefined &&
      other.caPositionsNm.length === 3 * system.caAtoms.length &&
      system.caAtoms.length >= 3
    ) {
      ownCa ??= unwrappedSubset(positions, box, system.caAtoms);
      rmsdNm = caRmsd(ownCa, other.caPositionsNm);
      kind = 'c-alpha';
    }
    if (rmsdNm === null || !Number.isFinite(rmsdNm)) continue;
    if (closest === null || rmsdNm < closest.rmsdNm)
      closest = { hotkey: other.hotkey, rmsdNm, kind };
    const limit = kind === 'all-atom' ? tolerances.copyRmsdNm : tolerances.copyCaRmsdNm;
    if (rmsdNm < limit) {
      reasons.push(
        reason(
          'FRAME_COPIED',
          `the frame is ${rmsdNm.toFixed(4)} nm (${kind} RMSD) from the frame ${other.hotkey} committed earlier`,
          {
            hotkey: other.hotkey,
            committedAt: other.committedAt,
            rmsdNm,
            kind,
            limitNm: limit,
          },
        ),
      );
    }
  }
  return { reasons, measurements: { inputRmsdNm, closest } };
}

function framePositions(bytes: Uint8Array, atomCount: number): Float64Array | undefined {
  try {
    const frame = parseTrr(bytes, { maxAtoms: atomCount, maxFrames: 1 }).frames[0];
    return frame?.positionsNm ?? undefined;
  } catch (error) {
    // Another submission's unreadable frame cannot be compared; this one is not at fault.
    if (error instanceof GromacsError) return undefined;
    throw error;
  }
}
