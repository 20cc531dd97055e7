import type { ApiPromise } from '@polkadot/api';
import type { QueryableStorageEntry, SubmittableExtrinsic } from '@polkadot/api/types';
import { MetadataMismatchError } from './errors.js';

// The calls, storage items and runtime API this client uses, with the argument names and types of
// the runtime it was written for (node-subtensor spec 218). Every use is checked against the
// connected runtime's metadata first, so a runtime that renamed, added or retyped an argument
// gives a MetadataMismatchError instead of a call with shifted arguments.
const CALLS = {
  'subtensorModule.burnedRegister': [
    ['netuid', 'u16'],
    ['hotkey', 'AccountId32'],
  ],
  'subtensorModule.serveAxon': [
    ['netuid', 'u16'],
    ['version', 'u32'],
    ['ip', 'u128'],
    ['port', 'u16'],
    ['ipType', 'u8'],
    ['protocol', 'u8'],
    ['placeholder1', 'u8'],
    ['placeholder2', 'u8'],
  ],
  'subtensorModule.setWeights': [
    ['netuid', 'u16'],
    ['dests', 'Vec<u16>'],
    ['weights', 'Vec<u16>'],
    ['versionKey', 'u64'],
  ],
  'subtensorModule.commitWeights': [
    ['netuid', 'u16'],
    ['commitHash', 'H256'],
  ],
  'subtensorModule.revealWeights': [
    ['netuid', 'u16'],
    ['uids', 'Vec<u16>'],
    ['values', 'Vec<u16>'],
    ['salt', 'Vec<u16>'],
    ['versionKey', 'u64'],
  ],
  'subtensorModule.registerNetwork': [
    ['hotkey', 'AccountId32'],
    ['mechid', 'u16'],
  ],
  'sudo.sudo': [['call', 'Call']],
  'utility.batchAll': [['calls', 'Vec<Call>']],
  'balances.forceSetBalance': [
    ['who', 'MultiAddress'],
    ['newFree', 'Compact<u64>'],
  ],
  'adminUtils.sudoSetNetworkRateLimit': [['rateLimit', 'u64']],
  'adminUtils.sudoSetTempo': [
    ['netuid', 'u16'],
    ['tempo', 'u16'],
  ],
  'adminUtils.sudoSetWeightsSetRateLimit': [
    ['netuid', 'u16'],
    ['weightsSetRateLimit', 'u64'],
  ],
  'adminUtils.sudoSetCommitRevealWeightsEnabled': [
    ['netuid', 'u16'],
    ['enabled', 'bool'],
  ],
  'adminUtils.sudoSetCommitRevealWeightsInterval': [
    ['netuid', 'u16'],
    ['interval', 'u64'],
  ],
  'adminUtils.sudoSetServingRateLimit': [
    ['netuid', 'u16'],
    ['servingRateLimit', 'u64'],
  ],
  'adminUtils.sudoSetMaxRegistrationsPerBlock': [
    ['netuid', 'u16'],
    ['maxRegistrationsPerBlock', 'u16'],
  ],
  'adminUtils.sudoSetTargetRegistrationsPerInterval': [
    ['netuid', 'u16'],
    ['targetRegistrationsPerInterval', 'u16'],
  ],
  'adminUtils.sudoSetMaxAllowedUids': [
    ['netuid', 'u16'],
    ['maxAllowedUids', 'u16'],
  ],
  'adminUtils.sudoSetWeightsVersionKey': [
    ['netuid', 'u16'],
    ['weightsVersionKey', 'u64'],
  ],
  'adminUtils.sudoSetMinAllowedWeights': [
    ['netuid', 'u16'],
    ['minAllowedWeights', 'u16'],
  ],
} as const satisfies Record<string, readonly (readonly [string, string])[]>;

/** A call this client makes, as `section.method`. */
export type CallName = keyof typeof CALLS;

/** The named arguments of a call, as the runtime names them. */
export type CallArgs<N extends CallName> = { [K in (typeof CALLS)[N][number][0]]: unknown };

/**
 * Builds a call from named arguments after checking its argument list against the runtime's
 * metadata; arguments are passed in the order the metadata gives.
 * @throws {MetadataMismatchError} when the call is missing or its arguments differ
 */
