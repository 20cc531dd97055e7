import { LocalNetworkError } from './errors.js';

// What the local network runs, as data: the development keys and their roles, and the command
// lines of fold-miner and fold-validator. Pure, so that the flags can be checked against the
// CLIs' `--help` in a test without starting anything.

/** //Alice: subnet owner and validator. */
export const ALICE_ADDRESS = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
/** //Bob: the first miner. */
export const BOB_ADDRESS = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
/** //Charlie: the second miner. */
export const CHARLIE_ADDRESS = '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y';

/** A miner of the local network. */
export interface MinerRole {
  /** Short name: process name, log file and work directory. */
  readonly name: string;
  /** Development key URI of its hotkey. */
  readonly uri: string;
  /** SS58 address of that hotkey. */
  readonly address: string;
  /**
   * Loopback address its axon listens on and registers on chain: the runtime refuses 127.0.0.1
   * (`InvalidIpAddress`), and Linux routes all of 127/8 to loopback.
   */
  readonly host: string;
}

/** The validator of the local network. */
export const VALIDATOR_ROLE = {
  name: 'validator',
  uri: '//Alice',
  address: ALICE_ADDRESS,
} as const;

/** The two miners, in uid order of their registration. */
export const MINER_ROLES: readonly MinerRole[] = [
  { name: 'bob', uri: '//Bob', address: BOB_ADDRESS, host: '127.0.0.2' },
  { name: 'charlie', uri: '//Charlie', address: CHARLIE_ADDRESS, host: '127.0.0.3' },
];

/**
 * The API token of a local network. A well-known development value, like the keys: the API
 * listens on loopback only.
 */
export const DEV_API_TOKEN = 'fold-local-network-token';

/**
 * Timings of the local network, far shorter than a public network's defaults so that one short
 * job goes from submission to weights within minutes.
 */
export const LOCAL_TIMING = {
  /** Progress rounds (default 300 s). */
  queryIntervalSeconds: 2,
  /** A query waits this long for a busy miner on 2 shared cores. */
  queryTimeoutSeconds: 20,
  /** Weights are checked this often and set whenever a block has passed (default: a tempo). */
  weightsCheckSeconds: 2,
  weightsIntervalBlocks: 1,
  /** A validator task of a killed process runs again after this long. */
  taskLockSeconds: 10,
  /**
   * Failed queries before a miner is dropped from its jobs: high enough that a miner killed
   * and restarted (checkpoint, lock expiry, start-up) keeps its job.
   */
  maxFailedQueries: 40,
  /** A dead miner's simulation is resumed after this long (default 30 s). */
  minerLockDurationMs: 10_000,
  minerStalledIntervalMs: 2_000,
  /** Checkpoints every 6 s, so that a killed miner loses little work. */
  checkpointIntervalMinutes: 0.1,
} as const;

/** The CPUs each miner gets: the machine split in two, at least one each. Pure. */
export function minerCpuPlan(
  cpuCount: number,
  minerCount: number,
): { cpus: number; firstCore: number }[] {
  if (!Number.isInteger(cpuCount) || cpuCount < 1) {
    throw new LocalNetworkError('NETWORK_BAD_OPTION', `cpu count must be ≥ 1, got ${cpuCount}`, {
      details: { field: 'cpuCount' },
    });
  }
  const cpus = Math.max(1, Math.floor(cpuCount / minerCount));
  return Array.from({ length: minerCount }, (_, i) => ({ cpus, firstCore: (i * cpus) % cpuCount }));
}

/** What {@link minerArgs} needs. */
export interface MinerArgsInput {
  readonly role: MinerRole;
  readonly axonPort: number;
  readonly chainEndpoint: string;
  readonly netuid: number;
  readonly redisUrl: string;
  readonly workDir: string;
  readonly cpus: number;
  readonly firstCore: number;
  readonly logLevel: string;
}

