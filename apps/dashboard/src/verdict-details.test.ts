import { describe, expect, it } from '@jest/globals';
import { BOB } from '../test/job-views.js';
import type { Verdict, VerdictDetail } from './api-schemas.js';
import { detailOf, measurementRows, readVerdictDetails } from './verdict-details.js';

const detail = (overrides: Partial<VerdictDetail>): VerdictDetail => ({
  uid: 1,
  step: 600,
  accepted: true,
  at: 1000,
  reasons: [],
  checks: [{ name: 'energy', ok: true, skipped: false, ms: 40 }],
  measurements: null,
  ...overrides,
});
const verdict: Verdict = {
  at: 1000,
  uid: 1,
  hotkey: BOB,
  accepted: true,
  step: 600,
  energyKjMol: -1,
  reason: null,
};

describe('readVerdictDetails', () => {
  it('keeps the reports it can read and counts the others', () => {
    const read = readVerdictDetails([detail({}), { uid: 'one' }, null]);
    expect(read.details).toHaveLength(1);
    expect(read.unreadable).toBe(2);
    expect(readVerdictDetails(undefined)).toEqual({ details: [], unreadable: 0 });
  });
});

describe('detailOf', () => {
  it('finds the latest report of the same miner, step and outcome', () => {
    const older = detail({ at: 500 });
    const newer = detail({ at: 900 });
    expect(detailOf(verdict, [older, newer, detail({ uid: 2 })])).toBe(newer);
    expect(detailOf(verdict, [detail({ accepted: false })])).toBeUndefined();
  });
});

describe('measurementRows', () => {
  it('lists known measurements in order with units, then unknown ones, leaving out nulls', () => {
    const rows = measurementRows(
      detail({
        claimedEnergyKjMol: -98_650,
        measurements: {
          temperatureK: 301.04,
          potentialKjMol: -98_650.5,
          closestAtomsNm: null,
          newGauge: 3,
          closestCopy: { hotkey: BOB, rmsdNm: 0.05, kind: 'c-alpha' },
        },
        fetchMs: 100,
        verifyMs: 2000,
      }),
    );
    expect(rows).toEqual([
      ['claimed potential energy', '-98,650.0 kJ/mol'],
      ['recomputed potential energy', '-98,650.5 kJ/mol'],
      ['temperature of the frame', '301.0 K'],
      ['closest earlier submission of another miner', '0.050 nm c-alpha RMSD (5FHneW…M694ty)'],
      ['newGauge', '3'],
      ['fetch / verification time', '100 ms / 2000 ms'],
    ]);
  });
});
