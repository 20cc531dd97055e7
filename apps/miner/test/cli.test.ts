import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RedisServerHandle } from '@fold/devkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { cleanup, scratchDir, spawnMiner, startRedis } from './support.js';

let redis: RedisServerHandle;
let dir: string;

async function runCli(args: string[], env: Record<string, string> = {}) {
  const child = spawnMiner(args, env);
  const code = await child.exited;
  return { code, output: child.lines.join('\n') };
}

beforeAll(async () => {
  redis = await startRedis();
  dir = await scratchDir('cli');
}, 60_000);

afterAll(async () => {
  await redis?.stop();
  await cleanup(dir);
});

describe('fold-miner', () => {
  it('prints help with examples for the program and each command', async () => {
    const main = await runCli(['--help']);
    expect(main.code).toBe(0);
    expect(main.output).toMatch(/Examples:\n\s+# development/);
    const run = await runCli(['run', '--help']);
    expect(run.output).toContain('--hotkey-file <path>');
    expect(run.output).toContain('--no-axon');
    expect(run.output).toContain('FOLD_MINER_DISK_QUOTA_BYTES');
    const status = await runCli(['status', '--help']);
    expect(status.output).toContain('fold-miner status --redis-url');
  });

  it('exits with 2 naming the bad setting and where it came from', async () => {
    const env = await runCli(['run', '--hotkey-uri', '//Bob'], { FOLD_MINER_AXON_PORT: 'http' });
    expect(env.code).toBe(2);
    expect(env.output).toContain(
      'FOLD_MINER_AXON_PORT (axonPort) must be an integer [CONFIG_INVALID]',
    );
    const flag = await runCli(['--cpu-slots', '-3', '--hotkey-uri', '//Bob']);
    expect(flag.code).toBe(2);
    expect(flag.output).toMatch(/--cpu-slots \(cpuSlots\) must be >= 0/);
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify({ diskQuota: '1GiB' }));
    const fromFile = await runCli(['run', '--config', file]);
    expect(fromFile.code).toBe(2);
    expect(fromFile.output).toContain('diskQuota in the config file is not a miner setting');
  });

  it('refuses to start with a key file that holds no key, without printing its secret', async () => {
    const keyFile = join(dir, 'hotkey.json');
    await writeFile(keyFile, JSON.stringify({ secretSeed: '0xdeadbeef' }));
    const result = await runCli([
      'run',
      '--hotkey-file',
      keyFile,
      '--dev-allow',
      '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
      '--work-dir',
      dir,
    ]);
    expect(result.code).toBe(2);
    expect(result.output).toContain('hotkeyFile: key file');
    expect(result.output).not.toContain('deadbeef');
  });

  it('exits with 1 when Redis is not there', async () => {
    const result = await runCli([
      'run',
      '--hotkey-uri',
      '//Bob',
      '--dev-allow',
      '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
      '--redis-url',
      'redis://127.0.0.1:1',
      '--work-dir',
      dir,
    ]);
    expect(result.code).toBe(1);
    expect(result.output).toContain('[REDIS_UNAVAILABLE]');
  });

  it('takes settings from the file, then the environment, then flags', async () => {
    const file = join(dir, 'miner.json');
    await writeFile(
      file,
      JSON.stringify({ redisUrl: redis.url, workDir: dir, maxQueuedJobs: 1, cpuSlots: 2, cpus: 2 }),
    );
    const status = async (args: string[], env: Record<string, string>) => {
      const result = await runCli(['status', '--json', '--config', file, ...args], {
        FOLD_MINER_HOTKEY_URI: '//Bob',
        ...env,
      });
      expect(result.code).toBe(0);
      return JSON.parse(result.output) as {
        maxQueuedJobs: number;
        totalSlots: number;
        prefix: string;
      };
    };
    expect(await status([], {})).toMatchObject({ maxQueuedJobs: 1, totalSlots: 2 });
    expect(await status([], { FOLD_MINER_MAX_QUEUED_JOBS: '2' })).toMatchObject({
      maxQueuedJobs: 2,
    });
    const flagged = await status(['--max-queued-jobs', '3', '--cpu-slots', '1'], {
      FOLD_MINER_MAX_QUEUED_JOBS: '2',
    });
    expect(flagged).toMatchObject({ maxQueuedJobs: 3, totalSlots: 1 });
    expect(flagged.prefix).toBe('fold:miner:5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty');
  });

  it('shows an empty miner as text', async () => {
    const result = await runCli(
      ['status', '--redis-url', redis.url, '--work-dir', dir, '--redis-prefix', 'fold:miner:empty'],
      {},
    );
    expect(result.code).toBe(0);
    expect(result.output).toContain('miner fold:miner:empty');
    expect(result.output).toContain('running 0 of 1 slots, queue depth 0');
  });
});
