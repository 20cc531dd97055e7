import { describe, expect, it } from '@jest/globals';
import { TokenStore, takeTokenFromFragment, tokenProblem } from './token.js';

const TOKEN = 'dev-token-0123456789';

describe('tokenProblem', () => {
  it('accepts 16 to 256 printable characters', () => {
    expect(tokenProblem(TOKEN)).toBeNull();
    expect(tokenProblem('x'.repeat(256))).toBeNull();
  });

  it('says why a token is too short, too long or has spaces', () => {
    expect(tokenProblem('short')).toMatch(/at least 16/);
    expect(tokenProblem('x'.repeat(257))).toMatch(/at most 256/);
    expect(tokenProblem('has a space in the middle')).toMatch(/no spaces/);
  });
});

describe('takeTokenFromFragment', () => {
  it('takes the token and keeps the rest of the page address', () => {
    expect(takeTokenFromFragment(`#/jobs?status=active&token=${TOKEN}`)).toEqual({
      token: TOKEN,
      hash: '#/jobs?status=active',
    });
  });

  it('takes a bare #token= fragment and leaves the jobs page', () => {
    expect(takeTokenFromFragment(`#token=${TOKEN}`)).toEqual({ token: TOKEN, hash: '#/' });
  });

  it('leaves a fragment without a token untouched', () => {
    expect(takeTokenFromFragment('#/jobs/o-1')).toEqual({ token: null, hash: '#/jobs/o-1' });
  });

  it('removes a token that cannot be one from the address without keeping it', () => {
    expect(takeTokenFromFragment('#/miners?token=short')).toEqual({
      token: null,
      hash: '#/miners',
    });
  });
});

describe('TokenStore', () => {
  function memoryStorage(): Storage {
    const map = new Map<string, string>();
    return {
      get length() {
        return map.size;
      },
      clear: () => map.clear(),
      getItem: (k) => map.get(k) ?? null,
      key: (i) => [...map.keys()][i] ?? null,
      removeItem: (k) => void map.delete(k),
      setItem: (k, v) => void map.set(k, v),
    };
  }

  it('keeps a token, tells subscribers, and forgets it', () => {
    const store = new TokenStore(memoryStorage());
    const seen: (string | null)[] = [];
    const unsubscribe = store.subscribe((t) => seen.push(t));
    store.set(TOKEN);
    expect(store.get()).toBe(TOKEN);
    store.set(null);
    expect(store.get()).toBeNull();
    unsubscribe();
    store.set(TOKEN);
    expect(seen).toEqual([TOKEN, null]);
  });
});
