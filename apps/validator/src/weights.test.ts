import { describe, expect, it } from '@jest/globals';
import { effectiveLastUpdate, weightsDue } from './weights.js';

describe('weightsDue', () => {
  it('is due once an interval has passed since the last update', () => {
    expect(
      weightsDue({ currentBlock: 109, lastUpdate: 100, intervalBlocks: 10, rateLimitBlocks: 0 }),
    ).toEqual({ due: true });
    expect(
      weightsDue({ currentBlock: 105, lastUpdate: 100, intervalBlocks: 10, rateLimitBlocks: 0 }),
    ).toEqual({ due: false, nextBlock: 110 });
  });

  it('waits for the rate limit when it is longer than the interval', () => {
    expect(
      weightsDue({ currentBlock: 115, lastUpdate: 100, intervalBlocks: 10, rateLimitBlocks: 50 }),
    ).toEqual({ due: false, nextBlock: 150 });
  });

  it('is due at once for a validator that never set weights', () => {
    expect(
      weightsDue({ currentBlock: 3, lastUpdate: 0, intervalBlocks: 360, rateLimitBlocks: 100 }),
    ).toEqual({ due: true });
  });
});

describe('effectiveLastUpdate', () => {
  it("counts a dry run's last logged weights as the last update", () => {
    expect(effectiveLastUpdate(10, { mode: 'dry-run', blockNumber: 400 })).toBe(400);
  });

  it('keeps the chain figure when it is later or weights were set for real', () => {
    expect(effectiveLastUpdate(500, { mode: 'dry-run', blockNumber: 400 })).toBe(500);
    expect(effectiveLastUpdate(10, { mode: 'set', blockNumber: 400 })).toBe(10);
    expect(effectiveLastUpdate(10, undefined)).toBe(10);
    expect(effectiveLastUpdate(10, { mode: 'dry-run', blockNumber: null })).toBe(10);
  });
});
