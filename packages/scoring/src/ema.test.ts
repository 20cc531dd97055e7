import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { emaStep } from './ema.js';

describe('emaStep', () => {
  it('moves a score a tenth of the way to the reward with alpha 0.1', () => {
    expect(emaStep(0, 1, { riseAlpha: 0.1, fallAlpha: 0.1 })).toBeCloseTo(0.1, 15);
    expect(emaStep(0.5, 0, { riseAlpha: 0.1, fallAlpha: 0.1 })).toBeCloseTo(0.45, 15);
  });

  it('rises with riseAlpha and falls with fallAlpha', () => {
    const rates = { riseAlpha: 0.1, fallAlpha: 0.2 };
    expect(emaStep(0.5, 1, rates)).toBeCloseTo(0.55, 15);
    expect(emaStep(0.5, 0, rates)).toBeCloseTo(0.4, 15);
  });

  it('converges geometrically to a constant reward (the steady state)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0.01, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 1, max: 400 }),
        (score0, reward, riseAlpha, extra, steps) => {
          const fallAlpha = riseAlpha + (1 - riseAlpha) * extra;
          let score = score0;
          for (let i = 0; i < steps; i++) score = emaStep(score, reward, { riseAlpha, fallAlpha });
          const bound = (1 - riseAlpha) ** steps * Math.abs(score0 - reward);
          expect(Math.abs(score - reward)).toBeLessThanOrEqual(bound + 1e-12);
        },
      ),
    );
  });

  it('is superadditive when it rises no faster than it falls', () => {
    const unit = fc.double({ min: 0, max: 1, noNaN: true });
    fc.assert(
      fc.property(unit, unit, unit, unit, unit, unit, (s1, s2, r1, r2, a, b) => {
        const riseAlpha = 0.01 + 0.99 * Math.min(a, b);
        const fallAlpha = 0.01 + 0.99 * Math.max(a, b);
        const rates = { riseAlpha, fallAlpha };
        const together = emaStep(s1 + s2, r1 + r2, rates);
        const apart = emaStep(s1, r1, rates) + emaStep(s2, r2, rates);
        expect(together).toBeGreaterThanOrEqual(apart - 1e-12);
      }),
    );
  });

  it('pays two hotkeys more than one for the same rewards when it rises faster than it falls', () => {
    // Why the score book refuses riseAlpha > fallAlpha: one uid earning 1 every step vs two uids
    // each earning 1 every other step (the same work, split).
    const rates = { riseAlpha: 0.5, fallAlpha: 0.05 };
    let one = 0;
    let a = 0;
    let b = 0;
    for (let step = 0; step < 200; step++) {
      one = emaStep(one, 1, rates);
      a = emaStep(a, step % 2 === 0 ? 1 : 0, rates);
      b = emaStep(b, step % 2 === 1 ? 1 : 0, rates);
    }
    expect(a + b).toBeGreaterThan(one * 1.5);
  });
});
