import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { writeFileAtomic } from './atomic-write.js';
import { InvalidInputError } from './errors.js';
import { BOX_TYPES, type BoxType, Gmx } from './gmx.js';
import { readGroSummary } from './gro.js';
import { assertNumber, assertWord, readFileLimited } from './inputs.js';
import { type MinimizationResult, parseMinimizationLog } from './md-log.js';
import { type MdpParams, mergeMdp, renderMdp, validateMdpParams } from './mdp.js';
import { ionsParams, stagePreset } from './presets.js';
import type { GmxOptions } from './process.js';
import { type MdrunResources, mdrunResourceArgs } from './resources.js';
import type { SpecialBondLink, SpecialBondRule } from './special-bonds.js';
import { parseMolecules } from './topology.js';

/** The largest structure accepted, in bytes (uncompressed). */
export const MAX_PDB_BYTES = 64 * 1024 * 1024;

/** Options of {@link prepareSystem}. Give exactly one of `pdbPath` and `pdbText`. */
export interface PrepareSystemOptions {
  /** A cleaned structure file (.pdb, or .pdb.gz / .ent.gz, which is decompressed first). */
  readonly pdbPath?: string;
  /** A cleaned structure as PDB text. */
  readonly pdbText?: string;
  /** Directory for every file of the preparation (created if missing; files in it are overwritten). */
  readonly workDir: string;
  /** Force field directory name without `.ff`: `charmm27`, `amber03`, `amber99sb-ildn`, ... */
  readonly forceField: string;
  /** Water model for pdb2gmx: `tip3p`, `spce`, `tip4p`, ... */
  readonly water: string;
  /** Box shape (`editconf -bt`). */
  readonly box: BoxType;
  /** Minimum distance between the protein and the box edge, nm (default 1.0). */
  readonly boxDistanceNm?: number;
  /** Salt added, mol/L (default 0). */
  readonly ionConcentrationMolar?: number;
  /** Add counter-ions until the net charge is zero (default true). */
  readonly neutralize?: boolean;
  /** Positive and negative ion names of the force field (default `NA` and `CL`). */
  readonly positiveIon?: string;
  readonly negativeIon?: string;
  /** Let pdb2gmx drop the input's hydrogens and rebuild them (default true). */
  readonly ignoreHydrogens?: boolean;
  /** Join every chain into one molecule type (`pdb2gmx -merge all`), for inter-chain disulfides. */
  readonly mergeChains?: boolean;
  /** Special-bond rules added to the installed ones for pdb2gmx (see `Pdb2gmxOptions.specialBonds`). */
  readonly specialBonds?: readonly SpecialBondRule[];
  /** Parameters merged over the force field's minimisation preset (e.g. `{ emtol: 500, nsteps: 5000 }`). */
  readonly emParams?: MdpParams;
  /** Seed for ion placement (default: genion's own random seed). */
  readonly seed?: number;
  /** Threads for the minimisation (default: one rank, mdrun picks the OpenMP threads). */
  readonly resources?: MdrunResources;
  /**
   * Minimise with `mdrun -reprod -notunepme`, so that the same build and thread count give the
   * same `em.gro` bytes on every run (default false: mdrun's faster, run-to-run varying choice).
   */
  readonly reproducible?: boolean;
  /** Cancels the preparation (the running gmx gets SIGTERM, then SIGKILL). */
  readonly signal?: AbortSignal;
  /** Which gmx to run; a {@link Gmx} or its options (default: `FOLD_GMX` or `gmx` on PATH). */
  readonly gmx?: Gmx | GmxOptions;
}

/** A solvated, neutralised, minimised system, ready for {@link runStages}. */
export interface PreparedSystem {
  readonly workDir: string;
  /** Minimised coordinates (`em.gro`), the start of NVT. */
  readonly gro: string;
  /** Topology (`topol.top`), with water and ion counts. */
  readonly top: string;
  /** Local includes of the topology (position restraints, per-chain topologies), absolute paths. */
  readonly itps: readonly string[];
  /** Potential energy after minimisation, kJ/mol. */
  readonly emEnergyKjMol: number;
  /** Largest force after minimisation, kJ/mol/nm. */
  readonly emMaxForce: number;
  /** Whether the largest force fell below `emtol`. */
  readonly converged: boolean;
  /** Full minimisation summary (steps, outcome, atom of the largest force). */
  readonly minimization: MinimizationResult;
  /** Atoms in the system (protein, water, ions). */
  readonly atomCount: number;
  /** Atoms of the protein as pdb2gmx built it (hydrogens included). */
  readonly proteinAtomCount: number;
  /** Water molecules after ions replaced some. */
  readonly waterMolecules: number;
  /** Ions added. */
  readonly ions: { readonly positive: number; readonly negative: number };
  /** Net charge of the protein before ions, e. */
  readonly netChargeE: number | null;
  /** The special bonds (disulfides) pdb2gmx made. */
  readonly specialBonds: readonly SpecialBondLink[];
  /** Box vectors of the minimised system, nm (3 or 9 numbers as in the .gro). */
  readonly boxNm: readonly number[];
  /** The minimisation parameters used, as data. */
  readonly emParams: MdpParams;
  /** Intermediate and output files, absolute paths. */
  readonly files: {
    readonly processedGro: string;
    readonly boxGro: string;
    readonly solvatedGro: string;
    readonly ionsGro: string;
    readonly emMdp: string;
    readonly emTpr: string;
    readonly emEdr: string;
    readonly emLog: string;
  };
}

