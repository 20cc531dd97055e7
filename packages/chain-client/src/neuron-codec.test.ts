import { describe, expect, it } from '@jest/globals';
import { TypeRegistry } from '@polkadot/types';
import { compactAddLength, u8aConcat } from '@polkadot/util';
import { ChainError } from './errors.js';
import { decodeNeuronsLite } from './neuron-codec.js';

// The NeuronInfoLite struct of the Subtensor runtime (spec 218), encoded here on its own to make
// runtime API outputs.
const registry = new TypeRegistry();
registry.register({
  TestAxon: {
    block: 'u64',
    version: 'u32',
    ip: 'u128',
    port: 'u16',
    ipType: 'u8',
    protocol: 'u8',
    placeholder1: 'u8',
    placeholder2: 'u8',
  },
  TestPrometheus: { block: 'u64', version: 'u32', ip: 'u128', port: 'u16', ipType: 'u8' },
  TestNeuron: {
    hotkey: 'AccountId32',
    coldkey: 'AccountId32',
    uid: 'Compact<u16>',
    netuid: 'Compact<u16>',
    active: 'bool',
    axonInfo: 'TestAxon',
    prometheusInfo: 'TestPrometheus',
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

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';

function neuron(uid: number, netuid: number, overrides: Record<string, unknown> = {}) {
  return {
    hotkey: BOB,
    coldkey: ALICE,
    uid,
    netuid,
    active: true,
    axonInfo: { block: 0, version: 0, ip: 0, port: 0, ipType: 0, protocol: 0 },
    prometheusInfo: {},
    stake: [[ALICE, 5_000_000_000n]],
    rank: 65_535,
    emission: 2n ** 40n,
    incentive: 32_768,
    consensus: 0,
    trust: 0,
    validatorTrust: 0,
    dividends: 65_535,
    lastUpdate: 1234,
    validatorPermit: true,
    pruningScore: 0,
    ...overrides,
  };
}

/** What `state_call` returns: a SCALE Vec<u8> around the SCALE Vec<NeuronInfoLite>. */
function output(neurons: unknown[]): Uint8Array {
  return compactAddLength(registry.createType('Vec<TestNeuron>', neurons).toU8a());
}

describe('decodeNeuronsLite', () => {
  it('decodes neurons with addresses, rao amounts and u16 figures as fractions', () => {
    const [first] = decodeNeuronsLite(output([neuron(0, 2)]), 2);
    expect(first).toEqual({
      uid: 0,
      hotkey: BOB,
      coldkey: ALICE,
      active: true,
      axon: null,
      validatorPermit: true,
      lastUpdate: 1234,
      emissionRao: 2n ** 40n,
      rank: 1,
      trust: 0,
      consensus: 0,
      incentive: 32_768 / 65_535,
      dividends: 1,
      validatorTrust: 0,
      pruningScore: 0,
    });
  });

  it('decodes a served axon to its address, port, version and serving block', () => {
    const served = neuron(0, 7, {
      axonInfo: { block: 99, version: 3, ip: 0x7f000003, port: 8091, ipType: 4, protocol: 4 },
    });
    expect(decodeNeuronsLite(output([served]), 7)[0]!.axon).toEqual({
      ip: '127.0.0.3',
      port: 8091,
      ipType: 4,
      version: 3,
      protocol: 4,
      block: 99,
    });
  });

  it('reads past a legacy stake list of any length without reporting it', () => {
    const staked = neuron(0, 1, {
      stake: [
        [ALICE, 2n],
        [BOB, 3n],
      ],
    });
    const [decoded, next] = decodeNeuronsLite(output([staked, neuron(1, 1)]), 1);
    expect(decoded).not.toHaveProperty('stakeRao');
    expect(next!.uid).toBe(1);
  });

  it('decodes an empty subnet to no neurons', () => {
    expect(decodeNeuronsLite(output([]), 1)).toEqual([]);
  });

  it('writes addresses in the requested SS58 format', () => {
    const [decoded] = decodeNeuronsLite(output([neuron(0, 1)]), 1, 0);
    expect(decoded!.coldkey).toBe('15oF4uVJwmo4TdGW7VfQxNLavjCXviqxT9S1MgbjMNHr6Sp5');
  });

  it('fails on bytes the layout does not consume exactly', () => {
    const bytes = registry.createType('Vec<TestNeuron>', [neuron(0, 1)]).toU8a();
    const truncated = compactAddLength(bytes.subarray(0, bytes.length - 3));
    const padded = compactAddLength(u8aConcat(bytes, new Uint8Array(4)));
    expect(() => decodeNeuronsLite(truncated, 1)).toThrow(ChainError);
    expect(() => decodeNeuronsLite(padded, 1)).toThrow(/consumed/);
  });

  it('fails when the outer length prefix does not match the output', () => {
    const good = output([neuron(0, 1)]);
    expect(() => decodeNeuronsLite(good.subarray(0, good.length - 1), 1)).toThrow(
      expect.objectContaining({ code: 'DECODE_FAILED' }),
    );
  });

  it('fails when neurons are not the requested subnet in uid order', () => {
    expect(() => decodeNeuronsLite(output([neuron(0, 1)]), 2)).toThrow(/netuid 1/);
    expect(() => decodeNeuronsLite(output([neuron(1, 1)]), 1)).toThrow(/uid 1/);
  });
});
