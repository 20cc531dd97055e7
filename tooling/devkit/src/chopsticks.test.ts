import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import {
  ALICE_ADDRESS,
  ChopsticksError,
  type ChopsticksNode,
  chopsticksConfig,
  chopsticksHeadNumber,
  chopsticksNewBlocks,
  chopsticksRpc,
  ensureFirstBlock,
  startChopsticks,
} from './chopsticks.js';
import { chainSpecPath } from './shared-data.js';

const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const here = dirname(fileURLToPath(import.meta.url));

// A zombie (exited, not yet reaped by its parent) counts as gone.
function processAlive(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

describe('chopsticksConfig', () => {
  const base = {
    specPath: '/data/chain/spec.json',
    port: 0,
    buildBlockMode: 'Instant' as const,
    sudoKey: ALICE_ADDRESS,
    endowed: [{ address: BOB, freeRao: 5n }],
    runtimeLogLevel: 0,
  };

  it('sets the sudo key, the funded accounts and a loopback host', () => {
    const config = chopsticksConfig(base);
    expect(config).toMatchObject({
      genesis: '/data/chain/spec.json',
      host: '127.0.0.1',
      'build-block-mode': 'Instant',
      'import-storage': {
        Sudo: { Key: ALICE_ADDRESS },
        System: { Account: [[[BOB], { providers: 1, data: { free: '5' } }]] },
      },
    });
  });

  it('refuses a spec path with template delimiters, which chopsticks would evaluate', () => {
    expect(() =>
      chopsticksConfig({ ...base, specPath: ['/data/$', '{process.exit()}.json'].join('') }),
    ).toThrow(/template delimiters/);
    expect(() => chopsticksConfig({ ...base, specPath: '/data/<%= x %>.json' })).toThrow(
      ChopsticksError,
    );
  });

  it('refuses a relative spec path, an address that is not SS58 and a port out of range', () => {
    expect(() => chopsticksConfig({ ...base, specPath: 'spec.json' })).toThrow(/absolute/);
    expect(() => chopsticksConfig({ ...base, sudoKey: '0xdeadbeef' })).toThrow(/SS58/);
    expect(() => chopsticksConfig({ ...base, port: 70_000 })).toThrow(/port/);
    expect(() =>
      chopsticksConfig({ ...base, endowed: [{ address: BOB, freeRao: 2n ** 64n }] }),
    ).toThrow(/u64/);
  });
});

describe('startChopsticks', () => {
  let node: ChopsticksNode;
  let stateDir: string;

  beforeAll(async () => {
    node = await startChopsticks();
    stateDir = dirname(node.configPath);
  }, 90_000);

  afterAll(async () => {
    await node?.stop();
  });

  it('listens on a free loopback port and answers JSON-RPC with the Subtensor chain', async () => {
    expect(node.endpoint).toBe(`ws://127.0.0.1:${node.port}`);
    expect(node.port).toBeGreaterThan(0);
    expect(await chopsticksRpc(node.httpEndpoint, 'state_getRuntimeVersion')).toMatchObject({
      specName: 'node-subtensor',
      specVersion: 218,
    });
  });

  it('is at block #1 or later once started', async () => {
    expect(await chopsticksHeadNumber(node.httpEndpoint)).toBeGreaterThanOrEqual(1);
  });

  it('makes blocks on dev_newBlock', async () => {
    const before = await chopsticksHeadNumber(node.httpEndpoint);
    await chopsticksNewBlocks(node.httpEndpoint, 3);
    expect(await chopsticksHeadNumber(node.httpEndpoint)).toBe(before + 3);
  });

  it('makes block #1 when the chain is still at genesis', async () => {
    const genesis = await chopsticksRpc(node.httpEndpoint, 'chain_getBlockHash', [0]);
    await chopsticksRpc(node.httpEndpoint, 'dev_setHead', [genesis]);
    expect(await chopsticksHeadNumber(node.httpEndpoint)).toBe(0);
    await ensureFirstBlock(node.httpEndpoint);
    expect(await chopsticksHeadNumber(node.httpEndpoint)).toBe(1);
  });

  it('turns an RPC error answer into a ChopsticksError', async () => {
    await expect(chopsticksRpc(node.httpEndpoint, 'no_suchMethod')).rejects.toMatchObject({
      code: 'CHOPSTICKS_RPC_FAILED',
    });
  });

  it('refuses a port that is already taken', async () => {
    await expect(startChopsticks({ port: node.port })).rejects.toMatchObject({
      code: 'CHOPSTICKS_PORT_IN_USE',
    });
  });

  it('refuses a chain spec that does not exist', async () => {
    await expect(startChopsticks({ specPath: '/nonexistent/spec.json' })).rejects.toMatchObject({
      code: 'CHOPSTICKS_BAD_OPTION',
    });
  });

  it('stops: the process exits, the port is free and the temporary directory is gone', async () => {
    await node.stop();
    expect(processAlive(node.pid)).toBe(false);
    expect(existsSync(stateDir)).toBe(false);
    const server: Server = createServer();
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      server.listen(node.port, '127.0.0.1', () => resolveListen());
    });
    await new Promise((resolveClose) => server.close(resolveClose));
  });
});

describe('fold-chain-node', () => {
  const cli = resolve(here, 'cli', 'chain-node.ts');
  const run = (args: string[]) =>
    execa(process.execPath, ['--import', 'tsx', cli, ...args], { reject: false, timeout: 90_000 });
  let stateDir: string;

  beforeAll(async () => {
    stateDir = await mkdtemp(join(tmpdir(), 'fold-chain-node-test-'));
  });

  afterAll(async () => {
    await run(['stop', '--state-dir', stateDir]);
    await rm(stateDir, { recursive: true, force: true });
  });

  it('prints help with an example', async () => {
    const result = await run(['--help']);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toMatch(/Usage: fold-chain-node <start\|stop\|status>/);
    expect(result.stdout).toMatch(/Example:\n {2}fold-chain-node start/);
  });

  it('starts a detached node, reports it, starts no second one, and stops it', async () => {
    const started = await run(['start', '--state-dir', stateDir, '--json']);
    expect(started.exitCode).toBe(0);
    const state = JSON.parse(started.stdout) as { pid: number; endpoint: string; port: number };
    expect(state.endpoint).toBe(`ws://127.0.0.1:${state.port}`);
    expect(processAlive(state.pid)).toBe(true);

    const status = await run(['status', '--state-dir', stateDir, '--json']);
    expect(status.exitCode).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ running: true });
    expect(JSON.parse(status.stdout).headNumber).toBeGreaterThanOrEqual(1);

    const again = await run(['start', '--state-dir', stateDir, '--json']);
    expect(JSON.parse(again.stdout)).toMatchObject({ pid: state.pid, alreadyRunning: true });

    const stopped = await run(['stop', '--state-dir', stateDir, '--json']);
    expect(JSON.parse(stopped.stdout)).toEqual({ wasRunning: true, pid: state.pid });
    expect(processAlive(state.pid)).toBe(false);

    const after = await run(['status', '--state-dir', stateDir]);
    expect(after.exitCode).toBe(3);
    expect(after.stdout).toBe('not running');
  }, 120_000);

  it('rejects an unknown block mode with a usage error', async () => {
    const result = await run(['start', '--state-dir', stateDir, '--block-mode', 'Fast']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/--block-mode must be Instant, Batch or Manual/);
  });
});

// The default spec must be present for these tests: a missing one fails them, never skips.
it('finds the shared chain spec', () => {
  expect(existsSync(chainSpecPath())).toBe(true);
});
