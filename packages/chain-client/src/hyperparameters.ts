import type { ApiPromise } from '@polkadot/api';
import type { Codec } from '@polkadot/types/types';
import { ChainError } from './errors.js';
import { type StorageName, storageEntry } from './metadata.js';

/** A subnet's hyperparameters as the runtime holds them at one block. Block counts are blocks. */
export interface Hyperparameters {
  readonly netuid: number;
  /** The block they were read at. */
  readonly blockNumber: number;
  /** Blocks per epoch, less one: an epoch is `tempo + 1` blocks. */
  readonly tempo: number;
  /** Weights must carry a version key ≥ this (0: any). */
  readonly weightsVersionKey: bigint;
  /** Blocks between two weight settings (or commits) of one neuron. */
  readonly weightsRateLimit: number;
  readonly commitRevealEnabled: boolean;
  /** Epochs between a commit and its reveal. */
  readonly revealPeriodEpochs: number;
  /** Blocks between two `serveAxon` of one hotkey. */
  readonly servingRateLimit: number;
  readonly maxAllowedUids: number;
  /** Neurons registered now. */
  readonly subnetworkN: number;
  readonly minAllowedWeights: number;
  /** Largest weight share a validator may give one uid, as u16 (65535: no limit). */
  readonly maxWeightsLimit: number;
  readonly immunityPeriod: number;
  readonly activityCutoff: number;
  readonly maxAllowedValidators: number;
  readonly registrationAllowed: boolean;
  readonly maxRegistrationsPerBlock: number;
  readonly targetRegistrationsPerInterval: number;
  /** Cost of a burned registration now, in rao. */
  readonly burnRao: bigint;
  /** Stake a hotkey needs to set weights (all subnets), in rao. */
  readonly weightsMinStakeRao: bigint;
}

const FIELDS = [
  ['tempo', 'subtensorModule.tempo'],
  ['weightsVersionKey', 'subtensorModule.weightsVersionKey'],
  ['weightsRateLimit', 'subtensorModule.weightsSetRateLimit'],
  ['commitRevealEnabled', 'subtensorModule.commitRevealWeightsEnabled'],
  ['revealPeriodEpochs', 'subtensorModule.revealPeriodEpochs'],
  ['servingRateLimit', 'subtensorModule.servingRateLimit'],
  ['maxAllowedUids', 'subtensorModule.maxAllowedUids'],
  ['subnetworkN', 'subtensorModule.subnetworkN'],
  ['minAllowedWeights', 'subtensorModule.minAllowedWeights'],
  ['maxWeightsLimit', 'subtensorModule.maxWeightsLimit'],
  ['immunityPeriod', 'subtensorModule.immunityPeriod'],
  ['activityCutoff', 'subtensorModule.activityCutoff'],
  ['maxAllowedValidators', 'subtensorModule.maxAllowedValidators'],
  ['registrationAllowed', 'subtensorModule.networkRegistrationAllowed'],
  ['maxRegistrationsPerBlock', 'subtensorModule.maxRegistrationsPerBlock'],
  ['targetRegistrationsPerInterval', 'subtensorModule.targetRegistrationsPerInterval'],
  ['burnRao', 'subtensorModule.burn'],
  ['networksAdded', 'subtensorModule.networksAdded'],
] as const satisfies readonly (readonly [string, StorageName])[];

const BIGINT_FIELDS = new Set(['weightsVersionKey', 'burnRao']);

/**
 * Reads a subnet's hyperparameters at a block in one batched storage query.
 * @throws {ChainError} NOT_FOUND when the subnet does not exist
 * @throws {MetadataMismatchError} when a storage item differs from spec 218's
 */
export async function readHyperparameters(
  api: ApiPromise,
  netuid: number,
  block: { hash: string; number: number },
): Promise<Hyperparameters> {
  const keys: [unknown, unknown[]][] = FIELDS.map(([, name]) => [
    storageEntry(api, name).creator,
    [netuid],
  ]);
  keys.push([storageEntry(api, 'subtensorModule.weightsMinStake').creator, []]);
  const values = (await api.rpc.state.queryStorageAt(
    keys as unknown as Parameters<typeof api.rpc.state.queryStorageAt>[0],
    block.hash,
  )) as unknown as Codec[];
  const record: Record<string, unknown> = { netuid, blockNumber: block.number };
  FIELDS.forEach(([field], index) => {
    const value = values[index]!.toPrimitive();
    record[field] = BIGINT_FIELDS.has(field)
      ? BigInt(value as number | string)
      : typeof value === 'boolean'
        ? value
        : Number(value);
  });
  record.weightsMinStakeRao = BigInt(values[FIELDS.length]!.toPrimitive() as number | string);
  if (record.networksAdded !== true) {
    throw new ChainError('NOT_FOUND', `subnet ${netuid} does not exist`, { details: { netuid } });
  }
  delete record.networksAdded;
  return record as unknown as Hyperparameters;
}

/**
 * The first block at which a neuron whose last weights (or commit) were at `lastUpdate` may set
 * weights again: the runtime allows it once `block - lastUpdate >= weightsRateLimit`, and always
 * when it never set any (`lastUpdate` 0).
 */
export function weightsAllowedAtBlock(lastUpdate: number, weightsRateLimit: number): number {
  return lastUpdate === 0 ? 0 : lastUpdate + weightsRateLimit;
}

/**
 * The first block at which a hotkey that last served at `lastServedBlock` may serve again
 * (0: never served, or no limit).
 */
export function servingAllowedAtBlock(lastServedBlock: number, servingRateLimit: number): number {
  return lastServedBlock === 0 || servingRateLimit === 0 ? 0 : lastServedBlock + servingRateLimit;
}
