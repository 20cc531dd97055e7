#!/usr/bin/env node
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import {
  type BuildBlockMode,
  ChopsticksError,
  chopsticksDaemonStatus,
  type EndowedAccount,
  startChopsticks,
  startChopsticksDaemon,
  stopChopsticksDaemon,
} from '../chopsticks.js';
import { MissingSharedDataError } from '../shared-data.js';

const HELP = `Usage: fold-chain-node <start|stop|status> [options]

Runs a local Subtensor chain (the real runtime of the shared chain spec) with chopsticks on
127.0.0.1, with //Alice as sudo and funded. Subnets, hyperparameters and hotkeys are then set up
with \`fold-chain bootstrap\` from @fold/chain-client.

Commands:
  start    start a detached node and print its endpoint (does nothing when one already runs
           for the state dir); with --foreground, run until SIGINT or SIGTERM instead
  stop     stop the detached node and wait for it to exit
  status   print whether it runs and its head block; exit code 0 when it answers, 3 when not

Options:
  --state-dir <dir>         config, log and node.json (default: .fold/chain under the current
                            directory)
  --port <n>                loopback port for start; 0 picks a free one (default: 0)
  --spec <path>             raw chain spec (default: FOLD_CHAIN_SPEC, else
                            ../shared/chain/subtensor-raonet.json beside the repository)
  --block-mode <mode>       Instant | Batch | Manual (default: Instant: a block per extrinsic)
  --endow <ss58=rao>        fund an account at genesis (repeatable; //Alice always gets 1e18)
  --runtime-log-level <n>   the runtime's own logs, 0 (off) to 5 (default: 0)
  --timeout-ms <n>          how long start waits for the node and stop for its exit
                            (default: 60000)
  --foreground              start: run attached, stop on SIGINT/SIGTERM
  --json                    print the node's state as JSON
  -h, --help                show this help

Example:
  fold-chain-node start --port 9944 && fold-chain-node status --json && fold-chain-node stop
`;

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';

function fail(message: string, exitCode = 2): never {
  process.stderr.write(`fold-chain-node: ${message}\n`);
  process.exit(exitCode);
}

function parseInteger(value: string | undefined, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  if (!/^\d{1,9}$/.test(value)) fail(`${name} must be a non-negative integer, not "${value}"`);
  return Number(value);
}

function parseEndowments(values: readonly string[]): EndowedAccount[] {
  const accounts: EndowedAccount[] = [{ address: ALICE, freeRao: 10n ** 18n }];
  for (const value of values) {
    const match = /^([1-9A-HJ-NP-Za-km-z]{35,50})=(\d{1,20})$/.exec(value);
    if (!match) fail(`--endow takes <ss58 address>=<rao>, not "${value}"`);
    accounts.push({ address: match[1]!, freeRao: BigInt(match[2]!) });
  }
  return accounts;
}

async function main(argv: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        'state-dir': { type: 'string' },
        port: { type: 'string' },
        spec: { type: 'string' },
        'block-mode': { type: 'string' },
        endow: { type: 'string', multiple: true },
        'runtime-log-level': { type: 'string' },
        'timeout-ms': { type: 'string' },
        foreground: { type: 'boolean', default: false },
        json: { type: 'boolean', default: false },
        help: { type: 'boolean', short: 'h', default: false },
      },
    });
  } catch (error) {
    fail(`${(error as Error).message}\n\n${HELP}`);
  }
  const { values, positionals } = parsed;
  const command = positionals[0];
  if (values.help === true || command === undefined) {
    process.stdout.write(HELP);
    return command === undefined && values.help !== true ? 2 : 0;
  }
  if (positionals.length > 1) fail(`unexpected arguments: ${positionals.slice(1).join(' ')}`);
  const stateDir = resolve(String(values['state-dir'] ?? '.fold/chain'));
  const timeoutMs = parseInteger(
    values['timeout-ms'] as string | undefined,
    '--timeout-ms',
    60_000,
  );
  const json = values.json === true;

  switch (command) {
    case 'start': {
      const mode = (values['block-mode'] as string | undefined) ?? 'Instant';
      if (mode !== 'Instant' && mode !== 'Batch' && mode !== 'Manual') {
        fail(`--block-mode must be Instant, Batch or Manual, not "${mode}"`);
      }
      const options = {
        port: parseInteger(values.port as string | undefined, '--port', 0),
        specPath: values.spec === undefined ? undefined : resolve(String(values.spec)),
        buildBlockMode: mode as BuildBlockMode,
        endowed: parseEndowments((values.endow as string[] | undefined) ?? []),
        runtimeLogLevel: parseInteger(
          values['runtime-log-level'] as string | undefined,
          '--runtime-log-level',
          0,
        ),
        startTimeoutMs: timeoutMs,
      };
      if (values.foreground === true) return runForeground(options, json);
      const { state, alreadyRunning } = await startChopsticksDaemon({ ...options, stateDir });
      if (json) process.stdout.write(`${JSON.stringify({ ...state, alreadyRunning })}\n`);
      else {
        process.stdout.write(
          `${alreadyRunning ? 'already running' : 'started'}: pid ${state.pid}, ` +
            `${state.endpoint} (log ${state.logPath})\n`,
        );
      }
      return 0;
    }
    case 'stop': {
      const { wasRunning, pid } = await stopChopsticksDaemon(stateDir, { timeoutMs });
      if (json) process.stdout.write(`${JSON.stringify({ wasRunning, pid: pid ?? null })}\n`);
      else process.stdout.write(wasRunning ? `stopped pid ${pid}\n` : 'not running\n');
      return 0;
    }
    case 'status': {
      const status = await chopsticksDaemonStatus(stateDir);
      if (json) process.stdout.write(`${JSON.stringify(status)}\n`);
      else if (status.running && status.state !== undefined) {
        process.stdout.write(
          `running: pid ${status.state.pid}, ${status.state.endpoint}, ` +
            (status.headNumber === undefined
              ? `does not answer (${status.error})\n`
              : `head #${status.headNumber}\n`),
        );
      } else process.stdout.write('not running\n');
      return status.running && status.headNumber !== undefined ? 0 : 3;
    }
    default:
      fail(`unknown command "${command}"\n\n${HELP}`);
  }
}

async function runForeground(
  options: Parameters<typeof startChopsticks>[0],
  json: boolean,
): Promise<number> {
  const node = await startChopsticks(options);
  process.stdout.write(
    json
      ? `${JSON.stringify({ endpoint: node.endpoint, port: node.port, pid: node.pid })}\n`
      : `${node.endpoint}\n`,
  );
  const signalled = new Promise<'signal'>((resolveSignal) => {
    process.once('SIGINT', () => resolveSignal('signal'));
    process.once('SIGTERM', () => resolveSignal('signal'));
  });
  const outcome = await Promise.race([signalled, node.exited]);
  if (outcome !== 'signal') {
    process.stderr.write(
      `fold-chain-node: chopsticks exited (code ${outcome.exitCode}, signal ${outcome.signal}); log: ${node.logPath}\n`,
    );
    return 1;
  }
  await node.stop();
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    if (error instanceof ChopsticksError) {
      const tail = typeof error.details.logTail === 'string' ? `\n${error.details.logTail}` : '';
      fail(`${error.message} [${error.code}]${tail}`, 1);
    }
    if (error instanceof MissingSharedDataError) fail(`${error.message} [${error.code}]`, 1);
    throw error;
  },
);
