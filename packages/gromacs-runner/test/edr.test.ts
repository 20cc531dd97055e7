import { appendFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import {
  EdrFollower,
  EdrFormatError,
  type EdrFrame,
  Gmx,
  parseEdr,
  prepareSystem,
  readEdr,
  runStages,
  stagePreset,
} from '../src/index.js';
import { cleanProteinPdb, tempDir } from './structures.js';

// The .edr reader against gmx energy itself, on files written by this GROMACS: a minimisation
// (few terms) and an NPT run (box, volume, density and pressure terms too).
describe('reading .edr energy files', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let emEdr: string;
  let nptEdr: string;
  const gmx = new Gmx();

  beforeAll(async () => {
    dir = await tempDir('edr');
    const system = await prepareSystem({
      pdbText: cleanProteinPdb('1l2y'),
      workDir: join(dir.path, 'prep'),
      forceField: 'charmm27',
      water: 'tip3p',
      box: 'dodecahedron',
      emParams: { nsteps: 200, nstenergy: 10 },
      resources: { ntmpi: 1, ntomp: 1, pin: 'off' },
    });
    emEdr = system.files.emEdr;
    const outputs = { energySteps: 20, logSteps: 100, compressedSteps: 0, fullPrecisionSteps: 0 };
    const run = await runStages({
      workDir: join(dir.path, 'run'),
      input: { gro: system.gro, top: system.top, itps: system.itps },
      stages: [
        { name: 'nvt', mdp: stagePreset('nvt', { nsteps: 100, outputs }) },
        { name: 'npt', mdp: stagePreset('npt', { nsteps: 200, outputs }) },
      ],
      seed: 5,
      resources: { ntmpi: 1, ntomp: 1, pin: 'off' },
    });
    nptEdr = run.stages[1]?.files.edr ?? '';
  }, 240_000);

  afterAll(async () => {
    await dir?.remove();
  });

  it.each(['minimisation', 'NPT'])(
    'equals gmx energy for every term of every frame (%s)',
    async (which) => {
      const edr = which === 'NPT' ? nptEdr : emEdr;
      const data = await readEdr(edr, { allowTruncated: false });
      expect(data.precision).toBe('single');
      const table = await gmx.energy({
        cwd: dir.path,
        edr,
        terms: data.terms.map((t) => t.name),
        output: `${which}.xvg`,
      });
      expect(table.timesPs).toEqual(data.frames.map((f) => f.timePs));
      const names = Object.keys(table.terms);
      expect(names).toHaveLength(data.terms.length);
      for (const [index, term] of data.terms.entries()) {
        const theirs = table.terms[term.name];
        expect(theirs).toBeDefined();
        // gmx energy -dp prints 12 decimals of the single-precision value: equal to ours to rounding.
        data.frames.forEach((frame, f) => {
          expect(
            Math.abs((frame.values[index] as number) - (theirs?.[f] as number)),
          ).toBeLessThanOrEqual(5e-13 * Math.max(1, Math.abs(theirs?.[f] as number)));
        });
      }
    },
  );

  it('reads the step of every frame and the terms of an NPT run', async () => {
    const data = await readEdr(nptEdr);
    expect(data.frames.map((f) => f.step)).toEqual(Array.from({ length: 11 }, (_, i) => i * 20));
    expect(data.frames.every((f) => Math.abs(f.timePs - f.step * 0.002) < 1e-9)).toBe(true);
    expect(data.terms.map((t) => t.name)).toEqual(
      expect.arrayContaining([
        'Potential',
        'Temperature',
        'Pressure',
        'Volume',
        'Density',
        'Box-X',
      ]),
    );
    expect(data.terms.find((t) => t.name === 'Temperature')?.unit).toBe('K');
  });

  it('parses any prefix of a file to a prefix of its frames, never to a wrong frame', async () => {
    const bytes = new Uint8Array(await readFile(nptEdr));
    const full = parseEdr(bytes, { allowTruncated: false });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: bytes.byteLength }), (cut) => {
        const part = parseEdr(bytes.subarray(0, cut));
        expect(part.frames).toEqual(full.frames.slice(0, part.frames.length));
        expect(part.truncated).toBe(part.completeBytes < cut);
        if (cut === bytes.byteLength) expect(part.frames).toHaveLength(full.frames.length);
      }),
      { numRuns: 200 },
    );
  });

  it('follows a file as it grows and ends with the frames of a full read', async () => {
    const bytes = new Uint8Array(await readFile(nptEdr));
    const path = join(dir.path, 'growing.edr');
    const follower = new EdrFollower(path);
    expect((await follower.poll()).frames).toEqual([]);
    await writeFile(path, new Uint8Array());
    const seen: EdrFrame[] = [];
    for (let at = 0; at < bytes.byteLength; at += 333) {
      await appendFile(path, bytes.subarray(at, Math.min(at + 333, bytes.byteLength)));
      seen.push(...(await follower.poll()).frames);
    }
    expect(seen).toEqual((await readEdr(nptEdr)).frames);
    expect(follower.terms.length).toBeGreaterThan(10);
  });

  it('refuses files that are not energy files, and torn ones when asked for complete files', async () => {
    expect(() => parseEdr(new TextEncoder().encode('not an energy file at all'))).toThrow(
      EdrFormatError,
    );
    const bytes = new Uint8Array(await readFile(nptEdr));
    expect(() =>
      parseEdr(bytes.subarray(0, bytes.byteLength - 7), { allowTruncated: false }),
    ).toThrow(EdrFormatError);
    // Break the magic number of the third frame header.
    const corrupt = bytes.slice();
    const view = new DataView(corrupt.buffer);
    const magics: number[] = [];
    for (let at = 0; at + 4 <= corrupt.byteLength; at += 4)
      if (view.getInt32(at) === -7777777) magics.push(at);
    view.setInt32(magics[2] as number, 12345);
    expect(() => parseEdr(corrupt)).toThrow(/magic/);
  });
});
