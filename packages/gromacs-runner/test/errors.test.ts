import { existsSync } from 'node:fs';
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  detectGpuOffload,
  detectGpus,
  detectGromacs,
  Gmx,
  GmxCommandError,
  GmxNotFoundError,
  GmxTimeoutError,
  GromppWarningsError,
  InvalidInputError,
  MdpError,
  Pdb2gmxMissingAtomError,
  Pdb2gmxUnknownResidueError,
  type PreparedSystem,
  prepareSystem,
  RunLockedError,
  RunStateMismatchError,
  resolveGmxPath,
  runStages,
  stagePreset,
  UnknownForceFieldError,
} from '../src/index.js';
import { cleanProteinPdb, tempDir } from './structures.js';

const quick = { ntmpi: 1, ntomp: 1, pin: 'off' } as const;

async function allFiles(root: string): Promise<string[]> {
  const entries = await readdir(root, { recursive: true });
  return entries.map(String);
}

describe('finding GROMACS', () => {
  it('describes the installed gmx', async () => {
    const info = await detectGromacs();
    expect(info.major).toBeGreaterThanOrEqual(2022);
    expect(['mixed', 'double']).toContain(info.precision);
    expect(info.gpuSupport).toBe(info.gpuFramework !== null);
  });

  it('gives one clear error, with how to install, when gmx is missing', async () => {
    const attempt = detectGromacs({ gmxPath: '/nonexistent/bin/gmx' });
    await expect(attempt).rejects.toThrow(GmxNotFoundError);
    await expect(attempt).rejects.toThrow(/apt-get install gromacs.*FOLD_GMX/s);
    await expect(attempt).rejects.toMatchObject({
      code: 'GMX_NOT_FOUND',
      details: { gmxPath: '/nonexistent/bin/gmx' },
    });
  });

  it('finds no GPU offload on a CPU-only build or machine', async () => {
    const offload = await detectGpuOffload();
    if (!offload.info.gpuSupport) expect(offload.gpuSupport).toBe(false);
    expect(offload.gpuSupport).toBe(offload.info.gpuSupport && offload.deviceIds.length > 0);
    expect(await detectGpus({ nvidiaSmiPath: '/nonexistent/nvidia-smi' })).toEqual([]);
  });

  it('takes the binary from FOLD_GMX unless one is given', () => {
    const saved = process.env.FOLD_GMX;
    process.env.FOLD_GMX = '/opt/gromacs-cuda/bin/gmx';
    try {
      expect(resolveGmxPath()).toBe('/opt/gromacs-cuda/bin/gmx');
      expect(resolveGmxPath('/usr/bin/gmx')).toBe('/usr/bin/gmx');
    } finally {
      if (saved === undefined) delete process.env.FOLD_GMX;
      else process.env.FOLD_GMX = saved;
    }
  });
});

describe('structures pdb2gmx cannot build', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir('pdb2gmx');
  });
  afterAll(async () => {
    await dir?.remove();
  });

  const prepare = (name: string, pdbText: string, forceField = 'charmm27') =>
    prepareSystem({
      pdbText,
      workDir: join(dir.path, name),
      forceField,
      water: 'tip3p',
      box: 'cubic',
      resources: quick,
    });

  it.each([
    ['1k6p', 'ARG', 41, 'CG'],
    ['4kw4', 'LYS', 2, 'CD'],
  ])(
    '%s: names the residue and the missing atom',
    async (id, residueName, residueNumber, atomName) => {
      const attempt = prepare(id, cleanProteinPdb(id));
      await expect(attempt).rejects.toThrow(Pdb2gmxMissingAtomError);
      await expect(attempt).rejects.toMatchObject({
        code: 'PDB2GMX_MISSING_ATOM',
        subcommand: 'pdb2gmx',
        exitCode: 1,
        residueName,
        residueNumber,
        atomName,
      });
      await expect(attempt).rejects.toThrow(
        `residue ${residueName}${residueNumber} is missing atom ${atomName}`,
      );
    },
  );

  it('names a residue the force field does not know', async () => {
    const renamed = cleanProteinPdb('1l2y').replace(
      /^(ATOM {2}.{11})ASN A {3}1 /gm,
      '$1XYZ A   1 ',
    );
    const attempt = prepare('unknown', renamed);
    await expect(attempt).rejects.toThrow(Pdb2gmxUnknownResidueError);
    await expect(attempt).rejects.toMatchObject({
      code: 'PDB2GMX_UNKNOWN_RESIDUE',
      residueName: 'XYZ',
      residueNumber: 1,
    });
  });

  it('reports a force field that is not installed', async () => {
    await expect(prepare('noff', cleanProteinPdb('1l2y'), 'nosuchff')).rejects.toThrow(
      UnknownForceFieldError,
    );
  });

  it('stops on grompp warnings, listing them (a charged system without counter-ions)', async () => {
    const attempt = prepareSystem({
      pdbText: cleanProteinPdb('1l2y'),
      workDir: join(dir.path, 'charged'),
      forceField: 'charmm27',
      water: 'tip3p',
      box: 'dodecahedron',
      neutralize: false,
      resources: quick,
    });
    await expect(attempt).rejects.toThrow(GromppWarningsError);
    await expect(attempt).rejects.toMatchObject({
      code: 'GROMPP_WARNINGS',
      subcommand: 'grompp',
      warnings: [expect.stringMatching(/net charge/)],
    });
  });
});

