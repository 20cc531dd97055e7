import { readFile, stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';
import { ConfigError } from './errors.js';

const MiB = 1024 * 1024;
const MAX_CONFIG_FILE_BYTES = MiB;
const SS58 = '^[1-9A-HJ-NP-Za-km-z]{46,48}$';
const PDB_ID = '^[0-9][A-Za-z0-9]{3}$';

/** Where a setting's value came from, lowest precedence first. */
export type ConfigSource = 'default' | 'file' | 'env' | 'flag';

/** Log levels pino knows. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
/** Scoring presets of @fold/scoring a validator can run. */
export const SCORING_PRESETS = ['fold', 'reference', 'reference-relative'] as const;
/** Stages miners can be asked to run, in the order they run. */
export const JOB_STAGES = ['nvt', 'npt', 'md'] as const;
/** Where PDB entries come from. */
export const PDB_SOURCES = ['mirror', 'rcsb', 'mirror-then-rcsb'] as const;

const STEPS = Type.Integer({ minimum: 1, maximum: 500_000_000 });
const stringEnum = <T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });

/** A miner given by hand (`<uid>:<hotkey>@<ip>:<port>`), for networks without a chain. */
const STATIC_MINER = `^[0-9]{1,5}:[1-9A-HJ-NP-Za-km-z]{46,48}@[0-9A-Fa-f.:]{2,45}:[0-9]{1,5}$`;

const settings = {
  hotkeyUri: Type.String({ minLength: 1, maxLength: 4096 }),
  hotkeyFile: Type.String({ minLength: 1, maxLength: 4096 }),
  chainEndpoint: Type.String({ maxLength: 2048, pattern: '^wss?://[^\\s]+$' }),
  netuid: Type.Integer({ minimum: 0, maximum: 65_535 }),
  staticMiners: Type.Array(Type.String({ pattern: STATIC_MINER }), {
    maxItems: 4096,
    uniqueItems: true,
  }),
  redisUrl: Type.String({ maxLength: 2048, pattern: '^rediss?://[^\\s]*$' }),
  redisPrefix: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$' }),
  workDir: Type.String({ minLength: 1, maxLength: 900 }),
  pdbSource: stringEnum(PDB_SOURCES),
  pdbDir: Type.String({ minLength: 1, maxLength: 900 }),
  rcsbUrl: Type.String({ maxLength: 2048, pattern: '^https?://[^\\s]+/$' }),
  catalogPath: Type.String({ minLength: 1, maxLength: 900 }),
  pdbCacheDir: Type.String({ minLength: 1, maxLength: 900 }),
  jobs: Type.Array(Type.String({ pattern: PDB_ID }), { maxItems: 1024 }),
  queueSize: Type.Integer({ minimum: 0, maximum: 100_000 }),
  minersPerJob: Type.Integer({ minimum: 1, maximum: 256 }),
  queryIntervalSeconds: Type.Number({ minimum: 0.2, maximum: 86_400 }),
  queryTimeoutSeconds: Type.Number({ minimum: 0.1, maximum: 600 }),
  queryConcurrency: Type.Integer({ minimum: 1, maximum: 1024 }),
  assignTimeoutSeconds: Type.Number({ minimum: 0.1, maximum: 600 }),
  artefactsTimeoutSeconds: Type.Number({ minimum: 0.1, maximum: 3_600 }),
  maxFailedQueries: Type.Integer({ minimum: 1, maximum: 10_000 }),
  jobDeadlineHours: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 365 }),
  jobRetentionDays: Type.Number({ minimum: 0, maximum: 3650 }),
  improvementFraction: Type.Number({ exclusiveMinimum: 0, maximum: 0.5 }),
  earlyStopMinutes: Type.Number({ exclusiveMinimum: 0, maximum: 60 * 24 * 365 }),
  earlyStopMinUpdates: Type.Integer({ minimum: 0, maximum: 1_000_000 }),
  scoringPreset: stringEnum(SCORING_PRESETS),
  rebase: Type.Boolean(),
  dryRun: Type.Boolean(),
  weightsCheckSeconds: Type.Number({ minimum: 0.2, maximum: 86_400 }),
  weightsIntervalBlocks: Type.Integer({ minimum: 1, maximum: 1_000_000 }),
  stages: Type.Array(stringEnum(JOB_STAGES), { minItems: 1, maxItems: 3, uniqueItems: true }),
  mdSteps: STEPS,
  nvtSteps: STEPS,
  nptSteps: STEPS,
  energyIntervalSteps: Type.Integer({ minimum: 1, maximum: 100 }),
  searchSpace: stringEnum(['full', 'reference'] as const),
  stabilitySteps: Type.Integer({ minimum: 20, maximum: 1_000_000 }),
  verifyConcurrency: Type.Integer({ minimum: 1, maximum: 64 }),
  verifyThreads: Type.Integer({ minimum: 1, maximum: 256 }),
  gmxPath: Type.String({ minLength: 1, maxLength: 4096 }),
  taskLockSeconds: Type.Number({ minimum: 1, maximum: 3_600 }),
  taskStalledCheckSeconds: Type.Number({ minimum: 0.5, maximum: 3_600 }),
  api: Type.Boolean(),
  apiHost: Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9.:_-]+$' }),
  apiPort: Type.Integer({ minimum: 0, maximum: 65_535 }),
  apiTokens: Type.Array(
    Type.String({ minLength: 16, maxLength: 256, pattern: '^[\\x21-\\x7e]+$' }),
    {
      maxItems: 256,
      uniqueItems: true,
    },
  ),
  apiOpenRead: Type.Boolean(),
  apiMaxUploadBytes: Type.Integer({ minimum: 1024, maximum: 64 * MiB }),
  staticDir: Type.String({ minLength: 1, maxLength: 900 }),
  logLevel: stringEnum(LOG_LEVELS),
} satisfies Record<string, TSchema>;

