import type { ApiPromise } from '@polkadot/api';
import type { Codec } from '@polkadot/types/types';
import { ChainError } from './errors.js';
import { decodeIp } from './ip.js';
import { type StorageName, storageEntry } from './metadata.js';

/** Where a neuron serves, as it last announced with `serveAxon`. */
export interface AxonInfo {
  /** Dotted quad, or the full uncompressed IPv6 form. */
  readonly ip: string;
  readonly port: number;
  readonly ipType: 4 | 6;
  /** The version number the neuron announced (application-defined). */
  readonly version: number;
  /** Application-defined protocol number (the Python SDK uses 4). */
  readonly protocol: number;
  /** The block of the last `serveAxon`. */
  readonly block: number;
}

/** One neuron of a subnet's metagraph. Consensus figures are the runtime's u16 / 65535. */
export interface Neuron {
  readonly uid: number;
  /** SS58 address of the neuron's hotkey. */
  readonly hotkey: string;
  /** SS58 address of the coldkey that owns the hotkey. */
  readonly coldkey: string;
  readonly active: boolean;
  /** `null` until the neuron has served an axon. */
  readonly axon: AxonInfo | null;
  /**
   * The hotkey's total stake on this subnet (`TotalHotkeyAlpha`), in rao of the subnet's alpha
   * token: what the runtime weighs validators by under dynamic TAO.
   */
  readonly stakeRao: bigint;
  readonly validatorPermit: boolean;
  /** Block of the neuron's last weights (or commit), or of its registration. */
  readonly lastUpdate: number;
  /** Rao emitted to the neuron in the last epoch. */
  readonly emissionRao: bigint;
  /** Fraction in [0, 1]. */
  readonly rank: number;
  /** Fraction in [0, 1]. */
  readonly trust: number;
  /** Fraction in [0, 1]. */
  readonly consensus: number;
  /** Fraction in [0, 1]. */
  readonly incentive: number;
  /** Fraction in [0, 1]. */
  readonly dividends: number;
  /** Fraction in [0, 1]. */
  readonly validatorTrust: number;
  /** Fraction in [0, 1]; the lowest is replaced first when the subnet is full. */
  readonly pruningScore: number;
}

/** A subnet's neurons at one block. */
export interface Metagraph {
  readonly netuid: number;
  readonly blockNumber: number;
  readonly blockHash: string;
  /** Ordered by uid: `neurons[uid]`. */
  readonly neurons: readonly Neuron[];
}

/** The per-subnet vectors the runtime keeps, one entry per uid. */
export const NEURON_VECTORS = [
  'active',
  'validatorPermit',
  'lastUpdate',
  'rank',
  'trust',
  'consensus',
  'incentive',
  'dividends',
  'validatorTrust',
  'pruningScores',
  'emission',
] as const;
type VectorName = (typeof NEURON_VECTORS)[number];

/** An axon as storage gives it (`toPrimitive`): wide integers as numbers or decimal strings. */
export interface StoredAxon {
  readonly block: number | string;
  readonly version: number;
  readonly ip: number | string;
  readonly port: number;
  readonly ipType: number;
  readonly protocol: number;
}

/** What the storage reads of one metagraph return, before they are put together. */
export interface MetagraphParts {
  readonly hotkeys: readonly string[];
  readonly coldkeys: readonly string[];
  /** `null` for a hotkey that never served. */
  readonly axons: readonly (StoredAxon | null)[];
  readonly stakes: readonly (number | string)[];
  readonly vectors: Readonly<Record<VectorName, readonly (boolean | number | string)[]>>;
}

const U16_MAX = 65_535;

/**
 * Puts a metagraph's storage reads together into neurons ordered by uid. Pure.
 * @throws {ChainError} DECODE_FAILED when a vector is shorter than the subnet or an axon has an
 *   unknown IP version (the runtime's invariants do not hold)
 */