export function buildCall<N extends CallName>(
  api: ApiPromise,
  name: N,
  args: CallArgs<N>,
): SubmittableExtrinsic<'promise'> {
  const [section, method] = name.split('.') as [string, string];
  const factory = api.tx[section]?.[method];
  const actual = factory?.meta.args.map(
    (arg) => [arg.name.toString(), arg.type.toString()] as const,
  );
  const mismatch = callMismatch(name, actual);
  if (mismatch || !factory || !actual) throw mismatch;
  const values = args as Record<string, unknown>;
  return factory(...actual.map(([argName]) => values[argName]));
}

/**
 * Checks every call this client makes against the runtime's metadata at once, e.g. right after
 * connecting to a node of unknown version.
 * @throws {MetadataMismatchError} for the first call that differs
 */
export function checkCalls(api: ApiPromise): void {
  for (const name of Object.keys(CALLS) as CallName[]) {
    const [section, method] = name.split('.') as [string, string];
    const actual = api.tx[section]?.[method]?.meta.args.map(
      (arg) => [arg.name.toString(), arg.type.toString()] as const,
    );
    const mismatch = callMismatch(name, actual);
    if (mismatch) throw mismatch;
  }
}

/**
 * The error for a call whose metadata arguments (`undefined`: no such call) differ from what this
 * client was written for; undefined when they match.
 */
export function callMismatch(
  name: CallName,
  actual: readonly (readonly [string, string])[] | undefined,
): MetadataMismatchError | undefined {
  const expected: readonly (readonly [string, string])[] = CALLS[name];
  if (!actual) {
    return new MetadataMismatchError('METADATA_MISMATCH', `the runtime has no call ${name}`, {
      details: { call: name, expected: describeArgs(expected) },
    });
  }
  if (describeArgs(actual) === describeArgs(expected)) return undefined;
  return new MetadataMismatchError(
    'METADATA_MISMATCH',
    `${name} takes (${describeArgs(actual)}) in this runtime, this client knows (${describeArgs(expected)}): update @fold/chain-client`,
    { details: { call: name, expected: describeArgs(expected), actual: describeArgs(actual) } },
  );
}

