import { describe, expect, it } from '@jest/globals';
import {
  checkPrefix,
  isConnectionError,
  redisOptionsFromUrl,
  toJobStoreError,
} from './connection.js';
import { ConnectionLostError, InvalidOptionsError, JobStoreError } from './errors.js';

describe('redisOptionsFromUrl', () => {
  it('reads host, port, password and database from a URL', () => {
    expect(redisOptionsFromUrl('redis://:p%40ss@127.0.0.1:6390/2')).toEqual({
      host: '127.0.0.1',
      port: 6390,
      db: 2,
      password: 'p@ss',
    });
  });

  it('defaults to port 6379 and database 0', () => {
    expect(redisOptionsFromUrl('redis://localhost')).toEqual({
      host: 'localhost',
      port: 6379,
      db: 0,
    });
  });

  it('refuses another scheme', () => {
    expect(() => redisOptionsFromUrl('http://127.0.0.1:6379')).toThrow(InvalidOptionsError);
  });

  it('refuses a path that is not a database number', () => {
    expect(() => redisOptionsFromUrl('redis://127.0.0.1/../etc')).toThrow(/database number/);
  });
});

describe('checkPrefix', () => {
  it('accepts a prefix with a hotkey in it', () => {
    expect(() =>
      checkPrefix('fold:validator:5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY'),
    ).not.toThrow();
  });

  it.each(['', ':fold', 'fold:', 'fold bar', 'fold{x}', 'a'.repeat(129)])(
    'refuses %j',
    (prefix) => {
      expect(() => checkPrefix(prefix)).toThrow(InvalidOptionsError);
    },
  );
});

describe('toJobStoreError', () => {
  it('maps a refused connection to ConnectionLostError', () => {
    const cause = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), {
      code: 'ECONNREFUSED',
    });
    const error = toJobStoreError(cause, { operation: 'read job' });
    expect(error).toBeInstanceOf(ConnectionLostError);
    expect(error.cause).toBe(cause);
    expect(error.details).toEqual({ operation: 'read job' });
  });

  it("maps ioredis's MaxRetriesPerRequestError to ConnectionLostError", () => {
    const cause = new Error('Reached the max retries per request limit');
    Object.defineProperty(cause, 'name', { value: 'MaxRetriesPerRequestError' });
    expect(isConnectionError(cause)).toBe(true);
  });

  it('maps a Redis error reply to REDIS_ERROR', () => {
    const cause = Object.assign(new Error('WRONGTYPE Operation against a key'), {
      name: 'ReplyError',
    });
    const error = toJobStoreError(cause, { operation: 'read job', key: 'k' });
    expect(error).toBeInstanceOf(JobStoreError);
    expect(error.code).toBe('REDIS_ERROR');
    expect(error.details).toEqual({ operation: 'read job', key: 'k' });
  });
});
