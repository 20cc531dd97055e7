/**
 * @fold/miner: the fold miner app. The CLI (`fold-miner`) is the product; these exports let tests,
 * benchmarks and operators' scripts start a miner in-process and reuse its pure parts.
 */
export { AssignHandler, type AssignServices, paramsSummary } from './assign.js';
export { BestFrameTracker, type CommittedFrame, type FrameEnergy } from './best-frame.js';
export {
  type CapacityPolicy,
  chooseResource,
  type DiskShare,
  fitsQuota,
  freeSlots,
  jobCapacity,
  measureDisk,
  reservedBytes,
} from './capacity.js';
export {
  CONFIG_DEFAULTS,
  type ConfigKey,
  type ConfigSource,
  configFromEnv,
  envName,
  flagName,
  LOG_LEVELS,
  type MinerConfig,
  MinerConfigSchema,
  mergeConfig,
  type PartialConfig,
  parseSettingText,
  parseSize,
  publicConfig,
  type ResolvedConfig,
  readConfigFile,
  SETTINGS,
  type SettingSpec,
} from './config.js';
export {
  ConfigError,
  DiskEstimateExceededError,
  FrameExtractionError,
  JobFilesMissingError,
  JobInputError,
  MinerError,
  type MinerErrorCode,
  type MinerErrorOptions,
  StartupError,
} from './errors.js';
export { commitFrame, frameFileName, parseSingleFrameCheck } from './frame-commit.js';
export {
  type HousekeepingReport,
  type PurgeInput,
  purgeDecision,
  type RetentionPolicy,
  runHousekeeping,
} from './housekeeping.js';
export {
  classifyInputs,
  dirSizeBytes,
  type JobInputs,
  type JobLayout,
  type JobMeta,
  jobLayout,
} from './job-files.js';
export { createLogger } from './logger.js';
export { loadHotkey, Miner, minerPrefix } from './miner.js';
export { etagOf, progressReport, reportedState } from './progress.js';
export { gpuQueueId, planSlots, type SlotPlan, SlotPool } from './resources.js';
export { createSimulationProcessor, type SimulationOutcome } from './simulation.js';
export { estimateJobBytes, type PlannedStage, planStages } from './stage-plan.js';
export { formatBytes, readStatus, renderStatus, type StatusSnapshot } from './status.js';
export {
  type GateDecision,
  type GatePolicy,
  type GateSnapshot,
  judgeCaller,
  snapshotOf,
  stakeTao,
  taoToRao,
  ValidatorGate,
} from './validator-gate.js';
