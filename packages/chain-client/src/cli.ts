#!/usr/bin/env node
import { Command, Option, InvalidArgumentError as UsageError } from 'commander';
import { bootstrapLocalSubnet } from './bootstrap.js';
import { ChainClient } from './client.js';
import { ChainError } from './errors.js';
import { loadSigner, type Signer } from './keys.js';
import type { Metagraph, Neuron } from './metagraph.js';
import { maxNormaliseToU16 } from './weights.js';

const DEFAULT_ENDPOINT = 'ws://127.0.0.1:9944';

interface GlobalOptions {
  endpoint: string;
  json: boolean;
  timeoutMs: number;
}

function integer(name: string, min: number, max: number) {
  return (value: string): number => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new UsageError(`${name} must be an integer in ${min}..${max}`);
    }
    return Number(value);
  };
}

function list(value: string): string[] {
  return value.split(',').map((item) => item.trim());
}

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

function keyOptions(command: Command, role: 'hotkey' | 'coldkey', what: string): Command {
  return command
    .addOption(new Option(`--${role} <uri>`, `${what} as a key URI (development keys: //Bob)`))
    .addOption(new Option(`--${role}-file <path>`, `${what} from an unencrypted key file`));
}

async function signerOf(
  options: Record<string, unknown>,
  role: 'hotkey' | 'coldkey',
): Promise<Signer> {
  const uri = options[role] as string | undefined;
  const file = options[`${role}File`] as string | undefined;
  if ((uri === undefined) === (file === undefined)) {
    throw new UsageError(`give exactly one of --${role} and --${role}-file`);
  }
  return loadSigner(uri !== undefined ? { uri } : { file: file! });
}

function print(json: boolean, value: unknown, text: () => string): void {
  process.stdout.write(
    json
      ? `${JSON.stringify(value, (_key, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`
      : `${text()}\n`,
  );
}

function short(address: string): string {
  return `${address.slice(0, 6)}…${address.slice(-4)}`;
}

function tao(rao: bigint): string {
  const whole = rao / 1_000_000_000n;
  const fraction = (rao % 1_000_000_000n).toString().padStart(9, '0').slice(0, 4);
  return `${whole}.${fraction}`;
}

// The metagraph as an aligned text table.
function metagraphTable(metagraph: Metagraph): string {
  const header = [
    'uid',
    'hotkey',
    'coldkey',
    'stake τ',
    'permit',
    'updated',
    'axon',
    'incentive',
    'dividends',
    'emission τ',
  ];
  const rows = metagraph.neurons.map((n: Neuron) => [
    String(n.uid),
    short(n.hotkey),
    short(n.coldkey),
    tao(n.stakeRao),
    n.validatorPermit ? 'yes' : 'no',
    String(n.lastUpdate),
    n.axon ? `${n.axon.ipType === 6 ? `[${n.axon.ip}]` : n.axon.ip}:${n.axon.port}` : '-',
    n.incentive.toFixed(4),
    n.dividends.toFixed(4),
    tao(n.emissionRao),
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column]!.length)),
  );
  const line = (cells: string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column]!))
      .join('  ')
      .trimEnd();
  return [
    `subnet ${metagraph.netuid} at block #${metagraph.blockNumber}: ${metagraph.neurons.length} neurons`,
    line(header),
    ...rows.map(line),
  ].join('\n');
}

async function withClient<T>(
  global: GlobalOptions,
  run: (client: ChainClient) => Promise<T>,
): Promise<T> {
  const client = await ChainClient.connect({
    endpoint: global.endpoint,
    connectTimeoutMs: global.timeoutMs,
  });
  try {
    return await run(client);
  } finally {
    await client.close();
  }
}

