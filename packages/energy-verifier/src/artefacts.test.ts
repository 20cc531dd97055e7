import { encodeTrr } from '@fold/gromacs-runner';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { artefactsFromBundle, checkArtefacts, maxFrameBytes } from './artefacts.js';

const atoms = 4;
const frame = (extra: Partial<Parameters<typeof encodeTrr>[0][number]> = {}) =>
  encodeTrr([
    {
      step: 100,
      timePs: 0.2,
      atomCount: atoms,
      boxNm: [3, 0, 0, 0, 3, 0, 0, 0, 3],
      positionsNm: Array.from({ length: 3 * atoms }, (_, i) => i / 10),
      velocitiesNmPs: Array.from({ length: 3 * atoms }, () => 0.1),
      ...extra,
    },
  ]);
const log = new TextEncoder().encode('Input Parameters:\n   integrator                     = md\n');
const codes = (r: ReturnType<typeof checkArtefacts>) =>
  r.reasons.map((x) => `${x.code}:${String(x.details.role)}`);

describe('checkArtefacts', () => {
  it('names every missing file', () => {
    expect(codes(checkArtefacts({}, atoms))).toEqual([
      'ARTEFACT_MISSING:frame',
      'ARTEFACT_MISSING:edr',
      'ARTEFACT_MISSING:log',
      'ARTEFACT_MISSING:tpr',
    ]);
  });

  it('parses a one-frame trajectory with positions, velocities and box', () => {
    const result = checkArtefacts({ frame: frame(), log }, atoms);
    expect(result.parsed.frame?.step).toBe(100);
    expect(result.parsed.framePrecision).toBe('single');
    expect(result.parsed.logText).toMatch(/integrator/);
  });

  it('refuses frames without velocities or box, and files of several frames', () => {
    expect(codes(checkArtefacts({ frame: frame({ velocitiesNmPs: null }) }, atoms))).toContain(
      'ARTEFACT_CORRUPT:frame',
    );
    expect(codes(checkArtefacts({ frame: frame({ boxNm: null }) }, atoms))).toContain(
      'ARTEFACT_CORRUPT:frame',
    );
    const two = new Uint8Array([...frame(), ...frame()]);
    expect(checkArtefacts({ frame: two }, atoms).reasons[0]?.message).toMatch(/2 frames/);
  });

  it('refuses any truncation of the frame and never throws on arbitrary bytes', () => {
    const bytes = frame();
    for (const end of [1, 20, 90, bytes.length - 1]) {
      expect(codes(checkArtefacts({ frame: bytes.subarray(0, end) }, atoms))).toContain(
        'ARTEFACT_CORRUPT:frame',
      );
    }
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 600 }), (garbage) => {
        const result = checkArtefacts(
          { frame: garbage, edr: garbage, log: garbage, tpr: garbage },
          atoms,
        );
        expect(
          result.reasons.filter((r) => r.code === 'ARTEFACT_CORRUPT').length,
        ).toBeGreaterThanOrEqual(2);
      }),
    );
  });

  it('refuses files over their limits before parsing them', () => {
    const big = new Uint8Array(maxFrameBytes(atoms) + 1);
    expect(codes(checkArtefacts({ frame: big }, atoms))).toContain('ARTEFACT_TOO_LARGE:frame');
    const limits = { edrBytes: 10, logBytes: 10, tprBytes: 10 };
    expect(codes(checkArtefacts({ log, tpr: new Uint8Array(11) }, atoms, limits))).toEqual([
      'ARTEFACT_MISSING:frame',
      'ARTEFACT_MISSING:edr',
      'ARTEFACT_TOO_LARGE:log',
      'ARTEFACT_TOO_LARGE:tpr',
    ]);
  });

  it('refuses a log that is not UTF-8 or not an mdrun log', () => {
    expect(
      checkArtefacts({ log: new Uint8Array([0xff, 0xfe, 0x00]) }, atoms).reasons.find(
        (r) => r.details.role === 'log',
      )?.message,
    ).toMatch(/UTF-8/);
    expect(
      checkArtefacts({ log: new TextEncoder().encode('hello') }, atoms).reasons.find(
        (r) => r.details.role === 'log',
      )?.message,
    ).toMatch(/not an mdrun log/);
  });

  it('picks the artefacts out of a decoded bundle by role, leaving out hash references', () => {
    const entries = [
      {
        name: 'best.trr',
        sizeBytes: 3,
        sha256: 'a'.repeat(64),
        method: 'stored' as const,
        bytes: new Uint8Array([1, 2, 3]),
      },
      {
        name: 'md.tpr',
        sizeBytes: 3,
        sha256: 'b'.repeat(64),
        method: 'reference' as const,
        bytes: undefined,
      },
    ];
    const picked = artefactsFromBundle(entries, {
      frame: 'best.trr',
      tpr: 'md.tpr',
      edr: 'md.edr',
    });
    expect(Object.keys(picked)).toEqual(['frame']);
    expect(picked.frame).toEqual(new Uint8Array([1, 2, 3]));
  });
});