function solventBoxFor(water: string): string {
  const w = water.toLowerCase();
  if (w.startsWith('tip4p')) return 'tip4p.gro';
  if (w.startsWith('tip5p')) return 'tip5p.gro';
  return 'spc216.gro';
}

async function structureText(o: PrepareSystemOptions): Promise<string> {
  if ((o.pdbPath === undefined) === (o.pdbText === undefined)) {
    throw new InvalidInputError('pdbPath', 'give exactly one of pdbPath and pdbText');
  }
  let text: string;
  if (o.pdbText !== undefined) {
    text = o.pdbText;
  } else {
    const bytes = await readFileLimited('pdbPath', o.pdbPath as string, MAX_PDB_BYTES);
    const raw = /\.gz$/i.test(o.pdbPath as string)
      ? gunzipSync(bytes, { maxOutputLength: MAX_PDB_BYTES })
      : bytes;
    text = raw.toString('latin1');
  }
  if (typeof text !== 'string' || text.length === 0) {
    throw new InvalidInputError('pdbText', 'the structure is empty');
  }
  if (text.length > MAX_PDB_BYTES) {
    throw new InvalidInputError('pdbText', `the structure is larger than ${MAX_PDB_BYTES} bytes`);
  }
  if (!/^(ATOM {2}|HETATM)/m.test(text)) {
    throw new InvalidInputError('pdbText', 'the structure has no ATOM records');
  }
  return text;
}

/**
 * Builds a simulation-ready system from a cleaned protein structure, the validator's recipe:
 * `pdb2gmx` (topology, hydrogens, position restraints) -> `editconf` (box) -> `solvate` ->
 * `grompp` + `genion` (counter-ions and salt) -> `grompp` + `mdrun` (steepest-descent minimisation).
 * Files are written to `workDir` under fixed names (`input.pdb`, `processed.gro`, `topol.top`,
 * `posre*.itp`, `box.gro`, `solv.gro`, `ions.tpr`, `solv_ions.gro`, `em.mdp`, `em.tpr`, `em.gro`,
 * `em.edr`, `em.log`); preparing again in the same directory starts over.
 *
 * @throws {Pdb2gmxMissingAtomError} a residue lacks an atom (names residue and atom).
 * @throws {Pdb2gmxUnknownResidueError} a residue is not in the force field.
 * @throws {Pdb2gmxUnexpectedAtomError} an atom is not in its residue's force-field entry.
 * @throws {UnknownForceFieldError} the force field is not installed.
 * @throws {GromppWarningsError} grompp stopped on warnings (e.g. from `emParams`).
 * @throws {GmxCommandError} any other step failed (`subcommand`, `exitCode`, `fatalError`).
 * @throws {GmxAbortedError} `signal` was aborted.
 * @throws {InvalidInputError | MdpError} options were refused before anything ran.
 * @throws {GmxNotFoundError} no gmx binary.
 */
