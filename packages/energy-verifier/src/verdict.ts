import { CHECK_NAMES, type CheckName, RETRYABLE_REASONS, type Reason } from './reasons.js';

/** How one check went and how long it took. */
export interface CheckOutcome {
  readonly name: CheckName;
  /** True when the check ran and found nothing wrong. */
  readonly ok: boolean;
  /** True when the check could not run because an earlier one left nothing usable to check. */
  readonly skipped: boolean;
  /** Wall time spent in the check, ms. */
  readonly ms: number;
}

/** Figures measured during verification (null where a check did not get that far). */
export interface VerdictMeasurements {
  /** The recomputed potential energy, kJ/mol (also {@link Verdict.energyKjMol}). */
  readonly potentialKjMol: number | null;
  /** (claim - recomputed) / |recomputed|. */
  readonly claimRelative: number | null;
  /** (.edr at the frame - recomputed) / |recomputed|. */
  readonly edrRelative: number | null;
  readonly maxForceKjMolNm: number | null;
  readonly rmsForceKjMolNm: number | null;
  readonly maxConstraintDeviation: number | null;
  /** Closest pair of atoms found under the overlap distance, nm (null: none that close). */
  readonly closestAtomsNm: number | null;
  /** Temperature of the frame's velocities, K. */
  readonly temperatureK: number | null;
  readonly kineticRelative: number | null;
  /** Largest potential change in the continuation's first steps and over its window, in thermal fluctuations. */
  readonly gradientSigmas: number | null;
  readonly driftSigmas: number | null;
  /** Largest deviation from the miner's energy changes in the reproduction window, relative. */
  readonly reproductionDeviation: number | null;
  readonly reproductionSteps: number;
  /** All-atom RMSD to the job's starting structure, nm. */
  readonly inputRmsdNm: number | null;
  /** The closest earlier submission of another miner. */
  readonly closestCopy: {
    readonly hotkey: string;
    readonly rmsdNm: number;
    readonly kind: 'all-atom' | 'c-alpha';
  } | null;
  /** Reported atom-steps per second of wall time since assignment. */
  readonly atomStepsPerSecond: number | null;
}

/**
 * The verifier's answer for one claimed frame: JSON-serialisable (validators store it, the
 * research dashboard shows it). The score is always {@link energyKjMol}, the validator's own
 * recomputation, never the miner's claim.
 */
export interface Verdict {
  readonly accepted: boolean;
  /**
   * True when the result was refused only because the miner's run has not yet reached the steps
   * the reproduction check compares: fetch the artefacts again later.
   */
  readonly retryable: boolean;
  /** The recomputed potential energy of the frame, kJ/mol; null when it could not be computed. */
  readonly energyKjMol: number | null;
  readonly claimedEnergyKjMol: number;
  readonly jobId: string;
  readonly minerHotkey: string;
  readonly stage: string;
  readonly step: number;
  /** Every reason found, in check order; empty when accepted. */
  readonly reasons: readonly Reason[];
  /** Every check in order, with its outcome and time. */
  readonly checks: readonly CheckOutcome[];
  readonly measurements: VerdictMeasurements;
  /** Wall time of the whole verification, ms. */
  readonly totalMs: number;
}

const finiteOrNull = (value: number | null | undefined): number | null =>
  value === null || value === undefined || !Number.isFinite(value) ? null : value;

/** Assembles a verdict: accepted only when no check found a reason and none was skipped. */
export function buildVerdict(input: {
  readonly jobId: string;
  readonly minerHotkey: string;
  readonly stage: string;
  readonly step: number;
  readonly claimedEnergyKjMol: number;
  readonly energyKjMol: number | null;
  readonly reasons: readonly Reason[];
  readonly checks: readonly CheckOutcome[];
  readonly measurements: VerdictMeasurements;
  readonly totalMs: number;
}): Verdict {
  const order = new Map(CHECK_NAMES.map((name, i) => [name, i]));
  const reasons = [...input.reasons].sort(
    (a, b) => (order.get(a.check) ?? 0) - (order.get(b.check) ?? 0),
  );
  const accepted = reasons.length === 0 && input.checks.every((c) => c.ok && !c.skipped);
  const m = input.measurements;
  return {
    accepted,
    retryable:
      !accepted && reasons.length > 0 && reasons.every((r) => RETRYABLE_REASONS.has(r.code)),
    energyKjMol: finiteOrNull(input.energyKjMol),
    claimedEnergyKjMol: input.claimedEnergyKjMol,
    jobId: input.jobId,
    minerHotkey: input.minerHotkey,
    stage: input.stage,
    step: input.step,
    reasons,
    checks: input.checks,
    measurements: {
      potentialKjMol: finiteOrNull(m.potentialKjMol),
      claimRelative: finiteOrNull(m.claimRelative),
      edrRelative: finiteOrNull(m.edrRelative),
      maxForceKjMolNm: finiteOrNull(m.maxForceKjMolNm),
      rmsForceKjMolNm: finiteOrNull(m.rmsForceKjMolNm),
      maxConstraintDeviation: finiteOrNull(m.maxConstraintDeviation),
      closestAtomsNm: finiteOrNull(m.closestAtomsNm),
      temperatureK: finiteOrNull(m.temperatureK),
      kineticRelative: finiteOrNull(m.kineticRelative),
      gradientSigmas: finiteOrNull(m.gradientSigmas),
      driftSigmas: finiteOrNull(m.driftSigmas),
      reproductionDeviation: finiteOrNull(m.reproductionDeviation),
      reproductionSteps: m.reproductionSteps,
      inputRmsdNm: finiteOrNull(m.inputRmsdNm),
      closestCopy: m.closestCopy,
      atomStepsPerSecond: finiteOrNull(m.atomStepsPerSecond),
    },
    totalMs: Math.round(input.totalMs * 10) / 10,
  };
}

/** Measurements before any check ran. */
export const EMPTY_MEASUREMENTS: VerdictMeasurements = Object.freeze({
  potentialKjMol: null,
  claimRelative: null,
  edrRelative: null,
  maxForceKjMolNm: null,
  rmsForceKjMolNm: null,
  maxConstraintDeviation: null,
  closestAtomsNm: null,
  temperatureK: null,
  kineticRelative: null,
  gradientSigmas: null,
  driftSigmas: null,
  reproductionDeviation: null,
  reproductionSteps: 0,
  inputRmsdNm: null,
  closestCopy: null,
  atomStepsPerSecond: null,
});
