import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { sha256Hex } from './entry-bytes.js';
import { JobSpecError } from './errors.js';
import {
  JOB_SPEC_FILE,
  type JobSpec,
  jobIdOf,
  readJobDir,
  renderJobSpec,
  validateJobSpec,
} from './job-spec.js';

const GRO = 'Protein in water\n 1\n    1ALA      N    1   0.000   0.000   0.000\n   1.0 1.0 1.0\n';
const TOP = '[ system ]\nProtein\n';

function spec(): JobSpec {
  const withoutId: Omit<JobSpec, 'jobId'> = {
    schemaVersion: 1,
    pdbId: '1ubq',
    seed: 7,
    files: [
      { name: 'em.gro', role: 'structure', sha256: sha256Hex(GRO), sizeBytes: GRO.length },
      { name: 'topol.top', role: 'topology', sha256: sha256Hex(TOP), sizeBytes: TOP.length },
    ],
    structure: 'em.gro',
    topology: 'topol.top',
    stages: [{ name: 'nvt', mdp: { integrator: 'md', nsteps: 7500, 'ref-t': 300 } }],
    minimisation: {
      mdp: { integrator: 'steep' },
      potentialEnergyKjMol: -1e5,
      maxForceKjMolNm: 900,
      steps: 400,
      converged: true,
    },
    system: {
      atomCount: 1,
      proteinAtomCount: 1,
      waterMolecules: 0,
      ions: { positive: 0, negative: 0 },
      netChargeE: 0,
      boxNm: [1, 1, 1],
    },
    provenance: {
      pdbId: '1ubq',
      entrySha256: 'a'.repeat(64),
      entrySource: 'mirror',
      title: 'UBIQUITIN',
      experimentalMethod: 'X-RAY DIFFRACTION',
      cleanedStructureSha256: 'b'.repeat(64),
      repairs: [{ kind: 'waters-removed', subject: 'entry', detail: '58 water molecules removed' }],
      hyperparameters: {
        forceField: 'charmm27',
        water: 'tip3p',
        box: 'dodecahedron',
        boxDistanceNm: 1,
        ionConcentrationMolar: 0.15,
        temperatureK: 300,
        pressureBar: 1,
      },
      search: { space: 'full', jobSpaceSize: 12600, rejected: [] },
      stability: { nvtSteps: 500, temperatureToleranceK: 25, passed: true },
      software: { gromacs: '2022.5', pdbDataset: '0.1.0', pipeline: 2 },
    },
  };
  return { ...withoutId, jobId: jobIdOf(withoutId) };
}

const root = mkdtempSync(join(tmpdir(), 'fold-jobspec-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('validateJobSpec', () => {
  it('accepts a well-formed specification', () => {
    expect(validateJobSpec(JSON.parse(renderJobSpec(spec())))).toEqual(spec());
  });

  it('refuses a file name with a directory in it', () => {
    const s = spec();
    const bad = { ...s, files: [{ ...s.files[0]!, name: '../em.gro' }, s.files[1]!] };
    expect(() => validateJobSpec(bad)).toThrow(/\/files\/0\/name/);
  });

  it('refuses a specification whose content no longer matches its jobId', () => {
    expect(() => validateJobSpec({ ...spec(), seed: 8 })).toThrow(/jobId does not match/);
  });

  it('refuses a structure that is not among the files', () => {
    const s = spec();
    const bad = { ...s, structure: 'other.gro' };
    expect(() => validateJobSpec({ ...bad, jobId: jobIdOf(bad) })).toThrow(
      /structure other.gro is not among its files/,
    );
  });
});

describe('renderJobSpec', () => {
  it('writes keys in sorted order, so equal specs are equal bytes', () => {
    const text = renderJobSpec(spec());
    const keys = Object.keys(JSON.parse(text) as object);
    expect(keys).toEqual([...keys].sort());
  });
});

describe('readJobDir', () => {
  it('checks each file against its sha256', async () => {
    const dir = join(root, 'job');
    mkdirSync(dir);
    writeFileSync(join(dir, JOB_SPEC_FILE), renderJobSpec(spec()));
    writeFileSync(join(dir, 'em.gro'), GRO);
    writeFileSync(join(dir, 'topol.top'), TOP);
    await expect(readJobDir(dir)).resolves.toEqual(spec());
    writeFileSync(join(dir, 'topol.top'), `${TOP}; edited\n`);
    await expect(readJobDir(dir)).rejects.toBeInstanceOf(JobSpecError);
  });
});
