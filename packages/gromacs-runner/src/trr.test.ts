import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { TrrFormatError } from './errors.js';
import { encodeTrr, parseTrr, type TrrFrameInput } from './trr.js';

const box = [3, 0, 0, 0, 3, 0, 1.5, 1.5, 2.1];

function frame(atomCount: number, step = 0): TrrFrameInput {
  const xyz = (scale: number) => Array.from({ length: 3 * atomCount }, (_, i) => (i + 1) * scale);
  return {
    step,
    timePs: step * 0.002,
    atomCount,
    boxNm: box,
    positionsNm: xyz(0.01),
    velocitiesNmPs: xyz(-0.1),
  };
}

describe('parseTrr and encodeTrr', () => {
  // A vector of zero atoms takes no bytes, so it reads back as absent: sizes start at one atom.
  it('round-trips frames of any size and content in double precision', () => {
    const finite = fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 });
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }).chain((n) =>
          fc.array(
            fc.record({
              step: fc.integer({ min: 0, max: 2 ** 31 - 1 }),
              timePs: finite,
              atomCount: fc.constant(n),
              boxNm: fc.array(finite, { minLength: 9, maxLength: 9 }),
              positionsNm: fc.option(fc.array(finite, { minLength: 3 * n, maxLength: 3 * n })),
              velocitiesNmPs: fc.option(fc.array(finite, { minLength: 3 * n, maxLength: 3 * n })),
              forcesKjMolNm: fc.option(fc.array(finite, { minLength: 3 * n, maxLength: 3 * n })),
            }),
            { minLength: 1, maxLength: 3 },
          ),
        ),
        (frames) => {
          const parsed = parseTrr(encodeTrr(frames, 'double'));
          expect(parsed.precision).toBe('double');
          expect(parsed.frames).toHaveLength(frames.length);
          parsed.frames.forEach((f, i) => {
            const want = frames[i] as (typeof frames)[number];
            expect(f.step).toBe(want.step);
            expect(f.timePs).toBe(want.timePs);
            expect(Array.from(f.boxNm ?? [])).toEqual(want.boxNm);
            expect(f.positionsNm === null ? null : Array.from(f.positionsNm)).toEqual(
              want.positionsNm,
            );
            expect(f.velocitiesNmPs === null ? null : Array.from(f.velocitiesNmPs)).toEqual(
              want.velocitiesNmPs,
            );
            expect(f.forcesKjMolNm === null ? null : Array.from(f.forcesKjMolNm)).toEqual(
              want.forcesKjMolNm,
            );
          });
        },
      ),
      { numRuns: 200 },
    );
  });

  it('rounds values to float32 in single precision and reads them back exactly', () => {
    const bytes = encodeTrr([frame(4, 10)]);
    const parsed = parseTrr(bytes);
    expect(parsed.precision).toBe('single');
    const f = parsed.frames[0];
    expect(f?.step).toBe(10);
    expect(f?.timePs).toBe(Math.fround(0.02));
    expect(f?.positionsNm?.[5]).toBe(Math.fround(0.06));
    expect(f?.forcesKjMolNm).toBeNull();
    // 24 bytes of magic and version, 13 ints, 2 reals, box, x and v.
    expect(bytes.length).toBe(24 + 52 + 8 + 36 + 2 * 4 * 12);
  });

  it('refuses bytes that are not a trajectory, naming the reason', () => {
    expect(() => parseTrr(new Uint8Array(0))).toThrow(/no frames/);
    expect(() => parseTrr(new TextEncoder().encode('GROMACS log file, not a trajectory'))).toThrow(
      TrrFormatError,
    );
    const bytes = encodeTrr([frame(2)]);
    const badVersion = bytes.slice();
    badVersion[12] = 0x78;
    expect(() => parseTrr(badVersion)).toThrow(/version string/);
  });

  it('refuses a truncated frame wherever the file ends', () => {
    const bytes = encodeTrr([frame(3), frame(3, 10)]);
    const single = bytes.length / 2;
    for (const end of [1, 10, 30, 80, single - 1, single + 5, bytes.length - 1]) {
      expect(() => parseTrr(bytes.subarray(0, end))).toThrow(/ends inside/);
    }
    expect(parseTrr(bytes.subarray(0, single)).frames).toHaveLength(1);
  });

  it('checks declared sizes against the limits before allocating', () => {
    const bytes = encodeTrr([frame(2)]);
    const view = new DataView(bytes.buffer);
    // natoms is the 11th int after the 24-byte magic and version.
    view.setInt32(24 + 40, 2_000_000_000, false);
    expect(() => parseTrr(bytes)).toThrow(/atom count 2000000000 out of range/);
    const limited = encodeTrr([frame(50)]);
    expect(() => parseTrr(limited, { maxAtoms: 49 })).toThrow(/out of range \(limit 49\)/);
    expect(() => parseTrr(encodeTrr([frame(1), frame(1)]), { maxFrames: 1 })).toThrow(
      /more than 1 frames/,
    );
  });

  it('refuses frames whose sizes disagree with the atom count or carry other data', () => {
    const bytes = encodeTrr([frame(2)]);
    const view = new DataView(bytes.buffer);
    const inconsistent = bytes.slice();
    new DataView(inconsistent.buffer).setInt32(24 + 28, 4 * 3 * 3, false); // x_size for 3 atoms
    expect(() => parseTrr(inconsistent)).toThrow(/disagree/);
    view.setInt32(24 + 4, 16, false); // e_size
    expect(() => parseTrr(bytes)).toThrow(/inputrec, energies or a topology/);
  });

  it('refuses non-finite box vectors but keeps non-finite coordinates for the caller to judge', () => {
    const nanBox = encodeTrr([{ ...frame(1), boxNm: [Number.NaN, 0, 0, 0, 3, 0, 0, 0, 3] }]);
    expect(() => parseTrr(nanBox)).toThrow(/box vectors are not finite/);
    const nanX = parseTrr(encodeTrr([{ ...frame(1), positionsNm: [Number.NaN, 0, 1] }]));
    expect(Number.isNaN(nanX.frames[0]?.positionsNm?.[0])).toBe(true);
  });

  it('refuses vectors of the wrong length and steps beyond 32 bits when writing', () => {
    expect(() => encodeTrr([{ ...frame(2), positionsNm: [1, 2, 3] }])).toThrow(/positions/);
    expect(() => encodeTrr([{ ...frame(1), step: 2 ** 31 }])).toThrow(/does not fit/);
  });
});
