import { join } from 'node:path';
import { bootstrapLocalSubnet, ChainClient } from '@fold/chain-client';
import {
  type ChopsticksNode,
  pdbMirrorDir,
  type RedisServerHandle,
  startChopsticks,
  startRedisServer,
} from '@fold/devkit';
import { type CliProcess, MINER_CLI, startCli, VALIDATOR_CLI } from './processes.js';

// A whole fold network on one machine, every part real: a Subtensor chain (chopsticks running
// the real runtime), Redis, two honest fold-miner processes (//Bob and //Charlie, one core
// each, axons served on chain) and fold-validator (//Alice) serving the dashboard's build.

/** SS58 addresses of the development keys. */
export const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
export const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
export const CHARLIE = '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y';

/** Options of {@link startLocalNetwork}. */
export interface LocalNetworkOptions {
  /** Scratch directory of the miners' and the validator's files and logs (`<name>.log`). */
  readonly dir: string;
  /** What the validator serves at `/` (the dashboard's build). */
  readonly staticDir: string;
  /** The validator's content cache of job preparations (kept between runs). */
  readonly pdbCacheDir: string;
  /** The validator's API token. */
  readonly token: string;
  /** Let GET requests through without a token. */
  readonly openRead: boolean;
}

/** A running {@link startLocalNetwork}. */
export interface LocalNetwork {
  /** The validator's origin, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  readonly netuid: number;
  /** uid of each miner hotkey. */
  readonly uids: Readonly<Record<string, number>>;
  readonly processes: readonly CliProcess[];
  /** Stops every process and service, newest first. */
  stop(): Promise<void>;
}

function minerArgs(
  name: string,
  host: string,
  core: number,
  chain: string,
  netuid: number,
  redis: string,
  dir: string,
): string[] {
  return [
    'run',
    '--axon-host',
    host,
    '--axon-port',
    '0',
    '--external-ip',
    host,
    '--serve-axon',
    '--chain-endpoint',
    chain,
    '--netuid',
    String(netuid),
    // A fresh subnet has no validator permits before its first epoch: admit //Alice by name.
    '--dev-allow',
    ALICE,
    '--redis-url',
    redis,
    '--redis-prefix',
    `fold:miner:${name}`,
    '--work-dir',
    join(dir, name),
    '--cpus',
    '1',
    '--cpu-slots',
    '1',
    '--first-core',
    String(core),
    '--commit-interval-seconds',
    '0',
    '--log-level',
    'info',
  ];
}

/** Starts the network; on failure, stops what had started and rethrows. */
export async function startLocalNetwork(options: LocalNetworkOptions): Promise<LocalNetwork> {
  const started: { stop(): Promise<void> }[] = [];
  const processes: CliProcess[] = [];
  const stop = async () => {
    for (const part of started.reverse()) await part.stop();
  };
  try {
    const [redis, chain]: [RedisServerHandle, ChopsticksNode] = await Promise.all([
      startRedisServer(),
      startChopsticks(),
    ]);
    started.push(redis, chain);
    const client = await ChainClient.connect({
      endpoint: chain.endpoint,
      revealStorePath: join(options.dir, 'reveals.json'),
    });
    started.push({ stop: () => client.close() });
    const boot = await bootstrapLocalSubnet(client, {
      owner: '//Alice',
      hotkeys: ['//Bob', '//Charlie'],
      tempo: 10,
    });

    const miners = [
      { name: 'bob', uri: '//Bob', host: '127.0.0.2', core: 0 },
      { name: 'charlie', uri: '//Charlie', host: '127.0.0.3', core: 1 },
    ].map((m) => {
      const process = startCli(
        `miner ${m.name}`,
        MINER_CLI,
        minerArgs(m.name, m.host, m.core, chain.endpoint, boot.netuid, redis.url, options.dir),
        { FOLD_MINER_HOTKEY_URI: m.uri },
        join(options.dir, `miner-${m.name}.log`),
      );
      processes.push(process);
      started.push(process);
      return process;
    });
    await Promise.all(
      miners.map((m) =>
        m.waitForLog('the miner to start', (r) => r.msg === 'miner started', 120_000),
      ),
    );

    const validator = startCli(
      'validator',
      VALIDATOR_CLI,
      [
        'run',
        '--chain-endpoint',
        chain.endpoint,
        '--netuid',
        String(boot.netuid),
        '--redis-url',
        redis.url,
        '--work-dir',
        join(options.dir, 'validator'),
        '--pdb-dir',
        pdbMirrorDir(),
        '--pdb-cache-dir',
        options.pdbCacheDir,
        '--queue-size',
        '0',
        '--miners-per-job',
        '2',
        '--query-interval-seconds',
        '2',
        '--query-timeout-seconds',
        '20',
        '--weights-check-seconds',
        '2',
        '--weights-interval-blocks',
        '1',
        '--energy-interval-steps',
        '100',
        '--api-port',
        '0',
        '--static-dir',
        options.staticDir,
        ...(options.openRead ? ['--api-open-read'] : []),
        '--log-level',
        'debug',
      ],
      { FOLD_VALIDATOR_HOTKEY_URI: '//Alice', FOLD_VALIDATOR_API_TOKENS: options.token },
      join(options.dir, 'validator.log'),
    );
    processes.push(validator);
    started.push(validator);
    const ready = await validator.waitForLog(
      'the validator to start',
      (r) => r.event === 'validator.started',
      120_000,
    );
    const port = (ready.api as { port: number }).port;
    return {
      url: `http://127.0.0.1:${port}`,
      netuid: boot.netuid,
      uids: boot.uids,
      processes,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
