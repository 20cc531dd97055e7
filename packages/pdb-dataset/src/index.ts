/**
 * @fold/pdb-dataset: from a PDB id and a seed to a prepared, verified-stable GROMACS job.
 *
 * - Sources: {@link mirrorSource}, {@link rcsbSource}, {@link firstAvailable}; the catalogue:
 *   {@link loadCatalog}, {@link sampleIds}.
 * - Parsing: {@link decodeEntryBytes}, {@link parsePdb}.
 * - Cleaning and repair: {@link cleanStructure}, {@link rebuildSideChain}, {@link renderPdb}.
 * - Search and output: {@link candidateHyperparameters}, {@link prepareJob}, {@link JobSpec},
 *   {@link readJobDir}.
 */

export { ContentCache, contentKey } from './cache.js';
export { canonicalJson } from './canonical-json.js';
export {
  type Catalog,
  CatalogSchema,
  loadCatalog,
  type SampleOptions,
  sampleIds,
  validateCatalog,
} from './catalog.js';
export {
  type CleanAtom,
  type CleanOptions,
  type CleanResidue,
  type CleanSegment,
  type CleanStructure,
  cleanStructure,
  type Repair,
  type RepairKind,
  selectAltLocs,
} from './clean.js';
export {
  DISULFIDE_RANGE_A,
  type Disulfide,
  type DisulfideEnd,
  type DisulfidePlan,
  findDisulfides,
  type UnbondedSsBond,
} from './disulfides.js';
export {
  DEFAULT_MAX_ENTRY_BYTES,
  type DecodedEntry,
  decodeEntryBytes,
  type EntryLimits,
  sha256Hex,
} from './entry-bytes.js';
export {
  CacheCorruptError,
  type CandidateFailure,
  CatalogError,
  InvalidOptionsError,
  InvalidPdbIdError,
  JobSpecError,
  NoStableConfigurationError,
  PdbDatasetError,
  type PdbDatasetErrorCode,
  type PdbDatasetErrorOptions,
  PdbParseError,
  PdbRepairError,
  PdbSourceError,
} from './errors.js';
export { angleDeg, dihedralDeg, distance, placeAtom, type Vec3 } from './geometry.js';
export {
  BOX_SHAPES,
  type BoxShape,
  type CandidateOptions,
  candidateHyperparameters,
  FORCE_FIELDS,
  type ForceField,
  type Hyperparameters,
  hyperparameterLabel,
  jobSpaceSize,
  PERTURBATIONS,
  REFERENCE_FORCE_FIELDS,
  type SearchSpace,
  WATER_MODELS,
  type WaterModel,
} from './hyperparameters.js';
export {
  type AtomRecipe,
  RESIDUE_TEMPLATES,
  type ResidueTemplate,
  STANDARD_RESIDUES,
  type TorsionRule,
} from './ideal-geometry.js';
export {
  JOB_SPEC_FILE,
  JOB_SPEC_VERSION,
  type JobSpec,
  JobSpecSchema,
  jobIdOf,
  readJobDir,
  renderJobSpec,
  validateJobSpec,
} from './job-spec.js';
export { dividedEntryPath, normalizePdbId } from './pdb-id.js';
export { type ParsePdbOptions, parsePdb } from './pdb-parser.js';
export { renderPdb } from './pdb-writer.js';
export {
  type CandidateRecord,
  type CandidateReport,
  type ConfigurationOutcome,
  DEFAULT_STABILITY,
  PACKAGE_VERSION,
  PIPELINE_VERSION,
  type PrepareConfigurationOptions,
  type PreparedJob,
  type PrepareEvent,
  type PrepareJobOptions,
  prepareConfiguration,
  prepareJob,
  type StabilityOptions,
} from './prepare.js';
export { type SeededRandom, seededRandom } from './random.js';
export {
  AtomGrid,
  type ClashEnvironment,
  rebuildSideChain,
  type SideChainRebuild,
} from './sidechain.js';
export {
  DEFAULT_MAX_COMPRESSED_BYTES,
  defaultPdbDir,
  firstAvailable,
  type MirrorSourceOptions,
  mirrorSource,
  type PdbEntryFile,
  type PdbSource,
  type RcsbSourceOptions,
  rcsbSource,
  type SourceLimits,
} from './sources.js';
export {
  judgeStability,
  type StabilityCriteria,
  type StabilityEvidence,
  type StabilityVerdict,
} from './stability.js';
export type {
  MissingAtoms,
  MissingResidue,
  ModifiedResidue,
  PdbAtom,
  PdbChain,
  PdbModel,
  PdbResidue,
  PdbStructure,
  SsBond,
  SsBondPartner,
} from './structure.js';
export { residueLabel } from './structure.js';
