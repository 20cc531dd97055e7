/**
 * @fold/energy-verifier: checks a miner's claimed potential energy against the validator's own
 * inputs and returns a typed, JSON-serialisable verdict.
 *
 * - {@link JobVerifier}: built once per job ({@link JobVerifier.create}), verifies each claim
 *   ({@link JobVerifier.verify}) with identity, energy, physics, compliance, reproduction and
 *   anti-copy checks.
 * - {@link Verdict}, {@link Reason}, {@link REASONS}: what comes back and why.
 * - {@link Tolerances}, {@link DEFAULT_TOLERANCES}: every bound, each justified by measurements.
 * - {@link verifiableStages}: the output intervals miners must use for their frames to be verifiable.
 * - Errors: {@link VerifierError} and subclasses (the validator's side only; miners' faults are reasons).
 */

export {
  type CopyMeasurements,
  caPositionsOf,
  checkCommitment,
  checkCopies,
  type OtherSubmission,
} from './anti-copy.js';
export {
  type ArtefactLimits,
  artefactsFromBundle,
  checkArtefacts,
  DEFAULT_ARTEFACT_LIMITS,
  type MinerArtefacts,
  maxFrameBytes,
  type ParsedArtefacts,
} from './artefacts.js';
export {
  checkEdrConsistency,
  checkGeneratedVelocities,
  checkLogAgainstEdr,
  checkParameters,
  checkSpeed,
  checkSteps,
  compareParameters,
  MINER_OUTPUT_PARAMETERS,
  type ParameterDifference,
} from './compliance.js';
export { checkEnergy } from './energy.js';
export {
  JobNotVerifiableError,
  VerificationRequestError,
  VerifierClosedError,
  VerifierError,
  type VerifierErrorCode,
  type VerifierErrorOptions,
  VerifierOptionsError,
  VerifierSetupError,
} from './errors.js';
export {
  BOLTZMANN_KJ_MOL_K,
  boxVolume,
  type ClosestPair,
  type ConstraintDeviation,
  caRmsd,
  closestPairWithin,
  constraintDeviation,
  isGromacsBox,
  kineticEnergy,
  nearestImage,
  periodicRmsd,
  unwrappedSubset,
} from './geometry.js';
export { checkFrameIdentity, checkMinerTopology } from './identity.js';
export {
  JobVerifier,
  type JobVerifierOptions,
  type VerificationRequest,
} from './job-verifier.js';
export {
  type ContinuationMeasurements,
  checkContinuation,
  checkFramePhysics,
  edrValueAt,
  type FrameMeasurements,
  type PotentialSeries,
} from './physics.js';
export {
  CHECK_NAMES,
  type CheckName,
  type DetailRecord,
  type DetailValue,
  REASON_CODES,
  REASONS,
  RETRYABLE_REASONS,
  type Reason,
  type ReasonCode,
  reason,
} from './reasons.js';
export { checkReproduction, type ReproductionMeasurements } from './reproduction.js';
export { DEFAULT_ENERGY_INTERVAL_STEPS, verifiableStages } from './stage-params.js';
export {
  caAtomsOf,
  parseGroPositions,
  type ReferenceSystem,
  type StageReference,
  stageReference,
} from './system.js';
export { DEFAULT_TOLERANCES, resolveTolerances, type Tolerances } from './tolerances.js';
export {
  buildVerdict,
  type CheckOutcome,
  EMPTY_MEASUREMENTS,
  type Verdict,
  type VerdictMeasurements,
} from './verdict.js';
