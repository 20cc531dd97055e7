import { TypeRegistry } from '@polkadot/types';
import type { Codec } from '@polkadot/types/types';
import { compactFromU8a } from '@polkadot/util';
import { decodeAddress, encodeAddress } from '@polkadot/util-crypto';
import { ChainError } from './errors.js';
import { decodeIp } from './ip.js';

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
  /** Block of the neuron's last weights (or commit); 0 when never. */
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

// The runtime API returns these structs as opaque bytes, so their layout cannot be read from the
// metadata: it is written here for spec 218 and checked on every decode (exact length, netuid,
// uid order), so a changed layout fails loudly instead of yielding wrong numbers.
const registry = new TypeRegistry();
registry.register({
  FoldAxonInfo: {
    block: 'u64',
    version: 'u32',
    ip: 'u128',
    port: 'u16',
    ipType: 'u8',
    protocol: 'u8',
    placeholder1: 'u8',
    placeholder2: 'u8',
  },
  FoldPrometheusInfo: { block: 'u64', version: 'u32', ip: 'u128', port: 'u16', ipType: 'u8' },
  FoldNeuronInfoLite: {
    hotkey: 'AccountId32',
    coldkey: 'AccountId32',
    uid: 'Compact<u16>',
    netuid: 'Compact<u16>',
    active: 'bool',
    axonInfo: 'FoldAxonInfo',
    prometheusInfo: 'FoldPrometheusInfo',
    stake: 'Vec<(AccountId32, Compact<u64>)>',
    rank: 'Compact<u16>',
    emission: 'Compact<u64>',
    incentive: 'Compact<u16>',
    consensus: 'Compact<u16>',
    trust: 'Compact<u16>',
    validatorTrust: 'Compact<u16>',
    dividends: 'Compact<u16>',
    lastUpdate: 'Compact<u64>',
    validatorPermit: 'bool',
    pruningScore: 'Compact<u16>',
  },
});

interface RawAxon {
  block: number | string;
  version: number;
  ip: number | string;
  port: number;
  ipType: number;
  protocol: number;
}

interface RawNeuron {
  hotkey: string;
  coldkey: string;
  uid: number;
  netuid: number;
  active: boolean;
  axonInfo: RawAxon;
  rank: number;
  emission: number | string;
  incentive: number;
  consensus: number;
  trust: number;
  validatorTrust: number;
  dividends: number;
  lastUpdate: number | string;
  validatorPermit: boolean;
  pruningScore: number;
}

const U16_MAX = 65_535;

/**
 * A neuron as the runtime API describes it. Its `stake` field lists the legacy (pre-dynamic-TAO)
 * stake map, which no longer holds stakes, so the stake is read separately.
 */
export type DecodedNeuron = Omit<Neuron, 'stakeRao'>;

/**
 * Decodes the output of `NeuronInfoRuntimeApi_get_neurons_lite` (a SCALE `Vec<u8>` wrapping a
 * SCALE `Vec<NeuronInfoLite>`) into neurons ordered by uid.
 * @param output the raw bytes `state_call` returned
 * @param ss58Format address format for hotkeys and coldkeys (42 for Subtensor)
 * @throws {ChainError} DECODE_FAILED when the bytes do not match the layout exactly
 */
export function decodeNeuronsLite(
  output: Uint8Array,
  netuid: number,
  ss58Format = 42,
): DecodedNeuron[] {
  const [prefixLength, innerLength] = compactFromU8a(output);
  if (prefixLength + innerLength.toNumber() !== output.length) {
    throw decodeFailed(
      `runtime API output is ${output.length} bytes, its length prefix says ${prefixLength + innerLength.toNumber()}`,
    );
  }
  const inner = output.subarray(prefixLength);
  let decoded: Codec;
  try {
    decoded = registry.createType('Vec<FoldNeuronInfoLite>', inner);
  } catch (cause) {
    throw decodeFailed(
      'neurons could not be decoded with the spec-218 NeuronInfoLite layout',
      cause,
    );
  }
  // polkadot-js reads past the end as zeros instead of failing: compare what it consumed.
  if (decoded.encodedLength !== inner.length) {
    throw decodeFailed(
      `NeuronInfoLite layout consumed ${decoded.encodedLength} of ${inner.length} bytes: the runtime's struct differs`,
    );
  }
  const raw = decoded.toPrimitive() as unknown as RawNeuron[];
  const neurons = raw.map((neuron, index) => toNeuron(neuron, index, netuid));
  // The registry writes addresses in the generic format 42, Subtensor's; re-encode for others.
  if (ss58Format === 42) return neurons;
  return neurons.map((neuron) => ({
    ...neuron,
    hotkey: encodeAddress(decodeAddress(neuron.hotkey), ss58Format),
    coldkey: encodeAddress(decodeAddress(neuron.coldkey), ss58Format),
  }));
}

function toNeuron(raw: RawNeuron, index: number, netuid: number): DecodedNeuron {
  if (raw.netuid !== netuid || raw.uid !== index) {
    throw decodeFailed(
      `neuron ${index} reads as uid ${raw.uid} of netuid ${raw.netuid}: the runtime's struct differs`,
    );
  }
  // toPrimitive gives wide integers as numbers or decimal strings: BigInt takes both.
  const axonRaw = raw.axonInfo;
  const ip = BigInt(axonRaw.ip);
  let axon: AxonInfo | null = null;
  if (ip !== 0n || BigInt(axonRaw.block) !== 0n) {
    if (axonRaw.ipType !== 4 && axonRaw.ipType !== 6) {
      throw decodeFailed(`neuron ${index} has an axon with IP version ${axonRaw.ipType}`);
    }
    axon = {
      ip: decodeIp(ip, axonRaw.ipType),
      port: axonRaw.port,
      ipType: axonRaw.ipType,
      version: axonRaw.version,
      protocol: axonRaw.protocol,
      block: Number(axonRaw.block),
    };
  }
  return {
    uid: raw.uid,
    hotkey: raw.hotkey,
    coldkey: raw.coldkey,
    active: raw.active,
    axon,
    validatorPermit: raw.validatorPermit,
    lastUpdate: Number(raw.lastUpdate),
    emissionRao: BigInt(raw.emission),
    rank: raw.rank / U16_MAX,
    trust: raw.trust / U16_MAX,
    consensus: raw.consensus / U16_MAX,
    incentive: raw.incentive / U16_MAX,
    dividends: raw.dividends / U16_MAX,
    validatorTrust: raw.validatorTrust / U16_MAX,
    pruningScore: raw.pruningScore / U16_MAX,
  };
}

function decodeFailed(message: string, cause?: unknown): ChainError {
  return new ChainError('DECODE_FAILED', message, { details: { api: 'getNeuronsLite' }, cause });
}