/** The name of a validator setting. */
export type ConfigKey = keyof typeof settings;

/** How a setting is written in the environment and on the command line. */
type ValueKind = 'string' | 'integer' | 'number' | 'boolean' | 'size' | 'string-list';

/** One setting: its kind and help text. */
export interface SettingSpec {
  readonly key: ConfigKey;
  readonly kind: ValueKind;
  /** Shown in `--help` and the README. */
  readonly description: string;
  /** The value placeholder of the flag. */
  readonly placeholder?: string;
  /** A secret: never logged, never printed by `fold-validator config`. */
  readonly secret?: boolean;
}

/** Every setting, in the order `--help` lists them. */
export const SETTINGS: readonly SettingSpec[] = [
  {
    key: 'hotkeyUri',
    kind: 'string',
    placeholder: 'uri',
    secret: true,
    description: 'hotkey as a secret key URI (//Alice for development); prefer the env or a file',
  },
  {
    key: 'hotkeyFile',
    kind: 'string',
    placeholder: 'path',
    description: 'hotkey from an unencrypted Bittensor key file (secretSeed or secretPhrase)',
  },
  {
    key: 'chainEndpoint',
    kind: 'string',
    placeholder: 'ws-url',
    description: 'Subtensor endpoint (miners from the metagraph, weights on chain)',
  },
  { key: 'netuid', kind: 'integer', placeholder: 'n', description: 'subnet of the validator' },
  {
    key: 'staticMiners',
    kind: 'string-list',
    placeholder: 'list',
    description: 'without a chain: miners as <uid>:<hotkey>@<ip>:<port>, comma-separated',
  },
  { key: 'redisUrl', kind: 'string', placeholder: 'url', description: 'Redis of the job store' },
  {
    key: 'redisPrefix',
    kind: 'string',
    placeholder: 'prefix',
    description: 'key prefix in Redis (default fold:validator:<hotkey address>)',
  },
  {
    key: 'workDir',
    kind: 'string',
    placeholder: 'dir',
    description: 'directory of prepared jobs, verification runs, best structures, reveal salts',
  },
  {
    key: 'pdbSource',
    kind: 'string',
    placeholder: 'source',
    description: `where PDB entries come from: ${PDB_SOURCES.join(', ')}`,
  },
  {
    key: 'pdbDir',
    kind: 'string',
    placeholder: 'dir',
    description: 'local PDB mirror (default FOLD_PDB_DIR or ../shared/pdb)',
  },
  {
    key: 'rcsbUrl',
    kind: 'string',
    placeholder: 'url',
    description: 'download URL of PDB entries (<url><id>.pdb.gz)',
  },
  {
    key: 'catalogPath',
    kind: 'string',
    placeholder: 'path',
    description: 'catalogue of PDB ids to sample (default <pdb dir>/catalog.json)',
  },
  {
    key: 'pdbCacheDir',
    kind: 'string',
    placeholder: 'dir',
    description: 'content cache of job preparations (default <work dir>/pdb-cache; shareable)',
  },
  {
    key: 'jobs',
    kind: 'string-list',
    placeholder: 'ids',
    description: 'run these PDB entries once each instead of sampling the catalogue',
  },
  {
    key: 'queueSize',
    kind: 'integer',
    placeholder: 'n',
    description: 'jobs kept active (sampled jobs are added up to it)',
  },
  { key: 'minersPerJob', kind: 'integer', placeholder: 'n', description: 'miners per job' },
  {
    key: 'queryIntervalSeconds',
    kind: 'number',
    placeholder: 's',
    description: 'time between progress rounds',
  },
  {
    key: 'queryTimeoutSeconds',
    kind: 'number',
    placeholder: 's',
    description: 'timeout of a progress query',
  },
  {
    key: 'queryConcurrency',
    kind: 'integer',
    placeholder: 'n',
    description: 'miners queried at once',
  },
  {
    key: 'assignTimeoutSeconds',
    kind: 'number',
    placeholder: 's',
    description: 'timeout of an assignment (the input files travel with it)',
  },
  {
    key: 'artefactsTimeoutSeconds',
    kind: 'number',
    placeholder: 's',
    description: 'timeout of an artefacts fetch',
  },
  {
    key: 'maxFailedQueries',
    kind: 'integer',
    placeholder: 'n',
    description: 'consecutive failed queries after which a miner is dropped from its jobs',
  },
  {
    key: 'jobDeadlineHours',
    kind: 'number',
    placeholder: 'h',
    description: 'a job ends this long after it was activated',
  },
  {
    key: 'jobRetentionDays',
    kind: 'number',
    placeholder: 'days',
    description:
      'an ended job (record, verdicts, structures, files) is deleted this long after it ended; 0 keeps every job',
  },
  {
    key: 'earlyStopMinutes',
    kind: 'number',
    placeholder: 'min',
    description:
      'early-stop period: a job without improvement for this long ends (default: the preset)',
  },
  {
    key: 'earlyStopMinUpdates',
    kind: 'integer',
    placeholder: 'n',
    description: 'rounds a job has before "no improvement" can stop it (default: the preset)',
  },
  {
    key: 'scoringPreset',
    kind: 'string',
    placeholder: 'preset',
    description: `scoring mechanism: ${SCORING_PRESETS.join(', ')}`,
  },
  {
    key: 'improvementFraction',
    kind: 'number',
    placeholder: 'fraction',
    description:
      "replaces the preset's improvement threshold: a result must be this fraction of the best energy lower (fold: 0.01); every validator of a subnet should use the same",
  },
  {
    key: 'rebase',
    kind: 'boolean',
    description: "offer a job's best verified frame to its other miners as a new start",
  },
  { key: 'dryRun', kind: 'boolean', description: 'log the weights instead of setting them' },
  {
    key: 'weightsCheckSeconds',
    kind: 'number',
    placeholder: 's',
    description: 'how often the chain is checked for whether weights are due',
  },
  {
    key: 'weightsIntervalBlocks',
    kind: 'integer',
    placeholder: 'blocks',
    description: "blocks between weight settings (default: the subnet's tempo)",
  },
  {
    key: 'stages',
    kind: 'string-list',
    placeholder: 'list',
    description: `stages miners run, from ${JOB_STAGES.join(', ')}`,
  },
  {
    key: 'mdSteps',
    kind: 'integer',
    placeholder: 'steps',
    description: 'production steps (NVT gets 1/100 and NPT 1/10 unless set)',
  },
  { key: 'nvtSteps', kind: 'integer', placeholder: 'steps', description: 'NVT steps' },
  { key: 'nptSteps', kind: 'integer', placeholder: 'steps', description: 'NPT steps' },
  {
    key: 'energyIntervalSteps',
    kind: 'integer',
    placeholder: 'steps',
    description:
      "steps between energy frames and log entries, at most 100, the verifier's window (default: energies every 50 steps, the job's log interval)",
  },
  {
    key: 'searchSpace',
    kind: 'string',
    placeholder: 'space',
    description: 'hyperparameter search space: full or reference',
  },
  {
    key: 'stabilitySteps',
    kind: 'integer',
    placeholder: 'steps',
    description: 'NVT steps of the stability check when preparing a job',
  },
  {
    key: 'verifyConcurrency',
    kind: 'integer',
    placeholder: 'n',
    description: 'verifications run at once',
  },
  {
    key: 'verifyThreads',
    kind: 'integer',
    placeholder: 'n',
    description: 'mdrun threads of one verification',
  },
  {
    key: 'gmxPath',
    kind: 'string',
    placeholder: 'path',
    description: 'GROMACS binary (default FOLD_GMX or gmx on PATH)',
  },
  {
    key: 'taskLockSeconds',
    kind: 'number',
    placeholder: 's',
    description: 'a scheduled task of a killed process is run again after this long',
  },
  {
    key: 'taskStalledCheckSeconds',
    kind: 'number',
    placeholder: 's',
    description: 'how often tasks of killed processes are looked for',
  },
  { key: 'api', kind: 'boolean', description: 'serve the HTTP API' },
  { key: 'apiHost', kind: 'string', placeholder: 'address', description: 'API listen address' },
  {
    key: 'apiPort',
    kind: 'integer',
    placeholder: 'port',
    description: 'API listen port (0: any free port)',
  },
  {
    key: 'apiTokens',
    kind: 'string-list',
    placeholder: 'tokens',
    secret: true,
    description: 'bearer tokens of the API (16+ characters, comma-separated); prefer the env',
  },
  {
    key: 'apiOpenRead',
    kind: 'boolean',
    description: 'let GET requests of the API through without a token (a public dashboard)',
  },
  {
    key: 'apiMaxUploadBytes',
    kind: 'size',
    placeholder: 'size',
    description: 'largest API request body (a PDB upload), e.g. 8MiB',
  },
  {
    key: 'staticDir',
    kind: 'string',
    placeholder: 'dir',
    description: "serve this directory at / (the dashboard's build output)",
  },
  {
    key: 'logLevel',
    kind: 'string',
    placeholder: 'level',
    description: `one of ${LOG_LEVELS.join(', ')}`,
  },
];

