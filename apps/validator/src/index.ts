/**
 * @fold/validator: the fold validator as a library, for tests, benchmarks and tools that run one
 * in-process. The CLI is `fold-validator` (src/cli.ts).
 */

export { type ApiInfo, createApiServer } from './api/server.js';
export { type SubmitJobBody, SubmitJobSchema, submitJob } from './api/submission.js';
export {
  type JobDetailView,
  type JobSummaryView,
  jobDetailView,
  jobSummaryView,
  leaderboardView,
  type MinerRankView,
} from './api/views.js';
export { assignRequest, minerJobIdOf, type StaffingResult, staffJobs } from './assignment.js';
export {
  CONFIG_DEFAULTS,
  type ConfigKey,
  type ConfigSource,
  checkConfig,
  configFromEnv,
  envName,
  flagName,
  JOB_STAGES,
  LOG_LEVELS,
  type LoadedConfig,
  loadConfig,
  type PartialConfig,
  PDB_SOURCES,
  parseStaticMiner,
  readConfigFile,
  redactConfig,
  SCORING_PRESETS,
  SETTINGS,
  type StaticMiner,
  type ValidatorConfig,
  ValidatorConfigSchema,
} from './config.js';
export type { ValidatorContext } from './context.js';
export {
  API_STATUS,
  ApiError,
  type ApiErrorCode,
  ConfigError,
  JobFilesError,
  JobParamsError,
  StartupError,
  StoreCorruptError,
  ValidatorError,
  type ValidatorErrorCode,
  type ValidatorErrorOptions,
} from './errors.js';
export { type JobLayout, jobLayout } from './job-layout.js';
export {
  CatalogSampler,
  createJob,
  endJob,
  ensureFixedJobs,
  fillQueue,
  type NewJob,
  prepareJobs,
} from './job-lifecycle.js';
export {
  type JobChoices,
  JobChoicesSchema,
  type JobSettings,
  paramsToSettings,
  preparationSeed,
  settingsToParams,
} from './job-settings.js';
export { createLogger } from './logger.js';
export { ValidatorMetrics } from './metrics.js';
export { countedCaller, type MinerCaller } from './miner-calls.js';
export {
  chainMinerDirectory,
  type MinerCapacity,
  type MinerDirectory,
  type MinerInfo,
  type MinerSnapshot,
  selectMiners,
  staticMinerDirectory,
} from './miner-pool.js';
export { pdbSourceOf, prepareValidatorJob, uploadedSource } from './preparation.js';
export { PreparedJobs, type PreparedJobView } from './prepared-jobs.js';
export { interpretReport, type ProgressReport, type ReportOutcome } from './progress-report.js';
export { JOBS_PER_QUERY, type RoundSummary, runProgressRound } from './progress-round.js';
export { ScoreLedger } from './score-ledger.js';
export { distinctMinerSeed, MAX_SEED, minerSeed, type SeedInput } from './seeds.js';
export {
  deriveJobSpec,
  type JobStage,
  type StageSettings,
  simulationParamsOf,
} from './stage-params.js';
export { renderStatus, type StatusView } from './status-text.js';
export {
  caCoordinates,
  parseGro,
  radiusOfGyrationNm,
  renderGro,
  renderStructurePdb,
  type Structure,
  type StructureAtom,
  structureFromFrame,
  structureMetrics,
  wholeProtein,
} from './structure.js';
export {
  scoringParamsOf,
  Validator,
  type ValidatorStartOptions,
  validatorVersion,
} from './validator.js';
export {
  type Claim,
  type MinerJobState,
  type StructurePoint,
  ValidatorState,
  type WeightsRecord,
} from './validator-state.js';
export { type ChainSide, revealWeights, setWeightsIfDue, weightsDue } from './weights.js';
