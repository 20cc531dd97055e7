import { describe, expect, it } from '@jest/globals';
import type { Claim } from './validator-state.js';
import { lowestClaimPerMiner } from './verification.js';

const claim = (uid: number, energyKjMol: number, committedAtMs: number): Claim => ({
  jobId: 'j',
  uid,
  hotkey: `h${uid}`,
  minerJobId: 'j',
  generation: 0,
  seed: 1,
  stage: 'md',
  step: committedAtMs,
  energyKjMol,
  commitment: `${uid}-${committedAtMs}`.padEnd(64, '0'),
  committedAtMs,
  simulatedTimePs: 1,
  assignedAtMs: 0,
  seenAtMs: committedAtMs,
});

describe('lowestClaimPerMiner', () => {
  it("keeps each miner's lowest claim, the latest on a tie", () => {
    const a1 = claim(1, -100, 10);
    const a2 = claim(1, -120, 20);
    const a3 = claim(1, -110, 30);
    const b1 = claim(2, -90, 10);
    const b2 = claim(2, -90, 40);
    const lowest = lowestClaimPerMiner([a1, b1, a2, a3, b2]);
    expect(lowest.get(1)).toBe(a2);
    expect(lowest.get(2)).toBe(b2);
    expect(lowest.size).toBe(2);
  });
});
