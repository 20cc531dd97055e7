import { readFileSync } from 'node:fs';
import { mkdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bootstrapLocalSubnet, ChainClient } from '@fold/chain-client';
import {
  pdbMirrorDir,
  startChopsticksDaemon,
  startRedisDaemon,
  stopChopsticksDaemon,
  stopRedisDaemon,
} from '@fold/devkit';
import { InterruptedError, LocalNetworkError } from './errors.js';
import { builtCli, dashboardBuildDir, defaultPreparationCacheDir } from './paths.js';
import type { PhaseClock } from './phases.js';
import {
  DEV_API_TOKEN,
  MINER_ROLES,
  type MinerRole,
  minerArgs,
  minerCpuPlan,
  minerEnv,
  VALIDATOR_ROLE,
  validatorArgs,
  validatorEnv,
} from './plan.js';
import {
  groupMembers,
  isAlive,
  killGroup,
  type ServiceProcess,
  signalGroup,
  startServiceProcess,
} from './service-process.js';
import {
  type NetworkState,
  readStartedParts,
  removeNetworkState,
  removeStartedParts,
  type StartedPart,
  writeNetworkState,
  writeStartedParts,
} from './state-file.js';

/** Options of {@link startLocalNetwork}. */
export interface LocalNetworkOptions {
  /** The network's directory (logs, Redis data, work directories, state); emptied at start. */
  readonly dir: string;
  /** Name recorded in the state file (`demo`, `dev`). */
  readonly name: string;
  /** Content cache of job preparations; default `.fold/cache/preparations` of the workspace. */
  readonly preparationCacheDir?: string;
  /** Chain WebSocket port; 0 (default) picks a free one. */
  readonly chainPort?: number;
  /** Redis port; 0 (default) picks a free one. */
  readonly redisPort?: number;
  /** Validator API port; 0 (default) lets the validator pick a free one. */
  readonly apiPort?: number;
  /** The API's bearer token; default {@link DEV_API_TOKEN}. */
  readonly token?: string;
  /** Let GET requests of the API through without a token (loopback only). Default false. */
  readonly openRead?: boolean;
  /** Serve the dashboard's build at `/` when it has been built. Default true. */
  readonly dashboard?: boolean;
  /** Log level of the miners and the validator; default `info`. */
  readonly logLevel?: string;
  /** CPUs the miners share; default all of this machine's. */
  readonly cpuCount?: number;
  /** Whether the network outlives this process (`fold-network up`). Default false. */
  readonly detached?: boolean;
  /** Times the start-up phases (`chain`, `subnet`, `miners`, `validator`). */
  readonly phases?: PhaseClock;
  /** Called with a line about each step of the start-up. */
  readonly onStep?: (message: string) => void;
  /** Aborting stops the start-up: what had started is stopped and InterruptedError thrown. */
  readonly signal?: AbortSignal;
}

/** A running local network. */
export interface LocalNetwork {
  readonly state: NetworkState;
  /** A chain client of this process (reads, weights read-back). */
  readonly client: ChainClient;
  readonly validator: ServiceProcess;
  /** The miner processes by name (`bob`, `charlie`); replaced by {@link restartMiner}. */
  readonly miners: ReadonlyMap<string, ServiceProcess>;
  /** Names of miners killed on purpose and not started again (their exit is expected). */
  readonly killedMiners: ReadonlySet<string>;
  /** Kills a miner and its simulations at once (SIGKILL to its process group), as a crash. */
  killMiner(name: string): Promise<void>;
  /** Starts a killed miner again with the same settings (work directory, axon, hotkey). */
  restartMiner(name: string): Promise<ServiceProcess>;
  /** The first process of the network that exited without being asked to, if any. */
  crashed(): ServiceProcess | undefined;
  /**
   * Stops everything, newest first: the validator, the miners (their simulations checkpoint),
   * the chain client, the chain, Redis; then removes the state file. Safe to call twice.
   * @throws {LocalNetworkError} STOP_FAILED naming what could not be stopped
   */
  stop(): Promise<void>;
}

