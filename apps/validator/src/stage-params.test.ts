import { type JobSpec, jobIdOf, validateJobSpec } from '@fold/pdb-dataset';
import { describe, expect, it } from '@jest/globals';
import { JobParamsError } from './errors.js';
import { deriveJobSpec, lastStageSteps, simulationParamsOf } from './stage-params.js';

const SHA = 'c'.repeat(64);
const common = {
  integrator: 'md',
  dt: 0.002,
  nstcalcenergy: 100,
  nstenergy: 500,
  nstlog: 500,
  'nstxout-compressed': 2500,
  'cutoff-scheme': 'Verlet',
  coulombtype: 'PME',
  rcoulomb: 1.2,
  rvdw: 1.2,
  DispCorr: 'no',
  tcoupl: 'V-rescale',
  'tc-grps': 'System',
  'tau-t': 1,
  'ref-t': 310,
  'ld-seed': 99,
  constraints: 'h-bonds',
};

function makeSpec(): JobSpec {
  const spec: Omit<JobSpec, 'jobId'> = {
    schemaVersion: 1,
    pdbId: '1l2y',
    seed: 7,
    files: [
      { name: 'em.gro', role: 'structure', sha256: SHA, sizeBytes: 10 },
      { name: 'topol.top', role: 'topology', sha256: SHA, sizeBytes: 10 },
      { name: 'posre.itp', role: 'include', sha256: SHA, sizeBytes: 10 },
    ],
    structure: 'em.gro',
    topology: 'topol.top',
    stages: [
      {
        name: 'nvt',
        mdp: {
          ...common,
          define: '-DPOSRES',
          nsteps: 7500,
          'gen-vel': 'yes',
          'gen-seed': 99,
          'gen-temp': 310,
          continuation: 'no',
        },
      },
      {
        name: 'npt',
        mdp: {
          ...common,
          define: '-DPOSRES',
          nsteps: 75_000,
          pcoupl: 'C-rescale',
          'tau-p': 5,
          'ref-p': 1,
          compressibility: 4.5e-5,
          continuation: 'yes',
        },
      },
      {
        name: 'md',
        mdp: {
          ...common,
          nsteps: 750_000,
          pcoupl: 'C-rescale',
          'tau-p': 5,
          'ref-p': 1,
          compressibility: 4.5e-5,
          continuation: 'yes',
          'gen-vel': 'no',
        },
      },
    ],
    minimisation: {
      mdp: { integrator: 'steep', nsteps: 50000 },
      potentialEnergyKjMol: -1e5,
      maxForceKjMolNm: 900,
      steps: 400,
      converged: true,
    },
    system: {
      atomCount: 9284,
      proteinAtomCount: 304,
      waterMolecules: 2987,
      ions: { positive: 9, negative: 10 },
      netChargeE: 1,
      boxNm: [5, 5, 5],
    },
    provenance: {
      pdbId: '1l2y',
      entrySha256: SHA,
      entrySource: 'mirror',
      title: 'TRP-CAGE',
      experimentalMethod: 'SOLUTION NMR',
      cleanedStructureSha256: SHA,
      repairs: [],
      hyperparameters: {
        forceField: 'charmm27',
        water: 'tip3p',
        box: 'dodecahedron',
        boxDistanceNm: 1,
        ionConcentrationMolar: 0.15,
        temperatureK: 310,
        pressureBar: 1,
      },
      search: { space: 'full', jobSpaceSize: 12600, rejected: [] },
      stability: { nvtSteps: 500, temperatureToleranceK: 25, passed: true },
      software: { gromacs: '2022.5', pdbDataset: '0.1.0', pipeline: 3 },
    },
  };
  return validateJobSpec({ ...spec, jobId: jobIdOf(spec) });
}

describe('deriveJobSpec', () => {
  it('keeps the chosen stages with their steps and recomputes the content address', () => {
    const spec = makeSpec();
    const derived = deriveJobSpec(spec, { stages: ['nvt', 'md'], steps: { nvt: 300, md: 900 } });
    expect(derived.stages.map((s) => [s.name, s.mdp.nsteps])).toEqual([
      ['nvt', 300],
      ['md', 900],
    ]);
    expect(derived.jobId).toBe(jobIdOf(derived));
    expect(derived.jobId).not.toBe(spec.jobId);
    expect(spec.stages[0]?.mdp.nsteps).toBe(7500);
  });

  it("makes a first stage that is not the job's first draw velocities at its temperature", () => {
    const derived = deriveJobSpec(makeSpec(), { stages: ['md'] });
    expect(derived.stages[0]?.mdp).toMatchObject({
      'gen-vel': 'yes',
      continuation: 'no',
      'gen-temp': 310,
    });
  });

  it('writes energies often enough for the verifier, and keeps nstenergy a multiple of nstcalcenergy', () => {
    const byDefault = deriveJobSpec(makeSpec(), { stages: ['nvt'] });
    expect(byDefault.stages[0]?.mdp).toMatchObject({
      nstenergy: 50,
      nstlog: 500,
      nstcalcenergy: 50,
    });
    const set = deriveJobSpec(makeSpec(), { stages: ['nvt'], energyIntervalSteps: 20 });
    expect(set.stages[0]?.mdp).toMatchObject({ nstenergy: 20, nstlog: 20, nstcalcenergy: 20 });
    expect(() => deriveJobSpec(makeSpec(), { stages: ['nvt'], energyIntervalSteps: 1000 })).toThrow(
      /reproduction window/,
    );
  });

  it('refuses a stage the prepared job lacks and a bad step count', () => {
    const spec = { ...makeSpec(), stages: makeSpec().stages.slice(0, 1) };
    expect(() => deriveJobSpec(spec, { stages: ['md'] })).toThrow(JobParamsError);
    expect(() => deriveJobSpec(makeSpec(), { stages: ['nvt'], steps: { nvt: 1.5 } })).toThrow(
      /positive integer/,
    );
  });
});

describe('simulationParamsOf', () => {
  it('canonicalises option names and leaves the seeds out', () => {
    const params = simulationParamsOf(makeSpec());
    expect(Object.keys(params)).toEqual(['nvt', 'npt', 'md']);
    expect(params.nvt).toMatchObject({
      dispcorr: 'no',
      define: '-DPOSRES',
      nsteps: 7500,
      'ref-t': 310,
    });
    for (const stage of Object.values(params)) {
      expect(stage).not.toHaveProperty('gen-seed');
      expect(stage).not.toHaveProperty('ld-seed');
    }
  });

  it('refuses an option the protocol does not carry, naming it', () => {
    const spec = makeSpec();
    const odd = {
      ...spec,
      stages: [{ name: 'nvt', mdp: { ...spec.stages[0]?.mdp, 'free-energy': 'yes' } }],
    };
    expect(() => simulationParamsOf(odd)).toThrow(/free-energy is not carried/);
  });

  it("refuses a value outside the protocol's bounds", () => {
    const spec = makeSpec();
    const odd = { ...spec, stages: [{ name: 'nvt', mdp: { ...spec.stages[0]?.mdp, dt: 0.5 } }] };
    expect(() => simulationParamsOf(odd)).toThrow(JobParamsError);
  });

  it('gives the length of the last stage', () => {
    expect(lastStageSteps(makeSpec())).toBe(750_000);
  });
});
