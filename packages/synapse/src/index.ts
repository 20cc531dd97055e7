export {
  type AttachOptions,
  Axon,
  type AxonErrorEvent,
  type AxonInfo,
  type AxonOptions,
  type BlacklistVerdict,
  type HandlerContext,
  type RequestContext,
  type SynapseHandler,
} from './axon.js';
export { computeBodyHash, sha3Hex } from './body-hash.js';
export { readBundleFiles, writeBundleToDir } from './bundle-fs.js';
export {
  type BundleEntry,
  type BundleFile,
  type BundleFileMethod,
  type BundleLimits,
  type CompressionQuality,
  DEFAULT_BUNDLE_LIMITS,
  type DecodedBundle,
  decodeBundle,
  decodeBundleBase64,
  type EncodeBundleOptions,
  encodeBundle,
  encodeBundleBase64,
  resolveBundle,
  sha256Hex,
} from './codec.js';
export { type FrameCommitmentInput, frameCommitment, verifyFrameCommitment } from './commitment.js';
export {
  type AxonTarget,
  type CallFailure,
  type CallOptions,
  type CallResult,
  type CallSuccess,
  Dendrite,
  type DendriteOptions,
} from './dendrite.js';
export {
  AxonStatusError,
  BlacklistedError,
  BodyTooLargeError,
  BundleCorruptError,
  BundleError,
  BundleFileNameError,
  BundleIntegrityError,
  BundleLimitError,
  BundleMissingFileError,
  BundleWriteError,
  ConfigError,
  HandlerError,
  OverloadedError,
  RequestFormatError,
  ResponseError,
  SchemaError,
  SynapseError,
  type SynapseErrorCode,
  type SynapseErrorOptions,
  SynapseTimeoutError,
  statusCodeOf,
  TransportError,
  UnknownSynapseError,
  VerificationError,
} from './errors.js';
export {
  BUNDLE_FILE_EXTENSIONS,
  type BundleFileExtension,
  checkFileName,
  MAX_FILE_NAME_LENGTH,
} from './file-names.js';
export {
  ARTEFACT_ROLES,
  type ArtefactRole,
  type ClaimableFrames,
  ClaimableFramesSchema,
  FOLD_SYNAPSES,
  FoldArtefacts,
  FoldAssign,
  FoldCancel,
  FoldProgress,
  JOB_STATES,
  type JobState,
} from './fold-synapses.js';
export { DEFAULT_TIMEOUT_S, PROTOCOL_VERSION, type TerminalHeaders } from './headers.js';
export { type JsonNode, parseJsonTree, plainOf } from './json-tree.js';
export { cryptoReady, signMessage, verifySignature } from './keys.js';
export {
  MDP_OPTION_NAMES,
  MDP_OPTION_SCHEMAS,
  type MdpScalar,
  type SimulationParams,
  SimulationParamsSchema,
  STAGE_NAMES,
  type StageName,
} from './mdp-params.js';
export { NONCE_ALLOWED_DELTA_NS, NonceTracker } from './nonce.js';
export {
  type PythonTypeHint,
  pythonFloatRepr,
  pythonRepr,
  pythonStr,
  pythonStrRepr,
} from './python-str.js';
export {
  type AnySynapseDefinition,
  defineSynapse,
  type SynapseDefinition,
  type SynapseRequest,
  type SynapseResponse,
  type SynapseSpec,
} from './synapse.js';