/** Defaults of the settings that have one. */
export const CONFIG_DEFAULTS = {
  staticMiners: [] as string[],
  redisUrl: 'redis://127.0.0.1:6379',
  workDir: '.fold/validator',
  pdbSource: 'mirror',
  rcsbUrl: 'https://files.rcsb.org/download/',
  jobs: [] as string[],
  queueSize: 10,
  minersPerJob: 10,
  queryIntervalSeconds: 300,
  queryTimeoutSeconds: 45,
  queryConcurrency: 16,
  assignTimeoutSeconds: 60,
  artefactsTimeoutSeconds: 120,
  maxFailedQueries: 5,
  jobDeadlineHours: 24,
  jobRetentionDays: 30,
  scoringPreset: 'fold',
  rebase: false,
  dryRun: false,
  weightsCheckSeconds: 12,
  stages: ['nvt', 'npt', 'md'] as ('nvt' | 'npt' | 'md')[],
  mdSteps: 750_000,
  searchSpace: 'full',
  stabilitySteps: 500,
  verifyConcurrency: 1,
  verifyThreads: 1,
  taskLockSeconds: 60,
  taskStalledCheckSeconds: 30,
  api: true,
  apiHost: '127.0.0.1',
  apiPort: 8093,
  apiTokens: [] as string[],
  apiOpenRead: false,
  apiMaxUploadBytes: 8 * MiB,
  logLevel: 'info',
} as const satisfies Partial<Record<ConfigKey, unknown>>;

