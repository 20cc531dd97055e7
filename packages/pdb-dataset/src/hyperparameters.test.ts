import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  BOX_SHAPES,
  candidateHyperparameters,
  FORCE_FIELDS,
  hyperparameterLabel,
  jobSpaceSize,
  PERTURBATIONS,
  WATER_MODELS,
} from './hyperparameters.js';

describe('candidateHyperparameters', () => {
  it('is the same list for the same (id, seed)', () => {
    fc.assert(
      fc.property(fc.integer(), (seed) => {
        expect(candidateHyperparameters('1ubq', seed)).toEqual(
          candidateHyperparameters('1UBQ', seed),
        );
      }),
      { numRuns: 50 },
    );
  });

  it('tries each of the 18 base combinations once, in a seed-dependent order', () => {
    const a = candidateHyperparameters('1ubq', 1);
    const b = candidateHyperparameters('1ubq', 2);
    const base = (h: (typeof a)[number]) => `${h.forceField}/${h.water}/${h.box}`;
    expect(new Set(a.map(base)).size).toBe(18);
    expect(a.map(base)).not.toEqual(b.map(base));
  });

  it('draws every perturbation from its grid', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 4, maxLength: 4 }), fc.integer(), (id, seed) => {
        for (const h of candidateHyperparameters(id, seed)) {
          expect(FORCE_FIELDS).toContain(h.forceField);
          expect(WATER_MODELS).toContain(h.water);
          expect(BOX_SHAPES).toContain(h.box);
          expect(PERTURBATIONS.temperatureK).toContain(h.temperatureK);
          expect(PERTURBATIONS.pressureBar).toContain(h.pressureBar);
          expect(PERTURBATIONS.ionConcentrationMolar).toContain(h.ionConcentrationMolar);
          expect(PERTURBATIONS.boxDistanceNm).toContain(h.boxDistanceNm);
        }
      }),
      { numRuns: 50 },
    );
  });

  it("keeps the reference's 12 combinations unperturbed in the reference space", () => {
    const list = candidateHyperparameters('1ubq', 3, { space: 'reference' });
    expect(list).toHaveLength(12);
    expect(new Set(list.map((h) => h.forceField))).toEqual(new Set(['charmm27', 'amber03']));
    expect(
      list.every(
        (h) => h.temperatureK === 300 && h.boxDistanceNm === 1 && h.ionConcentrationMolar === 0,
      ),
    ).toBe(true);
  });

  it('stops at maxCandidates', () => {
    expect(candidateHyperparameters('1ubq', 3, { maxCandidates: 4 })).toHaveLength(4);
    expect(() => candidateHyperparameters('1ubq', 3, { maxCandidates: 0 })).toThrow(
      /maxCandidates/,
    );
  });
});

describe('candidateHyperparameters with fixed values', () => {
  it('tries only the base combinations with the fixed force field, water and box', () => {
    const list = candidateHyperparameters('1ubq', 5, { fixed: { forceField: 'amber03' } });
    expect(list).toHaveLength(6);
    expect(list.every((h) => h.forceField === 'amber03')).toBe(true);
    const all = candidateHyperparameters('1ubq', 5, {
      fixed: { forceField: 'charmm27', water: 'spce', box: 'cubic' },
    });
    expect(all.map((h) => `${h.forceField}/${h.water}/${h.box}`)).toEqual(['charmm27/spce/cubic']);
  });

  it('replaces drawn perturbations by fixed ones and leaves the other draws unchanged', () => {
    fc.assert(
      fc.property(fc.integer(), fc.constantFrom(290, 300.5, 330), (seed, temperatureK) => {
        const free = candidateHyperparameters('1l2y', seed);
        const fixed = candidateHyperparameters('1l2y', seed, { fixed: { temperatureK } });
        expect(fixed).toEqual(free.map((h) => ({ ...h, temperatureK })));
      }),
      { numRuns: 30 },
    );
  });

  it('keeps fixed values in the reference space too', () => {
    const list = candidateHyperparameters('1ubq', 2, {
      space: 'reference',
      fixed: { pressureBar: 2 },
    });
    expect(list).toHaveLength(12);
    expect(list.every((h) => h.pressureBar === 2 && h.temperatureK === 300)).toBe(true);
  });

  it('refuses fixed values outside the space or their range', () => {
    expect(() =>
      candidateHyperparameters('1ubq', 1, {
        space: 'reference',
        fixed: { forceField: 'amber99sb-ildn' },
      }),
    ).toThrow(/no amber99sb-ildn/);
    expect(() =>
      candidateHyperparameters('1ubq', 1, { fixed: { water: 'tip4p' as 'tip3p' } }),
    ).toThrow(/fixed.water/);
    expect(() => candidateHyperparameters('1ubq', 1, { fixed: { temperatureK: -3 } })).toThrow(
      /fixed.temperatureK/,
    );
  });
});

describe('jobSpaceSize', () => {
  it('is about a thousand times the reference space', () => {
    expect(jobSpaceSize('reference')).toBe(12);
    expect(jobSpaceSize()).toBe(12_600);
  });
});

describe('hyperparameterLabel', () => {
  it('names every hyperparameter with its unit', () => {
    const [h] = candidateHyperparameters('1ubq', 1, { space: 'reference', maxCandidates: 1 });
    expect(hyperparameterLabel(h!)).toMatch(
      /^(charmm27|amber03)\/(tip3p|spce)\/\w+ d1nm 0M 300K 1bar$/,
    );
  });
});