const STORAGE = {
  'system.account': { keys: ['AccountId32'], value: null },
  'system.events': { keys: [], value: null },
  'subtensorModule.tempo': { keys: ['u16'], value: 'u16' },
  'subtensorModule.weightsVersionKey': { keys: ['u16'], value: 'u64' },
  'subtensorModule.weightsSetRateLimit': { keys: ['u16'], value: 'u64' },
  'subtensorModule.commitRevealWeightsEnabled': { keys: ['u16'], value: 'bool' },
  'subtensorModule.revealPeriodEpochs': { keys: ['u16'], value: 'u64' },
  'subtensorModule.servingRateLimit': { keys: ['u16'], value: 'u64' },
  'subtensorModule.maxAllowedUids': { keys: ['u16'], value: 'u16' },
  'subtensorModule.minAllowedWeights': { keys: ['u16'], value: 'u16' },
  'subtensorModule.maxWeightsLimit': { keys: ['u16'], value: 'u16' },
  'subtensorModule.immunityPeriod': { keys: ['u16'], value: 'u16' },
  'subtensorModule.activityCutoff': { keys: ['u16'], value: 'u16' },
  'subtensorModule.maxAllowedValidators': { keys: ['u16'], value: 'u16' },
  'subtensorModule.networkRegistrationAllowed': { keys: ['u16'], value: 'bool' },
  'subtensorModule.maxRegistrationsPerBlock': { keys: ['u16'], value: 'u16' },
  'subtensorModule.targetRegistrationsPerInterval': { keys: ['u16'], value: 'u16' },
  'subtensorModule.burn': { keys: ['u16'], value: 'u64' },
  'subtensorModule.subnetworkN': { keys: ['u16'], value: 'u16' },
  'subtensorModule.networksAdded': { keys: ['u16'], value: 'bool' },
  'subtensorModule.subnetOwner': { keys: ['u16'], value: 'AccountId32' },
  'subtensorModule.subnetOwnerHotkey': { keys: ['u16'], value: 'AccountId32' },
  'subtensorModule.weightsMinStake': { keys: [], value: 'u64' },
  'subtensorModule.networkRateLimit': { keys: [], value: 'u64' },
  'subtensorModule.uids': { keys: ['u16', 'AccountId32'], value: 'u16' },
  'subtensorModule.keys': { keys: ['u16', 'u16'], value: 'AccountId32' },
  'subtensorModule.owner': { keys: ['AccountId32'], value: 'AccountId32' },
  'subtensorModule.axons': {
    keys: ['u16', 'AccountId32'],
    value:
      '{"block":"u64","version":"u32","ip":"u128","port":"u16","ipType":"u8","protocol":"u8","placeholder1":"u8","placeholder2":"u8"}',
  },
  'subtensorModule.active': { keys: ['u16'], value: 'Vec<bool>' },
  'subtensorModule.validatorPermit': { keys: ['u16'], value: 'Vec<bool>' },
  'subtensorModule.rank': { keys: ['u16'], value: 'Vec<u16>' },
  'subtensorModule.trust': { keys: ['u16'], value: 'Vec<u16>' },
  'subtensorModule.consensus': { keys: ['u16'], value: 'Vec<u16>' },
  'subtensorModule.incentive': { keys: ['u16'], value: 'Vec<u16>' },
  'subtensorModule.dividends': { keys: ['u16'], value: 'Vec<u16>' },
  'subtensorModule.validatorTrust': { keys: ['u16'], value: 'Vec<u16>' },
  'subtensorModule.pruningScores': { keys: ['u16'], value: 'Vec<u16>' },
  'subtensorModule.emission': { keys: ['u16'], value: 'Vec<u64>' },
  'subtensorModule.totalHotkeyAlpha': { keys: ['AccountId32', 'u16'], value: 'u64' },
  'subtensorModule.lastUpdate': { keys: ['u16'], value: 'Vec<u64>' },
  'subtensorModule.weights': { keys: ['u16', 'u16'], value: 'Vec<(u16,u16)>' },
  'subtensorModule.weightCommits': {
    keys: ['u16', 'AccountId32'],
    value: 'Vec<(H256,u64,u64,u64)>',
  },
} as const satisfies Record<string, { keys: readonly string[]; value: string | null }>;

/** A storage item this client reads, as `section.item`. */
export type StorageName = keyof typeof STORAGE;

/**
 * A storage item after checking its key and value types against the runtime's metadata (`null`:
 * FRAME's own `system` items, whose value is not checked).
 * @throws {MetadataMismatchError} when the item is missing or typed differently
 */
export function storageEntry(api: ApiPromise, name: StorageName): QueryableStorageEntry<'promise'> {
  const [section, item] = name.split('.') as [string, string];
  const entry = api.query[section]?.[item];
  if (!entry) {
    throw new MetadataMismatchError(
      'METADATA_MISMATCH',
      `the runtime has no storage item ${name}`,
      {
        details: { storage: name },
      },
    );
  }
  const spec: { keys: readonly string[]; value: string | null } = STORAGE[name];
  const type = entry.creator.meta.type;
  const lookup = api.registry.lookup;
  const keys = type.isPlain
    ? []
    : (() => {
        const key = lookup.getTypeDef(type.asMap.key);
        return type.asMap.hashers.length > 1 && key.sub && Array.isArray(key.sub)
          ? key.sub.map((sub) => sub.type)
          : [key.type];
      })();
  const value = lookup.getTypeDef(type.isPlain ? type.asPlain : type.asMap.value).type;
  const keysText = keys.join(', ');
  if (keysText !== spec.keys.join(', ') || (spec.value !== null && value !== spec.value)) {
    throw new MetadataMismatchError(
      'METADATA_MISMATCH',
      `storage ${name} is (${keysText}) -> ${value} in this runtime, this client knows (${spec.keys.join(', ')}) -> ${spec.value ?? 'a struct'}`,
      { details: { storage: name } },
    );
  }
  return entry;
}

function describeArgs(args: readonly (readonly [string, string])[]): string {
  return args.map(([name, type]) => `${name}: ${type}`).join(', ');
}
