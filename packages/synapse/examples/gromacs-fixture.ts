/**
 * Real GROMACS files for the demo and the benchmark, made through `@fold/gromacs-runner` (the one
 * place in fold that runs gmx) and cached under `packages/synapse/.fixtures` (gitignored): a
 * cleaned PDB entry prepared as a validator does (pdb2gmx charmm27/tip3p, a dodecahedron box,
 * water, counter-ions, energy minimisation), then a short NVT stage whose parameters are the same
 * typed options that travel in a FoldAssign request.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { pdbEntryPath } from '@fold/devkit';
import {
  energySeries,
  extractFrame,
  type MdrunResources,
  prepareSystem,
  readEdr,
  runStages,
} from '@fold/gromacs-runner';
import type { SimulationParams } from '../src/index.js';

/** Where cached fixtures live. */
export const FIXTURE_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '.fixtures');

/** Bumped when the recipe changes, so that a fixture made by an older recipe is made again. */
const RECIPE = 2;

// The machines are shared: one simulation on both cores, no pinning.
const RESOURCES: MdrunResources = { ntmpi: 1, ntomp: 2, pin: 'off' };

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

/** The metadata file of a cached fixture, or undefined when it is missing or from another recipe. */
async function readMeta<T>(path: string): Promise<(T & { recipe: number }) | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const meta = JSON.parse(text) as T & { recipe: number };
  return meta.recipe === RECIPE ? meta : undefined;
}

/** A prepared (solvated, neutralised, minimised) system and the names of its job inputs. */
export interface PreparedSystem {
  readonly dir: string;
  /** em.gro, topol.top and the topology's .itp includes: what a job's input bundle carries. */
  readonly inputs: readonly string[];
}

/** A prepared system for a PDB entry, made with the runner on first use and cached. */
export async function ensurePreparedSystem(pdbId: string): Promise<PreparedSystem> {
  const dir = join(FIXTURE_ROOT, `${pdbId.toLowerCase()}-prepared`);
  const metaPath = join(dir, 'prepared.json');
  let meta = await readMeta<{ inputs: string[] }>(metaPath);
  if (meta === undefined) {
    await buildCached(dir, async (work) => {
      const system = await prepareSystem({
        pdbText: await cleanPdb(pdbId),
        workDir: work,
        forceField: 'charmm27',
        water: 'tip3p',
        box: 'dodecahedron',
        boxDistanceNm: 1.0,
        resources: RESOURCES,
      });
      const inputs = [
        basename(system.gro),
        basename(system.top),
        ...system.itps.map((p) => basename(p)),
      ];
      await writeFile(
        join(work, 'prepared.json'),
        `${JSON.stringify({ recipe: RECIPE, inputs })}\n`,
      );
    });
    meta = await readMeta<{ inputs: string[] }>(metaPath);
    if (meta === undefined) throw new Error(`${metaPath} was not written`);
  }
  return { dir, inputs: meta.inputs };
}

/** A finished stage: the files it wrote (names in `workDir`) and what a miner reports of it. */
export interface StageOutcome {
  readonly workDir: string;
  readonly outputs: {
    readonly tpr: string;
    readonly xtc: string;
    readonly edr: string;
    readonly log: string;
    readonly cpt: string;
  };
  /** The checkpoint's frame (x, v, box) at full precision, as a one-frame `.trr`. */
  readonly frame: string;
  readonly step: number;
  /** Potential energy of the last energy frame (the checkpoint's step), kJ/mol. */
  readonly energyKjMol: number;
  readonly timePs: number;
  readonly nsPerDay: number | null;
}

/**
 * Runs one NVT stage with the runner in `workDir` from job inputs held in `inputDir` (one .gro,
 * one .top, any .itp), then writes the checkpoint's frame as `nvt-frame.trr`.
 */
export async function runNvtStage(options: {
  readonly inputDir: string;
  readonly inputs: readonly string[];
  readonly workDir: string;
  readonly params: NonNullable<SimulationParams['nvt']>;
  readonly seed: number;
}): Promise<StageOutcome> {
  const only = (ext: string) => {
    const found = options.inputs.filter((name) => name.endsWith(ext));
    if (found.length !== 1)
      throw new Error(`the job inputs hold ${found.length} ${ext} files, expected one`);
    return join(options.inputDir, found[0] as string);
  };
  const run = await runStages({
    workDir: options.workDir,
    input: {
      gro: only('.gro'),
      top: only('.top'),
      itps: options.inputs.filter((n) => n.endsWith('.itp')).map((n) => join(options.inputDir, n)),
    },
    stages: [{ name: 'nvt', mdp: options.params }],
    seed: options.seed,
    resources: RESOURCES,
  });
  const stage = run.stages[0];
  if (!run.completed || stage === undefined || stage.lastStep === null)
    throw new Error(`the NVT stage did not complete in ${options.workDir}`);
  const potential = energySeries(await readEdr(stage.files.edr), 'Potential');
  const energyKjMol = potential.values.at(-1);
  const timePs = potential.timesPs.at(-1);
  if (energyKjMol === undefined || timePs === undefined)
    throw new Error(`no potential energy in ${stage.files.edr}`);
  const frame = 'nvt-frame.trr';
  await extractFrame({
    cwd: options.workDir,
    trajectory: basename(stage.files.cpt),
    tpr: basename(stage.files.tpr),
    timePs,
    output: frame,
  });
  return {
    workDir: run.workDir,
    outputs: {
      tpr: basename(stage.files.tpr),
      xtc: basename(stage.files.xtc),
      edr: basename(stage.files.edr),
      log: basename(stage.files.log),
      cpt: basename(stage.files.cpt),
    },
    frame,
    step: stage.lastStep,
    energyKjMol,
    timePs,
    nsPerDay: stage.nsPerDay,
  };
}

/** A cached, finished NVT stage and the prepared system it started from. */
export interface StageFixture extends StageOutcome {
  /** Where the job inputs (em.gro, topol.top, .itp) are. */
  readonly inputsDir: string;
  readonly inputs: readonly string[];
  readonly nsteps: number;
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
  const prepared = await ensurePreparedSystem(pdbId);
  const dir = join(FIXTURE_ROOT, `${pdbId.toLowerCase()}-nvt-${nsteps}`);
  const metaPath = join(dir, 'fixture.json');
  type Meta = Omit<StageOutcome, 'workDir'>;
  let meta = await readMeta<Meta>(metaPath);
  if (meta === undefined) {
    await buildCached(dir, async (work) => {
      const { workDir: _, ...outcome } = await runNvtStage({
        inputDir: prepared.dir,
        inputs: prepared.inputs,
        workDir: work,
        params: nvtParams(nsteps),
        seed,
      });
      await writeFile(
        join(work, 'fixture.json'),
        `${JSON.stringify({ recipe: RECIPE, ...outcome }, null, 1)}\n`,
      );
    });
    meta = await readMeta<Meta>(metaPath);
    if (meta === undefined) throw new Error(`${metaPath} was not written`);
  }
  const { recipe: _, ...outcome } = meta;
  return { ...outcome, workDir: dir, inputsDir: prepared.dir, inputs: prepared.inputs, nsteps };
}
