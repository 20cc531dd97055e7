import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  energySeries,
  extractFrame,
  Gmx,
  type PreparedSystem,
  parseLogEnergies,
  parseLogParameters,
  parseTprDump,
  prepareSystem,
  type RunStagesResult,
  readEdr,
  readGroSummary,
  readTrr,
  reproducibleMdrun,
  rerunEnergies,
  runStages,
  type StageProgress,
  standardStages,
} from '../src/index.js';
import { cleanProteinPdb, tempDir } from './structures.js';

// One real pipeline, shared by the tests of this file: 1L2Y (20 residues, about 5,900 atoms
// solvated) from PDB text to a finished short NVT -> NPT -> MD run.
const SEED = 4242;
const outputs = { energySteps: 50, logSteps: 50, compressedSteps: 100, fullPrecisionSteps: 100 };

describe('the full pipeline on 1L2Y', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let system: PreparedSystem;
  let run: RunStagesResult;
  const progress: StageProgress[] = [];

  beforeAll(async () => {
    dir = await tempDir('pipeline');
    system = await prepareSystem({
      pdbText: cleanProteinPdb('1l2y'),
      workDir: join(dir.path, 'prep'),
      forceField: 'charmm27',
      water: 'tip3p',
      box: 'dodecahedron',
      boxDistanceNm: 1.0,
      ionConcentrationMolar: 0.1,
      seed: 7,
      resources: { ntmpi: 1, ntomp: 1, pin: 'off' },
    });
    run = await runStages({
      workDir: join(dir.path, 'run'),
      input: { gro: system.gro, top: system.top, itps: system.itps },
      stages: standardStages({
        forceField: 'charmm27',
        nsteps: { nvt: 300, npt: 300, md: 500 },
        outputs,
      }),
      seed: SEED,
      resources: { ntmpi: 1, ntomp: 1, pin: 'off' },
      progressIntervalMs: 200,
      onProgress: (p) => progress.push(p),
    });
  }, 240_000);

  afterAll(async () => {
    await dir?.remove();
  });

  it('prepares a neutral, minimised system and reports its size', async () => {
    expect(system.converged).toBe(true);
    expect(system.minimization.maxForceKjMolNm).toBeLessThan(1000);
    expect(system.emEnergyKjMol).toBeLessThan(-50_000);
    expect(system.netChargeE).toBe(1);
    expect(system.ions.positive - system.ions.negative).toBe(-1);
    expect(system.ions.positive).toBeGreaterThan(0); // 0.1 M salt on top of neutralising
    expect(system.proteinAtomCount).toBe(304);
    expect(system.atomCount).toBe(
      system.proteinAtomCount +
        3 * system.waterMolecules +
        system.ions.positive +
        system.ions.negative,
    );
    expect(readGroSummary(await readFile(system.gro, 'utf8')).atomCount).toBe(system.atomCount);
    expect(system.itps.map((p) => p.split('/').pop())).toEqual(['posre.itp']);
    expect(system.boxNm).toHaveLength(9);
  });

  it('runs NVT, NPT and MD to exactly their step counts', async () => {
    expect(run.completed).toBe(true);
    expect(run.stages.map((s) => [s.name, s.status, s.lastStep])).toEqual([
      ['nvt', 'completed', 300],
      ['npt', 'completed', 300],
      ['md', 'completed', 500],
    ]);
    for (const stage of run.stages) {
      const steps = energySeries(await readEdr(stage.files.edr), 'Potential').steps;
      expect(steps[steps.length - 1]).toBe(stage.nsteps);
      expect(existsSync(stage.files.gro)).toBe(true);
      expect(stage.potentialKjMol).toBeLessThan(0);
    }
  });

  it('writes the seed and parameters into the run inputs', async () => {
    const dump = parseTprDump(
      await new Gmx().dump({ cwd: dir.path, tpr: run.stages[2]?.files.tpr ?? '' }),
    );
    expect(dump.inputrec).toMatchObject({
      nsteps: 500,
      dt: 0.002,
      'ld-seed': SEED,
      integrator: 'md',
      rvdw: 1.2,
    });
    expect(dump.groupOptions['ref-t']).toEqual([300]);
    expect(dump.atomCount).toBe(system.atomCount);
    expect(dump.masses).toHaveLength(system.atomCount);
    expect(dump.molecules.map((m) => m.name)).toEqual(['Protein_chain_A', 'SOL', 'NA', 'CL']);
    const waterOxygen = dump.masses[system.proteinAtomCount];
    expect(waterOxygen).toBeCloseTo(15.9994, 3);
    // gen-seed is spent by grompp when it draws velocities; only ld-seed is stored in a run input.
    const nvt = parseTprDump(
      await new Gmx().dump({ cwd: dir.path, tpr: run.stages[0]?.files.tpr ?? '' }),
    );
    expect(nvt.inputrec).toMatchObject({ 'ld-seed': SEED, nsteps: 300 });
    expect('gen-seed' in nvt.inputrec).toBe(false);
    // ... but the velocities it drew are stored, with the coordinates and the box.
    expect(nvt.velocitiesNmPs).toHaveLength(3 * system.atomCount);
    expect(nvt.velocitiesNmPs?.some((v) => v !== 0)).toBe(true);
    expect(nvt.positionsNm?.[0]).toBeCloseTo(
      Number((await readFile(system.gro, 'utf8')).split('\n')[2]?.slice(20, 28)),
      3,
    );
    expect(nvt.boxNm?.[0]).toBeCloseTo(system.boxNm[0] as number, 4);
  });

  it('reads atom and residue names, charges and constrained distances from a run input', async () => {
    const dump = parseTprDump(
      await new Gmx().dump({ cwd: dir.path, tpr: run.stages[2]?.files.tpr ?? '' }),
    );
    const protein = system.proteinAtomCount;
    expect(dump.atomNames).toHaveLength(system.atomCount);
    expect(dump.atomNames.slice(0, 2)).toEqual(['N', 'H1']);
    expect(dump.residueNames[0]).toBe('ASN');
    expect(dump.residueNames[protein - 1]).toBe('SER');
    expect(dump.residueNumbers[protein - 1]).toBe(20);
    expect(dump.atomNames.slice(protein, protein + 3)).toEqual(['OW', 'HW1', 'HW2']);
    expect(dump.residueNames[protein]).toBe('SOL');
    const netCharge = dump.charges.reduce((sum, q) => sum + q, 0);
    expect(Math.abs(netCharge)).toBeLessThan(1e-3);
    // h-bonds constraints of the protein, three SETTLE distances per water.
    const { atomsA, atomsB, lengthsNm } = dump.constraints;
    const waterDistances = 3 * system.waterMolecules;
    expect(lengthsNm.length).toBeGreaterThan(waterDistances + 100);
    expect(atomsA[lengthsNm.length - 1]).toBe(
      system.atomCount - system.ions.positive - system.ions.negative - 2,
    );
    expect(atomsB[lengthsNm.length - 1]).toBe(
      system.atomCount - system.ions.positive - system.ions.negative - 1,
    );
    expect(lengthsNm[lengthsNm.length - 1]).toBeCloseTo(0.15136, 4); // TIP3P H-H
    expect(lengthsNm[0]).toBeCloseTo(0.1, 2); // N-H
  });

  it('reads full-precision frames without gmx, equal to gmx dump', async () => {
    const md = run.stages[2];
    if (!md) throw new Error('no md stage');
    const trr = await readTrr(md.files.trr);
    expect(trr.precision).toBe('single');
    expect(trr.frames.map((f) => f.step)).toEqual([0, 100, 200, 300, 400, 500]);
    const text = await new Gmx().dump({ cwd: dir.path, trajectory: md.files.trr });
    const last = text.slice(text.lastIndexOf(' frame 5:'));
    const vector = (name: string, index: number) => {
      const m = new RegExp(`\\b${name}\\[\\s*${index}\\]=\\{([^}]*)\\}`).exec(last);
      return (m?.[1] ?? '').split(',').map(Number);
    };
    const frame = trr.frames[5];
    expect(frame?.timePs).toBeCloseTo(1.0, 6);
    for (const index of [0, 1, system.atomCount - 1]) {
      for (const [name, values] of [
        ['x', frame?.positionsNm],
        ['v', frame?.velocitiesNmPs],
      ] as const) {
        const printed = vector(name, index);
        expect(printed).toHaveLength(3);
        printed.forEach((p, k) => {
          expect(Math.abs((values?.[3 * index + k] as number) - p)).toBeLessThanOrEqual(
            Math.abs(p) * 1e-5 + 1e-9,
          );
        });
      }
    }
    expect(vector('box', 2)[2]).toBeCloseTo(frame?.boxNm?.[8] as number, 4);
    // Constrained distances hold in every frame mdrun wrote.
    const dump = parseTprDump(await new Gmx().dump({ cwd: dir.path, tpr: md.files.tpr }));
    const { atomsA, atomsB, lengthsNm } = dump.constraints;
    const x = frame?.positionsNm as Float64Array;
    const box = frame?.boxNm as Float64Array;
    let worst = 0;
    for (let k = 0; k < lengthsNm.length; k++) {
      const a = 3 * (atomsA[k] as number);
      const b = 3 * (atomsB[k] as number);
      let dx = (x[b] as number) - (x[a] as number);
      let dy = (x[b + 1] as number) - (x[a + 1] as number);
      let dz = (x[b + 2] as number) - (x[a + 2] as number);
      let s = Math.round(dz / (box[8] as number));
      dx -= s * (box[6] as number);
      dy -= s * (box[7] as number);
      dz -= s * (box[8] as number);
      s = Math.round(dy / (box[4] as number));
      dx -= s * (box[3] as number);
      dy -= s * (box[4] as number);
      dx -= Math.round(dx / (box[0] as number)) * (box[0] as number);
      const deviation = Math.abs(Math.hypot(dx, dy, dz) / (lengthsNm[k] as number) - 1);
      worst = Math.max(worst, deviation);
    }
    expect(worst).toBeLessThan(1e-3);
  });

  it('reads from the log the parameters of the run input and the energies of the .edr', async () => {
    const md = run.stages[2];
    if (!md) throw new Error('no md stage');
    const logText = await readFile(md.files.log, 'utf8');
    const dump = parseTprDump(await new Gmx().dump({ cwd: dir.path, tpr: md.files.tpr }));
    const [section] = parseLogParameters(logText);
    expect(section?.inputrec).toEqual(dump.inputrec);
    expect(section?.groupOptions).toEqual(dump.groupOptions);
    const logFrames = parseLogEnergies(logText);
    expect(logFrames.map((f) => f.step)).toEqual([
      0, 50, 100, 150, 200, 250, 300, 350, 400, 450, 500,
    ]);
    const edr = energySeries(await readEdr(md.files.edr), 'Potential');
    for (const frame of logFrames) {
      const fromEdr = edr.values[edr.steps.indexOf(frame.step)] as number;
      expect(Math.abs((frame.energies.Potential as number) - fromEdr)).toBeLessThanOrEqual(
        Math.abs(fromEdr) * 6e-6,
      );
    }
  });

  it('reports progress with stage, step, time, speed and potential energy', () => {
    expect(progress.length).toBeGreaterThanOrEqual(3);
    for (const stage of ['nvt', 'npt', 'md']) {
      const mine = progress.filter((p) => p.stage === stage);
      expect(mine.length).toBeGreaterThan(0);
      const steps = mine.map((p) => p.step);
      expect([...steps].sort((a, b) => a - b)).toEqual(steps);
      expect(mine[mine.length - 1]?.step).toBe(stage === 'md' ? 500 : 300);
      expect(mine.every((p) => typeof p.potentialKjMol === 'number' && p.potentialKjMol < 0)).toBe(
        true,
      );
      expect(mine.every((p) => Math.abs(p.timePs - p.step * 0.002) < 1e-9)).toBe(true);
    }
    expect(progress.some((p) => p.nsPerDay !== null && p.nsPerDay > 0)).toBe(true);
  });

  it('extracts a full-precision frame whose rerun potential matches the run', async () => {
    const md = run.stages[2];
    if (!md) throw new Error('no md stage');
    const frame = await extractFrame({
      cwd: dir.path,
      trajectory: md.files.trr,
      tpr: md.files.tpr,
      timePs: 0.6,
      output: 'frame300.trr',
    });
    const check = await new Gmx().check({ cwd: dir.path, trajectory: frame });
    expect(check).toMatch(/Coords\s+1\b/);
    const rerun = await rerunEnergies({ cwd: dir.path, tpr: md.files.tpr, trajectory: frame });
    const recomputed = energySeries(rerun, 'Potential');
    const original = energySeries(await readEdr(md.files.edr), 'Potential');
    const at300 = original.values[original.steps.indexOf(300)];
    expect(recomputed.values).toHaveLength(1);
    expect(Math.abs((recomputed.values[0] as number) - (at300 as number))).toBeLessThan(1);
  });

  it('replays a short continuation bit for bit with the reproducible mdrun settings', async () => {
    const md = run.stages[2];
    if (!md) throw new Error('no md stage');
    const gmx = new Gmx();
    const potentials: number[][] = [];
    for (const deffnm of ['replay-a', 'replay-b']) {
      await gmx.mdrun({
        cwd: dir.path,
        deffnm,
        tpr: md.files.tpr,
        nsteps: 20,
        ...reproducibleMdrun(1),
      });
      potentials.push([
        ...energySeries(await readEdr(join(dir.path, `${deffnm}.edr`)), 'Potential').values,
      ]);
    }
    expect(potentials[0]?.length).toBeGreaterThan(0);
    expect(potentials[1]).toEqual(potentials[0]);
  });

  it('skips finished stages when called again on the same directory', async () => {
    const again = await runStages({
      workDir: join(dir.path, 'run'),
      input: { gro: system.gro, top: system.top, itps: system.itps },
      stages: standardStages({
        forceField: 'charmm27',
        nsteps: { nvt: 300, npt: 300, md: 500 },
        outputs,
      }),
      seed: SEED,
    });
    expect(again.stages).toEqual(run.stages);
  });
});

