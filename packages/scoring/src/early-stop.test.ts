import { describe, expect, it } from '@jest/globals';
import { earlyStopReason, maxIdleMs, REFERENCE_EARLY_STOP } from './early-stop.js';
import { FOLD_PRESET } from './params.js';

const HOUR = 3_600_000;

describe('earlyStopReason with the reference policy', () => {
  const fresh = { createdAtMs: 0, lastImprovementAtMs: null, updates: 3, atomCount: 300 };

  it('keeps a job that never improved for exactly 60 minutes', () => {
    expect(earlyStopReason(fresh, HOUR, REFERENCE_EARLY_STOP)).toBeNull();
  });

  it('stops a job that never improved within 60 minutes of creation', () => {
    expect(earlyStopReason(fresh, HOUR + 1_000, REFERENCE_EARLY_STOP)).toBe('never-improved');
  });

  it('compares whole seconds as the reference did', () => {
    const job = { ...fresh, createdAtMs: 500 };
    // floor(3_600_999 / 1000) s - floor(0.5) s = 3600 s: not more than 60 minutes.
    expect(earlyStopReason(job, HOUR + 999, REFERENCE_EARLY_STOP)).toBeNull();
    expect(earlyStopReason(job, HOUR + 1_000, REFERENCE_EARLY_STOP)).toBe('never-improved');
  });

  it('waits for 10 updates before stopping a job that stopped improving', () => {
    const job = { ...fresh, lastImprovementAtMs: 10_000, updates: 9 };
    expect(earlyStopReason(job, 10_000 + 2 * HOUR, REFERENCE_EARLY_STOP)).toBeNull();
    expect(earlyStopReason({ ...job, updates: 10 }, 10_000 + 2 * HOUR, REFERENCE_EARLY_STOP)).toBe(
      'no-improvement',
    );
  });

  it('keeps a job whose last improvement is at most 60 minutes old', () => {
    const job = { ...fresh, lastImprovementAtMs: 10_000, updates: 50 };
    expect(earlyStopReason(job, 10_000 + HOUR, REFERENCE_EARLY_STOP)).toBeNull();
  });
});

describe('maxIdleMs', () => {
  it('is constant in the reference policy', () => {
    expect(maxIdleMs(REFERENCE_EARLY_STOP, 0)).toBe(HOUR);
    expect(maxIdleMs(REFERENCE_EARLY_STOP, 50_000)).toBe(HOUR);
  });

  it('grows by 3 s per ATOM record from 30 minutes in the fold preset, up to 4 hours', () => {
    // 1L2Y has 304 ATOM records: 1_800_000 + 304 * 3_000 = 2_712_000 ms.
    expect(maxIdleMs(FOLD_PRESET.earlyStop, 304)).toBe(2_712_000);
    expect(maxIdleMs(FOLD_PRESET.earlyStop, 10_000)).toBe(4 * HOUR);
  });

  it('lets a large protein idle longer than a small one before it stops', () => {
    const at = (atomCount: number) =>
      earlyStopReason(
        { createdAtMs: 0, lastImprovementAtMs: 0, updates: 100, atomCount },
        3_000_000,
        FOLD_PRESET.earlyStop,
      );
    expect(at(304)).toBe('no-improvement');
    expect(at(1_231)).toBeNull();
  });
});