/** How a miner of the network is started (kept to start it again). */
interface MinerSpec {
  readonly role: MinerRole;
  readonly axonPort: number;
  readonly workDir: string;
  readonly uid: number;
  readonly logPath: string;
  readonly args: readonly string[];
}

const START_TIMEOUT_MS = 180_000;
const PROCESS_STOP_GRACE_MS = 60_000;

/**
 * Starts a whole fold network on this machine: Redis and a local Subtensor chain (chopsticks
 * on the real runtime) as detached daemons, a subnet owned by //Alice with //Bob and //Charlie
 * registered, two `fold-miner` processes serving axons on 127.0.0.2 and 127.0.0.3 (registered
 * on chain), and `fold-validator` (//Alice) with its API on 127.0.0.1. Every part is recorded
 * in `<dir>/parts.json` the moment it starts and, once all run, the endpoints in
 * `<dir>/network.json`. On failure, everything that had started is stopped before the error
 * is thrown.
 * @throws {LocalNetworkError} CLI_NOT_BUILT, PORT_IN_USE, PROCESS_EXITED, NETWORK_TIMEOUT
 * @throws {MissingSharedDataError} when the chain spec or the PDB mirror is missing
 */
export async function startLocalNetwork(options: LocalNetworkOptions): Promise<LocalNetwork> {
  const dir = resolve(options.dir);
  const step = options.onStep ?? (() => {});
  const phases = options.phases;
  const minerCli = builtCli('@fold/miner');
  const validatorCli = builtCli('@fold/validator');
  const pdbDir = pdbMirrorDir();
  const token = options.token ?? DEV_API_TOKEN;
  const logLevel = options.logLevel ?? 'info';
  const cacheDir = resolve(options.preparationCacheDir ?? defaultPreparationCacheDir());
  const staticDir = options.dashboard === false ? undefined : dashboardBuildDir();

  const existing = await readStartedParts(dir);
  if (existing.length > 0) {
    throw new LocalNetworkError(
      'ALREADY_RUNNING',
      `${dir} holds a network that was not stopped: run \`fold-network down --dir ${dir}\` first`,
      { details: { dir } },
    );
  }
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await mkdir(cacheDir, { recursive: true });

  const signal = options.signal;
  const checkAborted = () => {
    if (signal?.aborted) throw new InterruptedError(String(signal.reason ?? 'signal'));
  };
  const parts: StartedPart[] = [];
  const record = async (part: StartedPart) => {
    parts.push(part);
    await writeStartedParts(dir, parts);
  };
  let client: ChainClient | undefined;
  const processes: ServiceProcess[] = [];
  const abort = async (error: unknown): Promise<never> => {
    step('start-up failed: stopping what had started');
    await client?.close().catch(() => {});
    await stopParts(dir, parts).catch(() => {});
    throw error;
  };

  try {
    // Redis and the chain: detached daemons in their own process groups, so that a Ctrl-C in
    // the terminal reaches this process only, which then stops them after the apps.
    phases?.start('chain');
    const redisDir = join(dir, 'redis');
    const chainDir = join(dir, 'chain');
    await record({ kind: 'redis', dataDir: redisDir });
    await record({ kind: 'chain', stateDir: chainDir });
    step('starting Redis and the local chain');
    const [redis, chain] = await Promise.all([
      startRedisDaemon({
        dataDir: redisDir,
        port: options.redisPort ?? 0,
        appendFsync: 'everysec',
      }),
      startChopsticksDaemon({ stateDir: chainDir, port: options.chainPort ?? 0 }),
    ]);
    const redisUrl = `redis://127.0.0.1:${redis.state.port}`;
    checkAborted();
    phases?.end('chain');
    step(`chain at ${chain.state.endpoint}, Redis at ${redisUrl}`);

    phases?.start('subnet');
    client = await ChainClient.connect({
      endpoint: chain.state.endpoint,
      revealStorePath: join(dir, 'pending-reveals.json'),
    });
    const boot = await bootstrapLocalSubnet(client, {
      owner: VALIDATOR_ROLE.uri,
      hotkeys: MINER_ROLES.map((m) => m.uri),
      tempo: 10,
    });
    const netuid = boot.netuid;
    const validatorUid = await client.uidOf(netuid, VALIDATOR_ROLE.address);
    const minerUids = MINER_ROLES.map((m) => boot.uids[m.address]);
    if (validatorUid === undefined || minerUids.some((u) => u === undefined)) {
      throw new LocalNetworkError(
        'NETWORK_TIMEOUT',
        `the hotkeys are not all registered on subnet ${netuid}`,
        {
          details: { netuid },
        },
      );
    }
    checkAborted();
    phases?.end('subnet');
    step(
      `subnet ${netuid}: validator //Alice uid ${validatorUid}, ${MINER_ROLES.map((m, i) => `${m.uri} uid ${minerUids[i]}`).join(', ')}`,
    );

    phases?.start('miners');
    const cpuPlan = minerCpuPlan(options.cpuCount ?? availableParallelism(), MINER_ROLES.length);
    const minerSpecs: MinerSpec[] = await Promise.all(
      MINER_ROLES.map(async (role, i): Promise<MinerSpec> => {
        const axonPort = await freePort(role.host);
        const workDir = join(dir, `miner-${role.name}`);
        const plan = cpuPlan[i] ?? { cpus: 1, firstCore: 0 };
        return {
          role,
          axonPort,
          workDir,
          uid: minerUids[i] as number,
          logPath: join(dir, `miner-${role.name}.log`),
          args: minerArgs({
            role,
            axonPort,
            chainEndpoint: chain.state.endpoint,
            netuid,
            redisUrl,
            workDir,
            cpus: plan.cpus,
            firstCore: plan.firstCore,
            logLevel,
          }),
        };
      }),
    );
    const miners = new Map<string, ServiceProcess>();
    const spawnMiner = async (spec: MinerSpec): Promise<ServiceProcess> => {
      const process = startServiceProcess({
        name: `miner ${spec.role.name}`,
        script: minerCli,
        args: spec.args,
        env: minerEnv(spec.role),
        logPath: spec.logPath,
      });
      processes.push(process);
      miners.set(spec.role.name, process);
      await record({
        kind: 'process',
        name: `miner-${spec.role.name}`,
        pid: process.pid,
        script: minerCli,
      });
      return process;
    };
    step('starting the miners');
    for (const spec of minerSpecs) await spawnMiner(spec);
    await Promise.all(
      minerSpecs.map((spec) =>
        miners
          .get(spec.role.name)
          ?.waitForRecord(
            'the miner to start',
            (r) => r.msg === 'miner started',
            START_TIMEOUT_MS,
            signal,
          ),
      ),
    );
    phases?.end('miners');
    step(`miners serving at ${minerSpecs.map((s) => `${s.role.host}:${s.axonPort}`).join(', ')}`);

    phases?.start('validator');
    const validatorLog = join(dir, 'validator.log');
    const validatorWorkDir = join(dir, 'validator');
    const validator = startServiceProcess({
      name: 'validator',
      script: validatorCli,
      args: validatorArgs({
        chainEndpoint: chain.state.endpoint,
        netuid,
        redisUrl,
        workDir: validatorWorkDir,
        pdbDir,
        pdbCacheDir: cacheDir,
        apiPort: options.apiPort ?? 0,
        ...(staticDir === undefined ? {} : { staticDir }),
        openRead: options.openRead ?? false,
        logLevel,
      }),
      env: validatorEnv(token),
      logPath: validatorLog,
    });
    processes.push(validator);
    await record({ kind: 'process', name: 'validator', pid: validator.pid, script: validatorCli });
    step('starting the validator');
    const started = await validator.waitForRecord(
      'the validator to start',
      (r) => r.event === 'validator.started',
      START_TIMEOUT_MS,
      signal,
    );
    const apiPort = (started.api as { port?: unknown } | null)?.port;
    if (typeof apiPort !== 'number') {
      throw new LocalNetworkError('NETWORK_BAD_OPTION', 'the validator started without an API', {
        details: { file: validatorLog },
      });
    }
    const apiUrl = `http://127.0.0.1:${apiPort}`;
    phases?.end('validator');
    step(`validator API at ${apiUrl}`);

    const state: NetworkState = {
      version: 1,
      name: options.name,
      dir,
      startedAt: new Date().toISOString(),
      ownerPid: options.detached === true ? null : process.pid,
      netuid,
      chain: {
        pid: chain.state.pid,
        endpoint: chain.state.endpoint as NetworkState['chain']['endpoint'],
        httpEndpoint: chain.state.httpEndpoint,
        stateDir: chainDir,
      },
      redis: { pid: redis.state.pid, url: redisUrl, dataDir: redisDir },
      validator: {
        name: 'validator',
        pid: validator.pid,
        script: validatorCli,
        hotkey: VALIDATOR_ROLE.address,
        uid: validatorUid,
        logPath: validatorLog,
        workDir: validatorWorkDir,
        apiUrl,
        metricsUrl: `${apiUrl}/metrics`,
        dashboardUrl: staticDir === undefined ? null : `${apiUrl}/`,
        token,
      },
      miners: minerSpecs.map((spec) => ({
        name: spec.role.name,
        pid: miners.get(spec.role.name)?.pid ?? 0,
        script: minerCli,
        hotkey: spec.role.address,
        uid: spec.uid,
        logPath: spec.logPath,
        workDir: spec.workDir,
        axonIp: spec.role.host,
        axonPort: spec.axonPort,
      })),
    };
    await writeNetworkState(state);
    return makeNetwork({ dir, state, client, validator, miners, minerSpecs, spawnMiner, parts });
  } catch (error) {
    return abort(error);
  }
}