describe('preparing other proteins, force fields and boxes', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir('others');
  });
  afterAll(async () => {
    await dir?.remove();
  });

  it.each([
    ['1crn', 'amber03', 'spce', 'cubic'],
    ['1vii', 'charmm27', 'tip3p', 'octahedron'],
  ] as const)(
    'prepares %s with %s/%s in a %s box',
    async (id, forceField, water, box) => {
      const system = await prepareSystem({
        pdbText: cleanProteinPdb(id),
        workDir: join(dir.path, id),
        forceField,
        water,
        box,
        emParams: { nsteps: 100 },
        resources: { ntmpi: 1, ntomp: 1, pin: 'off' },
      });
      expect(system.waterMolecules).toBeGreaterThan(1000);
      expect(system.netChargeE).not.toBeNull();
      expect(system.ions.positive - system.ions.negative + Math.round(system.netChargeE ?? 0)).toBe(
        0,
      );
      // mdrun counts the starting structure as a step: at most nsteps + 1.
      expect(system.minimization.steps).toBeLessThanOrEqual(101);
      expect(system.emEnergyKjMol).toBeLessThan(0);
      const top = await readFile(system.top, 'utf8');
      expect(top).toContain(`#include "${forceField}.ff/forcefield.itp"`);
    },
    120_000,
  );

  it('minimises to the same bytes twice when asked to be reproducible', async () => {
    const prepareOnce = (name: string) =>
      prepareSystem({
        pdbText: cleanProteinPdb('1l2y'),
        workDir: join(dir.path, name),
        forceField: 'charmm27',
        water: 'tip3p',
        box: 'cubic',
        seed: 11,
        emParams: { nsteps: 50 },
        resources: { ntmpi: 1, ntomp: 1, pin: 'off' },
        reproducible: true,
      });
    const one = await prepareOnce('repro-1');
    const two = await prepareOnce('repro-2');
    expect(await readFile(two.gro)).toEqual(await readFile(one.gro));
    expect(two.emEnergyKjMol).toBe(one.emEnergyKjMol);
  }, 120_000);
});
