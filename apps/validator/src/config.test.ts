import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FOLD_PRESET } from '@fold/scoring';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  checkConfig,
  configFromEnv,
  envName,
  flagName,
  loadConfig,
  parseSize,
  parseStaticMiner,
  redactConfig,
  SETTINGS,
} from './config.js';
import { ConfigError } from './errors.js';
import { scoringParamsOf } from './validator.js';

const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const minimal = { hotkeyUri: '//Alice', dryRun: true, staticMiners: [`1:${BOB}@127.0.0.1:8091`] };

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fold-validator-config-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function errorOf(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(error instanceof ConfigError))
    throw new Error(`expected a ConfigError, got ${String(error)}`);
  return error;
}

describe('loadConfig', () => {
  it('lets flags win over the environment and the environment over the file', async () => {
    const file = join(dir, 'precedence.json');
    await writeFile(
      file,
      JSON.stringify({ ...minimal, queueSize: 3, minersPerJob: 4, queryIntervalSeconds: 60 }),
    );
    const { config, sources } = await loadConfig({
      file,
      env: { FOLD_VALIDATOR_MINERS_PER_JOB: '5', FOLD_VALIDATOR_QUERY_INTERVAL_SECONDS: '30' },
      flags: { queryIntervalSeconds: 2 },
    });
    expect([config.queueSize, config.minersPerJob, config.queryIntervalSeconds]).toEqual([3, 5, 2]);
    expect([sources.queueSize, sources.minersPerJob, sources.queryIntervalSeconds]).toEqual([
      'file',
      'env',
      'flag',
    ]);
    expect(sources.apiPort).toBe('default');
  });

  it('names the setting and its source when a value is out of range', async () => {
    const error = await errorOf(
      loadConfig({ env: { FOLD_VALIDATOR_MINERS_PER_JOB: '0' }, flags: minimal }),
    );
    expect(error.message).toContain('FOLD_VALIDATOR_MINERS_PER_JOB');
    expect(error.details).toEqual({ field: 'minersPerJob', source: 'env' });
  });

  it('refuses an unknown setting in a file, naming it', async () => {
    const file = join(dir, 'unknown.json');
    await writeFile(file, JSON.stringify({ ...minimal, queueSise: 3 }));
    const error = await errorOf(loadConfig({ file }));
    expect(error.message).toMatch(/queueSise is not a validator setting/);
    expect(error.details.field).toBe('queueSise');
  });

  it('reports a file that is not JSON as unreadable', async () => {
    const file = join(dir, 'broken.json');
    await writeFile(file, '{ "queueSize": ');
    const error = await errorOf(loadConfig({ file }));
    expect(error.code).toBe('CONFIG_FILE_UNREADABLE');
  });

  it('parses lists, booleans and sizes from the environment', () => {
    const parsed = configFromEnv({
      FOLD_VALIDATOR_JOBS: '1l2y, 1vii',
      FOLD_VALIDATOR_REBASE: 'yes',
      FOLD_VALIDATOR_API_MAX_UPLOAD_BYTES: '2MiB',
    });
    expect(parsed).toEqual({
      jobs: ['1l2y', '1vii'],
      rebase: true,
      apiMaxUploadBytes: 2 * 1024 * 1024,
    });
    expect(() => configFromEnv({ FOLD_VALIDATOR_REBASE: 'maybe' })).toThrow(
      /FOLD_VALIDATOR_REBASE/,
    );
  });

  it('resolves paths against the working directory', async () => {
    const { config } = await loadConfig({ flags: { ...minimal, workDir: 'relative/dir' } });
    expect(config.workDir).toBe(join(process.cwd(), 'relative/dir'));
  });
});

describe('checkConfig', () => {
  const complete = async (extra: Record<string, unknown>) => {
    const merged: Record<string, unknown> = {
      ...(await loadConfig({ flags: minimal })).config,
      ...extra,
    };
    for (const key of Object.keys(merged)) if (merged[key] === undefined) delete merged[key];
    return checkConfig(merged);
  };

  it('needs a hotkey', async () => {
    await expect(complete({ hotkeyUri: undefined })).rejects.toThrow(/hotkeyUri or hotkeyFile/);
  });

  it('needs miners from a chain or a static list, not both', async () => {
    await expect(complete({ staticMiners: [] })).rejects.toThrow(/chainEndpoint or staticMiners/);
    await expect(complete({ chainEndpoint: 'ws://127.0.0.1:9944', netuid: 2 })).rejects.toThrow(
      /staticMiners cannot be given together/,
    );
  });

  it('needs a dry run without a chain', async () => {
    await expect(complete({ dryRun: false })).rejects.toThrow(/dryRun must be true/);
  });

  it('refuses a static miner list that gives a uid twice', async () => {
    await expect(
      complete({ staticMiners: [`1:${BOB}@127.0.0.1:8091`, `1:${BOB}@127.0.0.1:8092`] }),
    ).rejects.toThrow(/gives a uid twice/);
  });
});

describe('settings', () => {
  it('spell every setting as a flag and an environment variable', () => {
    expect(flagName('queryIntervalSeconds')).toBe('query-interval-seconds');
    expect(envName('apiTokens')).toBe('FOLD_VALIDATOR_API_TOKENS');
    expect(new Set(SETTINGS.map((s) => s.key)).size).toBe(SETTINGS.length);
  });

  it('hide secrets when printed', async () => {
    const { config } = await loadConfig({
      flags: { ...minimal, apiTokens: ['0123456789abcdef0123'] },
    });
    const printed = JSON.stringify(redactConfig(config));
    expect(printed).not.toContain('//Alice');
    expect(printed).not.toContain('0123456789abcdef0123');
    expect(printed).toContain('<hidden>');
  });

  it('parse sizes with binary and decimal units', () => {
    expect(parseSize('8MiB')).toBe(8 * 1024 * 1024);
    expect(parseSize('1.5k')).toBe(1536);
    expect(parseSize('2 MB')).toBe(2_000_000);
    expect(parseSize('lots')).toBeUndefined();
  });

  it('read a static miner as uid, hotkey, address and port', () => {
    expect(parseStaticMiner(`7:${BOB}@127.0.0.2:8091`)).toEqual({
      uid: 7,
      hotkey: BOB,
      ip: '127.0.0.2',
      port: 8091,
    });
  });
});

describe('scoringParamsOf', () => {
  it("takes the preset's threshold unless improvementFraction replaces it", async () => {
    const { config } = await loadConfig({ flags: minimal });
    expect(scoringParamsOf(config).threshold).toEqual(FOLD_PRESET.threshold);
    expect(scoringParamsOf({ ...config, improvementFraction: 0.001 }).threshold).toEqual({
      kind: 'relative',
      fraction: 0.001,
    });
  });
});
