import { createHash } from 'node:crypto';
import { uniformInt } from 'pure-rand/distribution/uniformInt';
import { xoroshiro128plus } from 'pure-rand/generator/xoroshiro128plus';

/** A seeded pseudo-random sequence: the same material always gives the same draws. */
export interface SeededRandom {
  /** A uniform integer in [min, max], both included. */
  int(min: number, max: number): number;
  /** A new array with the items in a uniformly random order (Fisher-Yates). */
  shuffle<T>(items: readonly T[]): T[];
  /** One item, uniformly. */
  pick<T>(items: readonly T[]): T;
}

/**
 * A seeded generator (xoroshiro128+, from pure-rand) whose 32-bit seed is the first four bytes of
 * SHA-256 of `material`. Deriving it from a string lets each purpose (`job:1ubq:7`,
 * `catalog:7`) have its own independent, reproducible sequence.
 */
export function seededRandom(material: string): SeededRandom {
  const seed = createHash('sha256').update(material).digest().readInt32LE(0);
  const rng = xoroshiro128plus(seed);
  const int = (min: number, max: number): number => uniformInt(rng, min, max);
  return {
    int,
    shuffle<T>(items: readonly T[]): T[] {
      const out = [...items];
      for (let i = out.length - 1; i > 0; i--) {
        const j = int(0, i);
        const tmp = out[i]!;
        out[i] = out[j]!;
        out[j] = tmp;
      }
      return out;
    },
    pick<T>(items: readonly T[]): T {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[int(0, items.length - 1)]!;
    },
  };
}
