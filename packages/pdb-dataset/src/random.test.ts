import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { seededRandom } from './random.js';

describe('seededRandom', () => {
  it('gives the same draws for the same material', () => {
    const a = seededRandom('job:1ubq:7');
    const b = seededRandom('job:1ubq:7');
    expect(Array.from({ length: 20 }, () => a.int(0, 1000))).toEqual(
      Array.from({ length: 20 }, () => b.int(0, 1000)),
    );
  });

  it('gives different draws for different material', () => {
    const a = seededRandom('job:1ubq:7');
    const b = seededRandom('job:1ubq:8');
    expect(Array.from({ length: 20 }, () => a.int(0, 1e9))).not.toEqual(
      Array.from({ length: 20 }, () => b.int(0, 1e9)),
    );
  });

  it('shuffles into a permutation of the input', () => {
    fc.assert(
      fc.property(fc.string(), fc.array(fc.integer()), (material, items) => {
        const shuffled = seededRandom(material).shuffle(items);
        expect([...shuffled].sort((x, y) => x - y)).toEqual([...items].sort((x, y) => x - y));
      }),
    );
  });

  it('draws integers inside the inclusive range', () => {
    fc.assert(
      fc.property(
        fc.string(),
        fc.integer({ min: -1000, max: 1000 }),
        fc.nat(1000),
        (m, min, span) => {
          const v = seededRandom(m).int(min, min + span);
          expect(v).toBeGreaterThanOrEqual(min);
          expect(v).toBeLessThanOrEqual(min + span);
        },
      ),
    );
  });
});