/** The schema of a complete configuration (after defaults). */
export const ValidatorConfigSchema = Type.Object(
  {
    ...settings,
    // Settings without a default.
    hotkeyUri: Type.Optional(settings.hotkeyUri),
    hotkeyFile: Type.Optional(settings.hotkeyFile),
    chainEndpoint: Type.Optional(settings.chainEndpoint),
    netuid: Type.Optional(settings.netuid),
    redisPrefix: Type.Optional(settings.redisPrefix),
    pdbDir: Type.Optional(settings.pdbDir),
    catalogPath: Type.Optional(settings.catalogPath),
    pdbCacheDir: Type.Optional(settings.pdbCacheDir),
    earlyStopMinutes: Type.Optional(settings.earlyStopMinutes),
    earlyStopMinUpdates: Type.Optional(settings.earlyStopMinUpdates),
    improvementFraction: Type.Optional(settings.improvementFraction),
    weightsIntervalBlocks: Type.Optional(settings.weightsIntervalBlocks),
    nvtSteps: Type.Optional(settings.nvtSteps),
    nptSteps: Type.Optional(settings.nptSteps),
    energyIntervalSteps: Type.Optional(settings.energyIntervalSteps),
    gmxPath: Type.Optional(settings.gmxPath),
    staticDir: Type.Optional(settings.staticDir),
  },
  { additionalProperties: false },
);

