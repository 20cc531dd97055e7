import { describe, expect, it } from '@jest/globals';
import { ChainError } from './errors.js';
import { assembleNeurons, type MetagraphParts, NEURON_VECTORS } from './metagraph.js';

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';

function parts(overrides: Partial<MetagraphParts> = {}): MetagraphParts {
  return {
    hotkeys: [ALICE, BOB],
    coldkeys: [ALICE, ALICE],
    axons: [null, { block: 99, version: 3, ip: 0x7f000003, port: 8091, ipType: 4, protocol: 4 }],
    stakes: [0, '18446744073709551615'],
    vectors: {
      active: [true, false],
      validatorPermit: [true, false],
      lastUpdate: [5, '12'],
      rank: [65_535, 0],
      trust: [0, 32_768],
      consensus: [0, 0],
      incentive: [0, 65_535],
      dividends: [65_535, 0],
      validatorTrust: [0, 0],
      pruningScores: [65_535, 0],
      emission: ['910002289', 0],
    },
    ...overrides,
  };
}

describe('assembleNeurons', () => {
  it('gives neurons in uid order with keys, u64 amounts as bigint and u16 figures as fractions', () => {
    const [owner, miner] = assembleNeurons(parts());
    expect(owner).toEqual({
      uid: 0,
      hotkey: ALICE,
      coldkey: ALICE,
      active: true,
      axon: null,
      stakeRao: 0n,
      validatorPermit: true,
      lastUpdate: 5,
      emissionRao: 910_002_289n,
      rank: 1,
      trust: 0,
      consensus: 0,
      incentive: 0,
      dividends: 1,
      validatorTrust: 0,
      pruningScore: 1,
    });
    expect(miner).toMatchObject({
      uid: 1,
      hotkey: BOB,
      active: false,
      stakeRao: 2n ** 64n - 1n,
      lastUpdate: 12,
      trust: 32_768 / 65_535,
      incentive: 1,
    });
  });

  it('decodes a served axon to its address, port, version and serving block', () => {
    expect(assembleNeurons(parts())[1]!.axon).toEqual({
      ip: '127.0.0.3',
      port: 8091,
      ipType: 4,
      version: 3,
      protocol: 4,
      block: 99,
    });
  });

  it('treats a stored axon that was never served (all zero) as none', () => {
    const zero = { block: 0, version: 0, ip: 0, port: 0, ipType: 0, protocol: 0 };
    expect(assembleNeurons(parts({ axons: [zero, zero] }))[0]!.axon).toBeNull();
  });

  it('assembles an empty subnet to no neurons', () => {
    const empty = Object.fromEntries(
      NEURON_VECTORS.map((name) => [name, []]),
    ) as unknown as MetagraphParts['vectors'];
    expect(
      assembleNeurons({ hotkeys: [], coldkeys: [], axons: [], stakes: [], vectors: empty }),
    ).toEqual([]);
  });

  it('fails when a vector is shorter than the subnet', () => {
    const short = parts();
    expect(() =>
      assembleNeurons({ ...short, vectors: { ...short.vectors, lastUpdate: [5] } }),
    ).toThrow(
      expect.objectContaining({
        code: 'DECODE_FAILED',
        message: 'lastUpdate has 1 entries for 2 neurons',
      }),
    );
  });

  it('fails on an axon with an unknown IP version', () => {
    const axon = { block: 1, version: 0, ip: 1, port: 1, ipType: 5, protocol: 0 };
    expect(() => assembleNeurons(parts({ axons: [axon, null] }))).toThrow(ChainError);
  });
});
