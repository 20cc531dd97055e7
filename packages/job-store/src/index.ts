export { UnrecoverableError } from 'bullmq';
export {
  type AssignmentState,
  type AssignmentUpdate,
  applyAssignmentUpdate,
  isTerminalAssignmentState,
  MINER_ASSIGNMENT_STATES,
  type MinerAssignmentRecord,
  type NewMinerAssignment,
  TERMINAL_ASSIGNMENT_STATES,
} from './assignment-record.js';
export {
  type BullmqSettings,
  connectJobStore,
  JobStore,
  type JobStoreOptions,
} from './connection.js';
export {
  AssignmentNotFoundError,
  ConnectionFailedError,
  ConnectionLostError,
  CorruptRecordError,
  InvalidInputError,
  InvalidOptionsError,
  InvalidTransitionError,
  JobNotFoundError,
  JobStoreError,
  type JobStoreErrorCode,
  VersionConflictError,
} from './errors.js';
export {
  applyJobTransition,
  type CommitmentSeen,
  isTerminalStatus,
  JOB_ASSIGNMENT_STATES,
  JOB_STATUSES,
  type JobAssignment,
  type JobAssignmentState,
  type JobStatus,
  type JobTransition,
  type JobTransitionLimits,
  MAX_ASSIGNMENTS,
  MAX_JOB_LOG_ENTRIES,
  type NewValidatorJob,
  newJobRecord,
  TERMINAL_JOB_STATUSES,
  type ValidatorJobRecord,
  type Verdict,
  type VerifiedEnergy,
  type VerifiedResult,
} from './job-record.js';
export {
  JobTable,
  type JobTableOptions,
  openJobTable,
  type TransitionOptions,
  type ValidatorJob,
} from './job-table.js';
export {
  type MinerAssignment,
  MinerAssignments,
  openMinerAssignments,
} from './miner-assignments.js';
export {
  openScheduler,
  type ScheduledData,
  type ScheduledHandler,
  type ScheduledRun,
  type ScheduledTask,
  ScheduledWorker,
  type ScheduledWorkerOptions,
  Scheduler,
  type ScheduleSpec,
  startScheduledWorker,
} from './scheduled-work.js';
export {
  type SimulationJobData,
  type SimulationJobInput,
  type SimulationProgress,
  type SimulationResource,
  simulationJobId,
} from './simulation-job.js';
export {
  type CancelOutcome,
  openSimulationQueues,
  SimulationQueues,
  type SimulationQueuesOptions,
  type SimulationStatus,
} from './simulation-queues.js';
export type { SimulationResources } from './simulation-topology.js';
export {
  type SimulationContext,
  type SimulationProcessor,
  SimulationWorker,
  type SimulationWorkerEvent,
  type SimulationWorkerOptions,
  startSimulationWorker,
} from './simulation-worker.js';
export {
  TRANSITIONS_REMEMBERED,
  type UpdateOptions,
  type UpdateResult,
  type Versioned,
} from './versioned-table.js';
