#!/usr/bin/env node
import { join, resolve } from 'node:path';
import { Command, InvalidArgumentError, Option } from 'commander';
import {
  DEV_PORTS,
  networkStatus,
  renderEndpoints,
  renderStatus,
  startDevNetwork,
} from './dev-network.js';
import { LocalNetworkError } from './errors.js';
import { type JobRequest, MAIN_JOB, runMainJob } from './main-job.js';
import { stopRecordedNetwork } from './network.js';
import { defaultNetworksDir } from './paths.js';
import { createReporter } from './reporter.js';
import { signalGroup } from './service-process.js';
import { readStartedParts } from './state-file.js';
import { renderSummary } from './summary.js';

const EXAMPLES = `
Examples:
  # the main job: a whole network on this machine, one 1L2Y job to weights on chain
  fold-network demo

  # a development network that stays up (API, metrics, dashboard), then its endpoints, then stop
  fold-network up && fold-network status && fold-network down

  # the main job with a longer production stage, its summary as JSON
  fold-network demo --md-steps 5000 --json > summary.json`;

const EXIT_INTERRUPTED = 130;
const EXIT_NOT_RUNNING = 3;

function integer(name: string, min: number, max: number) {
  return (text: string): number => {
    if (!/^\d{1,9}$/.test(text) || Number(text) < min || Number(text) > max) {
      throw new InvalidArgumentError(`${name} must be an integer from ${min} to ${max}`);
    }
    return Number(text);
  };
}

function pdbId(text: string): string {
  if (!/^[0-9][A-Za-z0-9]{3}$/.test(text)) {
    throw new InvalidArgumentError('a PDB id is a digit and three letters or digits, e.g. 1l2y');
  }
  return text.toLowerCase();
}

function stageList(text: string): string[] {
  const stages = text.split(',').map((s) => s.trim());
  if (stages.length === 0 || stages.some((s) => !['nvt', 'npt', 'md'].includes(s))) {
    throw new InvalidArgumentError('stages are a comma-separated list of nvt, npt, md');
  }
  return stages;
}

/**
 * Handles SIGINT and SIGTERM: the first aborts the run (everything started is then stopped in
 * order, simulations checkpointed); a second kills the apps' process groups at once so that
 * the stop does not wait for checkpoints.
 */
function interruptions(dir: string): AbortController {
  const controller = new AbortController();
  let count = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    count++;
    if (count === 1) {
      process.stderr.write(`\nfold-network: ${signal}: stopping the network (again to hurry)\n`);
      controller.abort(signal);
      return;
    }
    void readStartedParts(dir)
      .then((parts) => {
        for (const part of parts) if (part.kind === 'process') signalGroup(part.pid, 'SIGKILL');
      })
      .catch(() => {});
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return controller;
}

function fail(error: unknown): never {
  if (error instanceof LocalNetworkError) {
    process.stderr.write(`fold-network: ${error.message} [${error.code}]\n`);
    process.exit(error.code === 'INTERRUPTED' ? EXIT_INTERRUPTED : 1);
  }
  const code = (error as { code?: unknown })?.code;
  process.stderr.write(
    `fold-network: ${error instanceof Error ? error.message : String(error)}${typeof code === 'string' ? ` [${code}]` : ''}\n`,
  );
  process.exit(1);
}

interface DemoOptions {
  dir: string;
  cacheDir?: string;
  pdb: string;
  stages?: string[];
  nvtSteps?: number;
  nptSteps?: number;
  mdSteps?: number;
  timeoutMinutes: number;
  json?: boolean;
}

async function demo(options: DemoOptions): Promise<void> {
  const dir = resolve(options.dir);
  const job: JobRequest = {
    pdbId: options.pdb,
    params: {
      ...MAIN_JOB.params,
      ...(options.stages === undefined ? {} : { stages: options.stages }),
      ...(options.nvtSteps === undefined ? {} : { nvtSteps: options.nvtSteps }),
      ...(options.nptSteps === undefined ? {} : { nptSteps: options.nptSteps }),
      ...(options.mdSteps === undefined ? {} : { mdSteps: options.mdSteps }),
    },
  };
  // With --json the summary alone goes to stdout; progress goes to stderr.
  const stream = options.json === true ? process.stderr : process.stdout;
  const reporter = createReporter(
    stream,
    `fold local network: ${job.pdbId.toUpperCase()} on two miners, verified, weights on chain (logs in ${dir})`,
  );
  const controller = interruptions(dir);
  // The demo's directory is its own scratch network: what an earlier, killed run left is stopped.
  const leftovers = await stopRecordedNetwork(dir);
  if (leftovers > 0) reporter.step(`stopped ${leftovers} part(s) an earlier run left running`);
  let summary: Awaited<ReturnType<typeof runMainJob>>;
  try {
    summary = await runMainJob({
      dir,
      job,
      reporter,
      signal: controller.signal,
      timeoutMs: options.timeoutMinutes * 60_000,
      ...(options.cacheDir === undefined ? {} : { preparationCacheDir: resolve(options.cacheDir) }),
    });
  } finally {
    reporter.close();
  }
  if (options.json === true) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  else process.stdout.write(`\n${renderSummary(summary)}`);
  process.exitCode = summary.weightsLanded ? 0 : 1;
}

interface UpOptions {
  dir: string;
  cacheDir?: string;
  chainPort: number;
  apiPort: number;
  redisPort: number;
  foreground?: boolean;
  json?: boolean;
}