describe('hostile names and values', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  beforeAll(async () => {
    dir = await tempDir('hostile');
  });
  afterAll(async () => {
    await dir?.remove();
  });

  it('runs in a directory and from a file whose names hold quotes, ";", "$()" and backticks, interpreting none', async () => {
    const workDir = join(dir.path, `it's "a" dir; $(touch PWNED) \`touch PWNED2\``);
    await mkdir(workDir);
    const pdbPath = join(workDir, 'in put; $(touch PWNED3).pdb');
    await writeFile(pdbPath, cleanProteinPdb('1l2y'));
    const system = await prepareSystem({
      pdbPath,
      workDir,
      forceField: 'charmm27',
      water: 'tip3p',
      box: 'cubic',
      emParams: { nsteps: 20 },
      resources: quick,
    });
    expect(system.gro).toBe(join(workDir, 'em.gro'));
    expect(existsSync(system.gro)).toBe(true);
    const everything = [...(await allFiles(dir.path)), ...(await readdir(process.cwd()))];
    expect(everything.map((f) => basename(f)).filter((name) => /^PWNED\d*$/.test(name))).toEqual(
      [],
    );
  }, 120_000);

  it.each([
    ['forceField', { forceField: 'charmm27 -merge all' }, InvalidInputError],
    ['water', { water: 'tip3p;id' }, InvalidInputError],
    ['box', { box: 'cubic; rm -rf /' }, InvalidInputError],
    ['positiveIon', { positiveIon: '$(id)' }, InvalidInputError],
    ['boxDistanceNm', { boxDistanceNm: Number.NaN }, InvalidInputError],
    ['emParams', { emParams: { define: '-DPOSRES; rm' } }, MdpError],
    ['emParams', { emParams: { 'nsteps;': 1 } }, MdpError],
  ] as const)('refuses a hostile %s before running anything', async (_field, override, type) => {
    const workDir = join(dir.path, `refused-${Math.random().toString(36).slice(2)}`);
    const attempt = prepareSystem({
      pdbText: cleanProteinPdb('1l2y'),
      workDir,
      forceField: 'charmm27',
      water: 'tip3p',
      box: 'cubic',
      ...override,
    } as Parameters<typeof prepareSystem>[0]);
    await expect(attempt).rejects.toThrow(type);
    expect(existsSync(workDir)).toBe(false);
  });
});

