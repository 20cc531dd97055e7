import { describe, expect, it } from '@jest/globals';
import { VerificationError } from './errors.js';
import { NonceTracker } from './nonce.js';

const S = 1_000_000_000n;

describe('NonceTracker', () => {
  const start = 1_764_000_000n * S;

  it('accepts a fresh nonce and then only strictly greater ones per endpoint', () => {
    const tracker = new NonceTracker(60n * S, () => start);
    tracker.accept('alice:u1', start, 12);
    expect(() => tracker.accept('alice:u1', start, 12)).toThrow(
      'Nonce is too old, a newer one was last processed',
    );
    tracker.accept('alice:u1', start + 1n, 12);
    tracker.accept('alice:u2', start - 1n, 12);
  });

  it('rejects a first nonce older than 4 s plus the timeout, with the SDK message', () => {
    const tracker = new NonceTracker(60n * S, () => start);
    expect(() => tracker.accept('alice:u1', start - 16n * S, 12)).toThrow(
      'Nonce is too old: acceptable delta is 16.00 seconds but request was 16.00 seconds old',
    );
    tracker.accept('alice:u1', start - 15n * S, 12);
  });

  it('caps the timeout a request may claim for its window', () => {
    const tracker = new NonceTracker(10n * S, () => start);
    let caught: unknown;
    try {
      tracker.accept('alice:u1', start - 20n * S, 1e9);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(VerificationError);
    expect((caught as VerificationError).code).toBe('NONCE_STALE');
  });

  it('forgets endpoints whose replays the window alone rejects', () => {
    let now = start;
    const tracker = new NonceTracker(10n * S, () => now);
    tracker.accept('alice:u1', now, 12);
    now += 60n * S;
    tracker.accept('bob:u1', now, 12);
    expect(tracker.size).toBe(1);
    expect(() => tracker.accept('alice:u1', start, 12)).toThrow(/acceptable delta/);
  });
});
