/**
 * @fold/gromacs-runner: the one place in fold that runs GROMACS.
 *
 * - {@link prepareSystem}: protein structure -> solvated, neutralised, minimised system.
 * - {@link runStages}: EM/NVT/NPT/MD with checkpoints, resume after any crash, cancellation, progress.
 * - {@link Gmx}: typed gmx subcommands (argument arrays, never a shell).
 * - mdp as data: {@link MdpParams}, {@link validateMdpParams}, {@link renderMdp}, {@link parseMdp}, {@link stagePreset}.
 * - Reading results: {@link readEdr} (energies without gmx), {@link readTrr} (frames without gmx), {@link parseTprDump}, {@link extractFrame}, {@link rerunEnergies}.
 * - Resources: {@link planResources}, {@link detectGromacs}, {@link detectGpus}.
 * - Errors: {@link GromacsError} and subclasses.
 */

export { writeFileAtomic } from './atomic-write.js';
export {
  detectGpuOffload,
  detectGpus,
  detectGromacs,
  type GpuDevice,
  type GromacsInfo,
  parseGmxVersion,
  parseNvidiaSmi,
  visibleGpus,
} from './detect.js';
export {
  type EdrData,
  EdrFollower,
  type EdrFrame,
  type EdrTerm,
  type EnergySeries,
  energySeries,
  MAX_EDR_BYTES,
  parseEdr,
  readEdr,
} from './edr.js';
export {
  EdrFormatError,
  GmxAbortedError,
  GmxCommandError,
  type GmxFailure,
  GmxNotFoundError,
  GmxParseError,
  GmxTimeoutError,
  GpuUnavailableError,
  GromacsError,
  type GromacsErrorOptions,
  GromppWarningsError,
  InvalidInputError,
  MdpError,
  Pdb2gmxError,
  Pdb2gmxMissingAtomError,
  Pdb2gmxUnexpectedAtomError,
  Pdb2gmxUnknownResidueError,
  RunLockedError,
  type RunnerErrorCode,
  RunStateMismatchError,
  TrrFormatError,
  UnknownForceFieldError,
} from './errors.js';
export {
  classifyPdb2gmxError,
  type FatalErrorReport,
  type Pdb2gmxProblem,
  parseFatalError,
  parseGromppWarnings,
} from './fatal-error.js';
export {
  type ExtractFrameOptions,
  extractFrame,
  type RerunOptions,
  reproducibleMdrun,
  rerunEnergies,
} from './frames.js';
export {
  type BoxType,
  buildMdrunArgs,
  type CheckOptions,
  type DumpOptions,
  type EditconfOptions,
  type EnergyOptions,
  type EnergyTable,
  type GenionOptions,
  type GenionResult,
  Gmx,
  type GromppOptions,
  type GromppResult,
  type MdrunOptions,
  type Pdb2gmxOptions,
  type Pdb2gmxResult,
  parsePdb2gmxCharge,
  type SolvateOptions,
  type TrjconvOptions,
} from './gmx.js';
export { type GroSummary, readGroSummary } from './gro.js';
export {
  type LogEnergyFrame,
  type MinimizationResult,
  parseCheckpointSteps,
  parseLastLogStep,
  parseLogEnergies,
  parseLogParameters,
  parseMinimizationLog,
  parsePerformance,
} from './md-log.js';
export {
  canonicalMdp,
  getMdpNumber,
  getMdpValue,
  getMdpWord,
  isKnownMdpOption,
  type MdpParams,
  MdpParamsSchema,
  type MdpScalar,
  type MdpValue,
  mergeMdp,
  normalizeMdpKey,
  parseMdp,
  renderMdp,
  validateMdpParams,
} from './mdp.js';
export {
  MAX_PDB_BYTES,
  type PreparedSystem,
  type PrepareSystemOptions,
  prepareSystem,
} from './prepare.js';
export {
  type ForceFieldFamily,
  forceFieldFamily,
  ionsParams,
  nonbondedParams,
  type OutputIntervals,
  referenceStepCounts,
  type StagePresetName,
  type StagePresetOptions,
  type StandardStagesOptions,
  stagePreset,
  standardStages,
} from './presets.js';
export {
  type GmxCallOptions,
  type GmxExecOptions,
  type GmxExecResult,
  type GmxOptions,
  GmxProcess,
  type GmxSubcommand,
  resolveGmxPath,
} from './process.js';
export type { ProgressListener, StageProgress } from './progress.js';
export {
  applyGpuAvailability,
  type GpuOffload,
  type MdrunKind,
  type MdrunResources,
  mdrunResourceArgs,
  type PlannedSlot,
  planResources,
  type ResourcePlan,
  type ResourcePlanInput,
} from './resources.js';
export {
  CRYSTAL_DISULFIDE_RULE,
  mergeSpecbondRules,
  parseSpecbond,
  parseSpecialBondLinks,
  readInstalledSpecbond,
  renderSpecbond,
  type SpecialBondEnd,
  type SpecialBondLink,
  type SpecialBondRule,
} from './special-bonds.js';
export {
  MAX_GRO_BYTES,
  MAX_TOPOLOGY_BYTES,
  RUN_STATE_FILE,
  type RunStagesOptions,
  type RunStagesResult,
  readRunState,
  runStages,
  type StageFiles,
  type StageResult,
  type StageSpec,
  type SystemFiles,
} from './stages.js';
export { checkTopologyIncludes, parseMolecules, topologyIncludes } from './topology.js';
export {
  type DumpValue,
  type InputrecSection,
  parseInputrecLines,
  parseTprDump,
  type TprConstraints,
  type TprDump,
} from './tpr-dump.js';
export {
  encodeTrr,
  MAX_TRR_BYTES,
  parseTrr,
  readTrr,
  type TrrData,
  type TrrFrame,
  type TrrFrameInput,
  type TrrLimits,
} from './trr.js';
export { parseXvg, type XvgTable } from './xvg.js';
