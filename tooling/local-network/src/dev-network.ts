import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { relative, resolve } from 'node:path';
import { chopsticksHeadNumber } from '@fold/devkit';
import { LocalNetworkError } from './errors.js';
import {
  type LocalNetwork,
  type LocalNetworkOptions,
  startLocalNetwork,
  stopRecordedNetwork,
} from './network.js';
import { MINER_ROLES, VALIDATOR_ROLE } from './plan.js';
import { isAlive } from './service-process.js';
import { type NetworkState, readNetworkState, readStartedParts } from './state-file.js';

/** Default ports of the development network (the apps' own defaults where they have one). */
export const DEV_PORTS = { chain: 9944, api: 8093 } as const;

/** Options of {@link startDevNetwork}. */
export type DevNetworkOptions = Omit<LocalNetworkOptions, 'name' | 'detached' | 'openRead'>;

/**
 * Starts the development network: the local network of the main job, detached (it outlives
 * this process), with GET requests of the API open without a token and the dashboard at `/`.
 * Its state file is `<dir>/network.json`; {@link stopRecordedNetwork} stops it.
 * @throws {LocalNetworkError} PORT_IN_USE when a fixed port is taken; as startLocalNetwork
 */
export async function startDevNetwork(options: DevNetworkOptions): Promise<LocalNetwork> {
  for (const [what, port, flag] of [
    ['the chain', options.chainPort, '--chain-port'],
    ['the validator API', options.apiPort, '--api-port'],
    ['Redis', options.redisPort, '--redis-port'],
  ] as const) {
    if (port !== undefined && port !== 0 && !(await portIsFree(port))) {
      throw new LocalNetworkError(
        'PORT_IN_USE',
        `port ${port} on 127.0.0.1 is in use: stop what holds it, or give ${what} another port with ${flag} (0 picks a free one)`,
        { details: { port, field: flag } },
      );
    }
  }
  const network = await startLocalNetwork({
    ...options,
    name: 'dev',
    detached: true,
    openRead: true,
  });
  // The network runs on without this process; its chain client is this process's only.
  await network.client.close();
  return network;
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolvePort) => {
    const server = createServer();
    server.once('error', () => resolvePort(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolvePort(true)));
  });
}

/** One process of a network and whether it runs. */
export interface PartStatus {
  readonly name: string;
  readonly pid: number;
  readonly running: boolean;
}

/** What `fold-network status` reports. */
export interface NetworkStatus {
  readonly dir: string;
  /** Every recorded part runs and the validator's API answers. */
  readonly running: boolean;
  /** The endpoints, once the network had fully started. */
  readonly state: NetworkState | null;
  /** Parts recorded as started (also when start-up did not finish). */
  readonly recordedParts: number;
  readonly processes: readonly PartStatus[];
  readonly headNumber: number | null;
  readonly apiHealthy: boolean;
}

/**
 * The status of the network recorded in `dir`: each process, the chain's head, the API's
 * health. Changes nothing.
 * @throws {StateFileError} when a record is unreadable
 */
export async function networkStatus(dir: string): Promise<NetworkStatus> {
  const root = resolve(dir);
  const [state, parts] = await Promise.all([readNetworkState(root), readStartedParts(root)]);
  if (state === undefined) {
    return {
      dir: root,
      running: false,
      state: null,
      recordedParts: parts.length,
      processes: [],
      headNumber: null,
      apiHealthy: false,
    };
  }
  const processes: PartStatus[] = [
    { name: 'chain', pid: state.chain.pid, running: isAlive(state.chain.pid) },
    { name: 'redis', pid: state.redis.pid, running: isAlive(state.redis.pid) },
    {
      name: 'validator',
      pid: state.validator.pid,
      running: runs(state.validator.pid, state.validator.script),
    },
    ...state.miners.map((m) => ({
      name: `miner ${m.name}`,
      pid: m.pid,
      running: runs(m.pid, m.script),
    })),
  ];
  const headNumber = await chopsticksHeadNumber(state.chain.httpEndpoint).catch(() => null);
  const apiHealthy = await fetch(`${state.validator.apiUrl}/api/health`, {
    signal: AbortSignal.timeout(5_000),
  })
    .then((r) => r.ok)
    .catch(() => false);
  return {
    dir: root,
    running: processes.every((p) => p.running) && apiHealthy && headNumber !== null,
    state,
    recordedParts: parts.length,
    processes,
    headNumber,
    apiHealthy,
  };
}

function runs(pid: number, script: string): boolean {
  if (!isAlive(pid)) return false;
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').includes(script);
  } catch {
    return false;
  }
}

/** The endpoints of a running network, for a person. `cwd` shortens paths. Pure. */
export function renderEndpoints(state: NetworkState, cwd: string): string {
  const path = (p: string) => {
    const rel = relative(cwd, p);
    return rel.startsWith('..') ? p : rel;
  };
  const v = state.validator;
  const lines = [
    `chain       ${state.chain.endpoint} (netuid ${state.netuid})`,
    `redis       ${state.redis.url}`,
    `API         ${v.apiUrl} (token ${v.token}; GET open on a dev network)`,
    `metrics     ${v.metricsUrl}`,
    ...(v.dashboardUrl === null ? [] : [`dashboard   ${v.dashboardUrl}`]),
    `validator   ${VALIDATOR_ROLE.uri} uid ${v.uid}, log ${path(v.logPath)}`,
    ...state.miners.map((m) => {
      const uri = MINER_ROLES.find((r) => r.name === m.name)?.uri ?? m.hotkey;
      return `miner       ${uri} uid ${m.uid}, axon ${m.axonIp}:${m.axonPort}, log ${path(m.logPath)}`;
    }),
  ];
  return `${lines.join('\n')}\n`;
}

/** The status for a person. Pure. */
export function renderStatus(status: NetworkStatus, cwd: string): string {
  if (status.state === null) {
    return status.recordedParts > 0
      ? `no network running in ${status.dir}, but ${status.recordedParts} part(s) of one that did not finish starting are recorded: run \`fold-network down\`\n`
      : `no network running in ${status.dir}\n`;
  }
  const lines = [
    `network "${status.state.name}" started ${status.state.startedAt}: ${status.running ? 'running' : 'NOT fully running'}` +
      `${status.headNumber === null ? '' : `, block #${status.headNumber}`}, API ${status.apiHealthy ? 'healthy' : 'not answering'}`,
    ...status.processes.map(
      (p) =>
        `  ${p.name.padEnd(14)} pid ${String(p.pid).padEnd(8)} ${p.running ? 'running' : 'stopped'}`,
    ),
    '',
    renderEndpoints(status.state, cwd).trimEnd(),
  ];
  return `${lines.join('\n')}\n`;
}
