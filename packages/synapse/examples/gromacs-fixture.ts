/**
 * Real GROMACS files for the demo and the benchmark, made with the Debian `gmx` and cached under
 * `packages/synapse/.fixtures` (gitignored). This is deliberately small and will give way to
 * `@fold/gromacs-runner`: clean a PDB entry, pdb2gmx (charmm27, tip3p), a dodecahedron box,
 * water, ions, energy minimisation, then a short NVT stage whose mdp is rendered from the same
 * typed parameters that travel in a FoldAssign request.
 */
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { pdbEntryPath } from '@fold/devkit';
import { execa } from 'execa';
import type { MdpScalar, SimulationParams } from '../src/index.js';

/** Where cached fixtures live. */
export const FIXTURE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '.fixtures');

const GMX_ENV = { GMX_MAXBACKUP: '-1' };
// The machines are shared: two threads, no pinning, CPU only.
const MDRUN_RESOURCES = ['-ntmpi', '1', '-ntomp', '2', '-pin', 'off', '-nb', 'cpu'];

async function gmx(cwd: string, args: readonly string[], input?: string): Promise<string> {
  const result = await execa('gmx', ['-quiet', ...args], {
    cwd,
    env: GMX_ENV,
    ...(input === undefined ? {} : { input }),
    all: true,
    reject: false,
  });
  if (result.exitCode !== 0) {
    throw new Error(
      `gmx ${args[0]} failed (exit ${result.exitCode}) in ${cwd}:\n${String(result.all).slice(-2000)}`,
    );
  }
  return String(result.all);
}

/** The protein of a PDB entry: first model, ATOM records only (no waters, ligands or CONECT). */
export async function cleanPdb(pdbId: string): Promise<string> {
  const text = gunzipSync(await readFile(pdbEntryPath(pdbId))).toString('latin1');
  const kept: string[] = [];
  for (const line of text.split('\n')) {
    if (line.startsWith('ENDMDL')) break;
    const altLoc = line[16];
    if (line.startsWith('ATOM  ') && (altLoc === ' ' || altLoc === 'A')) kept.push(line);
    else if (line.startsWith('TER')) kept.push('TER');
  }
  return `${kept.join('\n')}\nEND\n`;
}

/** Renders one stage's typed parameters and the job's seed as .mdp text. */
export function renderMdp(
  options: Readonly<Record<string, MdpScalar | MdpScalar[]>>,
  seed: number,
): string {
  const value = (v: MdpScalar | MdpScalar[]): string =>
    Array.isArray(v)
      ? v.map(value).join(' ')
      : typeof v === 'boolean'
        ? v
          ? 'yes'
          : 'no'
        : String(v);
  const lines = Object.entries(options).map(([key, v]) => `${key.padEnd(24)} = ${value(v)}`);
  lines.push(`${'gen-seed'.padEnd(24)} = ${seed}`, `${'ld-seed'.padEnd(24)} = ${seed}`);
  return `${lines.join('\n')}\n`;
}

const MINIMISATION: SimulationParams['em'] = {
  integrator: 'steep',
  emtol: 1000,
  emstep: 0.01,
  nsteps: 5000,
  nstlist: 10,
  'cutoff-scheme': 'Verlet',
  coulombtype: 'PME',
  rcoulomb: 1.0,
  rvdw: 1.0,
  pbc: 'xyz',
};

/** The NVT parameters of the fixtures (and of the demo's assign request). */
export function nvtParams(nsteps: number): NonNullable<SimulationParams['nvt']> {
  return {
    define: '-DPOSRES',
    integrator: 'md',
    nsteps,
    dt: 0.002,
    nstxout: 0,
    nstvout: 0,
    nstenergy: 500,
    nstlog: 500,
    'nstxout-compressed': 500,
    continuation: 'no',
    constraints: 'h-bonds',
    'constraint-algorithm': 'lincs',
    'cutoff-scheme': 'Verlet',
    nstlist: 10,
    coulombtype: 'PME',
    rcoulomb: 1.0,
    rvdw: 1.0,
    'pme-order': 4,
    fourierspacing: 0.16,
    tcoupl: 'V-rescale',
    'tc-grps': 'Protein Non-Protein',
    'tau-t': [0.1, 0.1],
    'ref-t': [300, 300],
    pcoupl: 'no',
    pbc: 'xyz',
    dispcorr: 'EnerPres',
    'gen-vel': 'yes',
    'gen-temp': 300,
  };
}