function buildProgram(): Command {
  const program = new Command('fold-chain')
    .description(
      'Read and write a fold subnet on Subtensor: metagraph, registration, axons, weights.',
    )
    .option(
      '--endpoint <url>',
      'node WebSocket endpoint (env FOLD_CHAIN_ENDPOINT)',
      process.env.FOLD_CHAIN_ENDPOINT ?? DEFAULT_ENDPOINT,
    )
    .option('--json', 'print JSON instead of text', false)
    .option('--timeout-ms <n>', 'connection timeout', integer('--timeout-ms', 1, 600_000), 30_000)
    .addHelpText(
      'after',
      `
Key URIs on the command line are visible to other local users: use them for development keys
(//Alice, //Bob) and key files for anything else.

Example:
  fold-chain-node start --port 9944
  fold-chain bootstrap --hotkey //Bob --hotkey //Charlie --tempo 10
  fold-chain metagraph --netuid 2`,
    );
  const global = () => program.opts<GlobalOptions>();

  program
    .command('metagraph')
    .description("print a subnet's neurons")
    .requiredOption('--netuid <n>', 'subnet', integer('--netuid', 0, 65_535))
    .addHelpText('after', '\nExample:\n  fold-chain metagraph --netuid 2 --json')
    .action(async (options: { netuid: number }) => {
      const metagraph = await withClient(global(), (client) => client.metagraph(options.netuid));
      print(global().json, metagraph, () => metagraphTable(metagraph));
    });

  program
    .command('hyperparameters')
    .description("print a subnet's hyperparameters")
    .requiredOption('--netuid <n>', 'subnet', integer('--netuid', 0, 65_535))
    .addHelpText('after', '\nExample:\n  fold-chain hyperparameters --netuid 2')
    .action(async (options: { netuid: number }) => {
      const hyperparameters = await withClient(global(), (client) =>
        client.hyperparameters(options.netuid),
      );
      print(global().json, hyperparameters, () =>
        Object.entries(hyperparameters)
          .map(([key, value]) => `${key.padEnd(31)}${String(value)}`)
          .join('\n'),
      );
    });

  keyOptions(
    keyOptions(
      program
        .command('register')
        .description('register a hotkey on a subnet by burning the cost from a coldkey')
        .requiredOption('--netuid <n>', 'subnet', integer('--netuid', 0, 65_535))
        .option('--hotkey-address <ss58>', 'hotkey to register, by address (instead of a key)'),
      'hotkey',
      'hotkey to register',
    ),
    'coldkey',
    'coldkey that pays and owns it',
  )
    .addHelpText(
      'after',
      '\nExample:\n  fold-chain register --netuid 2 --hotkey //Dave --coldkey //Alice',
    )
    .action(async (options: Record<string, unknown>) => {
      const coldkey = await signerOf(options, 'coldkey');
      const hotkey =
        (options.hotkeyAddress as string | undefined) ??
        (await signerOf(options, 'hotkey')).address;
      const result = await withClient(global(), (client) =>
        client.register({ netuid: options.netuid as number, hotkey, coldkey }),
      );
      print(
        global().json,
        { uid: result.uid, blockNumber: result.inclusion.blockNumber },
        () => `registered ${hotkey} as uid ${result.uid} at block #${result.inclusion.blockNumber}`,
      );
    });

  keyOptions(
    program
      .command('serve')
      .description("announce a hotkey's axon address")
      .requiredOption('--netuid <n>', 'subnet', integer('--netuid', 0, 65_535))
      .requiredOption(
        '--ip <address>',
        'IPv4 or IPv6 address (not 127.0.0.1: use 127.0.0.2 locally)',
      )
      .requiredOption('--port <n>', 'port', integer('--port', 1, 65_535))
      .option(
        '--version <n>',
        'application version number',
        integer('--version', 0, 4_294_967_295),
        0,
      )
      .option('--protocol <n>', 'protocol number', integer('--protocol', 0, 255), 4),
    'hotkey',
    'hotkey that serves',
  )
    .addHelpText(
      'after',
      '\nExample:\n  fold-chain serve --netuid 2 --hotkey //Charlie --ip 127.0.0.2 --port 8091',
    )
    .action(async (options: Record<string, unknown>) => {
      const hotkey = await signerOf(options, 'hotkey');
      const inclusion = await withClient(global(), (client) =>
        client.serveAxon({
          netuid: options.netuid as number,
          hotkey,
          ip: options.ip as string,
          port: options.port as number,
          version: options.version as number,
          protocol: options.protocol as number,
        }),
      );
      print(
        global().json,
        { blockNumber: inclusion.blockNumber },
        () => `served ${options.ip}:${options.port} at block #${inclusion.blockNumber}`,
      );
    });

  keyOptions(
    program
      .command('set-weights')
      .description("set (or commit, when the subnet uses commit-reveal) a validator's weights")
      .requiredOption('--netuid <n>', 'subnet', integer('--netuid', 0, 65_535))
      .requiredOption('--uids <list>', 'comma-separated uids', list)
      .requiredOption(
        '--weights <list>',
        'comma-separated non-negative weights, max-normalised to u16',
        list,
      )
      .option('--version-key <n>', "version key (default: the subnet's)")
      .option('--reveal-store <path>', 'pending reveals file', '.fold/chain/pending-reveals.json'),
    'hotkey',
    'validator hotkey',
  )
    .addHelpText(
      'after',
      '\nExample:\n  fold-chain set-weights --netuid 2 --hotkey //Bob --uids 2,3 --weights 0.7,0.3',
    )
    .action(async (options: Record<string, unknown>) => {
      const hotkey = await signerOf(options, 'hotkey');
      const uids = (options.uids as string[]).map(integer('--uids', 0, 65_535));
      const values = (options.weights as string[]).map((value) => {
        const number = Number(value);
        if (value === '' || !Number.isFinite(number))
          throw new UsageError(`--weights: "${value}" is not a number`);
        return number;
      });
      const weights = maxNormaliseToU16(uids, values);
      const versionKey =
        options.versionKey === undefined
          ? undefined
          : BigInt(
              integer('--version-key', 0, Number.MAX_SAFE_INTEGER)(options.versionKey as string),
            );
      const client = await ChainClient.connect({
        endpoint: global().endpoint,
        connectTimeoutMs: global().timeoutMs,
        revealStorePath: options.revealStore as string,
      });
      try {
        const result = await client.setWeights({
          netuid: options.netuid as number,
          hotkey,
          ...weights,
          versionKey,
        });
        print(
          global().json,
          result.mode === 'commit'
            ? {
                mode: result.mode,
                blockNumber: result.inclusion.blockNumber,
                commitHash: result.commitHash,
                revealWindow: result.revealWindow,
              }
            : { mode: result.mode, blockNumber: result.inclusion.blockNumber },
          () =>
            result.mode === 'commit'
              ? `committed ${result.commitHash} at block #${result.inclusion.blockNumber}; reveal with \`fold-chain reveal\` in blocks #${result.revealWindow.firstBlock}..#${result.revealWindow.lastBlock}`
              : `set weights for ${weights.uids.length} uids at block #${result.inclusion.blockNumber}`,
        );
      } finally {
        await client.close();
      }
    });

  keyOptions(
    program
      .command('reveal')
      .description('reveal the pending weight commits of a hotkey whose window has come')
      .option('--reveal-store <path>', 'pending reveals file', '.fold/chain/pending-reveals.json'),
    'hotkey',
    'validator hotkey',
  )
    .addHelpText('after', '\nExample:\n  fold-chain reveal --hotkey //Bob')
    .action(async (options: Record<string, unknown>) => {
      const hotkey = await signerOf(options, 'hotkey');
      const client = await ChainClient.connect({
        endpoint: global().endpoint,
        connectTimeoutMs: global().timeoutMs,
        revealStorePath: options.revealStore as string,
      });
      try {
        const outcomes = await client.revealDue(hotkey);
        print(
          global().json,
          outcomes.map(({ inclusion: _inclusion, ...rest }) => rest),
          () =>
            outcomes.length === 0
              ? 'no pending reveals'
              : outcomes
                  .map(
                    (o) =>
                      `${o.commitHash} (subnet ${o.netuid}): ${o.status}${o.revealWindow ? ` (window #${o.revealWindow.firstBlock}..#${o.revealWindow.lastBlock})` : ''}`,
                  )
                  .join('\n'),
        );
      } finally {
        await client.close();
      }
    });

  program
    .command('bootstrap')
    .description(
      'create (or reuse) a subnet on a local chain, set its hyperparameters and register hotkeys',
    )
    .option('--owner <uri>', 'subnet owner coldkey, also the sudo key', '//Alice')
    .option('--owner-hotkey <uri>', 'owner hotkey (default: the owner key)')
    .option('--hotkey <uri>', 'hotkey to register (repeatable)', collect, [])
    .option('--tempo <n>', 'blocks per epoch less one', integer('--tempo', 1, 65_535), 10)
    .option('--commit-reveal', 'weights by commit-reveal', false)
    .option(
      '--reveal-period <epochs>',
      'epochs between commit and reveal',
      integer('--reveal-period', 1, 100),
      1,
    )
    .option(
      '--weights-rate-limit <blocks>',
      'blocks between weight settings',
      integer('--weights-rate-limit', 0, 1_000_000),
      0,
    )
    .option(
      '--serving-rate-limit <blocks>',
      'blocks between serveAxon',
      integer('--serving-rate-limit', 0, 1_000_000),
      0,
    )
    .addHelpText(
      'after',
      '\nExample:\n  fold-chain bootstrap --hotkey //Bob --hotkey //Charlie --hotkey //Dave --commit-reveal --json',
    )
    .action(async (options: Record<string, unknown>) => {
      const result = await withClient(global(), (client) =>
        bootstrapLocalSubnet(client, {
          owner: options.owner as string,
          ownerHotkey: options.ownerHotkey as string | undefined,
          hotkeys: options.hotkey as string[],
          tempo: options.tempo as number,
          commitReveal: options.commitReveal as boolean,
          revealPeriodEpochs: options.revealPeriod as number,
          weightsRateLimit: options.weightsRateLimit as number,
          servingRateLimit: options.servingRateLimit as number,
        }),
      );
      print(global().json, result, () =>
        [
          `subnet ${result.netuid} ${result.created ? 'created' : 'reused'}; ${result.registered} hotkeys registered`,
          ...Object.entries(result.uids).map(([hotkey, uid]) => `  uid ${uid}: ${hotkey}`),
        ].join('\n'),
      );
    });

  return program;
}

buildProgram()
  .parseAsync(process.argv)
  .catch((error: unknown) => {
    if (error instanceof ChainError) {
      process.stderr.write(`fold-chain: ${error.message} [${error.code}]\n`);
      process.exit(1);
    }
    if (error instanceof UsageError) {
      process.stderr.write(`fold-chain: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  });
