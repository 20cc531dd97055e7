export { selectNewBest, type TieBreak } from './best-selection.js';
export {
  type ChainWeights,
  type FloatWeights,
  fromChainWeights,
  roundHalfEven,
  type ToChainWeightsOptions,
  toChainWeights,
  U16_MAX,
} from './chain-weights.js';
export {
  type EarlyStopPolicy,
  earlyStopReason,
  type JobProgress,
  maxIdleMs,
  REFERENCE_EARLY_STOP,
  type StopReason,
} from './early-stop.js';
export { type EmaRates, emaStep } from './ema.js';
export {
  InvalidInputError,
  InvalidParameterError,
  InvalidSnapshotError,
  ScoringError,
  type ScoringErrorCode,
  type ScoringErrorOptions,
  UnknownJobError,
} from './errors.js';
export { type ExplorationEntry, type ExplorationInput, explorationBonuses } from './exploration.js';
export { kabschRmsd, type Superposition, superpose } from './kabsch.js';
export {
  type EmaParams,
  type ExplorationParams,
  FOLD_PRESET,
  type PenaltyParams,
  REFERENCE_PRESET,
  REFERENCE_RELATIVE_PRESET,
  type RewardScheme,
  type ScoringParams,
  validateScoringParams,
} from './params.js';
export {
  divideDecreasing,
  type ReferenceRoundInput,
  referenceRoundRewards,
} from './reference-rewards.js';
export {
  type EndedJob,
  type FailureInput,
  type JobView,
  type OpenJobInput,
  type Rebase,
  type ResultInput,
  type RoundOutcome,
  ScoreBook,
  type ScoreList,
} from './score-book.js';
export type {
  BestSnapshot,
  JobSnapshot,
  RoundEntrySnapshot,
  ScoreBookSnapshot,
  StructureSnapshot,
  UidSnapshot,
} from './snapshot.js';
export {
  epsilonKjMol,
  type ImprovementThreshold,
  isImprovement,
  REFERENCE_RELATIVE_THRESHOLD,
  REFERENCE_SIZE_THRESHOLD,
  referenceEpsilonKjMol,
} from './threshold.js';