/**
 * Prepares a solvated, neutralised, minimised system in `dir` (as a validator does) and returns
 * the names of the input files a job ships: em.gro, topol.top and every .itp written.
 */
export async function prepareSystem(pdbId: string, dir: string): Promise<string[]> {
  await writeFile(join(dir, 'clean.pdb'), await cleanPdb(pdbId));
  await gmx(dir, [
    'pdb2gmx',
    '-f',
    'clean.pdb',
    '-o',
    'processed.gro',
    '-p',
    'topol.top',
    '-i',
    'posre.itp',
    '-ff',
    'charmm27',
    '-water',
    'tip3p',
    '-ignh',
  ]);
  await gmx(dir, [
    'editconf',
    '-f',
    'processed.gro',
    '-o',
    'boxed.gro',
    '-c',
    '-d',
    '1.0',
    '-bt',
    'dodecahedron',
  ]);
  await gmx(dir, [
    'solvate',
    '-cp',
    'boxed.gro',
    '-cs',
    'spc216.gro',
    '-o',
    'solvated.gro',
    '-p',
    'topol.top',
  ]);
  await writeFile(join(dir, 'ions.mdp'), renderMdp({ ...MINIMISATION, nsteps: 0 }, 0));
  // This tpr only places the ions: grompp's warning that the system is still charged is expected.
  await gmx(dir, [
    'grompp',
    '-f',
    'ions.mdp',
    '-c',
    'solvated.gro',
    '-p',
    'topol.top',
    '-o',
    'ions.tpr',
    '-maxwarn',
    '1',
  ]);
  await gmx(
    dir,
    [
      'genion',
      '-s',
      'ions.tpr',
      '-o',
      'ionized.gro',
      '-p',
      'topol.top',
      '-pname',
      'NA',
      '-nname',
      'CL',
      '-neutral',
    ],
    'SOL\n',
  );
  await writeFile(join(dir, 'em.mdp'), renderMdp(MINIMISATION ?? {}, 0));
  await gmx(dir, [
    'grompp',
    '-f',
    'em.mdp',
    '-c',
    'ionized.gro',
    '-p',
    'topol.top',
    '-o',
    'em.tpr',
  ]);
  await gmx(dir, ['mdrun', '-deffnm', 'em', ...MDRUN_RESOURCES]);
  const itps = (await readdir(dir)).filter((name) => name.endsWith('.itp')).sort();
  return ['em.gro', 'topol.top', ...itps];
}

/** Runs one stage from em.gro with parameters rendered to .mdp; writes `<stage>.*` in `dir`. */
export async function runStage(
  dir: string,
  stage: 'nvt',
  options: Readonly<Record<string, MdpScalar | MdpScalar[]>>,
  seed: number,
): Promise<void> {
  await writeFile(join(dir, `${stage}.mdp`), renderMdp(options, seed));
  await gmx(dir, [
    'grompp',
    '-f',
    `${stage}.mdp`,
    '-c',
    'em.gro',
    '-r',
    'em.gro',
    '-p',
    'topol.top',
    '-o',
    `${stage}.tpr`,
  ]);
  await gmx(dir, ['mdrun', '-deffnm', stage, ...MDRUN_RESOURCES]);
}

/** Writes the stage checkpoint's frame (x, v, box) at full precision as `<stage>-frame.trr`. */
export async function extractFrame(dir: string, stage: 'nvt'): Promise<string> {
  const name = `${stage}-frame.trr`;
  await gmx(dir, ['trjconv', '-f', `${stage}.cpt`, '-s', `${stage}.tpr`, '-o', name], '0\n');
  return name;
}

