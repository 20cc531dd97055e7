import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { BOB } from './helpers.js';
import { VALIDATOR_CLI } from './processes.js';

// The built CLI as a user runs it: help texts, refused settings, and the hotkey secret kept out
// of everything it prints.

interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

const SEED = randomBytes(32).toString('hex');
const JUNCTION = `junction-${randomBytes(8).toString('hex')}`;
const PASSWORD = `password-${randomBytes(8).toString('hex')}`;
/** A key URI with a secret in each of its parts: seed, hard derivation, password. */
const SECRET_URI = `0x${SEED}//${JUNCTION}///${PASSWORD}`;
const SECRETS = [SEED, JUNCTION, PASSWORD];
const STATIC_MINER = `1:${BOB}@127.0.0.1:9`;
/** Services nothing should reach: if a command started anyway, it would fail at once. */
const NOWHERE = ['--redis-url', 'redis://127.0.0.1:1', '--gmx-path', '/nonexistent/gmx'];

let cwd: string;
let workDir: string;

beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), 'fold-validator-cli-'));
  workDir = join(cwd, 'work');
});

afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

/** The environment without the caller's validator settings, the secret key URI in it. */
function cliEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env))
    if (!key.startsWith('FOLD_VALIDATOR_') && key !== 'NODE_OPTIONS') env[key] = value;
  return { ...env, FOLD_VALIDATOR_HOTKEY_URI: SECRET_URI, NO_COLOR: '1', ...extra };
}

function spawnCli(args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  if (!existsSync(VALIDATOR_CLI))
    throw new Error(
      `${VALIDATOR_CLI} does not exist: build the validator first (pnpm --filter @fold/validator build)`,
    );
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [VALIDATOR_CLI, ...args], {
      cwd,
      env: cliEnv(env),
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: 30_000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
}

const runs = new Map<string, Promise<CliResult>>();

/** Runs `node dist/cli.js <args>` once per distinct invocation. */
function cli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  const key = JSON.stringify([args, env]);
  let run = runs.get(key);
  if (run === undefined) {
    run = spawnCli(args, env);
    runs.set(key, run);
  }
  return run;
}

/** The main settings the README names, as flags and environment variables. */
const MAIN_OPTIONS: readonly [string, string, string][] = [
  ['hotkey URI', '--hotkey-uri <uri>', 'FOLD_VALIDATOR_HOTKEY_URI'],
  ['hotkey file', '--hotkey-file <path>', 'FOLD_VALIDATOR_HOTKEY_FILE'],
  ['chain endpoint', '--chain-endpoint <ws-url>', 'FOLD_VALIDATOR_CHAIN_ENDPOINT'],
  ['netuid', '--netuid <n>', 'FOLD_VALIDATOR_NETUID'],
  ['Redis URL', '--redis-url <url>', 'FOLD_VALIDATOR_REDIS_URL'],
  ['work directory', '--work-dir <dir>', 'FOLD_VALIDATOR_WORK_DIR'],
  ['queue size', '--queue-size <n>', 'FOLD_VALIDATOR_QUEUE_SIZE'],
  ['miners per job', '--miners-per-job <n>', 'FOLD_VALIDATOR_MINERS_PER_JOB'],
  ['query interval', '--query-interval-seconds <s>', 'FOLD_VALIDATOR_QUERY_INTERVAL_SECONDS'],
  ['early-stop period', '--early-stop-minutes <min>', 'FOLD_VALIDATOR_EARLY_STOP_MINUTES'],
  ['scoring preset', '--scoring-preset <preset>', 'FOLD_VALIDATOR_SCORING_PRESET'],
  ['API port', '--api-port <port>', 'FOLD_VALIDATOR_API_PORT'],
];

const HELP_INVOCATIONS: readonly (readonly string[])[] = [
  ['--help'],
  ['run', '--help'],
  ['run', '--hotkey-uri', SECRET_URI, '--help'],
  ['config', '--help'],
  ['status', '--help'],
];

