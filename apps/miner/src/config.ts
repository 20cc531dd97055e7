import { readFile, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Ajv, type ErrorObject } from 'ajv';
import { ConfigError } from './errors.js';

const SS58 = '^[1-9A-HJ-NP-Za-km-z]{46,48}$';
const MiB = 1024 * 1024;
const MAX_CONFIG_FILE_BYTES = 1024 * 1024;

/** Where a setting's value came from, lowest precedence first. */
export type ConfigSource = 'default' | 'file' | 'env' | 'flag';

/** Log levels pino knows. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

const settings = {
  hotkeyUri: Type.String({ minLength: 1, maxLength: 4096 }),
  hotkeyFile: Type.String({ minLength: 1, maxLength: 4096 }),
  axon: Type.Boolean(),
  axonHost: Type.String({ minLength: 1, maxLength: 255, pattern: '^[A-Za-z0-9.:_-]+$' }),
  axonPort: Type.Integer({ minimum: 0, maximum: 65_535 }),
  externalIp: Type.String({ minLength: 2, maxLength: 45, pattern: '^[0-9A-Fa-f.:]+$' }),
  externalPort: Type.Integer({ minimum: 1, maximum: 65_535 }),
  serveAxon: Type.Boolean(),
  chainEndpoint: Type.String({ maxLength: 2048, pattern: '^wss?://[^\\s]+$' }),
  netuid: Type.Integer({ minimum: 0, maximum: 65_535 }),
  minStakeTao: Type.Number({ minimum: 0, maximum: 1e12 }),
  devAllow: Type.Array(Type.String({ pattern: SS58 }), { maxItems: 256, uniqueItems: true }),
  redisUrl: Type.String({ maxLength: 2048, pattern: '^rediss?://[^\\s]*$' }),
  redisPrefix: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9:._-]{0,127}$' }),
  workDir: Type.String({ minLength: 1, maxLength: 900 }),
  cpuSlots: Type.Integer({ minimum: 0, maximum: 1024 }),
  cpus: Type.Integer({ minimum: 1, maximum: 65_536 }),
  firstCore: Type.Integer({ minimum: 0, maximum: 65_535 }),
  gpuIds: Type.Array(Type.Integer({ minimum: 0, maximum: 63 }), {
    maxItems: 64,
    uniqueItems: true,
  }),
  simsPerGpu: Type.Integer({ minimum: 1, maximum: 64 }),
  machineId: Type.String({ pattern: '^[A-Za-z0-9]{1,8}$' }),
  clusterCpuSlots: Type.Integer({ minimum: 0, maximum: 1024 }),
  clusterGpus: Type.Array(Type.String({ pattern: '^[A-Za-z0-9_-]{1,16}:[1-9][0-9]{0,2}$' }), {
    maxItems: 1024,
    uniqueItems: true,
  }),
  maxQueuedJobs: Type.Integer({ minimum: 0, maximum: 100_000 }),
  diskQuotaBytes: Type.Integer({ minimum: MiB, maximum: Number.MAX_SAFE_INTEGER }),
  retentionHours: Type.Number({ exclusiveMinimum: 0, maximum: 24 * 365 }),
  purgeAfterFetchMinutes: Type.Number({ minimum: 0, maximum: 60 * 24 * 365 }),
  checkpointIntervalMinutes: Type.Number({ minimum: 0.01, maximum: 1440 }),
  minFrameIntervalSteps: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
  commitIntervalSeconds: Type.Number({ minimum: 0, maximum: 86_400 }),
  progressIntervalSeconds: Type.Number({ minimum: 0.1, maximum: 3_600 }),
  maxInputBytes: Type.Integer({ minimum: 1024, maximum: 64 * MiB }),
  lockDurationMs: Type.Integer({ minimum: 500, maximum: 3_600_000 }),
  stalledIntervalMs: Type.Integer({ minimum: 100, maximum: 3_600_000 }),
  housekeepingIntervalSeconds: Type.Number({ minimum: 0.1, maximum: 86_400 }),
  gmxPath: Type.String({ minLength: 1, maxLength: 4096 }),
  logLevel: Type.Unsafe<(typeof LOG_LEVELS)[number]>({ type: 'string', enum: [...LOG_LEVELS] }),
} satisfies Record<string, TSchema>;

/** The name of a miner setting. */
export type ConfigKey = keyof typeof settings;

/** How a setting is written in the environment and on the command line. */
type ValueKind = 'string' | 'integer' | 'number' | 'boolean' | 'size' | 'string-list' | 'int-list';