async function up(options: UpOptions): Promise<void> {
  const dir = resolve(options.dir);
  const stream = options.json === true ? process.stderr : process.stdout;
  const reporter = createReporter(stream, `fold development network in ${dir}`, { live: false });
  const controller = options.foreground === true ? interruptions(dir) : undefined;
  const network = await startDevNetwork({
    dir,
    chainPort: options.chainPort,
    apiPort: options.apiPort,
    redisPort: options.redisPort,
    onStep: (message) => reporter.step(message),
    ...(options.cacheDir === undefined ? {} : { preparationCacheDir: resolve(options.cacheDir) }),
    ...(controller === undefined ? {} : { signal: controller.signal }),
  });
  if (options.json === true) process.stdout.write(`${JSON.stringify(network.state, null, 2)}\n`);
  else process.stdout.write(`\n${renderEndpoints(network.state, process.cwd())}`);
  if (controller === undefined) {
    stream.write(
      '\nrunning in the background; stop it with `fold-network down` (pnpm dev:network:stop)\n',
    );
    return;
  }
  stream.write('\nrunning; Ctrl-C stops it\n');
  await new Promise<void>((resolveWait) =>
    controller.signal.addEventListener('abort', () => resolveWait()),
  );
  await stopRecordedNetwork(dir);
  stream.write('stopped\n');
}

async function down(options: { dir: string }): Promise<void> {
  const dir = resolve(options.dir);
  const count = await stopRecordedNetwork(dir);
  process.stdout.write(
    count === 0 ? `nothing to stop in ${dir}\n` : `stopped the network in ${dir}\n`,
  );
}

async function status(options: { dir: string; json?: boolean }): Promise<void> {
  const result = await networkStatus(options.dir);
  process.stdout.write(
    options.json === true
      ? `${JSON.stringify(result, null, 2)}\n`
      : renderStatus(result, process.cwd()),
  );
  process.exitCode = result.running ? 0 : EXIT_NOT_RUNNING;
}

/** `--dir`, defaulting to `<workspace>/.fold/network/<name>` (shown relative in `--help`). */
function dirOption(name: string, description: string): Option {
  return new Option('--dir <dir>', description).default(
    join(defaultNetworksDir(), name),
    `.fold/network/${name} in the workspace`,
  );
}

const program = new Command('fold-network')
  .description(
    'A whole fold network on this machine: Redis, a local Subtensor chain (chopsticks, real runtime), a subnet, a validator and two miners as processes.',
  )
  .addHelpText('after', EXAMPLES)
  .showHelpAfterError();

program
  .command('demo')
  .description(
    "the main job: start the network, run one short job through it, print the verified best energy, each miner's verdicts and the weights read back from the chain, stop everything; exit 0 only if the weights landed",
  )
  .addOption(dirOption('demo', "the network's directory: logs, Redis data, work directories"))
  .option(
    '--cache-dir <dir>',
    'content cache of job preparations (default .fold/cache/preparations)',
  )
  .option('--pdb <id>', 'PDB entry of the job (from the shared mirror)', pdbId, MAIN_JOB.pdbId)
  .option('--stages <list>', 'stages the miners run, from nvt, npt, md (default md)', stageList)
  .option('--nvt-steps <steps>', 'NVT steps', integer('--nvt-steps', 1, 10_000_000))
  .option('--npt-steps <steps>', 'NPT steps', integer('--npt-steps', 1, 10_000_000))
  .option(
    '--md-steps <steps>',
    `production steps (default ${MAIN_JOB.params.mdSteps})`,
    integer('--md-steps', 1, 10_000_000),
  )
  .option(
    '--timeout-minutes <min>',
    'from submission to weights on chain',
    integer('--timeout-minutes', 1, 1440),
    15,
  )
  .option('--json', 'print the summary as JSON on stdout (progress goes to stderr)')
  .addHelpText(
    'after',
    '\nExample:\n  fold-network demo --stages nvt,md --nvt-steps 500 --md-steps 2000',
  )
  .action((options: DemoOptions) => demo(options).catch(fail));

program
  .command('up')
  .description(
    'start the development network in the background: API, metrics and dashboard stay reachable until `down`',
  )
  .addOption(dirOption('dev', "the network's directory: logs, state file (network.json)"))
  .option(
    '--cache-dir <dir>',
    'content cache of job preparations (default .fold/cache/preparations)',
  )
  .option(
    '--chain-port <port>',
    'chain WebSocket port on 127.0.0.1 (0: a free one)',
    integer('--chain-port', 0, 65_535),
    DEV_PORTS.chain,
  )
  .option(
    '--api-port <port>',
    'validator API port on 127.0.0.1 (0: a free one)',
    integer('--api-port', 0, 65_535),
    DEV_PORTS.api,
  )
  .option(
    '--redis-port <port>',
    'Redis port on 127.0.0.1 (0: a free one)',
    integer('--redis-port', 0, 65_535),
    0,
  )
  .option('--foreground', 'stay attached; Ctrl-C stops the network')
  .option('--json', "print the network's state as JSON")
  .addHelpText(
    'after',
    '\nExample:\n  fold-network up --api-port 8093 && curl -s http://127.0.0.1:8093/api/status',
  )
  .action((options: UpOptions) => up(options).catch(fail));

program
  .command('down')
  .description(
    'stop the network recorded in the directory (validator, miners, chain, Redis) and wait for each',
  )
  .addOption(dirOption('dev', "the network's directory"))
  .addHelpText('after', '\nExample:\n  fold-network down --dir .fold/network/dev')
  .action((options: { dir: string }) => down(options).catch(fail));

program
  .command('status')
  .description(
    'print whether each part runs and the endpoints (chain, Redis, API, metrics); exit code 0 when all run, 3 when not',
  )
  .addOption(dirOption('dev', "the network's directory"))
  .option('--json', 'print the status as JSON')
  .addHelpText('after', '\nExample:\n  fold-network status --json')
  .action((options: { dir: string; json?: boolean }) => status(options).catch(fail));

program.parseAsync(process.argv).catch(fail);