/** Help text with its line wrapping undone. */
const flat = (text: string) => text.replace(/\s+/g, ' ');

describe('fold-validator --help', () => {
  it('exits 0', async () => {
    const result = await cli(['--help']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
  });

  it('lists the run, config and status commands', async () => {
    const { stdout } = await cli(['--help']);
    for (const command of ['run', 'config', 'status'])
      expect(stdout).toMatch(new RegExp(`^\\s+${command} \\[options\\]`, 'm'));
  });

  it('explains where settings come from and shows examples', async () => {
    const { stdout } = await cli(['--help']);
    expect(stdout).toContain('FOLD_VALIDATOR_<SETTING>');
    expect(stdout).toContain('Examples:');
    expect(stdout).toContain('--chain-endpoint ws://127.0.0.1:9944 --netuid 2');
  });
});

describe('run --help', () => {
  it('exits 0', async () => {
    expect(await cli(['run', '--help'])).toMatchObject({ code: 0, stderr: '' });
  });

  it.each(MAIN_OPTIONS)('lists the %s setting as %s', async (_what, flag) => {
    const { stdout } = await cli(['run', '--help']);
    expect(stdout).toMatch(
      new RegExp(`^\\s+${flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s`, 'm'),
    );
  });

  it.each(MAIN_OPTIONS)('names the environment variable of the %s setting', async (_w, _f, env) => {
    const { stdout } = await cli(['run', '--help']);
    expect(flat(stdout)).toContain(`(env ${env})`);
  });

  it('lists the scoring presets to choose from', async () => {
    const { stdout } = await cli(['run', '--help']);
    expect(flat(stdout)).toContain('scoring mechanism: fold, reference, reference-relative');
  });

  it('is the same with the secret key URI before --help', async () => {
    const plain = await cli(['run', '--help']);
    expect(await cli(['run', '--hotkey-uri', SECRET_URI, '--help'])).toEqual(plain);
  });
});

describe('subcommand --help', () => {
  it.each([
    ['run', 'start the validator'],
    ['config', 'print the resolved settings'],
    ['status', 'show what a running validator does'],
  ])('%s --help exits 0 and describes the command', async (command, description) => {
    const result = await cli([command, '--help']);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain(`Usage: fold-validator ${command} [options]`);
    expect(flat(result.stdout)).toContain(description);
  });

  it('config --help lists the same settings as run --help', async () => {
    const { stdout } = await cli(['config', '--help']);
    for (const [, flag] of MAIN_OPTIONS) expect(stdout).toContain(flag);
  });

  it('status --help lists the API URL, the token and JSON output', async () => {
    const { stdout } = await cli(['status', '--help']);
    expect(stdout).toContain('--url <url>');
    expect(stdout).toContain('(default: "http://127.0.0.1:8093")');
    expect(stdout).toContain('--token <token>');
    expect(stdout).toContain('--json');
  });
});

/** A setup that would be valid without its one bad value. */
const VALID = ['--dry-run', '--static-miners', STATIC_MINER, '--work-dir', 'work', ...NOWHERE];

type Invocation = readonly [args: readonly string[], env: Record<string, string>];

const INVALID: readonly [string, readonly string[], Record<string, string>, RegExp][] = [
  ['a negative queue size', ['--queue-size', '-1'], {}, /--queue-size must be >= 0/],
  ['a non-numeric queue size', ['--queue-size', 'ten'], {}, /--queue-size must be an integer/],
  [
    'a non-numeric queue size in the environment',
    [],
    { FOLD_VALIDATOR_QUEUE_SIZE: 'ten' },
    /FOLD_VALIDATOR_QUEUE_SIZE \(environment\) must be an integer/,
  ],
  ['zero miners per job', ['--miners-per-job', '0'], {}, /--miners-per-job must be >= 1/],
  [
    'a non-numeric query interval',
    ['--query-interval-seconds', 'soon'],
    {},
    /--query-interval-seconds must be a number/,
  ],
  ['an unknown scoring preset', ['--scoring-preset', 'bogus'], {}, /--scoring-preset must be/],
  [
    'a hotkey URI over 4096 characters',
    ['--hotkey-uri', `${SECRET_URI}${'x'.repeat(4096)}`],
    {},
    /--hotkey-uri must NOT have more than 4096 characters/,
  ],
];

const invalidRun = (args: readonly string[], env: Record<string, string>): Invocation => [
  ['run', '--hotkey-uri', SECRET_URI, ...VALID, ...args],
  env,
];

describe('run with an invalid setting', () => {
  it.each(INVALID)('exits with status 2 for %s', async (_what, args, env) => {
    const result = await cli(...invalidRun(args, env));
    expect(result.signal).toBeNull();
    expect(result.code).toBe(2);
  });

  it.each(INVALID)(
    'names the setting in one error line for %s',
    async (_what, args, env, message) => {
      const { stderr } = await cli(...invalidRun(args, env));
      expect(stderr).toMatch(message);
      expect(stderr).toMatch(/^fold-validator: [^\n]* \[CONFIG_INVALID\]\n$/);
    },
  );

  it.each(INVALID)('starts nothing for %s', async (_what, args, env) => {
    const { stdout } = await cli(...invalidRun(args, env));
    expect(stdout).toBe('');
    expect(existsSync(workDir)).toBe(false);
    expect(await readdir(cwd)).toEqual([]);
  });
});

const INVALID_CONFIG = INVALID.filter(([what]) =>
  ['a negative queue size', 'an unknown scoring preset'].includes(what),
);
const invalidConfig = (args: readonly string[]): Invocation => [
  ['config', '--hotkey-uri', SECRET_URI, ...VALID, ...args],
  {},
];

describe('config with an invalid setting', () => {
  it.each(INVALID_CONFIG)(
    'exits with status 2 naming the setting for %s',
    async (_w, args, _e, message) => {
      const result = await cli(...invalidConfig(args));
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(message);
    },
  );

  it.each(INVALID_CONFIG)('prints no settings for %s', async (_what, args) => {
    expect((await cli(...invalidConfig(args))).stdout).toBe('');
  });
});

const VALID_CONFIG: Invocation = [['config', '--hotkey-uri', SECRET_URI, ...VALID], {}];
const BAD_KEY: Invocation = [['run', '--hotkey-uri', `0x${SEED}zz///${PASSWORD}`, ...VALID], {}];

describe('the hotkey secret', () => {
  it('is taken from a key URI flag by config, which prints it hidden', async () => {
    const result = await cli(...VALID_CONFIG);
    expect(result.code).toBe(0);
    const rows = JSON.parse(result.stdout) as { key: string; value: unknown; source: string }[];
    expect(rows.find((row) => row.key === 'hotkeyUri')).toEqual({
      key: 'hotkeyUri',
      value: '<hidden>',
      source: 'flag',
    });
  });

  it('stays out of the error for a key URI that is not a valid secret', async () => {
    const result = await cli(...BAD_KEY);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(
      'fold-validator: cannot load the hotkey: the key URI is not a valid sr25519 secret URI [STARTUP_FAILED]',
    );
    expect(existsSync(workDir)).toBe(false);
  });

  it('never appears in the output of the help, config or refused commands', async () => {
    const invocations: Invocation[] = [
      ...HELP_INVOCATIONS.map((args): Invocation => [args, {}]),
      ...INVALID.map(([, args, env]) => invalidRun(args, env)),
      ...INVALID_CONFIG.map(([, args]) => invalidConfig(args)),
      VALID_CONFIG,
      BAD_KEY,
    ];
    for (const [args, env] of invocations) {
      const { stdout, stderr } = await cli(args, env);
      const command = args.slice(0, 2).join(' ');
      for (const secret of SECRETS) {
        expect([command, stdout]).not.toEqual([command, expect.stringContaining(secret)]);
        expect([command, stderr]).not.toEqual([command, expect.stringContaining(secret)]);
      }
    }
  }, 120_000);
});
