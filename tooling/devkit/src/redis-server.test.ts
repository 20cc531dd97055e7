import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { execa } from 'execa';
import {
  pingRedis,
  RedisServerError,
  type RedisServerHandle,
  RedisServerNotInstalledError,
  renderRedisConfig,
  startRedisServer,
} from './redis-server.js';

const here = dirname(fileURLToPath(import.meta.url));

/** Runs one command through the real redis-cli against a handle. */
async function cli(server: RedisServerHandle, ...args: string[]): Promise<string> {
  const auth = server.password === undefined ? [] : ['--no-auth-warning', '-a', server.password];
  const { stdout } = await execa('redis-cli', [
    '-h',
    server.host,
    '-p',
    String(server.port),
    ...auth,
    ...args,
  ]);
  return stdout.trim();
}

describe('startRedisServer', () => {
  let server: RedisServerHandle;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('answers PING on a picked loopback port', async () => {
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
    expect(await pingRedis({ port: server.port })).toEqual({ ok: true, pid: server.pid });
  });

  it('binds loopback only, in protected mode, with the append-only file in its data dir', async () => {
    expect(await cli(server, 'CONFIG', 'GET', 'bind')).toBe('bind\n127.0.0.1');
    expect(await cli(server, 'CONFIG', 'GET', 'protected-mode')).toBe('protected-mode\nyes');
    expect(await cli(server, 'CONFIG', 'GET', 'appendonly')).toBe('appendonly\nyes');
    expect(await cli(server, 'CONFIG', 'GET', 'appendfsync')).toBe('appendfsync\nalways');
    expect(await cli(server, 'CONFIG', 'GET', 'dir')).toBe(`dir\n${server.dataDir}`);
  });

  it('keeps acknowledged writes across a SIGKILL and a restart', async () => {
    await cli(server, 'SET', 'fold:test:survivor', 'still here');
    const pidBefore = server.pid;
    await server.kill();
    expect(server.pid).toBeUndefined();
    expect((await pingRedis({ port: server.port })).ok).toBe(false);
    await server.restart();
    expect(server.pid).not.toBe(pidBefore);
    expect(await cli(server, 'GET', 'fold:test:survivor')).toBe('still here');
  });
});

describe('startRedisServer with a password and a given data dir', () => {
  let dataDir: string;
  let server: RedisServerHandle;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fold-redis-test-'));
    server = await startRedisServer({ dataDir, password: 's3cret!pw' });
  });
  afterAll(async () => {
    await server?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('refuses clients without the password and accepts them with it', async () => {
    const without = await pingRedis({ port: server.port });
    expect(without.ok).toBe(false);
    expect(without.ok ? '' : without.reply).toMatch(/NOAUTH/);
    expect(await pingRedis({ port: server.port, password: 's3cret!pw' })).toEqual({
      ok: true,
      pid: server.pid,
    });
    expect(server.url).toBe(`redis://:${encodeURIComponent('s3cret!pw')}@127.0.0.1:${server.port}`);
  });

  it('keeps a given data dir when stopped', async () => {
    const other = await startRedisServer({ dataDir: join(dataDir, 'second') });
    await other.stop();
    expect(existsSync(join(dataDir, 'second', 'redis.conf'))).toBe(true);
    expect((await pingRedis({ port: other.port })).ok).toBe(false);
  });
});

describe('startRedisServer failures', () => {
  it('names the Debian package when redis-server is missing', async () => {
    const started = startRedisServer({ binary: 'redis-server-that-does-not-exist' });
    await expect(started).rejects.toBeInstanceOf(RedisServerNotInstalledError);
    await expect(started).rejects.toThrow(/apt-get install redis-server/);
  });

  it('rejects a password that cannot be written safely into the config', async () => {
    await expect(startRedisServer({ password: 'two words' })).rejects.toMatchObject({
      code: 'REDIS_BAD_OPTION',
    });
  });

  it('reports the server log when the port is taken', async () => {
    const first = await startRedisServer();
    try {
      const second = startRedisServer({ port: first.port });
      await expect(second).rejects.toBeInstanceOf(RedisServerError);
      await expect(second).rejects.toThrow(/Address already in use/i);
    } finally {
      await first.stop();
    }
  });

  it('removes the temp data dir it created once stopped', async () => {
    const server = await startRedisServer();
    await server.stop();
    expect(existsSync(server.dataDir)).toBe(false);
  });
});

describe('renderRedisConfig', () => {
  it('quotes a data dir with spaces and quotes so the config parser reads it back', () => {
    const config = renderRedisConfig({
      port: 1234,
      dataDir: '/tmp/a dir "quoted"\\x',
      appendOnly: true,
      appendFsync: 'everysec',
    });
    expect(config).toContain('dir "/tmp/a dir \\"quoted\\"\\\\x"');
    expect(config).toContain('bind 127.0.0.1\n');
    expect(config).toContain('appendfsync everysec\n');
    expect(config).not.toContain('requirepass');
  });
});

describe('fold-redis CLI', () => {
  let dataDir: string;
  const run = (...args: string[]) =>
    execa('node', ['--import', 'tsx', join(here, 'cli', 'redis.ts'), ...args], {
      reject: false,
      cwd: join(here, '..'),
    });
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'fold-redis-cli-'));
  });
  afterAll(async () => {
    await run('stop', '--data-dir', dataDir);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('prints help with an example', async () => {
    const { stdout, exitCode } = await run('--help');
    expect(exitCode).toBe(0);
    expect(stdout).toMatch(/Usage: fold-redis <start\|stop\|status>/);
    expect(stdout).toMatch(/Example:/);
  });

  it('starts a detached server, reports it, and stops it cleanly', async () => {
    const started = await run('start', '--data-dir', dataDir, '--port', '0', '--json');
    expect(started.exitCode).toBe(0);
    const state = JSON.parse(started.stdout) as {
      pid: number;
      port: number;
      alreadyRunning: boolean;
    };
    expect(state.alreadyRunning).toBe(false);
    // The starting process has exited; the server outlives it.
    expect(await pingRedis({ port: state.port })).toEqual({ ok: true, pid: state.pid });
    expect(existsSync(join(dataDir, 'redis.pid'))).toBe(true);

    const again = await run('start', '--data-dir', dataDir, '--json');
    expect(JSON.parse(again.stdout)).toMatchObject({ pid: state.pid, alreadyRunning: true });

    const status = await run('status', '--data-dir', dataDir);
    expect(status.exitCode).toBe(0);
    expect(status.stdout).toMatch(/answers PING/);

    const stopped = await run('stop', '--data-dir', dataDir);
    expect(stopped.stdout).toBe(`stopped pid ${state.pid}`);
    expect((await pingRedis({ port: state.port })).ok).toBe(false);
    expect(existsSync(join(dataDir, 'redis.pid'))).toBe(false);
    const after = await run('status', '--data-dir', dataDir);
    expect(after.exitCode).toBe(3);
  });

  it('refuses an unknown command', async () => {
    const { exitCode, stderr } = await run('restart-everything');
    expect(exitCode).toBe(2);
    expect(stderr).toMatch(/unknown command/);
  });
});
