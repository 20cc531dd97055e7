import {
  type EdrData,
  GromacsError,
  parseEdr,
  parseLogParameters,
  parseTrr,
  type TrrFrame,
} from '@fold/gromacs-runner';
import type { BundleEntry } from '@fold/synapse';
import { type Reason, reason } from './reasons.js';

/**
 * The files a miner returned for one claimed frame (the `FoldArtefacts` bundle, decoded): a
 * one-frame full-precision `.trr` (positions, velocities, box), the stage's `.edr` and `.log`,
 * and the stage's `.tpr`.
 */
export interface MinerArtefacts {
  readonly frame?: Uint8Array;
  readonly edr?: Uint8Array;
  readonly log?: Uint8Array;
  readonly tpr?: Uint8Array;
}

/** Size limits per artefact, bytes. */
export interface ArtefactLimits {
  readonly edrBytes: number;
  readonly logBytes: number;
  readonly tprBytes: number;
}

/** Defaults: the `.edr` and `.tpr` as the artefact synapse allows, logs to 64 MiB. */
export const DEFAULT_ARTEFACT_LIMITS: ArtefactLimits = Object.freeze({
  edrBytes: 256 * 1024 * 1024,
  logBytes: 64 * 1024 * 1024,
  tprBytes: 256 * 1024 * 1024,
});

/** Largest `.trr` that can hold one frame of `atomCount` atoms (positions, velocities, forces, double precision). */
export function maxFrameBytes(atomCount: number): number {
  return 256 + 9 * 8 + 3 * 3 * 8 * atomCount;
}

/** The artefacts, parsed; a field is absent when its file was missing or unusable. */
export interface ParsedArtefacts {
  readonly frame?: TrrFrame;
  readonly frameBytes?: Uint8Array;
  /** Precision of the frame file, kept so that the validator's copy is written alike. */
  readonly framePrecision?: 'single' | 'double';
  readonly edr?: EdrData;
  readonly logText?: string;
  readonly tpr?: Uint8Array;
}

/**
 * Picks the artefacts out of a decoded `FoldArtefacts` bundle by the roles the miner's answer
 * names (`files`: role -> file name). Entries that travelled as a hash reference carry no bytes
 * and are left out (resolve them with the synapse's `resolveBundle` first).
 */
export function artefactsFromBundle(
  entries: readonly BundleEntry[],
  files: Readonly<Partial<Record<'frame' | 'edr' | 'log' | 'tpr', string>>>,
): MinerArtefacts {
  const byName = new Map(entries.map((e) => [e.name, e.bytes]));
  const pick = (role: 'frame' | 'edr' | 'log' | 'tpr') => {
    const name = files[role];
    const bytes = name === undefined ? undefined : byName.get(name);
    return bytes === undefined ? {} : { [role]: bytes };
  };
  return { ...pick('frame'), ...pick('edr'), ...pick('log'), ...pick('tpr') };
}

/**
 * Checks and parses the artefacts: presence, size limits, and each file's format (the frame must
 * be exactly one frame with positions, velocities and a box; the `.edr` complete; the `.log`
 * UTF-8 text in which mdrun printed its parameters). The `.tpr` is only size-checked here: gmx
 * reads it. Never throws for the miner's bytes.
 */
export function checkArtefacts(
  artefacts: MinerArtefacts,
  atomCount: number,
  limits: ArtefactLimits = DEFAULT_ARTEFACT_LIMITS,
): { parsed: ParsedArtefacts; reasons: Reason[] } {
  const reasons: Reason[] = [];
  const parsed: {
    -readonly [K in keyof ParsedArtefacts]: ParsedArtefacts[K];
  } = {};
  const present = (role: keyof MinerArtefacts, maxBytes: number): Uint8Array | undefined => {
    const bytes = artefacts[role];
    if (bytes === undefined || bytes.length === 0) {
      reasons.push(reason('ARTEFACT_MISSING', `no ${role} was sent`, { role }));
      return undefined;
    }
    if (bytes.length > maxBytes) {
      reasons.push(
        reason('ARTEFACT_TOO_LARGE', `the ${role} is ${bytes.length} bytes, over ${maxBytes}`, {
          role,
          sizeBytes: bytes.length,
          limitBytes: maxBytes,
        }),
      );
      return undefined;
    }
    return bytes;
  };
  const corrupt = (role: string, message: string) =>
    reasons.push(reason('ARTEFACT_CORRUPT', `the ${role} ${message}`, { role }));

  const frameBytes = present('frame', maxFrameBytes(atomCount));
  if (frameBytes) {
    try {
      // The atom count is checked against the system later; here it only bounds allocation.
      const trr = parseTrr(frameBytes, { maxAtoms: Math.max(atomCount, 1) * 3, maxFrames: 2 });
      const frame = trr.frames[0] as TrrFrame;
      if (trr.frames.length !== 1) corrupt('frame', `holds ${trr.frames.length} frames, not one`);
      else if (!frame.positionsNm || !frame.velocitiesNmPs || !frame.boxNm) {
        corrupt('frame', 'lacks positions, velocities or the box');
      } else {
        parsed.frame = frame;
        parsed.frameBytes = frameBytes;
        parsed.framePrecision = trr.precision;
      }
    } catch (error) {
      if (!(error instanceof GromacsError)) throw error;
      corrupt('frame', `is not a full-precision trajectory frame: ${error.message}`);
    }
  }

  const edrBytes = present('edr', limits.edrBytes);
  if (edrBytes) {
    try {
      const edr = parseEdr(edrBytes, { allowTruncated: false });
      if (edr.frames.length === 0) corrupt('edr', 'holds no energy frames');
      else if (!edr.terms.some((t) => t.name === 'Potential')) {
        corrupt('edr', 'has no Potential term');
      } else parsed.edr = edr;
    } catch (error) {
      if (!(error instanceof GromacsError)) throw error;
      corrupt('edr', `is not a complete energy file: ${error.message}`);
    }
  }

  const logBytes = present('log', limits.logBytes);
  if (logBytes) {
    let text: string | undefined;
    try {
      text = new TextDecoder('utf-8', { fatal: true }).decode(logBytes);
    } catch {
      corrupt('log', 'is not UTF-8 text');
    }
    if (text !== undefined) {
      if (parseLogParameters(text).length === 0) {
        corrupt('log', 'is not an mdrun log (no input parameters)');
      } else parsed.logText = text;
    }
  }

  const tpr = present('tpr', limits.tprBytes);
  if (tpr) parsed.tpr = tpr;
  return { parsed, reasons };
}
