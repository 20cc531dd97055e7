import { describe, expect, it } from '@jest/globals';
import { CHECK_NAMES, REASON_CODES, REASONS, reason } from './reasons.js';
import { verifiableStages } from './stage-params.js';
import { buildVerdict, type CheckOutcome, EMPTY_MEASUREMENTS } from './verdict.js';

const checks: CheckOutcome[] = CHECK_NAMES.map((name) => ({
  name,
  ok: true,
  skipped: false,
  ms: 1,
}));
const base = {
  jobId: 'job-1',
  minerHotkey: '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty',
  stage: 'md',
  step: 100,
  claimedEnergyKjMol: -1,
  energyKjMol: -1,
  reasons: [],
  checks,
  measurements: EMPTY_MEASUREMENTS,
  totalMs: 12.345,
};

describe('buildVerdict', () => {
  it('accepts only when every check ran and found nothing', () => {
    expect(buildVerdict(base).accepted).toBe(true);
    const skipped = checks.map((c, i) => (i === 4 ? { ...c, ok: false, skipped: true } : c));
    expect(buildVerdict({ ...base, checks: skipped }).accepted).toBe(false);
  });

  it('orders reasons by check and is retryable only when every reason is', () => {
    const v = buildVerdict({
      ...base,
      reasons: [
        reason('REPRODUCTION_WINDOW_MISSING', 'later'),
        reason('ARTEFACT_MISSING', 'no log'),
      ],
    });
    expect(v.reasons.map((r) => r.check)).toEqual(['artefacts', 'reproduction']);
    expect(v.retryable).toBe(false);
    expect(
      buildVerdict({ ...base, reasons: [reason('REPRODUCTION_WINDOW_MISSING', 'later')] })
        .retryable,
    ).toBe(true);
  });

  it('survives a JSON round trip unchanged, non-finite numbers as null', () => {
    const v = buildVerdict({
      ...base,
      energyKjMol: Number.NaN,
      measurements: {
        ...EMPTY_MEASUREMENTS,
        maxForceKjMolNm: Number.POSITIVE_INFINITY,
        temperatureK: 300,
      },
      reasons: [reason('FORCE_TOO_LARGE', 'inf', { atom: 3, list: [1, 'a', null] })],
    });
    expect(v.energyKjMol).toBeNull();
    expect(v.measurements.maxForceKjMolNm).toBeNull();
    expect(JSON.parse(JSON.stringify(v))).toEqual(v);
  });
});

describe('reasons', () => {
  it('belong to known checks and say what they mean', () => {
    for (const code of REASON_CODES) {
      expect(CHECK_NAMES).toContain(REASONS[code].check);
      expect(REASONS[code].meaning.length).toBeGreaterThan(10);
    }
  });
});

describe('verifiableStages', () => {
  it('sets energy output on dynamics stages only, keeping nstcalcenergy a divisor', () => {
    const stages = verifiableStages([
      { name: 'em', mdp: { integrator: 'steep', nsteps: 100 } },
      { name: 'md', mdp: { integrator: 'md', nstenergy: 500, nstcalcenergy: 100 } },
      { name: 'md2', mdp: { integrator: 'md', nstcalcenergy: 25 } },
    ]);
    expect(stages[0]?.mdp).toEqual({ integrator: 'steep', nsteps: 100 });
    expect(stages[1]?.mdp).toMatchObject({ nstenergy: 50, nstcalcenergy: 50 });
    expect(stages[2]?.mdp).toMatchObject({ nstenergy: 50, nstcalcenergy: 25 });
    expect(() => verifiableStages([], { energyIntervalSteps: 0 })).toThrow(/positive/);
    expect(() => verifiableStages([], { energyIntervalSteps: 500 })).toThrow(/window/);
  });
});
