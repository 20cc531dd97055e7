import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { type MinerCapacity, type MinerInfo, selectMiners } from './miner-pool.js';

const HOTKEYS = [
  '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY',
  '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty',
  '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y',
  '5DAAnrj7VHTznn2AWBemMuyBwZWs6FNFjdyVXUeYum3PTXFy',
  '5HGjWAeFDfFCWPsjFQdVV2Msvz2XtMktvgocEZcCj68kUMaw',
];
const miners: MinerInfo[] = HOTKEYS.map((hotkey, uid) => ({
  uid,
  hotkey,
  ip: '127.0.0.2',
  port: 8091 + uid,
}));
const none = new Map<number, MinerCapacity>();

describe('selectMiners', () => {
  it('never picks an excluded miner', () => {
    const chosen = selectMiners({
      jobId: 'j',
      candidates: miners,
      exclude: new Set([0, 1]),
      capacity: none,
      load: new Map(),
      count: 5,
    });
    expect(chosen.map((m) => m.uid).sort()).toEqual([2, 3, 4]);
  });

  it('skips miners busy beyond their reported capacity, counting what was assigned since', () => {
    const capacity = new Map<number, MinerCapacity>([
      [0, { freeSlots: 0, totalSlots: 4, assignedSince: 0 }],
      [1, { freeSlots: 2, totalSlots: 4, assignedSince: 2 }],
      [2, { freeSlots: 2, totalSlots: 4, assignedSince: 1 }],
    ]);
    const chosen = selectMiners({
      jobId: 'j',
      candidates: miners,
      exclude: new Set(),
      capacity,
      load: new Map(),
      count: 5,
    });
    expect(chosen.map((m) => m.uid).sort()).toEqual([2, 3, 4]);
  });

  it('picks the least loaded miners first', () => {
    const load = new Map([
      [0, 3],
      [1, 0],
      [2, 5],
      [3, 1],
      [4, 0],
    ]);
    const chosen = selectMiners({
      jobId: 'j',
      candidates: miners,
      exclude: new Set(),
      capacity: none,
      load,
      count: 3,
    });
    expect(chosen.map((m) => m.uid).sort()).toEqual([1, 3, 4]);
  });

  it('returns at most count distinct miners, deterministically', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.nat(8), (jobId, count) => {
        const input = {
          jobId,
          candidates: miners,
          exclude: new Set<number>(),
          capacity: none,
          load: new Map(),
          count,
        };
        const chosen = selectMiners(input);
        expect(chosen.length).toBe(Math.min(count, miners.length));
        expect(new Set(chosen.map((m) => m.uid)).size).toBe(chosen.length);
        expect(selectMiners(input)).toEqual(chosen);
      }),
    );
  });

  it('spreads equally loaded miners over jobs', () => {
    const first = new Map<number, number>();
    for (let i = 0; i < 200; i++) {
      const [m] = selectMiners({
        jobId: `job-${i}`,
        candidates: miners,
        exclude: new Set(),
        capacity: none,
        load: new Map(),
        count: 1,
      });
      first.set(m?.uid ?? -1, (first.get(m?.uid ?? -1) ?? 0) + 1);
    }
    expect(first.size).toBe(miners.length);
  });
});