describe('run directories', () => {
  let dir: Awaited<ReturnType<typeof tempDir>>;
  let system: PreparedSystem;
  const zeroStep = [{ name: 'nvt', mdp: stagePreset('nvt', { nsteps: 0 }) }];

  beforeAll(async () => {
    dir = await tempDir('rundir');
    system = await prepareSystem({
      pdbText: cleanProteinPdb('1l2y'),
      workDir: join(dir.path, 'prep'),
      forceField: 'charmm27',
      water: 'tip3p',
      box: 'cubic',
      emParams: { nsteps: 20 },
      resources: quick,
    });
  }, 120_000);
  afterAll(async () => {
    await dir?.remove();
  });

  const input = () => ({ gro: system.gro, top: system.top, itps: system.itps });

  it('refuses to continue a run with other parameters in the same directory', async () => {
    const workDir = join(dir.path, 'mismatch');
    const first = await runStages({
      workDir,
      input: input(),
      stages: zeroStep,
      seed: 1,
      resources: quick,
    });
    expect(first.completed).toBe(true);
    await expect(
      runStages({ workDir, input: input(), stages: zeroStep, seed: 2, resources: quick }),
    ).rejects.toThrow(RunStateMismatchError);
  });

  it('lets only one runner use a directory at a time', async () => {
    const workDir = join(dir.path, 'locked');
    const both = await Promise.allSettled([
      runStages({ workDir, input: input(), stages: zeroStep, seed: 1, resources: quick }),
      runStages({ workDir, input: input(), stages: zeroStep, seed: 1, resources: quick }),
    ]);
    // Whichever reaches the lock first runs; the other is refused.
    expect(both.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = both.find((r) => r.status === 'rejected');
    expect(refused?.status === 'rejected' && refused.reason).toBeInstanceOf(RunLockedError);
  });

  it('refuses topologies that include files outside the run', async () => {
    const top = join(dir.path, 'evil.top');
    await writeFile(top, '#include "charmm27.ff/forcefield.itp"\n#include "/etc/passwd"\n');
    await expect(
      runStages({
        workDir: join(dir.path, 'evil'),
        input: { gro: system.gro, top },
        stages: zeroStep,
      }),
    ).rejects.toThrow(/points outside the work directory/);
  });

  it('refuses a topology whose includes are not given', async () => {
    await expect(
      runStages({
        workDir: join(dir.path, 'noitp'),
        input: { gro: system.gro, top: system.top },
        stages: zeroStep,
      }),
    ).rejects.toThrow(/includes posre\.itp/);
  });

  it('refuses stage names that are not plain words', async () => {
    await expect(
      runStages({
        workDir: join(dir.path, 'badname'),
        input: input(),
        stages: [{ name: 'nvt; rm -rf', mdp: stagePreset('nvt', { nsteps: 0 }) }],
      }),
    ).rejects.toThrow(InvalidInputError);
  });

  it('reports a failing grompp with its fatal error text', async () => {
    const bad = [
      { name: 'nvt', mdp: { ...stagePreset('nvt', { nsteps: 10 }), 'tc-grps': 'NoSuchGroup' } },
    ];
    const attempt = runStages({
      workDir: join(dir.path, 'badgroup'),
      input: input(),
      stages: bad,
      resources: quick,
    });
    await expect(attempt).rejects.toThrow(GmxCommandError);
    await expect(attempt).rejects.toMatchObject({
      subcommand: 'grompp',
      exitCode: 1,
      fatalError: expect.stringMatching(/NoSuchGroup/),
    });
  });

  it('stops the run and rethrows when the progress callback throws', async () => {
    const failure = new Error('progress sink is gone');
    const attempt = runStages({
      workDir: join(dir.path, 'listener'),
      input: input(),
      stages: zeroStep,
      resources: quick,
      onProgress: () => {
        throw failure;
      },
    });
    await expect(attempt).rejects.toBe(failure);
  });

  it('stops a gmx call that runs past its time limit', async () => {
    const workDir = join(dir.path, 'mismatch');
    const gmx = new Gmx();
    // The zero-step run input of an earlier test, told to run without end.
    const attempt = gmx.mdrun({
      cwd: workDir,
      deffnm: 'endless',
      tpr: 'nvt.tpr',
      nsteps: -1,
      resources: quick,
      timeoutMs: 1500,
      killGraceMs: 2000,
    });
    await expect(attempt).rejects.toThrow(GmxTimeoutError);
    await expect(attempt).rejects.toMatchObject({
      code: 'TIMEOUT',
      details: { subcommand: 'mdrun' },
    });
  });
});
