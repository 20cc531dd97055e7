import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type NetworkState,
  parseNetworkState,
  readNetworkState,
  readStartedParts,
  removeNetworkState,
  stateFilePath,
  writeNetworkState,
  writeStartedParts,
} from './state-file.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fold-network-state-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function state(at: string): NetworkState {
  return {
    version: 1,
    name: 'dev',
    dir: at,
    startedAt: '2026-11-25T08:00:00.000Z',
    ownerPid: null,
    netuid: 2,
    chain: {
      pid: 100,
      endpoint: 'ws://127.0.0.1:9944',
      httpEndpoint: 'http://127.0.0.1:9944',
      stateDir: join(at, 'chain'),
    },
    redis: { pid: 101, url: 'redis://127.0.0.1:6379', dataDir: join(at, 'redis') },
    validator: {
      name: 'validator',
      pid: 102,
      script: '/repo/apps/validator/dist/cli.js',
      hotkey: '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
      uid: 0,
      logPath: join(at, 'validator.log'),
      workDir: join(at, 'validator'),
      apiUrl: 'http://127.0.0.1:8093',
      metricsUrl: 'http://127.0.0.1:8093/metrics',
      dashboardUrl: null,
      token: 'fold-local-network-token',
    },
    miners: [
      {
        name: 'bob',
        pid: 103,
        script: '/repo/apps/miner/dist/cli.js',
        hotkey: '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty',
        uid: 1,
        logPath: join(at, 'miner-bob.log'),
        workDir: join(at, 'miner-bob'),
        axonIp: '127.0.0.2',
        axonPort: 8091,
      },
    ],
  };
}

describe('the network state file', () => {
  it('reads back what was written', async () => {
    const written = state(join(dir, 'a'));
    await writeNetworkState(written);
    expect(await readNetworkState(written.dir)).toEqual(written);
  });

  it('is absent after removal, which is not an error', async () => {
    const written = state(join(dir, 'b'));
    await writeNetworkState(written);
    await removeNetworkState(written.dir);
    expect(await readNetworkState(written.dir)).toBeUndefined();
  });

  it('refuses endpoints off loopback', () => {
    const bad = {
      ...state('/x'),
      validator: { ...state('/x').validator, apiUrl: 'http://10.0.0.1:8093' },
    };
    expect(() => parseNetworkState(JSON.stringify(bad), 'network.json')).toThrow(/apiUrl/);
  });

  it('refuses unknown fields and text that is not JSON', () => {
    expect(() => parseNetworkState(JSON.stringify({ ...state('/x'), extra: 1 }), 'f')).toThrow(
      /does not describe a local network/,
    );
    expect(() => parseNetworkState('{', 'f')).toThrow(/not JSON/);
  });

  it('refuses a file too large to be a state file', async () => {
    const at = join(dir, 'c');
    await writeNetworkState(state(at));
    await writeFile(stateFilePath(at), ' '.repeat(300 * 1024));
    await expect(readNetworkState(at)).rejects.toMatchObject({ code: 'STATE_INVALID' });
  });
});

describe('the record of started parts', () => {
  it('is empty when nothing was recorded', async () => {
    expect(await readStartedParts(join(dir, 'none'))).toEqual([]);
  });

  it('reads back the parts in the order they started', async () => {
    const at = join(dir, 'parts');
    const parts = [
      { kind: 'redis' as const, dataDir: join(at, 'redis') },
      { kind: 'chain' as const, stateDir: join(at, 'chain') },
      {
        kind: 'process' as const,
        name: 'miner-bob',
        pid: 4242,
        script: '/repo/apps/miner/dist/cli.js',
      },
    ];
    await writeStartedParts(at, parts);
    expect(await readStartedParts(at)).toEqual(parts);
  });

  it('refuses a record with a part it does not know', async () => {
    const at = join(dir, 'bad-parts');
    await writeStartedParts(at, []);
    await writeFile(
      join(at, 'parts.json'),
      JSON.stringify([{ kind: 'shell', command: 'rm -rf /' }]),
    );
    await expect(readStartedParts(at)).rejects.toMatchObject({ code: 'STATE_INVALID' });
  });
});
