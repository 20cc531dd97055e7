import type { ApiPromise } from '@polkadot/api';
import type {
  EventRecord,
  DispatchError as RuntimeDispatchError,
} from '@polkadot/types/interfaces';
import { DispatchError, RateLimitedError } from './errors.js';

/** The runtime's rate-limit errors: a retry later may pass. */
const RATE_LIMIT_ERRORS = new Set([
  'subtensorModule.SettingWeightsTooFast',
  'subtensorModule.CommittingWeightsTooFast',
  'subtensorModule.ServingRateLimitExceeded',
  'subtensorModule.NetworkTxRateLimitExceeded',
  'subtensorModule.TxRateLimitExceeded',
  'subtensorModule.DelegateTxRateLimitExceeded',
  'subtensorModule.HotKeySetTxRateLimitExceeded',
  'subtensorModule.StakeRateLimitExceeded',
  'subtensorModule.UnstakeRateLimitExceeded',
  'subtensorModule.TxChildkeyTakeRateLimitExceeded',
  'subtensorModule.TooManyRegistrationsThisBlock',
  'subtensorModule.TooManyRegistrationsThisInterval',
]);

/** Whether `section.Name` is one of the runtime's rate-limit errors. */
export function isRateLimitError(error: string): boolean {
  return RATE_LIMIT_ERRORS.has(error);
}

/** Context a caller adds to a rate-limit error: when the call would pass again. */
export type RateLimitContext = (error: string) => Promise<{
  allowedAtBlock: number | undefined;
  currentBlock: number;
}>;

/**
 * The first failure among one extrinsic's events: `system.ExtrinsicFailed`, an `Err` inner result
 * of `sudo.Sudid` / `sudo.SudoAsDone`, or `utility.BatchInterrupted`. Undefined when it succeeded.
 */
export function findDispatchFailure(
  api: ApiPromise,
  events: readonly EventRecord[],
  call: string,
  blockHash: string,
): DispatchError | undefined {
  for (const { event } of events) {
    const name = `${event.section}.${event.method}`;
    if (name === 'system.ExtrinsicFailed') {
      return toDispatchError(api, event.data[0] as RuntimeDispatchError, call, blockHash, false);
    }
    if (name === 'sudo.Sudid' || name === 'sudo.SudoAsDone') {
      const result = event.data[0] as unknown as {
        isErr: boolean;
        asErr: RuntimeDispatchError;
      };
      if (result.isErr) return toDispatchError(api, result.asErr, call, blockHash, true);
    }
    if (name === 'utility.BatchInterrupted') {
      return toDispatchError(api, event.data[1] as RuntimeDispatchError, call, blockHash, false);
    }
  }
  return undefined;
}

/**
 * A typed error for a failure: a {@link RateLimitedError} for the runtime's rate-limit errors
 * (with the block it passes again when `context` can tell), otherwise a {@link DispatchError}.
 */
export async function typedFailure(
  failure: DispatchError,
  call: string,
  blockNumber: number,
  context?: RateLimitContext,
): Promise<DispatchError> {
  if (!isRateLimitError(failure.error)) return failure;
  const limit = context
    ? await context(failure.error)
    : { allowedAtBlock: undefined, currentBlock: blockNumber };
  return new RateLimitedError(
    {
      name: failure.error.split('.')[1] ?? failure.error,
      section: failure.section,
      docs: failure.docs,
      viaSudo: failure.viaSudo,
      call,
      blockHash: failure.details.blockHash as string | undefined,
    },
    { ...limit, predicted: false },
  );
}

function toDispatchError(
  api: ApiPromise,
  error: RuntimeDispatchError,
  call: string,
  blockHash: string,
  viaSudo: boolean,
): DispatchError {
  if (error.isModule) {
    const meta = api.registry.findMetaError(error.asModule);
    return new DispatchError({
      name: meta.name,
      section: meta.section,
      docs: meta.docs.join(' ').trim(),
      viaSudo,
      call,
      blockHash,
    });
  }
  // Non-module errors (BadOrigin, Token(FundsUnavailable), Arithmetic(Overflow), ...).
  const inner = (error as unknown as { value?: { type?: string } }).value?.type;
  return new DispatchError({
    name: inner ? `${error.type}.${inner}` : error.type,
    section: undefined,
    docs: '',
    viaSudo,
    call,
    blockHash,
  });
}

/** Why the transaction pool refused an extrinsic, as far as its answer tells. */
export interface PoolRejection {
  /** e.g. `invalid.stale`, `invalid.badProof`, `invalid.custom`; `unknown` when unparsed. */
  readonly reason: string;
  /** The runtime's name for a custom validity code, e.g. `subtensorModule.NotEnoughStakeToSetWeights`. */
  readonly error?: string;
}

// Custom validity codes of Subtensor's signed extension (spec 218): the pallet checks some
// conditions already when the pool validates the extrinsic.
const SUBTENSOR_CUSTOM_VALIDITY: Readonly<Record<number, string>> = {
  0: 'subtensorModule.ColdkeyInSwapSchedule',
  1: 'subtensorModule.NotEnoughStakeToSetWeights',
  2: 'subtensorModule.NotEnoughStakeToSetWeights',
  3: 'subtensorModule.NotEnoughStakeToSetWeights',
  4: 'subtensorModule.NotEnoughStakeToSetWeights',
  5: 'subtensorModule.TooManyRegistrationsThisInterval',
  6: 'subtensorModule.NotEnoughStakeToSetWeights',
  7: 'subtensorModule.NotEnoughStakeToSetWeights',
};

/**
 * Reads a pool refusal from the node's error message: chopsticks answers
 * `1010: {"invalid":{"custom":5}}`, a Substrate node `1010: Invalid Transaction: Custom error: 5`.
 */
export function parsePoolRejection(message: string): PoolRejection {
  const json = /"(invalid|unknown)"\s*:\s*\{\s*"(\w+)"\s*:\s*([^}]*)\}/.exec(message);
  const custom =
    /"custom"\s*:\s*(\d+)/.exec(message)?.[1] ?? /Custom error: (\d+)/i.exec(message)?.[1];
  if (custom !== undefined) {
    const error = SUBTENSOR_CUSTOM_VALIDITY[Number(custom)];
    return error
      ? { reason: `invalid.custom.${custom}`, error }
      : { reason: `invalid.custom.${custom}` };
  }
  if (json) return { reason: `${json[1]}.${json[2]}` };
  const text = /Invalid Transaction: ([^\n]+)/i.exec(message)?.[1];
  return { reason: text ? `invalid: ${text.trim()}` : 'unknown' };
}
