export { type BootstrapOptions, type BootstrapResult, bootstrapLocalSubnet } from './bootstrap.js';
export {
  type BlockHead,
  ChainClient,
  type ChainClientOptions,
  type RevealOutcome,
  type SetWeightsResult,
} from './client.js';
export {
  type BlockWindow,
  type CommitPreimage,
  commitHash,
  epochIndex,
  generateSalt,
  revealWindow,
} from './commit-reveal.js';
export type { ConnectOptions, ReconnectOptions } from './connection.js';
export {
  ChainError,
  type ChainErrorCode,
  ConnectionError,
  DispatchError,
  InvalidArgumentError,
  KeyError,
  MetadataMismatchError,
  RateLimitedError,
  RevealStoreError,
  TransactionRejectedError,
} from './errors.js';
export {
  type Hyperparameters,
  servingAllowedAtBlock,
  weightsAllowedAtBlock,
} from './hyperparameters.js';
export { decodeIp, type EncodedIp, encodeIp } from './ip.js';
export {
  loadSigner,
  publicKeyOf,
  Signer,
  signerFromKeyFile,
  signerFromUri,
  toSubtensorAddress,
} from './keys.js';
export { buildCall, type CallArgs, type CallName, checkCalls } from './metadata.js';
export type { AxonInfo, Metagraph, Neuron } from './metagraph.js';
export { FileRevealStore, type PendingReveal, type RevealStore } from './reveal-store.js';
export type { InclusionResult } from './submitter.js';
export { validateWeights, type WeightsU16 } from './weights.js';
