export {
  DEV_PORTS,
  type DevNetworkOptions,
  type NetworkStatus,
  networkStatus,
  type PartStatus,
  renderEndpoints,
  renderStatus,
  startDevNetwork,
} from './dev-network.js';
export {
  ApiError,
  InterruptedError,
  LocalNetworkError,
  type LocalNetworkErrorCode,
  NetworkTimeoutError,
  ProcessExitedError,
  StateFileError,
} from './errors.js';
export {
  type ChainWeights,
  type FollowedJob,
  type FollowJobOptions,
  followJob,
  type JobStep,
  jobStep,
  weightsMatch,
} from './follow-job.js';
export { type JobRequest, MAIN_JOB, type MainJobOptions, runMainJob } from './main-job.js';
export {
  freePort,
  type LocalNetwork,
  type LocalNetworkOptions,
  startLocalNetwork,
  stopParts,
  stopRecordedNetwork,
  stopRecordedProcess,
} from './network.js';
export {
  builtCli,
  dashboardBuildDir,
  defaultNetworksDir,
  defaultPreparationCacheDir,
} from './paths.js';
export { PHASE_TITLES, PHASES, PhaseClock, type PhaseName, type PhaseRecord } from './phases.js';
export {
  ALICE_ADDRESS,
  BOB_ADDRESS,
  CHARLIE_ADDRESS,
  DEV_API_TOKEN,
  LOCAL_TIMING,
  MINER_ROLES,
  type MinerArgsInput,
  type MinerRole,
  minerArgs,
  minerCpuPlan,
  minerEnv,
  VALIDATOR_ROLE,
  type ValidatorArgsInput,
  validatorArgs,
  validatorEnv,
} from './plan.js';
export { createReporter, type Reporter, type ReporterStream } from './reporter.js';
export {
  groupMembers,
  isAlive,
  killGroup,
  type ServiceProcess,
  type ServiceProcessOptions,
  signalGroup,
  startServiceProcess,
} from './service-process.js';
export {
  type NetworkState,
  NetworkStateSchema,
  parseNetworkState,
  readNetworkState,
  readStartedParts,
  type StartedPart,
  stateFilePath,
} from './state-file.js';
export { type MinerVerdicts, type RunSummary, renderSummary, summarize } from './summary.js';
export {
  type JobDetail,
  type JobMiner,
  type JobParams,
  ValidatorApi,
  type ValidatorStatus,
  type Verdict,
  type WeightsRecord,
} from './validator-api.js';
export {
  describeChanges,
  formatDuration,
  formatEnergy,
  type JobView,
  jobView,
  type MinerRow,
  minerProgress,
  progressBar,
  renderLive,
  renderPhases,
} from './view.js';
