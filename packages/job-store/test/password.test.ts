import { type RedisServerHandle, startRedisServer } from '@fold/devkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  ConnectionFailedError,
  connectJobStore,
  type JobStore,
  openJobTable,
} from '../src/index.js';
import { freshPrefix } from './support.js';

const PASSWORD = 'fold-test-s3cret';

let server: RedisServerHandle;
const opened: JobStore[] = [];

beforeAll(async () => {
  server = await startRedisServer({ appendFsync: 'always', password: PASSWORD });
});

afterAll(async () => {
  for (const store of opened) await store.close();
  await server?.stop();
});

/** The server's URL without the password in it. */
function bareUrl(): string {
  return `redis://${server.host}:${server.port}`;
}

/** Connects with short timeouts; resolves with the store or the error, and the time it took. */
async function attempt(options: { url: string; password?: string }) {
  const startedAt = Date.now();
  try {
    const store = await connectJobStore({
      ...options,
      prefix: freshPrefix('auth'),
      connectTimeoutMs: 1_000,
      commandRetries: 1,
      maxReconnectDelayMs: 100,
    });
    opened.push(store);
    return { store, error: undefined, elapsedMs: Date.now() - startedAt };
  } catch (error) {
    return { store: undefined, error, elapsedMs: Date.now() - startedAt };
  }
}

describe('a redis-server that requires a password', () => {
  it('writes and reads a job through a store given the password as an option', async () => {
    const { store, error } = await attempt({ url: bareUrl(), password: PASSWORD });
    expect(error).toBeUndefined();
    const table = openJobTable(store!);
    await table.create({ jobId: 'auth-1', proteinId: '1ubq', params: { water: 'tip3p' } });
    await table.transition('auth-1', { type: 'activate' });
    expect(await table.require('auth-1')).toMatchObject({
      jobId: 'auth-1',
      proteinId: '1ubq',
      status: 'active',
      version: 2,
    });
  }, 10_000);

  it('writes and reads a job through a store given the password in the URL', async () => {
    const { store, error } = await attempt({ url: server.url });
    expect(error).toBeUndefined();
    const table = openJobTable(store!);
    await table.create({ jobId: 'auth-2', proteinId: '1l2y', params: {} });
    expect((await table.require('auth-2')).proteinId).toBe('1l2y');
  }, 10_000);

  it('refuses a wrong password with ConnectionFailedError naming the refusal, within 2 s', async () => {
    const { store, error, elapsedMs } = await attempt({ url: bareUrl(), password: 'wrong' });
    expect(store).toBeUndefined();
    expect(error).toBeInstanceOf(ConnectionFailedError);
    expect(error).toMatchObject({ code: 'CONNECTION_FAILED' });
    expect((error as Error).message).toMatch(/WRONGPASS|invalid password/i);
    expect(elapsedMs).toBeLessThan(2_000);
  }, 10_000);

  it('refuses a missing password with ConnectionFailedError naming the refusal, within 2 s', async () => {
    const { store, error, elapsedMs } = await attempt({ url: bareUrl() });
    expect(store).toBeUndefined();
    expect(error).toBeInstanceOf(ConnectionFailedError);
    expect(error).toMatchObject({ code: 'CONNECTION_FAILED' });
    expect((error as Error).message).toMatch(/NOAUTH|authentication required/i);
    expect(elapsedMs).toBeLessThan(2_000);
  }, 10_000);
});
