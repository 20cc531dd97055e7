import { describe, expect, it } from '@jest/globals';
import { PhaseClock } from './phases.js';

function clock() {
  let now = 1_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('PhaseClock', () => {
  it('times a phase from its start to its end', () => {
    const time = clock();
    const phases = new PhaseClock(time.now);
    phases.start('chain');
    time.advance(4_200);
    phases.end('chain');
    expect(phases.durationMs('chain')).toBe(4_200);
    expect(phases.records()).toEqual([{ name: 'chain', startedAtMs: 1_000, endedAtMs: 5_200 }]);
  });

  it('keeps the first start and the first end of a phase', () => {
    const time = clock();
    const phases = new PhaseClock(time.now);
    phases.start('simulation');
    time.advance(1_000);
    phases.start('simulation');
    phases.end('simulation');
    time.advance(1_000);
    phases.end('simulation');
    expect(phases.durationMs('simulation')).toBe(1_000);
  });

  it('records a phase ended without a start as taking no time', () => {
    const phases = new PhaseClock(clock().now);
    phases.end('verification');
    expect(phases.durationMs('verification')).toBe(0);
  });

  it('lists phases in the order they happen, whatever the order of calls', () => {
    const phases = new PhaseClock(clock().now);
    phases.start('weights');
    phases.start('chain');
    expect(phases.records().map((r) => r.name)).toEqual(['chain', 'weights']);
  });

  it('tells listeners of every change', () => {
    const phases = new PhaseClock(clock().now);
    const seen: number[] = [];
    phases.onChange((records) => seen.push(records.length));
    phases.start('chain');
    phases.end('chain');
    phases.start('subnet');
    expect(seen).toEqual([1, 1, 2]);
  });

  it('times an async piece of work with run', async () => {
    const time = clock();
    const phases = new PhaseClock(time.now);
    const result = await phases.run('subnet', async () => {
      time.advance(250);
      return 7;
    });
    expect(result).toBe(7);
    expect(phases.durationMs('subnet')).toBe(250);
  });
});
