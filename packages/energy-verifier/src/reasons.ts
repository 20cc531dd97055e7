/** The checks of a verification, in the order they run. */
export const CHECK_NAMES = [
  'artefacts',
  'commitment',
  'identity',
  'anti-copy',
  'energy',
  'physics',
  'compliance',
  'reproduction',
] as const;

/** One of {@link CHECK_NAMES}. */
export type CheckName = (typeof CHECK_NAMES)[number];

/**
 * Every reason a result can be rejected for, with the check that finds it and what it means.
 * The codes are stable: validators store them and the research dashboard shows them.
 */
export const REASONS = {
  ARTEFACT_MISSING: {
    check: 'artefacts',
    meaning: 'a required file (frame, .edr, .log, .tpr) was not sent',
  },
  ARTEFACT_TOO_LARGE: { check: 'artefacts', meaning: 'a file is larger than its limit' },
  ARTEFACT_CORRUPT: {
    check: 'artefacts',
    meaning:
      'a file is truncated, garbage or not what its role says (frame not one full-precision frame with positions, velocities and box; .edr unreadable; .log not an mdrun log; .tpr unreadable)',
  },
  COMMITMENT_MISMATCH: {
    check: 'commitment',
    meaning: "the frame's bytes, the job id and the miner's hotkey do not give the commitment",
  },
  STAGE_NOT_ELIGIBLE: {
    check: 'identity',
    meaning:
      'the claimed stage is unknown, restrained or otherwise not one whose frames are scored',
  },
  ATOM_COUNT_MISMATCH: {
    check: 'identity',
    meaning: "the frame's atom count differs from the validator's system",
  },
  COORDINATES_NOT_FINITE: {
    check: 'identity',
    meaning: 'a position or velocity is NaN or infinite',
  },
  BOX_INVALID: {
    check: 'identity',
    meaning:
      "the box is not a GROMACS box, not the validator's box shape scaled isotropically, outside the volume bounds, or not the box the .edr recorded at that step",
  },
  TOPOLOGY_MISMATCH: {
    check: 'identity',
    meaning:
      "the miner's run input differs from the validator's system in molecules, atom or residue names or order, or charges",
  },
  MASSES_EDITED: {
    check: 'identity',
    meaning: "atom masses in the miner's run input differ from the validator's topology",
  },
  FRAME_IS_INPUT: {
    check: 'anti-copy',
    meaning: "the frame is (nearly) the job's own starting structure: no work was done",
  },
  FRAME_COPIED: {
    check: 'anti-copy',
    meaning: "the frame is identical or near-identical to another miner's frame committed earlier",
  },
  ENERGY_NOT_FINITE: {
    check: 'energy',
    meaning: 'the recomputation failed or gave a non-finite potential energy',
  },
  CLAIM_MISMATCH: {
    check: 'energy',
    meaning: 'the claimed potential energy differs from the recomputed one beyond the tolerance',
  },
  EDR_MISMATCH: {
    check: 'energy',
    meaning:
      "the .edr's potential energy at the frame's step differs from the recomputed one beyond the tolerance",
  },
  FORCE_TOO_LARGE: {
    check: 'physics',
    meaning: 'the largest force on an atom is not finite or above the bound',
  },
  ATOMS_OVERLAP: { check: 'physics', meaning: 'two atoms are closer than the minimum distance' },
  CONSTRAINTS_VIOLATED: {
    check: 'physics',
    meaning:
      'a constrained distance (bond to hydrogen, rigid water) deviates beyond the tolerance: coordinates were altered',
  },
  KINETIC_ENERGY_MISMATCH: {
    check: 'physics',
    meaning: "the frame's velocities do not give the kinetic energy the .edr recorded at that step",
  },
  ENERGY_GRADIENT: {
    check: 'physics',
    meaning:
      'the potential energy changes too fast in the first steps of a continuation from the frame (either direction): not a thermal state of these dynamics',
  },
  UNSTABLE_CONTINUATION: {
    check: 'physics',
    meaning:
      "a short continuation from the frame with the validator's parameters failed or drifted beyond the bound (either direction)",
  },
  PARAMETERS_MISMATCH: {
    check: 'compliance',
    meaning: "the miner's run input differs from the assigned parameters",
  },
  SEED_MISMATCH: {
    check: 'compliance',
    meaning:
      "the miner's run input or log carries another seed than the one assigned, or velocities another gen-seed drew",
  },
  LOG_PARAMETERS_MISMATCH: {
    check: 'compliance',
    meaning: 'the parameters mdrun printed to the log differ from the assigned ones',
  },
  EDR_INCONSISTENT: {
    check: 'compliance',
    meaning:
      "the .edr contradicts itself (terms do not sum to the potential or total energy, temperature does not follow from kinetic energy) or steps and times do not follow the stage's time step",
  },
  LOG_EDR_MISMATCH: {
    check: 'compliance',
    meaning: 'energies printed in the log differ from the .edr at the same steps',
  },
  STEP_INCONSISTENT: {
    check: 'compliance',
    meaning:
      "the frame's step or time differs from the claim, the stage's time step or the .edr, or lies beyond the stage",
  },
  IMPLAUSIBLE_SPEED: {
    check: 'compliance',
    meaning: 'more steps are reported than any known hardware runs in the elapsed wall time',
  },
  REPRODUCTION_MISMATCH: {
    check: 'reproduction',
    meaning:
      "a continuation from the frame with the validator's inputs does not reproduce the miner's energy series for the same steps",
  },
  FRAME_TOO_LATE: {
    check: 'reproduction',
    meaning:
      "the frame lies within the reproduction window of the end of its stage, where no continuation can be compared with the miner's series",
  },
  REPRODUCTION_WINDOW_MISSING: {
    check: 'reproduction',
    meaning:
      "the miner's .edr holds no energies in the window after the frame yet; ask again later",
  },
} as const satisfies Record<string, { check: CheckName; meaning: string }>;

/** A reason code: one of the keys of {@link REASONS}. */
export type ReasonCode = keyof typeof REASONS;

/** The reason codes, in the order of {@link REASONS}. */
export const REASON_CODES = Object.keys(REASONS) as ReasonCode[];

/** Reasons that can disappear when the miner's run goes on: the verdict is then `retryable`. */
export const RETRYABLE_REASONS: ReadonlySet<ReasonCode> = new Set<ReasonCode>([
  'REPRODUCTION_WINDOW_MISSING',
]);

/** JSON-serialisable detail values. */
export type DetailValue = string | number | boolean | null | DetailValue[] | DetailRecord;
/** A record of {@link DetailValue}s. */
export interface DetailRecord {
  readonly [key: string]: DetailValue;
}

/** Why a result was rejected: a stable code, the check that found it, a message and details. */
export interface Reason {
  readonly code: ReasonCode;
  readonly check: CheckName;
  readonly message: string;
  readonly details: DetailRecord;
}

/** Builds a {@link Reason}; the check comes from the code. */
export function reason(code: ReasonCode, message: string, details: DetailRecord = {}): Reason {
  return { code, check: REASONS[code].check, message, details };
}
