#!/usr/bin/env node
import { Command, Option } from 'commander';
import {
  CONFIG_DEFAULTS,
  configFromEnv,
  envName,
  flagName,
  mergeConfig,
  type PartialConfig,
  parseSettingText,
  readConfigFile,
  SETTINGS,
} from './config.js';
import { ConfigError, MinerError } from './errors.js';
import { createLogger } from './logger.js';

const EXAMPLES = `
Settings come from a JSON file (--config, or FOLD_MINER_CONFIG), then the environment
(FOLD_MINER_<SETTING>, e.g. FOLD_MINER_AXON_PORT), then flags: later ones win.

Examples:
  # development: a local chain (fold-chain-node) and Redis (fold-redis), //Bob as the miner
  FOLD_MINER_HOTKEY_URI=//Bob fold-miner run --chain-endpoint ws://127.0.0.1:9944 --netuid 2 \\
    --redis-url redis://127.0.0.1:6379 --work-dir .fold/miner --cpu-slots 2 \\
    --serve-axon --external-ip 127.0.0.2 --axon-port 8091

  # development without a chain: only the given validator hotkey (//Alice) is served
  FOLD_MINER_HOTKEY_URI=//Bob fold-miner run --axon-host 127.0.0.1 \\
    --dev-allow 5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY

  # production: settings in a file, key in a key file
  fold-miner run --config /etc/fold/miner.json --hotkey-file /etc/fold/hotkey.json

  # what runs now
  fold-miner status --config /etc/fold/miner.json`;

function addSettingOptions(command: Command): Command {
  command.option('--config <path>', 'JSON file of settings (env FOLD_MINER_CONFIG)');
  for (const spec of SETTINGS) {
    const flag = flagName(spec.key);
    const help = `${spec.description} (env ${envName(spec.key)})`;
    if (spec.kind === 'boolean') {
      // Show the form that changes the default: --no-axon, --serve-axon.
      const onByDefault = (CONFIG_DEFAULTS as Record<string, unknown>)[spec.key] === true;
      const yes = new Option(`--${flag}`, help);
      const no = new Option(`--no-${flag}`, help);
      command.addOption(onByDefault ? yes.hideHelp() : yes);
      command.addOption(onByDefault ? no : no.hideHelp());
    } else {
      command.addOption(new Option(`--${flag} <${spec.placeholder ?? 'value'}>`, help));
    }
  }
  return command;
}

/** Settings given as flags (only those typed on the command line, not commander's defaults). */
function flagsOf(command: Command): PartialConfig {
  const values = command.opts<Record<string, unknown>>();
  const out: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    if (command.getOptionValueSource(spec.key) !== 'cli') continue;
    const value = values[spec.key];
    out[spec.key] =
      typeof value === 'string' ? parseSettingText(spec, value, 'flag') : Boolean(value);
  }
  return out as PartialConfig;
}

async function resolveConfig(command: Command, purpose: 'run' | 'status') {
  const path =
    (command.opts<{ config?: string }>().config as string | undefined) ??
    process.env.FOLD_MINER_CONFIG;
  return mergeConfig(
    {
      ...(path === undefined ? {} : { file: await readConfigFile(path) }),
      env: configFromEnv(process.env),
      flags: flagsOf(command),
    },
    process.cwd(),
    purpose,
  );
}

async function run(command: Command): Promise<void> {
  const { config } = await resolveConfig(command, 'run');
  const logger = createLogger(config.logLevel);
  // Loaded only when used: help and config answer without the miner, Redis and gmx code.
  const { Miner } = await import('./miner.js');
  const miner = await Miner.start(config, { logger });
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting without waiting for checkpoints');
        process.exit(130);
      }
      logger.info({ signal }, 'signal received: stopping');
      miner.stop().then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

async function status(command: Command): Promise<void> {
  const { config } = await resolveConfig(command, 'status');
  const { readStatus, renderStatus } = await import('./status.js');
  const snapshot = await readStatus(config);
  const json = (command.opts<{ json?: boolean }>().json ?? false) === true;
  process.stdout.write(json ? `${JSON.stringify(snapshot, null, 2)}\n` : renderStatus(snapshot));
}

function fail(error: unknown): never {
  if (error instanceof MinerError) {
    process.stderr.write(`fold-miner: ${error.message} [${error.code}]\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
  const code = (error as { code?: unknown })?.code;
  process.stderr.write(
    `fold-miner: ${error instanceof Error ? error.message : String(error)}${
      typeof code === 'string' ? ` [${code}]` : ''
    }\n`,
  );
  process.exit(1);
}

const program = new Command('fold-miner')
  .description(
    'The fold miner: serves the fold synapses on an axon and runs assigned GROMACS simulations.',
  )
  .addHelpText('after', EXAMPLES)
  .showHelpAfterError();

addSettingOptions(
  program
    .command('run', { isDefault: true })
    .description('start the miner (axon, simulation workers, housekeeping) until SIGINT/SIGTERM')
    .addHelpText('after', EXAMPLES),
).action(async (_options, command: Command) => run(command).catch(fail));

addSettingOptions(
  program
    .command('status')
    .description('show running jobs, stages, ns/day, queue depth and disk use')
    .option('--json', 'print the status as JSON')
    .addHelpText(
      'after',
      '\nExample:\n  fold-miner status --redis-url redis://127.0.0.1:6379 --hotkey-uri //Bob',
    ),
).action(async (_options, command: Command) => status(command).catch(fail));

program.parseAsync(process.argv).catch(fail);