export function assembleNeurons(parts: MetagraphParts): Neuron[] {
  const count = parts.hotkeys.length;
  for (const name of NEURON_VECTORS) {
    if (parts.vectors[name].length < count) {
      throw new ChainError(
        'DECODE_FAILED',
        `${name} has ${parts.vectors[name].length} entries for ${count} neurons`,
        { details: { storage: `subtensorModule.${name}` } },
      );
    }
  }
  const at = (name: VectorName, uid: number) => parts.vectors[name][uid]!;
  const fraction = (name: VectorName, uid: number) => Number(at(name, uid)) / U16_MAX;
  return parts.hotkeys.map((hotkey, uid) => ({
    uid,
    hotkey,
    coldkey: parts.coldkeys[uid]!,
    active: at('active', uid) === true,
    axon: toAxon(parts.axons[uid] ?? null, uid),
    stakeRao: BigInt(parts.stakes[uid]!),
    validatorPermit: at('validatorPermit', uid) === true,
    lastUpdate: Number(at('lastUpdate', uid)),
    emissionRao: BigInt(at('emission', uid)),
    rank: fraction('rank', uid),
    trust: fraction('trust', uid),
    consensus: fraction('consensus', uid),
    incentive: fraction('incentive', uid),
    dividends: fraction('dividends', uid),
    validatorTrust: fraction('validatorTrust', uid),
    pruningScore: fraction('pruningScores', uid),
  }));
}

function toAxon(stored: StoredAxon | null, uid: number): AxonInfo | null {
  if (stored === null) return null;
  const ip = BigInt(stored.ip);
  if (ip === 0n && BigInt(stored.block) === 0n) return null;
  if (stored.ipType !== 4 && stored.ipType !== 6) {
    throw new ChainError(
      'DECODE_FAILED',
      `uid ${uid} has an axon with IP version ${stored.ipType}`,
      {
        details: { storage: 'subtensorModule.axons', uid },
      },
    );
  }
  return {
    ip: decodeIp(ip, stored.ipType),
    port: stored.port,
    ipType: stored.ipType,
    version: stored.version,
    protocol: stored.protocol,
    block: Number(stored.block),
  };
}

/**
 * Reads a subnet's metagraph at one block in three batched storage queries: the subnet's size and
 * per-uid vectors, the hotkey of every uid, then every hotkey's owner, axon and stake. Every item
 * is checked against the runtime's metadata first.
 * @throws {ChainError} NOT_FOUND for a subnet that does not exist
 * @throws {MetadataMismatchError} when a storage item differs from spec 218's
 */
export async function readMetagraph(
  api: ApiPromise,
  netuid: number,
  block: { hash: string; number: number },
): Promise<Metagraph> {
  const at = async (queries: [StorageName, unknown[]][]): Promise<unknown[]> => {
    if (queries.length === 0) return [];
    const keys = queries.map(([name, args]) => [storageEntry(api, name).creator, args]);
    const values = (await api.rpc.state.queryStorageAt(
      keys as never,
      block.hash,
    )) as unknown as Codec[];
    return values.map((value) => value.toPrimitive());
  };
  const [added, size, ...vectorValues] = await at([
    ['subtensorModule.networksAdded', [netuid]],
    ['subtensorModule.subnetworkN', [netuid]],
    ...NEURON_VECTORS.map((name): [StorageName, unknown[]] => [
      `subtensorModule.${name}`,
      [netuid],
    ]),
  ]);
  if (added !== true) {
    throw new ChainError('NOT_FOUND', `subnet ${netuid} does not exist`, { details: { netuid } });
  }
  const count = Number(size);
  const hotkeys = (await at(
    Array.from({ length: count }, (_, uid): [StorageName, unknown[]] => [
      'subtensorModule.keys',
      [netuid, uid],
    ]),
  )) as string[];
  const perHotkey = await at(
    hotkeys.flatMap((hotkey): [StorageName, unknown[]][] => [
      ['subtensorModule.owner', [hotkey]],
      ['subtensorModule.axons', [netuid, hotkey]],
      ['subtensorModule.totalHotkeyAlpha', [hotkey, netuid]],
    ]),
  );
  const vectors = Object.fromEntries(
    NEURON_VECTORS.map((name, index) => [
      name,
      vectorValues[index] as (boolean | number | string)[],
    ]),
  ) as unknown as MetagraphParts['vectors'];
  const neurons = assembleNeurons({
    hotkeys,
    coldkeys: hotkeys.map((_, uid) => perHotkey[uid * 3] as string),
    axons: hotkeys.map((_, uid) => perHotkey[uid * 3 + 1] as StoredAxon | null),
    stakes: hotkeys.map((_, uid) => perHotkey[uid * 3 + 2] as number | string),
    vectors,
  });
  return { netuid, blockNumber: block.number, blockHash: block.hash, neurons };
}
