import { describe, expect, it } from '@jest/globals';
import { jobDetail, T0 } from '../test/job-views.js';
import { energySeries, jobTimeAxis, onAxis, structureSeries, timeAxis } from './series.js';

describe('timeAxis', () => {
  it('counts seconds up to 3 minutes, then minutes, hours and days', () => {
    expect(timeAxis(0, 180_000).unit).toBe('s');
    expect(timeAxis(0, 180_001).unit).toBe('min');
    expect(timeAxis(0, 3 * 3_600_000 + 1).unit).toBe('h');
    expect(timeAxis(0, 4 * 86_400_000).unit).toBe('d');
  });

  it('names its unit in the title and places moments from its origin', () => {
    const axis = timeAxis(T0, T0 + 20 * 60_000);
    expect(axis.label).toBe('time since the job started (min)');
    expect(onAxis(axis, T0 + 90_000)).toBe(1.5);
    expect(axis.end).toBe(20);
  });
});

describe('energySeries', () => {
  it('starts the axis at activation and runs it to now while the job is live', () => {
    const axis = jobTimeAxis(jobDetail(), T0 + 100_000);
    expect(axis.originMs).toBe(T0);
    expect(axis.unit).toBe('s');
  });

  it('carries the best energy to the end of the chart', () => {
    const { best } = energySeries(jobDetail(), T0 + 100_000);
    expect(best.map((p) => [p.x, p.y])).toEqual([
      [30, -98_600],
      [40, -98_650],
      [70, -98_700],
      [100, -98_700],
    ]);
  });

  it('ends an ended job at its end, not now', () => {
    const { best } = energySeries(jobDetail({ endedAt: T0 + 80_000 }), T0 + 10 * 86_400_000);
    expect(best.at(-1)?.x).toBe(80);
  });

  it('gives each miner its own verified energies, by uid, in time order', () => {
    const { miners } = energySeries(jobDetail(), T0 + 100_000);
    expect(miners.map((m) => [m.uid, m.points.map((p) => p.step)])).toEqual([
      [1, [600, 1200]],
      [2, [400]],
    ]);
    expect(miners[0]?.hotkey).toMatch(/^5FHne/);
  });

  it('draws nothing for a job without verified results', () => {
    const series = energySeries(jobDetail({ energy: { best: [], verified: [] } }), T0 + 100_000);
    expect(series.best).toEqual([]);
    expect(series.miners).toEqual([]);
  });
});

describe('structureSeries', () => {
  it('orders the best frames by time, RMSD and radius of gyration alike', () => {
    const series = structureSeries(jobDetail(), T0 + 100_000);
    expect(series.rmsdNm.map((p) => [p.x, p.y])).toEqual([
      [30, 0.08],
      [70, 0.12],
    ]);
    expect(series.radiusOfGyrationNm.map((p) => p.y)).toEqual([0.7, 0.71]);
  });
});
