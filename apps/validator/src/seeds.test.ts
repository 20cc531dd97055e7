import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { distinctMinerSeed, MAX_SEED, minerSeed } from './seeds.js';

const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
const CHARLIE = '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y';
const base = { validatorHotkey: ALICE, jobId: 's1-1l2y', minerHotkey: BOB, salt: 'a'.repeat(64) };

describe('minerSeed', () => {
  it('is the same for the same inputs, so a restarted validator sends the same seed', () => {
    expect(minerSeed(base)).toBe(minerSeed({ ...base }));
  });

  it('differs between miners, jobs and salts', () => {
    const seeds = new Set([
      minerSeed(base),
      minerSeed({ ...base, minerHotkey: CHARLIE }),
      minerSeed({ ...base, jobId: 's2-1l2y' }),
      minerSeed({ ...base, salt: 'b'.repeat(64) }),
    ]);
    expect(seeds.size).toBe(4);
  });

  it('stays within what GROMACS reads as a non-negative C int', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.nat(1000), (jobId, salt, attempt) => {
        const seed = minerSeed({ ...base, jobId, salt }, attempt);
        expect(Number.isInteger(seed) && seed >= 0 && seed <= MAX_SEED).toBe(true);
      }),
    );
  });

  it('cannot be confused by moving characters between fields (length-prefixed)', () => {
    expect(minerSeed({ ...base, jobId: 'ab', salt: 'c' })).not.toBe(
      minerSeed({ ...base, jobId: 'a', salt: 'bc' }),
    );
  });
});

describe('distinctMinerSeed', () => {
  it('skips seeds already given in the job', () => {
    const first = minerSeed(base);
    const next = distinctMinerSeed(base, new Set([first]));
    expect(next).not.toBe(first);
    expect(next).toBe(minerSeed(base, 1));
    expect(distinctMinerSeed(base, new Set())).toBe(first);
  });
});