function makeNetwork(input: {
  dir: string;
  state: NetworkState;
  client: ChainClient;
  validator: ServiceProcess;
  miners: Map<string, ServiceProcess>;
  minerSpecs: readonly MinerSpec[];
  spawnMiner: (spec: MinerSpec) => Promise<ServiceProcess>;
  parts: StartedPart[];
}): LocalNetwork {
  const { dir, client, validator, miners, parts } = input;
  let state = input.state;
  const killed = new Set<string>();
  let stopping: Promise<void> | undefined;
  const { spawnMiner } = input;
  const network: LocalNetwork = {
    get state() {
      return state;
    },
    client,
    validator,
    miners,
    killedMiners: killed,
    async killMiner(name) {
      const miner = miners.get(name);
      if (miner === undefined) throw unknownMiner(name);
      killed.add(name);
      await miner.kill();
    },
    async restartMiner(name) {
      const spec = input.minerSpecs.find((s) => s.role.name === name);
      const old = miners.get(name);
      if (spec === undefined || old === undefined) throw unknownMiner(name);
      if (old.exit === undefined) await old.kill();
      const index = parts.findIndex((p) => p.kind === 'process' && p.pid === old.pid);
      if (index >= 0) parts.splice(index, 1);
      const fresh = await spawnMiner(spec);
      await fresh.waitForRecord(
        'the miner to start',
        (r) => r.msg === 'miner started',
        START_TIMEOUT_MS,
      );
      killed.delete(name);
      state = {
        ...state,
        miners: state.miners.map((m) => (m.name === name ? { ...m, pid: fresh.pid } : m)),
      };
      await writeNetworkState(state);
      return fresh;
    },
    crashed() {
      if (validator.exit !== undefined) return validator;
      for (const [name, miner] of miners)
        if (!killed.has(name) && miner.exit !== undefined) return miner;
      return undefined;
    },
    stop() {
      stopping ??= (async () => {
        const failures: string[] = [];
        await client
          .close()
          .catch((error: unknown) => failures.push(`chain client: ${String(error)}`));
        try {
          await stopParts(dir, parts);
        } catch (error) {
          failures.push((error as Error).message);
        }
        if (failures.length > 0) {
          throw new LocalNetworkError(
            'STOP_FAILED',
            `could not stop everything: ${failures.join('; ')}`,
            {
              details: { dir },
            },
          );
        }
      })();
      return stopping;
    },
  };
  return network;
}

