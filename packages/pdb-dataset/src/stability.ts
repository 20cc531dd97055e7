/** Limits of the short NVT run that decides whether a candidate is stable. */
export interface StabilityCriteria {
  /** Thermostat target, K. */
  readonly targetK: number;
  /** Largest accepted distance between the mean temperature of the run's second half and the target, K. */
  readonly toleranceK: number;
}

/** What the short NVT run showed. */
export interface StabilityEvidence {
  /** The mdrun log of the run. */
  readonly logText: string;
  /** Temperature frames from the energy file, K. */
  readonly temperaturesK: readonly number[];
  /** Potential-energy frames from the energy file, kJ/mol. */
  readonly potentialsKjMol: readonly number[];
}

/** The verdict on a short NVT run, with the figures it rests on. */
export interface StabilityVerdict {
  readonly stable: boolean;
  /** Why not, in words; null when stable. */
  readonly reason: string | null;
  readonly lincsWarnings: number;
  readonly settleWarnings: number;
  /** Mean temperature over the second half of the frames, K; null without frames. */
  readonly meanTemperatureK: number | null;
  readonly maxTemperatureK: number | null;
  /** Potential energy of the last frame, kJ/mol. */
  readonly finalPotentialKjMol: number | null;
  readonly frames: number;
}

/**
 * Judges a short NVT run: stable when mdrun printed no LINCS or SETTLE warning, every energy is
 * finite, and the mean temperature of the second half is within `toleranceK` of the target
 * (the first half is left to the thermostat: velocities drawn at the target lose about a third of
 * their energy to the potential within the first 0.1 ps). Pure.
 */
export function judgeStability(
  evidence: StabilityEvidence,
  criteria: StabilityCriteria,
): StabilityVerdict {
  const lincsWarnings = (evidence.logText.match(/LINCS WARNING/g) ?? []).length;
  const settleWarnings = (evidence.logText.match(/can not be settled/g) ?? []).length;
  const t = evidence.temperaturesK;
  const second = t.slice(Math.floor(t.length / 2));
  const meanTemperatureK =
    second.length > 0 ? second.reduce((a, b) => a + b, 0) / second.length : null;
  const maxTemperatureK = t.length > 0 ? Math.max(...t) : null;
  const p = evidence.potentialsKjMol;
  const finalPotentialKjMol = p.length > 0 ? p[p.length - 1]! : null;
  const base = {
    lincsWarnings,
    settleWarnings,
    meanTemperatureK,
    maxTemperatureK,
    finalPotentialKjMol,
    frames: t.length,
  };
  const fail = (reason: string): StabilityVerdict => ({ stable: false, reason, ...base });
  if (lincsWarnings > 0)
    return fail(`${lincsWarnings} LINCS warning(s): bonds could not be constrained`);
  if (settleWarnings > 0)
    return fail(`${settleWarnings} SETTLE warning(s): water molecules could not be settled`);
  if (t.length < 2 || p.length < 2)
    return fail(`only ${Math.min(t.length, p.length)} energy frame(s) written`);
  if (![...t, ...p].every(Number.isFinite)) return fail('non-finite energies');
  const drift = Math.abs((meanTemperatureK as number) - criteria.targetK);
  if (drift > criteria.toleranceK) {
    return fail(
      `mean temperature ${(meanTemperatureK as number).toFixed(1)} K is ${drift.toFixed(1)} K from the target ${criteria.targetK} K (tolerance ${criteria.toleranceK} K)`,
    );
  }
  return { stable: true, reason: null, ...base };
}