/** A validated configuration with its defaults applied. */
export type ValidatorConfig = Static<typeof ValidatorConfigSchema>;

/** Settings as a file, the environment or flags give them: any subset. */
export type PartialConfig = Partial<ValidatorConfig>;

const FileSchema = Type.Partial(ValidatorConfigSchema, { additionalProperties: false });

const ajv = new Ajv({ allErrors: false, strict: true });
const validateComplete = ajv.compile<ValidatorConfig>(ValidatorConfigSchema);
const validateFile = ajv.compile<PartialConfig>(FileSchema);
const validateSetting = Object.fromEntries(
  Object.entries(settings).map(([key, schema]) => [key, ajv.compile(schema)]),
) as Record<ConfigKey, ReturnType<typeof ajv.compile>>;

function describeAjvError(error: ErrorObject | undefined): { field: string; message: string } {
  if (error === undefined) return { field: '(config)', message: 'is invalid' };
  const path = error.instancePath.split('/').filter(Boolean);
  if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty?: unknown }).additionalProperty);
    return { field: extra, message: 'is not a validator setting' };
  }
  const field = path[0] ?? '(config)';
  const where = path.length > 1 ? ` (item ${path.slice(1).join('.')})` : '';
  return { field, message: `${error.message ?? 'is invalid'}${where}` };
}