export async function prepareSystem(options: PrepareSystemOptions): Promise<PreparedSystem> {
  const forceField = assertWord('forceField', options.forceField);
  const water = assertWord('water', options.water);
  const distanceNm = assertNumber('boxDistanceNm', options.boxDistanceNm ?? 1.0, {
    min: 0.1,
    max: 10,
  });
  const conc = assertNumber('ionConcentrationMolar', options.ionConcentrationMolar ?? 0, {
    min: 0,
    max: 5,
  });
  const neutralize = options.neutralize ?? true;
  if (!BOX_TYPES.has(options.box)) {
    throw new InvalidInputError(
      'box',
      `expected one of ${[...BOX_TYPES].join(', ')}, got ${String(options.box)}`,
    );
  }
  if (options.positiveIon !== undefined) assertWord('positiveIon', options.positiveIon);
  if (options.negativeIon !== undefined) assertWord('negativeIon', options.negativeIon);
  if (options.seed !== undefined)
    assertNumber('seed', options.seed, { min: 0, max: 2 ** 31 - 1, integer: true });
  if (options.resources !== undefined) mdrunResourceArgs(options.resources, 'minimization');
  const emOverrides = options.emParams ? validateMdpParams(options.emParams) : {};
  const emParams = mergeMdp(stagePreset('em', { forceField }), emOverrides);
  const text = await structureText(options);
  const gmx = options.gmx instanceof Gmx ? options.gmx : new Gmx(options.gmx ?? {});
  const cwd = resolve(options.workDir);
  await mkdir(cwd, { recursive: true });
  const call = { cwd, ...(options.signal ? { signal: options.signal } : {}) };
  const f = (name: string) => join(cwd, name);

  await writeFileAtomic(f('input.pdb'), text);
  const built = await gmx.pdb2gmx({
    ...call,
    input: 'input.pdb',
    forceField,
    water,
    ignoreHydrogens: options.ignoreHydrogens ?? true,
    ...(options.mergeChains !== undefined ? { mergeChains: options.mergeChains } : {}),
    ...(options.specialBonds !== undefined ? { specialBonds: options.specialBonds } : {}),
  });
  const proteinAtomCount = readGroSummary(await readFile(built.gro, 'utf8')).atomCount;
  await gmx.editconf({
    ...call,
    input: 'processed.gro',
    output: 'box.gro',
    box: options.box,
    distanceNm,
  });
  await gmx.solvate({
    ...call,
    solute: 'box.gro',
    output: 'solv.gro',
    topology: 'topol.top',
    solventBox: solventBoxFor(water),
  });

  let ions = { positive: 0, negative: 0 };
  if (neutralize || conc > 0) {
    await writeFileAtomic(
      f('ions.mdp'),
      renderMdp(ionsParams(forceField), { comment: 'input for genion only' }),
    );
    await gmx.grompp({
      ...call,
      mdp: 'ions.mdp',
      coordinates: 'solv.gro',
      topology: 'topol.top',
      output: 'ions.tpr',
    });
    const placed = await gmx.genion({
      ...call,
      tpr: 'ions.tpr',
      coordinates: 'solv.gro',
      output: 'solv_ions.gro',
      topology: 'topol.top',
      neutralize,
      concentrationMolar: conc,
      ...(options.positiveIon ? { positiveIon: options.positiveIon } : {}),
      ...(options.negativeIon ? { negativeIon: options.negativeIon } : {}),
      ...(options.seed !== undefined ? { seed: options.seed } : {}),
    });
    ions = { positive: placed.positive, negative: placed.negative };
  } else {
    await copyFile(f('solv.gro'), f('solv_ions.gro'));
  }

  await writeFileAtomic(
    f('em.mdp'),
    renderMdp(emParams, { comment: `energy minimisation (${forceField})` }),
  );
  await gmx.grompp({
    ...call,
    mdp: 'em.mdp',
    coordinates: 'solv_ions.gro',
    topology: 'topol.top',
    output: 'em.tpr',
  });
  await gmx.mdrun({
    ...call,
    deffnm: 'em',
    kind: 'minimization',
    resources: options.resources ?? { ntmpi: 1 },
    ...(options.reproducible ? { reproducible: true, tunePme: false } : {}),
  });
  const minimization = parseMinimizationLog(await readFile(f('em.log'), 'utf8'));
  const gro = readGroSummary(await readFile(f('em.gro'), 'utf8'));
  const molecules = parseMolecules(await readFile(built.top, 'utf8'));
  const waterMolecules = molecules
    .filter((m) => m.name === 'SOL')
    .reduce((sum, m) => sum + m.count, 0);
  return {
    workDir: cwd,
    gro: f('em.gro'),
    top: built.top,
    itps: built.itps,
    emEnergyKjMol: minimization.potentialKjMol,
    emMaxForce: minimization.maxForceKjMolNm,
    converged: minimization.converged,
    minimization,
    atomCount: gro.atomCount,
    proteinAtomCount,
    waterMolecules,
    ions,
    netChargeE: built.netChargeE,
    specialBonds: built.specialBonds,
    boxNm: gro.boxNm,
    emParams,
    files: {
      processedGro: built.gro,
      boxGro: f('box.gro'),
      solvatedGro: f('solv.gro'),
      ionsGro: f('solv_ions.gro'),
      emMdp: f('em.mdp'),
      emTpr: f('em.tpr'),
      emEdr: f('em.edr'),
      emLog: f('em.log'),
    },
  };
}