/**
 * `fold-miner` arguments for a miner of the local network. The hotkey travels in the
 * environment ({@link minerEnv}), never on the command line. Pure.
 */
export function minerArgs(input: MinerArgsInput): string[] {
  return [
    'run',
    '--chain-endpoint',
    input.chainEndpoint,
    '--netuid',
    String(input.netuid),
    '--serve-axon',
    '--axon-host',
    input.role.host,
    '--axon-port',
    String(input.axonPort),
    '--external-ip',
    input.role.host,
    // A fresh subnet grants validator permits only at its first epoch: admit //Alice by name.
    '--dev-allow',
    VALIDATOR_ROLE.address,
    '--redis-url',
    input.redisUrl,
    '--work-dir',
    input.workDir,
    '--cpus',
    String(input.cpus),
    '--first-core',
    String(input.firstCore),
    '--cpu-slots',
    '1',
    '--checkpoint-interval-minutes',
    String(LOCAL_TIMING.checkpointIntervalMinutes),
    '--lock-duration-ms',
    String(LOCAL_TIMING.minerLockDurationMs),
    '--stalled-interval-ms',
    String(LOCAL_TIMING.minerStalledIntervalMs),
    '--log-level',
    input.logLevel,
  ];
}

/** The environment of a miner process: its hotkey. */
export function minerEnv(role: MinerRole): Record<string, string> {
  return { FOLD_MINER_HOTKEY_URI: role.uri };
}

/** What {@link validatorArgs} needs. */
export interface ValidatorArgsInput {
  readonly chainEndpoint: string;
  readonly netuid: number;
  readonly redisUrl: string;
  readonly workDir: string;
  readonly pdbDir: string;
  /** Content cache of preparations, kept between runs. */
  readonly pdbCacheDir: string;
  readonly apiPort: number;
  /** The dashboard's build, served at `/` when given. */
  readonly staticDir?: string;
  /** GET requests without a token (loopback only). */
  readonly openRead: boolean;
  readonly logLevel: string;
}

/**
 * `fold-validator` arguments for the local network's validator: jobs only from the API (no
 * sampling), two miners per job, the short {@link LOCAL_TIMING}. Pure.
 */
export function validatorArgs(input: ValidatorArgsInput): string[] {
  return [
    'run',
    '--chain-endpoint',
    input.chainEndpoint,
    '--netuid',
    String(input.netuid),
    '--redis-url',
    input.redisUrl,
    '--work-dir',
    input.workDir,
    '--pdb-source',
    'mirror',
    '--pdb-dir',
    input.pdbDir,
    '--pdb-cache-dir',
    input.pdbCacheDir,
    '--queue-size',
    '0',
    '--miners-per-job',
    String(MINER_ROLES.length),
    '--query-interval-seconds',
    String(LOCAL_TIMING.queryIntervalSeconds),
    '--query-timeout-seconds',
    String(LOCAL_TIMING.queryTimeoutSeconds),
    '--max-failed-queries',
    String(LOCAL_TIMING.maxFailedQueries),
    '--weights-check-seconds',
    String(LOCAL_TIMING.weightsCheckSeconds),
    '--weights-interval-blocks',
    String(LOCAL_TIMING.weightsIntervalBlocks),
    '--task-lock-seconds',
    String(LOCAL_TIMING.taskLockSeconds),
    '--api-host',
    '127.0.0.1',
    '--api-port',
    String(input.apiPort),
    ...(input.openRead ? ['--api-open-read'] : []),
    ...(input.staticDir === undefined ? [] : ['--static-dir', input.staticDir]),
    '--log-level',
    input.logLevel,
  ];
}

/** The environment of the validator process: its hotkey and API token. */
export function validatorEnv(token: string): Record<string, string> {
  return { FOLD_VALIDATOR_HOTKEY_URI: VALIDATOR_ROLE.uri, FOLD_VALIDATOR_API_TOKENS: token };
}