/** `hotkeyUri` → `hotkey-uri`. */
export function flagName(key: ConfigKey): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `hotkeyUri` → `FOLD_VALIDATOR_HOTKEY_URI`. */
export function envName(key: ConfigKey): string {
  return `FOLD_VALIDATOR_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib)?$/i;
const SIZE_FACTORS: Readonly<Record<string, number>> = {
  b: 1,
  k: 1024,
  kib: 1024,
  kb: 1000,
  m: MiB,
  mib: MiB,
  mb: 1e6,
  g: 1024 * MiB,
  gib: 1024 * MiB,
  gb: 1e9,
};

/**
 * A size in bytes from `123`, `8MiB`, `1.5G` (K, M, G alone are binary; KB, MB, GB decimal).
 * Returns undefined for anything else.
 */
export function parseSize(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  if (match === null) return undefined;
  const factor = SIZE_FACTORS[(match[2] ?? 'b').toLowerCase()] ?? 1;
  const bytes = Math.floor(Number(match[1]) * factor);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
}

function describeSource(key: ConfigKey, source: ConfigSource): string {
  if (source === 'env') return `${envName(key)} (environment)`;
  if (source === 'flag') return `--${flagName(key)}`;
  return key;
}

/**
 * Parses one setting from its text form (environment variable or flag).
 * @throws {ConfigError} naming the setting and where the text came from.
 */
export function parseSettingText(spec: SettingSpec, text: string, source: ConfigSource): unknown {
  const fail = (what: string): never => {
    throw new ConfigError(`${describeSource(spec.key, source)} ${what}`, {
      details: { field: spec.key, source },
    });
  };
  const trimmed = text.trim();
  switch (spec.kind) {
    case 'string':
      return trimmed;
    case 'integer': {
      if (!/^-?\d+$/.test(trimmed)) fail('must be an integer');
      return Number(trimmed);
    }
    case 'number': {
      const value = Number(trimmed);
      if (trimmed === '' || !Number.isFinite(value)) fail('must be a number');
      return value;
    }
    case 'boolean': {
      const lower = trimmed.toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(lower)) return true;
      if (['0', 'false', 'no', 'off'].includes(lower)) return false;
      return fail('must be true or false');
    }
    case 'size': {
      const bytes = parseSize(trimmed);
      if (bytes === undefined) fail('must be a size such as 8MiB');
      return bytes;
    }
    case 'string-list':
      return trimmed === ''
        ? []
        : trimmed
            .split(',')
            .map((s) => s.trim())
            .filter((s) => s !== '');
  }
}

/** Settings read from the environment (`FOLD_VALIDATOR_*`). @throws {ConfigError} */
export function configFromEnv(env: NodeJS.ProcessEnv): PartialConfig {
  const out: Record<string, unknown> = {};
  for (const spec of SETTINGS) {
    const text = env[envName(spec.key)];
    if (text === undefined || text === '') continue;
    out[spec.key] = parseSettingText(spec, text, 'env');
  }
  return out as PartialConfig;
}

/**
 * Settings from a JSON file. Relative paths inside it (`workDir`, `pdbDir`, ...) are resolved
 * later, like those from flags and the environment, against the working directory.
 * @throws {ConfigError} CONFIG_FILE_UNREADABLE when it cannot be read or parsed; CONFIG_INVALID
 *   when a setting is unknown or out of range.
 */
export async function readConfigFile(path: string): Promise<PartialConfig> {
  let text: string;
  try {
    const info = await stat(path);
    if (info.size > MAX_CONFIG_FILE_BYTES) {
      throw new ConfigError(`config file ${path} is over ${MAX_CONFIG_FILE_BYTES} bytes`, {
        code: 'CONFIG_FILE_UNREADABLE',
        details: { file: path },
      });
    }
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if (cause instanceof ConfigError) throw cause;
    throw new ConfigError(`cannot read config file ${path}: ${(cause as Error).message}`, {
      code: 'CONFIG_FILE_UNREADABLE',
      details: { file: path },
      cause,
    });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new ConfigError(`config file ${path} is not JSON: ${(cause as Error).message}`, {
      code: 'CONFIG_FILE_UNREADABLE',
      details: { file: path },
      cause,
    });
  }
  if (!validateFile(parsed)) {
    const { field, message } = describeAjvError(validateFile.errors?.[0]);
    throw new ConfigError(`config file ${path}: ${field} ${message}`, {
      details: { field, source: 'file', file: path },
    });
  }
  return parsed;
}

/** A configuration and where each of its settings came from. */
export interface LoadedConfig {
  readonly config: ValidatorConfig;
  readonly sources: Readonly<Partial<Record<ConfigKey, ConfigSource>>>;
}

/**
 * Merges defaults, a config file, the environment and flags (later wins), resolves paths and
 * validates the result.
 * @throws {ConfigError} naming the first bad setting and where it came from.
 */
export async function loadConfig(options: {
  readonly file?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly flags?: PartialConfig;
}): Promise<LoadedConfig> {
  const layers: [ConfigSource, PartialConfig][] = [['default', CONFIG_DEFAULTS as PartialConfig]];
  if (options.file !== undefined) layers.push(['file', await readConfigFile(options.file)]);
  layers.push(['env', configFromEnv(options.env ?? {})]);
  layers.push(['flag', options.flags ?? {}]);
  const merged: Record<string, unknown> = {};
  const sources: Partial<Record<ConfigKey, ConfigSource>> = {};
  for (const [source, layer] of layers) {
    for (const [key, value] of Object.entries(layer)) {
      if (value === undefined) continue;
      const spec = SETTINGS.find((s) => s.key === key);
      if (spec === undefined) {
        throw new ConfigError(`${key} is not a validator setting`, {
          details: { field: key, source },
        });
      }
      const check = validateSetting[spec.key];
      if (!check(value)) {
        const { message } = describeAjvError(check.errors?.[0]);
        throw new ConfigError(`${describeSource(spec.key, source)} ${message}`, {
          details: { field: key, source },
        });
      }
      merged[key] = value;
      sources[spec.key] = source;
    }
  }
  return { config: checkConfig(merged, sources), sources };
}

/**
 * Validates a complete configuration, including the rules between settings.
 * @throws {ConfigError}
 */
export function checkConfig(
  value: unknown,
  sources: Readonly<Partial<Record<ConfigKey, ConfigSource>>> = {},
): ValidatorConfig {
  if (!validateComplete(value)) {
    const { field, message } = describeAjvError(validateComplete.errors?.[0]);
    throw new ConfigError(`${field} ${message}`, {
      details: { field, source: sources[field as ConfigKey] ?? 'default' },
    });
  }
  const config = value;
  const fail = (field: ConfigKey, message: string): never => {
    throw new ConfigError(`${describeSource(field, sources[field] ?? 'default')} ${message}`, {
      details: { field, source: sources[field] ?? 'default' },
    });
  };
  if (config.hotkeyUri === undefined && config.hotkeyFile === undefined)
    fail('hotkeyUri', 'or hotkeyFile is required: the validator signs with its hotkey');
  if (config.hotkeyUri !== undefined && config.hotkeyFile !== undefined)
    fail('hotkeyFile', 'cannot be given together with hotkeyUri');
  if (config.chainEndpoint !== undefined && config.netuid === undefined)
    fail('netuid', 'is required with chainEndpoint');
  if (config.chainEndpoint === undefined && config.staticMiners.length === 0)
    fail('chainEndpoint', 'or staticMiners is required: the validator needs miners');
  if (config.chainEndpoint !== undefined && config.staticMiners.length > 0)
    fail('staticMiners', 'cannot be given together with chainEndpoint');
  if (config.chainEndpoint === undefined && !config.dryRun)
    fail('dryRun', 'must be true without a chainEndpoint (weights have nowhere to go)');
  const staticUids = new Set(config.staticMiners.map((m) => m.split(':')[0]));
  if (staticUids.size !== config.staticMiners.length) fail('staticMiners', 'gives a uid twice');
  return {
    ...config,
    workDir: resolve(config.workDir),
    ...(config.pdbDir === undefined ? {} : { pdbDir: resolve(config.pdbDir) }),
    ...(config.catalogPath === undefined ? {} : { catalogPath: resolve(config.catalogPath) }),
    ...(config.pdbCacheDir === undefined ? {} : { pdbCacheDir: resolve(config.pdbCacheDir) }),
    ...(config.staticDir === undefined ? {} : { staticDir: resolve(config.staticDir) }),
    ...(config.hotkeyFile === undefined ? {} : { hotkeyFile: resolve(config.hotkeyFile) }),
  };
}

/** The configuration with secrets replaced by `<hidden>`, for logs and `fold-validator config`. */
export function redactConfig(config: ValidatorConfig): Record<string, unknown> {
  const out: Record<string, unknown> = { ...config };
  for (const spec of SETTINGS)
    if (spec.secret && out[spec.key] !== undefined) out[spec.key] = '<hidden>';
  return out;
}

/** A miner given by hand in {@link ValidatorConfig.staticMiners}. */
export interface StaticMiner {
  readonly uid: number;
  readonly hotkey: string;
  readonly ip: string;
  readonly port: number;
}

/** Parses `<uid>:<hotkey>@<ip>:<port>` (the schema has checked the shape). */
export function parseStaticMiner(text: string): StaticMiner {
  const colon = text.indexOf(':');
  const at = text.indexOf('@');
  const lastColon = text.lastIndexOf(':');
  const uid = Number(text.slice(0, colon));
  const port = Number(text.slice(lastColon + 1));
  const hotkey = text.slice(colon + 1, at);
  const ip = text.slice(at + 1, lastColon);
  if (!new RegExp(SS58).test(hotkey) || uid > 65_535 || port < 1 || port > 65_535) {
    throw new ConfigError(
      `static miner ${JSON.stringify(text)} is not <uid>:<hotkey>@<ip>:<port>`,
      {
        details: { field: 'staticMiners' },
      },
    );
  }
  return { uid, hotkey, ip, port };
}