/** The potential energy (kJ/mol) and step of the stage's last energy frame. */
export async function lastPotential(
  dir: string,
  stage: 'nvt',
): Promise<{ energyKjMol: number; timePs: number }> {
  await gmx(dir, ['energy', '-f', `${stage}.edr`, '-o', `${stage}-potential.xvg`], 'Potential\n\n');
  const rows = (await readFile(join(dir, `${stage}-potential.xvg`), 'utf8'))
    .split('\n')
    .filter((line) => line.trim() !== '' && !/^[#@]/.test(line));
  const [time, energy] = (rows.at(-1) ?? '').trim().split(/\s+/).map(Number);
  if (time === undefined || energy === undefined || !Number.isFinite(energy)) {
    throw new Error(`no potential energy in ${stage}.edr`);
  }
  return { energyKjMol: energy, timePs: time };
}

/** Runs `build` in a fresh directory under the fixture root and renames it to `dir` when done. */
async function buildCached(dir: string, build: (work: string) => Promise<void>): Promise<void> {
  await mkdir(FIXTURE_ROOT, { recursive: true });
  const work = join(FIXTURE_ROOT, `.build-${randomBytes(4).toString('hex')}`);
  await mkdir(work);
  try {
    await build(work);
    await rm(dir, { recursive: true, force: true });
    await rename(work, dir);
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
}

/** A prepared (solvated, neutralised, minimised) system and the names of its job inputs. */
export interface PreparedSystem {
  readonly dir: string;
  readonly inputs: readonly string[];
}

/** {@link prepareSystem} for a PDB entry, cached under the fixture root. */
export async function ensurePreparedSystem(pdbId: string): Promise<PreparedSystem> {
  const dir = join(FIXTURE_ROOT, `${pdbId.toLowerCase()}-prepared`);
  const metaPath = join(dir, 'prepared.json');
  if (!existsSync(metaPath)) {
    await buildCached(dir, async (work) => {
      const inputs = await prepareSystem(pdbId, work);
      await writeFile(join(work, 'prepared.json'), `${JSON.stringify({ inputs })}\n`);
    });
  }
  const { inputs } = JSON.parse(await readFile(metaPath, 'utf8')) as { inputs: string[] };
  return { dir, inputs };
}

/** A cached, finished NVT stage: its directory and what is in it. */
export interface StageFixture {
  readonly dir: string;
  readonly inputs: readonly string[];
  readonly outputs: {
    readonly tpr: string;
    readonly xtc: string;
    readonly edr: string;
    readonly log: string;
    readonly cpt: string;
  };
  readonly frame: string;
  readonly nsteps: number;
  readonly energyKjMol: number;
  readonly timePs: number;
}

/**
 * A prepared system plus a finished NVT stage of `nsteps` steps for a PDB entry, made on first
 * use in a temporary directory renamed into place, so a crash leaves no half-made fixture.
 */
export async function ensureStageFixture(
  pdbId: string,
  nsteps: number,
  seed = 1234,
): Promise<StageFixture> {
  const dir = join(FIXTURE_ROOT, `${pdbId.toLowerCase()}-nvt-${nsteps}`);
  const metaPath = join(dir, 'fixture.json');
  if (!existsSync(metaPath)) {
    const prepared = await ensurePreparedSystem(pdbId);
    await buildCached(dir, async (work) => {
      for (const name of prepared.inputs)
        await copyFile(join(prepared.dir, name), join(work, name));
      await runStage(work, 'nvt', nvtParams(nsteps), seed);
      const frame = await extractFrame(work, 'nvt');
      const { energyKjMol, timePs } = await lastPotential(work, 'nvt');
      const meta = { inputs: prepared.inputs, frame, nsteps, energyKjMol, timePs };
      await writeFile(join(work, 'fixture.json'), `${JSON.stringify(meta, null, 1)}\n`);
    });
  }
  const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Omit<
    StageFixture,
    'dir' | 'outputs'
  >;
  return {
    ...meta,
    dir,
    outputs: { tpr: 'nvt.tpr', xtc: 'nvt.xtc', edr: 'nvt.edr', log: 'nvt.log', cpt: 'nvt.cpt' },
  };
}