function unknownMiner(name: string): LocalNetworkError {
  return new LocalNetworkError('NETWORK_BAD_OPTION', `no miner named ${JSON.stringify(name)}`, {
    details: { field: 'miner' },
  });
}

/**
 * Stops the parts of a network, newest first (validator, miners, chain, Redis), each whatever
 * happened to the others, then removes the network's records. A process is signalled only
 * while its command line still names the recorded CLI (its pid may have been reused).
 * @throws {LocalNetworkError} STOP_FAILED naming what could not be stopped
 */
export async function stopParts(dir: string, parts: readonly StartedPart[]): Promise<void> {
  const failures: string[] = [];
  const ordered = [...parts].reverse();
  // The apps first, all at once: each checkpoints its work and exits.
  const processes = ordered.filter((p) => p.kind === 'process');
  const validatorFirst = [
    ...processes.filter((p) => p.name === 'validator'),
    ...processes.filter((p) => p.name !== 'validator'),
  ];
  for (const group of [validatorFirst.slice(0, 1), validatorFirst.slice(1)]) {
    await Promise.all(
      group.map(async (part) => {
        try {
          await stopRecordedProcess(part.pid, part.script, PROCESS_STOP_GRACE_MS);
        } catch (error) {
          failures.push(`${part.name}: ${(error as Error).message}`);
        }
      }),
    );
  }
  for (const part of ordered) {
    try {
      if (part.kind === 'chain') await stopChopsticksDaemon(part.stateDir);
      if (part.kind === 'redis') await stopRedisDaemon(part.dataDir);
    } catch (error) {
      failures.push(`${part.kind}: ${(error as Error).message}`);
    }
  }
  if (failures.length > 0) {
    throw new LocalNetworkError(
      'STOP_FAILED',
      `could not stop everything: ${failures.join('; ')}`,
      {
        details: { dir },
      },
    );
  }
  await removeNetworkState(dir);
  await removeStartedParts(dir);
}

