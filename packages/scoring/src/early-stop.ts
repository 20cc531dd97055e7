import { checkCount, checkTimeMs, paramInteger, paramNumber, paramObject } from './input-checks.js';

/**
 * When a job stops early: when its best has not improved for the idle allowance (and it has had at
 * least `minUpdates` rounds), or when it never improved within the idle allowance of its creation.
 * The allowance grows with protein size: `min(maxIdleMs, baseIdleMs + idleMsPerAtom * atoms)`,
 * because larger systems simulate more slowly and take longer to find the next improvement.
 */
export interface EarlyStopPolicy {
  /** Idle allowance of a protein with no atoms, in milliseconds. */
  readonly baseIdleMs: number;
  /** Extra idle allowance per ATOM record of the protein, in milliseconds. */
  readonly idleMsPerAtom: number;
  /** Upper bound of the idle allowance, in milliseconds. */
  readonly maxIdleMs: number;
  /** Rounds a job must have had before "no improvement" can stop it. */
  readonly minUpdates: number;
  /**
   * Times are floored to this many milliseconds before they are compared. The reference kept
   * whole seconds (`pd.Timestamp.now().floor("s")`), hence 1000 in its preset.
   */
  readonly clockResolutionMs: number;
}

/** The reference's early stop: 60 minutes without improvement and at least 10 updates. */
export const REFERENCE_EARLY_STOP: EarlyStopPolicy = Object.freeze({
  baseIdleMs: 3_600_000,
  idleMsPerAtom: 0,
  maxIdleMs: 3_600_000,
  minUpdates: 10,
  clockResolutionMs: 1_000,
});

/** Why a job stopped early. */
export type StopReason = 'no-improvement' | 'never-improved';

/** What {@link earlyStopReason} needs to know about a job. */
export interface JobProgress {
  /** When the job was opened, in milliseconds since the epoch. */
  readonly createdAtMs: number;
  /** When its best last improved (or the job was rebased); null when it never improved. */
  readonly lastImprovementAtMs: number | null;
  /** Rounds closed since the job was opened or last rebased. */
  readonly updates: number;
  /** ATOM records of the protein. */
  readonly atomCount: number;
}

/**
 * The idle allowance in milliseconds for a protein of `atomCount` ATOM records.
 * @throws {InvalidInputError} when `atomCount` is not a non-negative integer.
 */
export function maxIdleMs(policy: EarlyStopPolicy, atomCount: number): number {
  checkCount('atomCount', atomCount, Number.MAX_SAFE_INTEGER);
  return Math.min(policy.maxIdleMs, policy.baseIdleMs + policy.idleMsPerAtom * atomCount);
}

/**
 * Whether a job should stop at `nowMs` and why; null to keep it running. Evaluated by the score
 * book after every round that did not improve the job's best (an improving round resets the idle
 * clock, so it never stops a job).
 * @throws {InvalidInputError} when a time is negative or not finite.
 */
export function earlyStopReason(
  progress: JobProgress,
  nowMs: number,
  policy: EarlyStopPolicy,
): StopReason | null {
  checkTimeMs('nowMs', nowMs);
  checkTimeMs('createdAtMs', progress.createdAtMs);
  const allowance = maxIdleMs(policy, progress.atomCount);
  const res = policy.clockResolutionMs;
  const floor = (t: number): number => Math.floor(t / res) * res;
  if (progress.lastImprovementAtMs !== null) {
    checkTimeMs('lastImprovementAtMs', progress.lastImprovementAtMs);
    const idle = floor(nowMs) - floor(progress.lastImprovementAtMs);
    return idle > allowance && progress.updates >= policy.minUpdates ? 'no-improvement' : null;
  }
  return floor(nowMs) - floor(progress.createdAtMs) > allowance ? 'never-improved' : null;
}

/** Validates an {@link EarlyStopPolicy} from configuration. @throws {InvalidParameterError} */
export function checkEarlyStop(field: string, value: unknown): EarlyStopPolicy {
  const o = paramObject(field, value);
  const year = 366 * 24 * 3_600_000;
  return {
    baseIdleMs: paramNumber(`${field}.baseIdleMs`, o.baseIdleMs, 0, year),
    idleMsPerAtom: paramNumber(`${field}.idleMsPerAtom`, o.idleMsPerAtom, 0, year),
    maxIdleMs: paramNumber(`${field}.maxIdleMs`, o.maxIdleMs, 0, year),
    minUpdates: paramInteger(`${field}.minUpdates`, o.minUpdates, 0, 1_000_000),
    clockResolutionMs: paramNumber(`${field}.clockResolutionMs`, o.clockResolutionMs, 1, 3_600_000),
  };
}
