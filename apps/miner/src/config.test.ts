import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';
import {
  configFromEnv,
  envName,
  flagName,
  mergeConfig,
  parseSize,
  publicConfig,
  readConfigFile,
} from './config.js';
import { ConfigError } from './errors.js';

const BASE = { hotkeyUri: '//Bob', devAllow: ['5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY'] };

function configError(run: () => unknown): ConfigError {
  try {
    run();
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('no ConfigError');
}

describe('mergeConfig', () => {
  it('takes flags over the environment over the file over the defaults', () => {
    const { config, sources } = mergeConfig({
      file: { ...BASE, axonPort: 1001, cpuSlots: 3, logLevel: 'debug' },
      env: { axonPort: 1002, cpuSlots: 4 },
      flags: { axonPort: 1003 },
    });
    expect(config).toMatchObject({ axonPort: 1003, cpuSlots: 4, logLevel: 'debug', simsPerGpu: 1 });
    expect(sources).toMatchObject({
      axonPort: 'flag',
      cpuSlots: 'env',
      logLevel: 'file',
      simsPerGpu: 'default',
    });
  });

  it('makes the work directory absolute against the given directory', () => {
    expect(mergeConfig({ flags: { ...BASE, workDir: 'data/miner' } }, '/srv').config.workDir).toBe(
      '/srv/data/miner',
    );
  });

  it('names the field and where its bad value came from', () => {
    const error = configError(() => mergeConfig({ file: BASE, env: { cpuSlots: -1 } }));
    expect(error.details).toEqual({ field: 'cpuSlots', source: 'env' });
    expect(error.message).toMatch(/FOLD_MINER_CPU_SLOTS \(cpuSlots\) must be >= 0/);
  });

  it('refuses a setting it does not know', () => {
    const error = configError(() =>
      mergeConfig({ flags: { ...BASE, axonProt: 1 } as unknown as Record<string, unknown> }),
    );
    expect(error.details.field).toBe('axonProt');
  });

  it('needs exactly one hotkey source to run', () => {
    expect(
      configError(() => mergeConfig({ flags: { devAllow: BASE.devAllow } })).details.field,
    ).toBe('hotkeyUri');
    expect(
      configError(() => mergeConfig({ flags: { ...BASE, hotkeyFile: '/etc/key.json' } })).details
        .field,
    ).toBe('hotkeyUri');
  });

  it('needs the external IP and the chain to register the axon', () => {
    const flags = { ...BASE, serveAxon: true, chainEndpoint: 'ws://127.0.0.1:9944', netuid: 2 };
    expect(configError(() => mergeConfig({ flags })).details.field).toBe('externalIp');
    expect(
      configError(() => mergeConfig({ flags: { ...BASE, chainEndpoint: 'ws://127.0.0.1:9944' } }))
        .details.field,
    ).toBe('netuid');
  });

  it('refuses an axon that would serve nobody: no chain and no development hotkeys', () => {
    expect(configError(() => mergeConfig({ flags: { hotkeyUri: '//Bob' } })).details.field).toBe(
      'devAllow',
    );
  });

  it('lets status run on a Redis prefix alone', () => {
    const { config } = mergeConfig({ flags: { redisPrefix: 'fold:miner:x' } }, '/', 'status');
    expect(config.redisPrefix).toBe('fold:miner:x');
  });
});

describe('settings from the environment and flags', () => {
  it('maps setting names to flags and variables', () => {
    expect(flagName('diskQuotaBytes')).toBe('disk-quota-bytes');
    expect(envName('diskQuotaBytes')).toBe('FOLD_MINER_DISK_QUOTA_BYTES');
  });

  it('parses each kind of value from text', () => {
    expect(
      configFromEnv({
        FOLD_MINER_AXON_PORT: '8092',
        FOLD_MINER_SERVE_AXON: 'yes',
        FOLD_MINER_GPU_IDS: '0, 1',
        FOLD_MINER_DEV_ALLOW: 'a,b',
        FOLD_MINER_DISK_QUOTA_BYTES: '2GiB',
        FOLD_MINER_MIN_STAKE_TAO: '1.5',
        FOLD_MINER_CONFIG: '/etc/fold/miner.json',
        PATH: '/usr/bin',
      }),
    ).toEqual({
      axonPort: 8092,
      serveAxon: true,
      gpuIds: [0, 1],
      devAllow: ['a', 'b'],
      diskQuotaBytes: 2 * 1024 ** 3,
      minStakeTao: 1.5,
    });
  });

  it('refuses a misspelt FOLD_MINER_ variable and a non-integer', () => {
    expect(configError(() => configFromEnv({ FOLD_MINER_AXON_PROT: '1' })).details.field).toBe(
      'FOLD_MINER_AXON_PROT',
    );
    expect(configError(() => configFromEnv({ FOLD_MINER_AXON_PORT: '80.5' })).message).toMatch(
      /FOLD_MINER_AXON_PORT \(axonPort\) must be an integer/,
    );
  });

  it('reads sizes with binary and decimal units', () => {
    expect(parseSize('64MiB')).toBe(64 * 1024 ** 2);
    expect(parseSize('1.5G')).toBe(1.5 * 1024 ** 3);
    expect(parseSize('100MB')).toBe(100e6);
    expect(parseSize('4096')).toBe(4096);
    expect(parseSize('ten gigs')).toBeUndefined();
  });
});

describe('readConfigFile', () => {
  it('reads settings and sizes written as text, and names a bad field', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'fold-miner-config-'));
    try {
      const good = join(dir, 'good.json');
      await writeFile(good, JSON.stringify({ cpuSlots: 2, diskQuotaBytes: '10GiB' }));
      expect(await readConfigFile(good)).toEqual({ cpuSlots: 2, diskQuotaBytes: 10 * 1024 ** 3 });
      const bad = join(dir, 'bad.json');
      await writeFile(bad, JSON.stringify({ cpuSlots: 'two' }));
      await expect(readConfigFile(bad)).rejects.toMatchObject({
        code: 'CONFIG_INVALID',
        details: { field: 'cpuSlots', source: 'file', file: bad },
      });
      const broken = join(dir, 'broken.json');
      await writeFile(broken, '{ "cpuSlots": ');
      await expect(readConfigFile(broken)).rejects.toMatchObject({
        code: 'CONFIG_FILE_UNREADABLE',
      });
      await expect(readConfigFile(join(dir, 'none.json'))).rejects.toMatchObject({
        code: 'CONFIG_FILE_UNREADABLE',
      });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('publicConfig', () => {
  it('never shows the key URI', () => {
    const { config } = mergeConfig({ flags: { ...BASE, hotkeyUri: '//Secret//Seed' } });
    const shown = JSON.stringify(publicConfig(config));
    expect(shown).not.toContain('Secret');
    expect(shown).toContain('[redacted]');
  });
});