/**
 * Stops a recorded CLI process: SIGTERM, then SIGKILL to its group after `graceMs`, then
 * whatever is left of its group. Nothing when it is gone or its pid now runs something else.
 */
export async function stopRecordedProcess(
  pid: number,
  script: string,
  graceMs: number,
): Promise<void> {
  if (isAlive(pid) && runsScript(pid, script)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (isAlive(pid)) {
      if (Date.now() > deadline) {
        signalGroup(pid, 'SIGKILL');
        break;
      }
      await sleep(100);
    }
  }
  // The group outlives its leader while an mdrun of it runs.
  if (groupMembers(pid).length > 0) await killGroup(pid);
}

function runsScript(pid: number, script: string): boolean {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(script);
  } catch {
    return false;
  }
}

/** A free TCP port on `host` (a loopback address), from the kernel. */
export async function freePort(host: string): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/**
 * Stops the network recorded in `dir` (its `parts.json`), whichever process started it.
 * Returns how many parts were recorded.
 * @throws {LocalNetworkError} STOP_FAILED
 * @throws {StateFileError} when the record is unreadable
 */
export async function stopRecordedNetwork(dir: string): Promise<number> {
  const parts = await readStartedParts(resolve(dir));
  await stopParts(resolve(dir), parts);
  return parts.length;
}

/** Reads a log file's last `lines` lines (empty when it is missing). */
export async function readLogTail(path: string, lines = 20): Promise<string> {
  try {
    return (await readFile(path, 'utf8'))
      .split('\n')
      .slice(-lines - 1)
      .join('\n');
  } catch {
    return '';
  }
}