/** One setting: its kind, default and help text. */
export interface SettingSpec {
  readonly key: ConfigKey;
  readonly kind: ValueKind;
  /** Shown in `--help` and the README; the value placeholder for flags. */
  readonly description: string;
  readonly placeholder?: string;
  /** A secret: never logged, never shown by `status`. */
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
  { key: 'axon', kind: 'boolean', description: 'serve the axon (false: run workers only)' },
  { key: 'axonHost', kind: 'string', placeholder: 'address', description: 'axon listen address' },
  {
    key: 'axonPort',
    kind: 'integer',
    placeholder: 'port',
    description: 'axon listen port (0: any free port)',
  },
  {
    key: 'externalIp',
    kind: 'string',
    placeholder: 'ip',
    description: 'IP validators reach the axon at, registered by --serve-axon',
  },
  {
    key: 'externalPort',
    kind: 'integer',
    placeholder: 'port',
    description: 'port validators reach the axon at (default: the axon port)',
  },
  { key: 'serveAxon', kind: 'boolean', description: 'register the axon on chain at start' },
  {
    key: 'chainEndpoint',
    kind: 'string',
    placeholder: 'ws-url',
    description: 'Subtensor endpoint; without it only --dev-allow hotkeys are served',
  },
  { key: 'netuid', kind: 'integer', placeholder: 'n', description: 'subnet of the miner' },
  {
    key: 'minStakeTao',
    kind: 'number',
    placeholder: 'tao',
    description: 'least stake a validator needs to be served',
  },
  {
    key: 'devAllow',
    kind: 'string-list',
    placeholder: 'hotkeys',
    description: 'development: hotkeys served without chain checks (comma-separated)',
  },
  { key: 'redisUrl', kind: 'string', placeholder: 'url', description: 'Redis of the job store' },
  {
    key: 'redisPrefix',
    kind: 'string',
    placeholder: 'prefix',
    description: 'key prefix in Redis (default fold:miner:<hotkey address>)',
  },
  {
    key: 'workDir',
    kind: 'string',
    placeholder: 'dir',
    description: 'directory of job files (shared by every process of this miner)',
  },
  {
    key: 'cpuSlots',
    kind: 'integer',
    placeholder: 'n',
    description: 'simulations this process runs on CPUs at once',
  },
  {
    key: 'cpus',
    kind: 'integer',
    placeholder: 'n',
    description: 'logical CPUs this process splits between its slots',
  },
  {
    key: 'firstCore',
    kind: 'integer',
    placeholder: 'n',
    description: 'first logical CPU of this process (pinning offset)',
  },
  {
    key: 'gpuIds',
    kind: 'int-list',
    placeholder: 'ids',
    description: 'GPU device ids this process runs simulations on (comma-separated)',
  },
  {
    key: 'simsPerGpu',
    kind: 'integer',
    placeholder: 'n',
    description: 'simulations per GPU at once',
  },
  {
    key: 'machineId',
    kind: 'string',
    placeholder: 'name',
    description: "names this machine's GPU queues (<name>-<id>) when several share one Redis",
  },
  {
    key: 'clusterCpuSlots',
    kind: 'integer',
    placeholder: 'n',
    description: 'CPU simulations of all processes together (default: --cpu-slots)',
  },
  {
    key: 'clusterGpus',
    kind: 'string-list',
    placeholder: 'id:n,...',
    description: "GPU queues of all machines with their limits (default: this process's GPUs)",
  },
  {
    key: 'maxQueuedJobs',
    kind: 'integer',
    placeholder: 'n',
    description: 'jobs accepted beyond the slots, waiting for one',
  },
  {
    key: 'diskQuotaBytes',
    kind: 'size',
    placeholder: 'size',
    description: 'disk the work directory may use, e.g. 50GiB',
  },
  {
    key: 'retentionHours',
    kind: 'number',
    placeholder: 'h',
    description: "finished jobs' files are purged after this long",
  },
  {
    key: 'purgeAfterFetchMinutes',
    kind: 'number',
    placeholder: 'min',
    description: 'or this long after the validator fetched the artefacts',
  },
  {
    key: 'checkpointIntervalMinutes',
    kind: 'number',
    placeholder: 'min',
    description: 'mdrun checkpoint interval',
  },
  {
    key: 'minFrameIntervalSteps',
    kind: 'integer',
    placeholder: 'steps',
    description: 'least steps between full-precision frames (0: every energy frame)',
  },
  {
    key: 'commitIntervalSeconds',
    kind: 'number',
    placeholder: 's',
    description: 'least time between two best-frame extractions of a job',
  },
  {
    key: 'progressIntervalSeconds',
    kind: 'number',
    placeholder: 's',
    description: "how often a running job's progress and best frame are updated",
  },
  {
    key: 'maxInputBytes',
    kind: 'size',
    placeholder: 'size',
    description: 'largest assign request (input bundle) accepted',
  },
  {
    key: 'lockDurationMs',
    kind: 'integer',
    placeholder: 'ms',
    description: "a dead worker's simulations are resumed elsewhere after this long",
  },
  {
    key: 'stalledIntervalMs',
    kind: 'integer',
    placeholder: 'ms',
    description: "how often dead workers' simulations are looked for",
  },
  {
    key: 'housekeepingIntervalSeconds',
    kind: 'number',
    placeholder: 's',
    description: 'how often deadlines, purges and disk use are checked',
  },
  {
    key: 'gmxPath',
    kind: 'string',
    placeholder: 'path',
    description: 'GROMACS binary (default FOLD_GMX or gmx on PATH)',
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
  axon: true,
  axonHost: '0.0.0.0',
  axonPort: 8091,
  serveAxon: false,
  minStakeTao: 0,
  devAllow: [] as string[],
  redisUrl: 'redis://127.0.0.1:6379',
  workDir: '.fold/miner',
  cpuSlots: 1,
  cpus: availableParallelism(),
  firstCore: 0,
  gpuIds: [] as number[],
  simsPerGpu: 1,
  maxQueuedJobs: 0,
  diskQuotaBytes: 50 * 1024 * MiB,
  retentionHours: 24,
  purgeAfterFetchMinutes: 10,
  checkpointIntervalMinutes: 1,
  minFrameIntervalSteps: 0,
  commitIntervalSeconds: 10,
  progressIntervalSeconds: 5,
  maxInputBytes: 64 * MiB,
  lockDurationMs: 30_000,
  stalledIntervalMs: 15_000,
  housekeepingIntervalSeconds: 30,
  logLevel: 'info',
} as const satisfies Partial<Record<ConfigKey, unknown>>;

/** The schema of a complete configuration (after defaults). */
export const MinerConfigSchema = Type.Object(
  {
    ...settings,
    // Settings without a default.
    hotkeyUri: Type.Optional(settings.hotkeyUri),
    hotkeyFile: Type.Optional(settings.hotkeyFile),
    externalIp: Type.Optional(settings.externalIp),
    externalPort: Type.Optional(settings.externalPort),
    chainEndpoint: Type.Optional(settings.chainEndpoint),
    netuid: Type.Optional(settings.netuid),
    redisPrefix: Type.Optional(settings.redisPrefix),
    machineId: Type.Optional(settings.machineId),
    clusterCpuSlots: Type.Optional(settings.clusterCpuSlots),
    clusterGpus: Type.Optional(settings.clusterGpus),
    gmxPath: Type.Optional(settings.gmxPath),
  },
  { additionalProperties: false },
);

/** A validated configuration with its defaults applied. */
export type MinerConfig = Static<typeof MinerConfigSchema>;

/** Settings as a file, the environment or flags give them: any subset. */
export type PartialConfig = Partial<MinerConfig>;

const FileSchema = Type.Partial(MinerConfigSchema, { additionalProperties: false });

const ajv = new Ajv({ allErrors: false, strict: true });
const validateComplete = ajv.compile<MinerConfig>(MinerConfigSchema);
const validateFile = ajv.compile<PartialConfig>(FileSchema);
const validateSetting = Object.fromEntries(
  Object.entries(settings).map(([key, schema]) => [key, ajv.compile(schema)]),
) as Record<ConfigKey, ReturnType<typeof ajv.compile>>;

function describeAjvError(error: ErrorObject | undefined): { field: string; message: string } {
  if (error === undefined) return { field: '(config)', message: 'is invalid' };
  const path = error.instancePath.split('/').filter(Boolean);
  if (error.keyword === 'additionalProperties') {
    const extra = String((error.params as { additionalProperty?: unknown }).additionalProperty);
    return { field: extra, message: 'is not a miner setting' };
  }
  const field = path[0] ?? '(config)';
  const where = path.length > 1 ? ` (item ${path.slice(1).join('.')})` : '';
  return { field, message: `${error.message ?? 'is invalid'}${where}` };
}

/** `hotkeyUri` -> `hotkey-uri`. */
export function flagName(key: ConfigKey): string {
  return key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** `hotkeyUri` -> `FOLD_MINER_HOTKEY_URI`. */
export function envName(key: ConfigKey): string {
  return `FOLD_MINER_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;
}

const SIZE = /^(\d+(?:\.\d+)?)\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)?$/i;
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
  t: 1024 * 1024 * MiB,
  tib: 1024 * 1024 * MiB,
  tb: 1e12,
};

/**
 * A size in bytes from `123`, `64MiB`, `50GiB`, `1.5G` (K, M, G, T alone are binary; KB, MB, GB,
 * TB decimal). Returns undefined for anything else.
 */
export function parseSize(text: string): number | undefined {
  const match = SIZE.exec(text.trim());
  if (match === null) return undefined;
  const factor = SIZE_FACTORS[(match[2] ?? 'b').toLowerCase()] ?? 1;
  const bytes = Math.floor(Number(match[1]) * factor);
  return Number.isSafeInteger(bytes) ? bytes : undefined;
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
      const value = parseSize(trimmed);
      if (value === undefined) fail('must be a size such as 1048576, 64MiB or 50GiB');
      return value;
    }
    case 'string-list':
      return trimmed === '' ? [] : trimmed.split(',').map((s) => s.trim());
    case 'int-list': {
      if (trimmed === '') return [];
      const items = trimmed.split(',').map((s) => s.trim());
      if (items.some((s) => !/^\d+$/.test(s))) fail('must be comma-separated integers');
      return items.map(Number);
    }
  }
}

function describeSource(key: ConfigKey, source: ConfigSource): string {
  switch (source) {
    case 'env':
      return `${envName(key)} (${key})`;
    case 'flag':
      return `--${flagName(key)} (${key})`;
    case 'file':
      return `${key} in the config file`;
    default:
      return `the default of ${key}`;
  }
}

/**
 * The settings given in the environment (`FOLD_MINER_*`). Unknown `FOLD_MINER_*` variables are
 * refused so that a misspelt setting does not pass unnoticed.
 * @throws {ConfigError}
 */
export function configFromEnv(env: Readonly<Record<string, string | undefined>>): PartialConfig {
  const out: Record<string, unknown> = {};
  const known = new Map(SETTINGS.map((s) => [envName(s.key), s]));
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('FOLD_MINER_') || value === undefined) continue;
    if (name === 'FOLD_MINER_CONFIG') continue;
    const spec = known.get(name);
    if (spec === undefined) {
      throw new ConfigError(`${name} is not a miner setting`, {
        details: { field: name, source: 'env' },
      });
    }
    out[spec.key] = parseSettingText(spec, value, 'env');
  }
  return out as PartialConfig;
}

/**
 * Reads a JSON configuration file: an object of settings by their names (see {@link SETTINGS});
 * sizes may be written as numbers or strings such as `"50GiB"`.
 * @throws {ConfigError} CONFIG_FILE_UNREADABLE when the file cannot be read or parsed,
 *   CONFIG_INVALID naming the field when a setting is refused.
 */
export async function readConfigFile(path: string): Promise<PartialConfig> {
  const unreadable = (message: string, cause?: unknown) =>
    new ConfigError(`config file ${path} ${message}`, {
      code: 'CONFIG_FILE_UNREADABLE',
      details: { file: path, source: 'file' },
      cause,
    });
  let sizeBytes: number;
  try {
    sizeBytes = (await stat(path)).size;
  } catch (error) {
    throw unreadable('cannot be read', error);
  }
  if (sizeBytes > MAX_CONFIG_FILE_BYTES) {
    throw unreadable(`is ${sizeBytes} bytes, more than ${MAX_CONFIG_FILE_BYTES}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw unreadable('is not valid JSON', error);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw unreadable('must hold a JSON object of settings');
  }
  const settingsIn = { ...(parsed as Record<string, unknown>) };
  for (const spec of SETTINGS) {
    const value = settingsIn[spec.key];
    if (spec.kind === 'size' && typeof value === 'string') {
      settingsIn[spec.key] = parseSettingText(spec, value, 'file');
    }
  }
  if (!validateFile(settingsIn)) {
    const { field, message } = describeAjvError(validateFile.errors?.[0]);
    throw new ConfigError(`${field} in the config file ${message}`, {
      details: { field, source: 'file', file: path },
    });
  }
  return settingsIn;
}

/** A merged configuration and where each setting came from. */
export interface ResolvedConfig {
  readonly config: MinerConfig;
  readonly sources: Readonly<Record<string, ConfigSource>>;
}

/**
 * Merges defaults, file, environment and flags (later wins), validates each setting where it came
 * from and then the whole, and checks the settings that depend on each other. `workDir` becomes
 * absolute (against `cwd`). `status` needs no more than the Redis prefix (or the hotkey that names
 * it). Pure apart from that.
 * @throws {ConfigError} naming the field and its source.
 */
export function mergeConfig(
  layers: { file?: PartialConfig; env?: PartialConfig; flags?: PartialConfig },
  cwd: string = process.cwd(),
  purpose: 'run' | 'status' = 'run',
): ResolvedConfig {
  const merged: Record<string, unknown> = {};
  const sources: Record<string, ConfigSource> = {};
  const apply = (layer: PartialConfig | undefined, source: ConfigSource) => {
    for (const [key, value] of Object.entries(layer ?? {})) {
      if (value === undefined) continue;
      if (!(key in settings)) {
        throw new ConfigError(`${key} is not a miner setting`, { details: { field: key, source } });
      }
      const check = validateSetting[key as ConfigKey];
      if (!check(value)) {
        const error = check.errors?.[0];
        const where = error?.instancePath ? ` (item ${error.instancePath.slice(1)})` : '';
        throw new ConfigError(
          `${describeSource(key as ConfigKey, source)} ${error?.message ?? 'is invalid'}${where}`,
          { details: { field: key, source } },
        );
      }
      merged[key] = value;
      sources[key] = source;
    }
  };
  apply(CONFIG_DEFAULTS as PartialConfig, 'default');
  apply(layers.file, 'file');
  apply(layers.env, 'env');
  apply(layers.flags, 'flag');
  merged.workDir = resolve(cwd, String(merged.workDir));
  if (!validateComplete(merged)) {
    const { field, message } = describeAjvError(validateComplete.errors?.[0]);
    throw new ConfigError(`${field} ${message}`, {
      details: { field, source: sources[field] ?? 'default' },
    });
  }
  const config = merged as MinerConfig;
  checkDependencies(config, sources, purpose);
  return { config, sources };
}

function checkDependencies(
  config: MinerConfig,
  sources: Record<string, ConfigSource>,
  purpose: 'run' | 'status',
): void {
  const fail = (field: ConfigKey, message: string): never => {
    throw new ConfigError(`${field}: ${message}`, {
      details: { field, source: sources[field] ?? 'default' },
    });
  };
  if (config.hotkeyUri !== undefined && config.hotkeyFile !== undefined) {
    fail('hotkeyUri', 'give only one of hotkeyUri (--hotkey-uri) and hotkeyFile (--hotkey-file)');
  }
  const needsHotkey = purpose === 'run' || config.redisPrefix === undefined;
  if (needsHotkey && config.hotkeyUri === undefined && config.hotkeyFile === undefined) {
    fail(
      'hotkeyUri',
      purpose === 'run'
        ? 'give the hotkey: hotkeyUri (--hotkey-uri) or hotkeyFile (--hotkey-file)'
        : 'give the hotkey or the redisPrefix whose state to show',
    );
  }
  if (purpose === 'status') return;
  if (config.chainEndpoint !== undefined && config.netuid === undefined) {
    fail('netuid', 'a chain endpoint needs the netuid of the subnet');
  }
  if (config.serveAxon) {
    if (config.chainEndpoint === undefined) fail('chainEndpoint', 'serveAxon needs the chain');
    if (config.externalIp === undefined) fail('externalIp', 'serveAxon needs the external IP');
    if (!config.axon) fail('serveAxon', 'cannot register an axon this process does not serve');
  }
  if (config.axon && config.chainEndpoint === undefined && config.devAllow.length === 0) {
    fail(
      'devAllow',
      'without a chain endpoint only devAllow hotkeys are served: name at least one',
    );
  }
  if (config.cpuSlots === 0 && config.gpuIds.length === 0 && !config.axon) {
    fail('cpuSlots', 'a process without an axon must run simulations (cpuSlots or gpuIds)');
  }
}

/**
 * The configuration with secrets removed (the key URI), for logs and `status`: the hotkey file's
 * path stays, since the path is not the secret.
 */
export function publicConfig(config: MinerConfig): Omit<MinerConfig, 'hotkeyUri'> & {
  hotkeyUri?: '[redacted]';
} {
  const { hotkeyUri, ...rest } = config;
  return hotkeyUri === undefined ? rest : { ...rest, hotkeyUri: '[redacted]' };
}
