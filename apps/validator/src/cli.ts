#!/usr/bin/env node
import { Command, Option } from 'commander';
import {
  CONFIG_DEFAULTS,
  envName,
  flagName,
  loadConfig,
  type PartialConfig,
  parseSettingText,
  redactConfig,
  SETTINGS,
} from './config.js';
import { ConfigError, ValidatorError } from './errors.js';
import { createLogger } from './logger.js';
import { renderStatus, type StatusView } from './status-text.js';

const EXAMPLES = `
Settings come from a JSON file (--config, or FOLD_VALIDATOR_CONFIG), then the environment
(FOLD_VALIDATOR_<SETTING>, e.g. FOLD_VALIDATOR_QUERY_INTERVAL_SECONDS), then flags: later ones win.

Examples:
  # development: a local chain (fold-chain-node) and Redis (fold-redis), //Alice validates
  FOLD_VALIDATOR_HOTKEY_URI=//Alice FOLD_VALIDATOR_API_TOKENS=dev-token-0123456789 \\
    fold-validator run --chain-endpoint ws://127.0.0.1:9944 --netuid 2 \\
    --jobs 1l2y --stages md --md-steps 2000 --query-interval-seconds 3

  # without a chain: two miners by hand, weights logged (dry run)
  FOLD_VALIDATOR_HOTKEY_URI=//Alice fold-validator run --dry-run \\
    --static-miners 1:5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty@127.0.0.1:8091

  # production: settings in a file, key in a key file, tokens in the environment
  fold-validator run --config /etc/fold/validator.json --hotkey-file /etc/fold/hotkey.json

  # what a running validator does now
  fold-validator status --url http://127.0.0.1:8093 --token "$TOKEN"`;

function addSettingOptions(command: Command): Command {
  command.option('--config <path>', 'JSON file of settings (env FOLD_VALIDATOR_CONFIG)');
  for (const spec of SETTINGS) {
    const flag = flagName(spec.key);
    const help = `${spec.description} (env ${envName(spec.key)})`;
    if (spec.kind === 'boolean') {
      // Show the form that changes the default: --dry-run, --no-api.
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

/** Settings given as flags (only those typed on the command line). */
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

async function resolveConfig(command: Command) {
  const file = command.opts<{ config?: string }>().config ?? process.env.FOLD_VALIDATOR_CONFIG;
  return loadConfig({
    ...(file === undefined || file === '' ? {} : { file }),
    env: process.env,
    flags: flagsOf(command),
  });
}

async function run(command: Command): Promise<void> {
  const { config } = await resolveConfig(command);
  const logger = createLogger(config.logLevel);
  logger.info({ event: 'validator.config', config: redactConfig(config) }, 'configuration');
  // Loaded only to run: help, config and status answer without the whole validator.
  const { Validator } = await import('./validator.js');
  const validator = await Validator.start(config, { logger });
  await new Promise<void>((resolve) => {
    let signals = 0;
    const onSignal = (signal: NodeJS.Signals) => {
      signals++;
      if (signals > 1) {
        logger.warn({ signal }, 'second signal: exiting now');
        process.exit(130);
      }
      logger.info({ event: 'validator.stopping', signal }, 'signal received: stopping');
      validator.stop().then(resolve, (error: unknown) => {
        logger.error({ err: error }, 'stop failed');
        process.exitCode = 1;
        resolve();
      });
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);
  });
}

async function printConfig(command: Command): Promise<void> {
  const { config, sources } = await resolveConfig(command);
  const redacted = redactConfig(config);
  const rows = Object.keys(redacted)
    .sort()
    .map((key) => ({
      key,
      value: redacted[key],
      source: sources[key as keyof typeof sources] ?? 'default',
    }));
  process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
}

async function status(options: { url: string; token?: string; json?: boolean }): Promise<void> {
  const token = options.token ?? process.env.FOLD_VALIDATOR_API_TOKEN;
  const response = await fetch(new URL('/api/status', options.url), {
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
    signal: AbortSignal.timeout(10_000),
  });
  const body = (await response.json()) as unknown;
  if (!response.ok) {
    const message = (body as { message?: string }).message ?? response.statusText;
    throw new ValidatorError(
      'API_BAD_REQUEST',
      `the validator answered ${response.status}: ${message}`,
    );
  }
  process.stdout.write(
    options.json === true ? `${JSON.stringify(body, null, 2)}\n` : renderStatus(body as StatusView),
  );
}

function fail(error: unknown): never {
  if (error instanceof ValidatorError) {
    process.stderr.write(`fold-validator: ${error.message} [${error.code}]\n`);
    process.exit(error instanceof ConfigError ? 2 : 1);
  }
  const code = (error as { code?: unknown })?.code;
  process.stderr.write(
    `fold-validator: ${error instanceof Error ? error.message : String(error)}${
      typeof code === 'string' ? ` [${code}]` : ''
    }\n`,
  );
  process.exit(1);
}

const program = new Command('fold-validator')
  .description(
    'The fold validator: prepares simulation jobs from PDB entries, assigns them to miners, verifies their energies, scores them and sets weights; serves an HTTP API.',
  )
  .addHelpText('after', EXAMPLES)
  .showHelpAfterError();

addSettingOptions(
  program
    .command('run', { isDefault: true })
    .description('start the validator (scheduled tasks and API) until SIGINT/SIGTERM')
    .addHelpText('after', EXAMPLES),
).action(async (_options, command: Command) => run(command).catch(fail));

addSettingOptions(
  program
    .command('config')
    .description('print the resolved settings and where each came from (secrets hidden)')
    .addHelpText(
      'after',
      '\nExample:\n  fold-validator config --config validator.json --query-interval-seconds 60',
    ),
).action(async (_options, command: Command) => printConfig(command).catch(fail));

program
  .command('status')
  .description(
    'show what a running validator does: jobs, miners, stages, energies, verdicts, weights',
  )
  .option('--url <url>', 'the validator API', 'http://127.0.0.1:8093')
  .option('--token <token>', 'an API token (env FOLD_VALIDATOR_API_TOKEN)')
  .option('--json', 'print the status as JSON')
  .addHelpText(
    'after',
    '\nExample:\n  fold-validator status --url http://127.0.0.1:8093 --token "$TOKEN"',
  )
  .action(async (options: { url: string; token?: string; json?: boolean }) =>
    status(options).catch(fail),
  );

program.parseAsync(process.argv).catch(fail);
