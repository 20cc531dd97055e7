import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pdbMirrorDir } from '@fold/devkit';
import { afterAll, describe, expect, it } from '@jest/globals';
import { NoStableConfigurationError } from '../src/errors.js';
import { readJobDir, renderJobSpec } from '../src/job-spec.js';
import { type PreparedJob, prepareJob } from '../src/prepare.js';
import { mirrorSource } from '../src/sources.js';

// Real GROMACS through @fold/gromacs-runner. Each preparation of a small protein (pdb2gmx, box,
// water, ions, minimisation, 500-step NVT check) takes 10-30 s on one core. The seeds are ones
// whose first candidate is an AMBER force field in the smallest box (dodecahedron, 1.0 nm), the
// cheapest systems to simulate, so that the suite stays short.
const GMX_TIMEOUT_MS = 180_000;

const root = mkdtempSync(join(tmpdir(), 'fold-pdb-dataset-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
const source = mirrorSource({ dir: pdbMirrorDir() });

function prepare(
  id: string,
  seed: number,
  name: string,
  extra: Partial<Parameters<typeof prepareJob>[0]> = {},
) {
  return prepareJob({
    id,
    seed,
    source,
    cacheDir: join(root, `cache-${name}`),
    outDir: join(root, `jobs-${name}`, `${id}-${seed}`),
    scratchDir: join(root, 'scratch'),
    ...extra,
  });
}

describe('prepareJob on the NMR peptide 1L2Y', () => {
  let first: PreparedJob;

  it(
    'prepares a stable job whose directory holds every file the spec lists',
    async () => {
      first = await prepare('1L2Y', 36, 'a');
      expect(first.candidates.at(-1)?.outcome).toBe('stable');
      const spec = await readJobDir(first.jobDir!);
      expect(spec).toEqual(first.spec);
      expect(spec.pdbId).toBe('1l2y');
      expect(spec.structure).toBe('em.gro');
      expect(spec.topology).toBe('topol.top');
      expect(spec.stages.map((s) => s.name)).toEqual(['nvt', 'npt', 'md']);
      expect(spec.stages[2]!.mdp.nsteps).toBe(750_000);
      expect(spec.stages[0]!.mdp['ref-t']).toBe(spec.provenance.hyperparameters.temperatureK);
      expect(spec.minimisation.converged).toBe(true);
      expect(spec.provenance.repairs.map((r) => r.kind)).toEqual([
        'first-model',
        'hydrogens-removed',
      ]);
      expect(spec.provenance.software.gromacs).toMatch(/^2022/);
    },
    GMX_TIMEOUT_MS,
  );

  it(
    'gives byte-identical specs for the same (id, seed) when prepared again from an empty cache',
    async () => {
      const again = await prepare('1l2y', 36, 'b');
      expect(again.candidates.some((c) => c.cached)).toBe(false);
      expect(renderJobSpec(again.spec)).toBe(renderJobSpec(first.spec));
      expect(readFileSync(join(again.jobDir!, 'em.gro'))).toEqual(
        readFileSync(join(first.jobDir!, 'em.gro')),
      );
    },
    GMX_TIMEOUT_MS,
  );

  it('prepares again from the cache without running GROMACS', async () => {
    const cached = await prepare('1l2y', 36, 'a');
    expect(cached.candidates.every((c) => c.cached)).toBe(true);
    expect(cached.elapsedMs).toBeLessThan(2_000);
    expect(cached.spec.jobId).toBe(first.spec.jobId);
  });
});

describe('prepareJob on harder entries', () => {
  it(
    'prepares the two-chain insulin 3I40 as one molecule with its three disulfides',
    async () => {
      const job = await prepare('3i40', 3, 'a');
      // A7-B7 and A20-B19 join the chains; A6-A11 is within chain A. pdb2gmx bonds only within
      // one molecule type, so the chains are merged and keep their own termini.
      const bonded = job.spec.provenance.repairs.filter((r) => r.kind === 'disulfide-bonded');
      expect(bonded.map((r) => r.subject)).toEqual([
        'A:6 CYS - A:11 CYS',
        'A:7 CYS - B:7 CYS',
        'A:20 CYS - B:19 CYS',
      ]);
      expect(job.spec.provenance.repairs.some((r) => r.kind === 'chains-merged')).toBe(true);
      const names = job.spec.files.map((f) => f.name);
      expect(names).not.toContain('topol_Protein_chain_B.itp');
      const top = readFileSync(join(job.jobDir!, 'topol.top'), 'utf8');
      expect(top).not.toMatch(/Protein_chain_B/);
      const bonds = top.slice(top.indexOf('[ bonds ]'), top.indexOf('[ pairs ]'));
      const sulfurs = new Set(
        top
          .split('\n')
          .filter((l) => /^\s*\d+\s+\S+\s+\d+\s+CY\S*\s+SG\s/.test(l))
          .map((l) => l.trim().split(/\s+/)[0]),
      );
      const ssBonds = bonds
        .split('\n')
        .map((l) => l.trim().split(/\s+/))
        .filter((f) => sulfurs.has(f[0]!) && sulfurs.has(f[1]!));
      expect(ssBonds).toHaveLength(3);
      // Chain B's N-terminus is still charged (NH3+): merging does not bond across chains.
      const gro = readFileSync(join(job.jobDir!, job.spec.structure), 'utf8');
      expect(gro.match(/^\s*1PHE\s+H[123]\s/gm)).toHaveLength(3);
    },
    GMX_TIMEOUT_MS,
  );

  it(
    'prepares 2F4K with its altLocs resolved and its NLE mapped to LEU',
    async () => {
      const job = await prepare('2f4k', 16, 'a');
      const kinds = new Set(job.spec.provenance.repairs.map((r) => r.kind));
      expect(kinds).toEqual(
        new Set([
          'altloc-selected',
          'modified-residue-mapped',
          'side-chain-rebuilt',
          'hydrogens-removed',
          'waters-removed',
        ]),
      );
      expect(job.spec.minimisation.potentialEnergyKjMol).toBeLessThan(0);
    },
    GMX_TIMEOUT_MS,
  );

  it(
    'prepares 1EJG, which plain pdb2gmx refuses, once its microheterogeneity is resolved',
    async () => {
      const job = await prepare('1ejg', 9, 'a');
      expect(
        job.spec.provenance.repairs.some(
          (r) => r.subject === 'A:22 PRO' || r.subject === 'A:22 SER',
        ),
      ).toBe(true);
      expect(job.spec.system.proteinAtomCount).toBeGreaterThan(600);
    },
    GMX_TIMEOUT_MS,
  );

  it(
    'rejects candidates whose minimisation does not converge, naming the stage and the reason',
    async () => {
      const failing = prepare('1l2y', 5, 'em', { emMaxSteps: 3, maxCandidates: 2 });
      await expect(failing).rejects.toBeInstanceOf(NoStableConfigurationError);
      const error = (await failing.catch((e: unknown) => e)) as NoStableConfigurationError;
      expect(error.attempts).toHaveLength(2);
      for (const attempt of error.attempts) {
        expect(attempt.stage).toBe('minimise');
        expect(attempt.reason).toMatch(
          /did not converge: largest force \d+ kJ\/mol\/nm after \d+ steps/,
        );
      }
    },
    GMX_TIMEOUT_MS,
  );
});
