import { describe, expect, it } from '@jest/globals';
import { InvalidInputError, InvalidParameterError } from './errors.js';
import {
  checkThreshold,
  epsilonKjMol,
  isImprovement,
  REFERENCE_RELATIVE_THRESHOLD,
  REFERENCE_SIZE_THRESHOLD,
  referenceEpsilonKjMol,
} from './threshold.js';

describe('referenceEpsilonKjMol', () => {
  it('is 5,000 kJ/mol up to 100 ATOM records', () => {
    expect(referenceEpsilonKjMol(0)).toBe(5_000);
    expect(referenceEpsilonKjMol(100)).toBe(5_000);
  });

  it('is 7.14819473 * atoms + 16844.2317 above 100 ATOM records', () => {
    // 7.14819473 * 101 = 721.96766773; + 16844.2317 = 17566.19936773
    expect(referenceEpsilonKjMol(101)).toBeCloseTo(17_566.19936773, 8);
    // 7.14819473 * 660 = 4717.8085218; + 16844.2317 = 21562.0402218
    expect(referenceEpsilonKjMol(660)).toBeCloseTo(21_562.0402218, 8);
  });

  it('rejects a fractional or negative atom count', () => {
    expect(() => referenceEpsilonKjMol(10.5)).toThrow(InvalidInputError);
    expect(() => referenceEpsilonKjMol(-1)).toThrow(/atomCount/);
  });
});

describe('isImprovement', () => {
  const absolute = { kind: 'absolute', epsilonKjMol: 100 } as const;

  it('accepts any finite energy when there is no best yet', () => {
    expect(isImprovement(1e9, null, absolute, 0)).toBe(true);
  });

  it('requires an absolute margin to be beaten strictly', () => {
    expect(isImprovement(-1_100, -1_000, absolute, 0)).toBe(false);
    expect(isImprovement(-1_100.001, -1_000, absolute, 0)).toBe(true);
  });

  it('sizes the margin by ATOM records with the reference formula', () => {
    // 200 atoms: 7.14819473 * 200 + 16844.2317 = 18273.870646
    expect(isImprovement(-318_273, -300_000, REFERENCE_SIZE_THRESHOLD, 200)).toBe(false);
    expect(isImprovement(-318_274, -300_000, REFERENCE_SIZE_THRESHOLD, 200)).toBe(true);
    expect(epsilonKjMol(REFERENCE_SIZE_THRESHOLD, 200, null)).toBeCloseTo(18_273.870646, 6);
  });

  it('treats 1% lower as better for negative energies (the reference first had the sign wrong)', () => {
    expect(isImprovement(-303_000, -300_000, REFERENCE_RELATIVE_THRESHOLD, 0)).toBe(true);
    expect(isImprovement(-302_999, -300_000, REFERENCE_RELATIVE_THRESHOLD, 0)).toBe(false);
    expect(isImprovement(-297_000, -300_000, REFERENCE_RELATIVE_THRESHOLD, 0)).toBe(false);
  });

  it('treats 1% lower as better for positive losses too', () => {
    expect(isImprovement(99, 100, REFERENCE_RELATIVE_THRESHOLD, 0)).toBe(true);
    expect(isImprovement(99.5, 100, REFERENCE_RELATIVE_THRESHOLD, 0)).toBe(false);
    expect(isImprovement(101, 100, REFERENCE_RELATIVE_THRESHOLD, 0)).toBe(false);
  });

  it('accepts any lower energy against a best of exactly 0 under the relative form', () => {
    expect(isImprovement(-1e-9, 0, REFERENCE_RELATIVE_THRESHOLD, 0)).toBe(true);
    expect(isImprovement(0, 0, REFERENCE_RELATIVE_THRESHOLD, 0)).toBe(false);
  });

  it('never counts an equal energy as an improvement, even with a zero margin', () => {
    expect(isImprovement(-5, -5, { kind: 'relative', fraction: 0 }, 0)).toBe(false);
    expect(isImprovement(-5, -5, { kind: 'absolute', epsilonKjMol: 0 }, 0)).toBe(false);
  });

  it('rejects a non-finite energy', () => {
    expect(() => isImprovement(Number.NaN, -1, absolute, 0)).toThrow(/candidateKjMol/);
    expect(() => isImprovement(-1, Number.NEGATIVE_INFINITY, absolute, 0)).toThrow(/bestKjMol/);
  });
});

describe('checkThreshold', () => {
  it('names the field that is out of range', () => {
    expect(() => checkThreshold('threshold', { kind: 'relative', fraction: 2 })).toThrow(
      /threshold\.fraction/,
    );
    expect(() => checkThreshold('threshold', { kind: 'percent' })).toThrow(InvalidParameterError);
  });
});
