import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { parseGmxVersion } from './detect.js';
import { InvalidInputError } from './errors.js';
import { groAtomsOfResidues, renderIndexGroup } from './gro.js';
import { assertFileName, assertNumber, assertWord, pathArg } from './inputs.js';
import {
  type GmxCallOptions,
  type GmxExecOptions,
  type GmxExecResult,
  type GmxOptions,
  GmxProcess,
  type GmxSubcommand,
} from './process.js';
import { type MdrunKind, type MdrunResources, mdrunResourceArgs } from './resources.js';
import {
  mergeSpecbondRules,
  parseSpecbond,
  parseSpecialBondLinks,
  readInstalledSpecbond,
  renderSpecbond,
  type SpecialBondLink,
  type SpecialBondRule,
} from './special-bonds.js';
import { checkTopologyIncludes } from './topology.js';
import { parseXvg } from './xvg.js';

/** Box shapes of `gmx editconf -bt`. */
export type BoxType = 'dodecahedron' | 'octahedron' | 'cubic' | 'triclinic';
/** The box shapes editconf accepts. */
export const BOX_TYPES: ReadonlySet<string> = new Set<BoxType>([
  'dodecahedron',
  'octahedron',
  'cubic',
  'triclinic',
]);

/** `gmx pdb2gmx`: structure to topology. */
export interface Pdb2gmxOptions extends GmxCallOptions {
  /** Input structure (.pdb/.gro), a path. */
  readonly input: string;
  /** Force field directory name without `.ff`, e.g. `charmm27`, `amber03`, `amber99sb-ildn`. */
  readonly forceField: string;
  /** Water model, e.g. `tip3p`, `spce`. */
  readonly water: string;
  /** Coordinates written, a file name in `cwd` (default `processed.gro`). */
  readonly output?: string;
  /** Topology written (default `topol.top`). */
  readonly topology?: string;
  /** Position-restraint include written (default `posre.itp`). */
  readonly posre?: string;
  /** Ignore hydrogens of the input and rebuild them (`-ignh`); default true. */
  readonly ignoreHydrogens?: boolean;
  /**
   * Merge chains into one molecule type (`-merge all`); default no. Needed when a special bond
   * (a disulfide) links two chains: pdb2gmx bonds special atoms only within one molecule type.
   */
  readonly mergeChains?: boolean;
  /**
   * Special-bond rules added to the installed `specbond.dat` (e.g.
   * {@link CRYSTAL_DISULFIDE_RULE}): the two are written as `specbond.dat` in `cwd`, which
   * pdb2gmx reads instead of the library's. Default: the installed rules alone.
   */
  readonly specialBonds?: readonly SpecialBondRule[];
}

/** What pdb2gmx produced. */
export interface Pdb2gmxResult {
  readonly gro: string;
  readonly top: string;
  /** Local includes of the topology (per-chain topologies, position restraints), absolute paths. */
  readonly itps: readonly string[];
  /** Total charge pdb2gmx reports, in elementary charges; null if it printed none. */
  readonly netChargeE: number | null;
  /** The special bonds (disulfides) pdb2gmx made, as it reported them. */
  readonly specialBonds: readonly SpecialBondLink[];
}

/** `gmx editconf`: put the solute in a box. */
export interface EditconfOptions extends GmxCallOptions {
  readonly input: string;
  readonly output: string;
  readonly box: BoxType;
  /** Distance between the solute and the box edge, nm (`-d`). Give this or `boxSizeNm`. */
  readonly distanceNm?: number;
  /** Box vector lengths, nm (`-box`). */
  readonly boxSizeNm?: readonly number[];
  /** Centre the solute (`-c`); default true. */
  readonly center?: boolean;
}

/** `gmx solvate`: fill the box with water and add it to the topology. */
export interface SolvateOptions extends GmxCallOptions {
  readonly solute: string;
  readonly output: string;
  /** Topology updated in place with the number of water molecules. */
  readonly topology: string;
  /** Pre-equilibrated solvent box from the GROMACS library (default `spc216.gro`, fine for 3-site water). */
  readonly solventBox?: string;
}

/** `gmx grompp`: parameters + coordinates + topology to a run input (.tpr). */
export interface GromppOptions extends GmxCallOptions {
  readonly mdp: string;
  readonly coordinates: string;
  readonly topology: string;
  /** The .tpr written (a path). */
  readonly output: string;
  /** Reference coordinates for position restraints (`-r`). */
  readonly restraintCoordinates?: string;
  /** Checkpoint to take velocities and coupling state from (`-t`). */
  readonly checkpoint?: string;
  /** Index file (`-n`). */
  readonly index?: string;
  /** Warnings tolerated (`-maxwarn`); default 0. */
  readonly maxWarnings?: number;
  /** Where grompp writes the processed parameters (`-po`); default `<output>.mdout.mdp`. */
  readonly processedMdp?: string;
}

/** What grompp reported besides the .tpr. */
export interface GromppResult {
  readonly tpr: string;
  /** Texts of warnings that were tolerated through `maxWarnings`. */
  readonly warnings: readonly string[];
  /** Number of notes grompp printed. */
  readonly noteCount: number;
}

/** `gmx genion`: replace solvent molecules by ions. */
export interface GenionOptions extends GmxCallOptions {
  readonly tpr: string;
  /** The coordinates the .tpr was built from; its solvent atoms become the only index group, so genion asks nothing. */
  readonly coordinates: string;
  readonly output: string;
  readonly topology: string;
  /** Residue name of the solvent to replace (default `SOL`). */
  readonly solventResidue?: string;
  /** Positive ion name (`-pname`, default `NA`). */
  readonly positiveIon?: string;
  /** Negative ion name (`-nname`, default `CL`). */
  readonly negativeIon?: string;
  /** Add counter-ions to a net charge of zero (`-neutral`); default true. */
  readonly neutralize?: boolean;
  /** Salt concentration, mol/L (`-conc`); default 0. */
  readonly concentrationMolar?: number;
  /** Random seed for which molecules are replaced (`-seed`). */
  readonly seed?: number;
}

/** Ions genion placed. */
export interface GenionResult {
  readonly gro: string;
  readonly positive: number;
  readonly negative: number;
}

/** `gmx mdrun`. */
export interface MdrunOptions extends GmxCallOptions {
  /** Prefix of all files (`-deffnm`), a file name in `cwd`. */
  readonly deffnm: string;
  /** Run input; default `<deffnm>.tpr`. */
  readonly tpr?: string;
  /** Continue from this checkpoint if it exists (`-cpi`); mdrun starts fresh when it does not. */
  readonly checkpoint?: string;
  /** Append to existing outputs on continuation (`-append`, default true). */
  readonly append?: boolean;
  /** Minutes between checkpoints (`-cpt`); fractions are allowed. */
  readonly checkpointIntervalMinutes?: number;
  /** Recompute energies for the frames of this trajectory (`-rerun`). */
  readonly rerun?: string;
  /** Override the step count of the .tpr (`-nsteps`; -1 is unlimited). */
  readonly nsteps?: number;
  /** Stop cleanly (with a checkpoint) after 99% of this many hours (`-maxh`). */
  readonly maxHours?: number;
  /** Threads, pinning, GPU offload. */
  readonly resources?: MdrunResources;
  /** `-reprod`: avoid optimisations that change results between identical runs. */
  readonly reproducible?: boolean;
  /** PME load tuning (`-[no]tunepme`); mdrun's default (on) when undefined. */
  readonly tunePme?: boolean;
  /** What mdrun computes, to decide which GPU offloads apply; inferred from `rerun` if absent. */
  readonly kind?: MdrunKind;
}

/** `gmx trjconv`: frame extraction. */
export interface TrjconvOptions extends GmxCallOptions {
  /** Trajectory (.trr/.xtc/.gro). */
  readonly trajectory: string;
  /** Run input for atom names and groups (`-s`). */
  readonly tpr: string;
  /** Output (.trr for full precision, .gro, .pdb, .xtc). */
  readonly output: string;
  /** Write only the frame nearest this time, ps (`-dump`). */
  readonly dumpTimePs?: number;
  /** First time to write, ps (`-b`). */
  readonly beginPs?: number;
  /** Last time to write, ps (`-e`). */
  readonly endPs?: number;
  /** Index group written (by name; default `System`). */
  readonly group?: string;
}

/** `gmx energy`. */
export interface EnergyOptions extends GmxCallOptions {
  readonly edr: string;
  /** Term names as gmx energy lists them (`Potential`, `Temperature`, `Coulomb-(SR)` or `Coulomb (SR)`). */
  readonly terms: readonly string[];
  /** The .xvg written (default `energy.xvg` in `cwd`). */
  readonly output?: string;
  /** First and last time, ps. */
  readonly beginPs?: number;
  readonly endPs?: number;
}

/** Energies as `gmx energy` prints them. */
export interface EnergyTable {
  readonly timesPs: readonly number[];
  /** Series by the legend gmx energy gives (the term name). */
  readonly terms: Readonly<Record<string, readonly number[]>>;
}

/** `gmx dump`: one of a run input, a checkpoint, an energy file or a trajectory. */
export type DumpOptions = GmxCallOptions &
  (
    | { readonly tpr: string }
    | { readonly checkpoint: string }
    | { readonly edr: string }
    | { readonly trajectory: string }
  );

/** `gmx check`: a trajectory/energy file's consistency, or the differences between two run inputs. */
export type CheckOptions = GmxCallOptions &
  (
    | { readonly trajectory: string }
    | { readonly edr: string }
    | { readonly tprA: string; readonly tprB: string; readonly relativeTolerance?: number }
  );

const tprExt = ['.tpr'];
const confExt = ['.gro', '.pdb', '.g96', '.brk', '.ent', '.esp', '.tpr'];
const trajExt = ['.trr', '.xtc', '.gro', '.pdb', '.tng', '.g96', '.cpt'];

function outName(field: string, name: string | undefined, fallback: string): string {
  return assertFileName(field, name ?? fallback);
}

/**
 * Typed access to the gmx subcommands the project uses. Every method runs in `options.cwd`, passes
 * arguments as an array (never a shell), and throws the errors of {@link GmxProcess.exec}.
 *
 * ```ts
 * const gmx = new Gmx();                    // FOLD_GMX or `gmx` on PATH
 * await gmx.editconf({ cwd, input: 'processed.gro', output: 'box.gro', box: 'dodecahedron', distanceNm: 1 });
 * ```
 */
export class Gmx {
  readonly process: GmxProcess;

  constructor(options: GmxOptions | GmxProcess = {}) {
    this.process = options instanceof GmxProcess ? options : new GmxProcess(options);
  }

  #installedSpecbond: Promise<SpecialBondRule[]> | undefined;

  /** The installation's special-bond rules, read once per instance. */
  private installedSpecbond(cwd: string): Promise<SpecialBondRule[]> {
    this.#installedSpecbond ??= (async () => {
      const { stdout } = await this.process.exec(null, ['--version'], { cwd });
      return parseSpecbond(
        await readInstalledSpecbond(parseGmxVersion(stdout, this.path).dataPrefix),
      );
    })();
    // A failed read is not kept: the next call tries again.
    this.#installedSpecbond.catch(() => {
      this.#installedSpecbond = undefined;
    });
    return this.#installedSpecbond;
  }

  /** The binary that is started. */
  get path(): string {
    return this.process.path;
  }

  /** Runs any supported subcommand with raw arguments (still an array, still no shell). */
  exec(
    subcommand: GmxSubcommand | null,
    args: readonly string[],
    options: GmxExecOptions,
  ): Promise<GmxExecResult> {
    return this.process.exec(subcommand, args, options);
  }

  /**
   * `gmx pdb2gmx -f input -ff FF -water W [-ignh] -o out.gro -p topol.top -i posre.itp`.
   * @throws {Pdb2gmxMissingAtomError | Pdb2gmxUnknownResidueError | Pdb2gmxUnexpectedAtomError | UnknownForceFieldError}
   */
  async pdb2gmx(o: Pdb2gmxOptions): Promise<Pdb2gmxResult> {
    const gro = outName('output', o.output, 'processed.gro');
    const top = outName('topology', o.topology, 'topol.top');
    const posre = outName('posre', o.posre, 'posre.itp');
    const args = [
      '-f',
      pathArg('input', o.input, ['.pdb', '.gro', '.ent', '.brk', '.pdbqt', '.g96', '.tpr']),
      '-ff',
      assertWord('forceField', o.forceField),
      '-water',
      assertWord('water', o.water),
      '-o',
      gro,
      '-p',
      top,
      '-i',
      posre,
    ];
    if (o.ignoreHydrogens ?? true) args.push('-ignh');
    if (o.mergeChains) args.push('-merge', 'all');
    if (o.specialBonds !== undefined && o.specialBonds.length > 0) {
      renderSpecbond(o.specialBonds); // validates the rules before anything runs
      const installed = await this.installedSpecbond(o.cwd);
      await writeFileAtomic(
        join(o.cwd, 'specbond.dat'),
        renderSpecbond(mergeSpecbondRules(installed, o.specialBonds)),
      );
    }
    const { stdout, stderr } = await this.process.exec('pdb2gmx', args, o);
    const topText = await readFile(join(o.cwd, top), 'utf8');
    const itps = checkTopologyIncludes(topText, 'pdb2gmx topology');
    // Per-chain topologies include their own position restraints.
    const nested: string[] = [];
    for (const itp of itps) {
      const text = await readFile(join(o.cwd, itp), 'utf8').catch(() => '');
      nested.push(...checkTopologyIncludes(text, itp));
    }
    const all = [...new Set([...itps, ...nested])].map((name) => resolve(o.cwd, name));
    return {
      gro: resolve(o.cwd, gro),
      top: resolve(o.cwd, top),
      itps: all,
      netChargeE: parsePdb2gmxCharge(`${stdout}\n${stderr}`),
      specialBonds: parseSpecialBondLinks(`${stdout}\n${stderr}`),
    };
  }

  /** `gmx editconf -f in -o out -bt BOX (-d D | -box X Y Z) [-c]`. */
  async editconf(o: EditconfOptions): Promise<string> {
    if (!BOX_TYPES.has(o.box)) {
      throw new InvalidInputError(
        'box',
        `expected one of ${[...BOX_TYPES].join(', ')}, got ${String(o.box)}`,
      );
    }
    const args = [
      '-f',
      pathArg('input', o.input, confExt),
      '-o',
      pathArg('output', o.output, confExt),
      '-bt',
      o.box,
    ];
    if (o.center ?? true) args.push('-c');
    if (o.distanceNm !== undefined) {
      args.push('-d', String(assertNumber('distanceNm', o.distanceNm, { min: 0, max: 100 })));
    }
    if (o.boxSizeNm !== undefined) {
      if (o.boxSizeNm.length < 1 || o.boxSizeNm.length > 3) {
        throw new InvalidInputError('boxSizeNm', 'give 1 to 3 lengths');
      }
      args.push(
        '-box',
        ...o.boxSizeNm.map((v) => String(assertNumber('boxSizeNm', v, { min: 0.1, max: 1000 }))),
      );
    }
    if (o.distanceNm === undefined && o.boxSizeNm === undefined) {
      throw new InvalidInputError('distanceNm', 'give distanceNm or boxSizeNm');
    }
    await this.process.exec('editconf', args, o);
    return resolve(o.cwd, o.output);
  }

  /** `gmx solvate -cp solute -cs spc216.gro -o out -p topol.top`; returns the water molecules added. */
  async solvate(o: SolvateOptions): Promise<{ gro: string; waterMolecules: number }> {
    const args = [
      '-cp',
      pathArg('solute', o.solute, confExt),
      '-cs',
      pathArg('solventBox', o.solventBox ?? 'spc216.gro', confExt),
      '-o',
      pathArg('output', o.output, confExt),
      '-p',
      pathArg('topology', o.topology, ['.top']),
    ];
    const { stdout, stderr } = await this.process.exec('solvate', args, o);
    const m = /Adding line for (\d+) solvent molecules/.exec(`${stdout}\n${stderr}`);
    return { gro: resolve(o.cwd, o.output), waterMolecules: m ? Number(m[1]) : 0 };
  }

  /**
   * `gmx grompp -f mdp -c conf -p top -o tpr [-r ref] [-t cpt] [-n ndx] -maxwarn N -po mdout`.
   * @throws {GromppWarningsError} when grompp stops on more warnings than `maxWarnings`.
   */
  async grompp(o: GromppOptions): Promise<GromppResult> {
    const output = pathArg('output', o.output, tprExt);
    const args = [
      '-f',
      pathArg('mdp', o.mdp, ['.mdp']),
      '-c',
      pathArg('coordinates', o.coordinates, confExt),
      '-p',
      pathArg('topology', o.topology, ['.top']),
      '-o',
      output,
      '-po',
      pathArg('processedMdp', o.processedMdp ?? `${o.output.slice(0, -4)}.mdout.mdp`, ['.mdp']),
      '-maxwarn',
      String(assertNumber('maxWarnings', o.maxWarnings ?? 0, { min: 0, max: 1000, integer: true })),
    ];
    if (o.restraintCoordinates)
      args.push('-r', pathArg('restraintCoordinates', o.restraintCoordinates, confExt));
    if (o.checkpoint) args.push('-t', pathArg('checkpoint', o.checkpoint, ['.cpt', '.trr']));
    if (o.index) args.push('-n', pathArg('index', o.index, ['.ndx']));
    const { stderr } = await this.process.exec('grompp', args, o);
    const warnings: string[] = [];
    for (const m of stderr.matchAll(/^WARNING \d+ \[([^\]]*)\]:\s*\n((?:.+\n)+)/gm)) {
      warnings.push(`${(m[2] ?? '').replace(/\s+/g, ' ').trim()} [${m[1]}]`);
    }
    const noteCount = (stderr.match(/^NOTE \d+ \[/gm) ?? []).length;
    return { tpr: resolve(o.cwd, o.output), warnings, noteCount };
  }

  /**
   * `gmx genion -s tpr -n solvent.ndx -o out -p top -pname NA -nname CL [-neutral] [-conc C] [-seed S]`.
   * The index file holds only the solvent, so genion picks it without a prompt.
   */
  async genion(o: GenionOptions): Promise<GenionResult> {
    const solvent = assertWord('solventResidue', o.solventResidue ?? 'SOL');
    const coordinatesPath = resolve(o.cwd, pathArg('coordinates', o.coordinates, ['.gro']));
    const atoms = groAtomsOfResidues(await readFile(coordinatesPath, 'utf8'), new Set([solvent]));
    if (atoms.length === 0) {
      throw new InvalidInputError('coordinates', `no ${solvent} residues to replace by ions`);
    }
    const indexName = `${solvent}.genion.ndx`;
    await writeFile(join(o.cwd, indexName), renderIndexGroup(solvent, atoms));
    const args = [
      '-s',
      pathArg('tpr', o.tpr, tprExt),
      '-n',
      indexName,
      '-o',
      pathArg('output', o.output, ['.gro']),
      '-p',
      pathArg('topology', o.topology, ['.top']),
      '-pname',
      assertWord('positiveIon', o.positiveIon ?? 'NA'),
      '-nname',
      assertWord('negativeIon', o.negativeIon ?? 'CL'),
    ];
    if (o.neutralize ?? true) args.push('-neutral');
    const conc = assertNumber('concentrationMolar', o.concentrationMolar ?? 0, { min: 0, max: 10 });
    if (conc > 0) args.push('-conc', String(conc));
    if (o.seed !== undefined)
      args.push(
        '-seed',
        String(assertNumber('seed', o.seed, { min: 0, max: 2 ** 31 - 1, integer: true })),
      );
    const { stderr } = await this.process.exec('genion', args, o);
    const replaced = [
      ...stderr.matchAll(/^Replacing solvent molecule \d+ \(atom \d+\) with (\S+)/gm),
    ];
    const positiveName = o.positiveIon ?? 'NA';
    const positive = replaced.filter((m) => m[1] === positiveName).length;
    return { gro: resolve(o.cwd, o.output), positive, negative: replaced.length - positive };
  }

  /** `gmx mdrun -deffnm NAME [-s tpr] [-cpi cpt] [-cpt min] [-rerun traj] [-nsteps N] [-maxh H] resources...`. */
  async mdrun(o: MdrunOptions): Promise<GmxExecResult> {
    return this.process.exec('mdrun', buildMdrunArgs(o), o);
  }

  /** `gmx trjconv -f traj -s tpr -o out [-dump t | -b t0 -e t1]`, the group chosen by name. */
  async trjconv(o: TrjconvOptions): Promise<string> {
    const args = [
      '-f',
      pathArg('trajectory', o.trajectory, trajExt),
      '-s',
      pathArg('tpr', o.tpr, confExt),
      '-o',
      pathArg('output', o.output, trajExt),
    ];
    if (o.dumpTimePs !== undefined)
      args.push('-dump', String(assertNumber('dumpTimePs', o.dumpTimePs, { min: 0 })));
    if (o.beginPs !== undefined)
      args.push('-b', String(assertNumber('beginPs', o.beginPs, { min: 0 })));
    if (o.endPs !== undefined) args.push('-e', String(assertNumber('endPs', o.endPs, { min: 0 })));
    const group = assertWord('group', o.group ?? 'System');
    await this.process.exec('trjconv', args, { ...o, input: `${group}\n` });
    return resolve(o.cwd, o.output);
  }

  /** `gmx energy -f edr -o xvg -dp`, terms chosen by name; returns the table gmx energy wrote. */
  async energy(o: EnergyOptions): Promise<EnergyTable> {
    if (o.terms.length === 0) throw new InvalidInputError('terms', 'name at least one energy term');
    const terms = o.terms.map((t) => {
      if (!/^[A-Za-z0-9#][A-Za-z0-9 ._()*#+-]{0,63}$/.test(t)) {
        throw new InvalidInputError('terms', `'${t}' is not an energy term name`);
      }
      // gmx energy lists names with '-' for spaces and matches a selection word by word.
      return t.replaceAll(' ', '-');
    });
    const output = pathArg('output', o.output ?? 'energy.xvg', ['.xvg']);
    const args = ['-f', pathArg('edr', o.edr, ['.edr']), '-o', output, '-dp', '-xvg', 'xmgrace'];
    if (o.beginPs !== undefined)
      args.push('-b', String(assertNumber('beginPs', o.beginPs, { min: 0 })));
    if (o.endPs !== undefined) args.push('-e', String(assertNumber('endPs', o.endPs, { min: 0 })));
    await this.process.exec('energy', args, { ...o, input: `${terms.join('\n')}\n\n` });
    const table = parseXvg(await readFile(resolve(o.cwd, output), 'utf8'));
    return { timesPs: table.x, terms: table.series };
  }

  /** `gmx dump` of a run input (`-s`), checkpoint (`-cp`), energy file (`-e`) or trajectory (`-f`); returns its text. */
  async dump(o: DumpOptions): Promise<string> {
    let args: string[];
    if ('tpr' in o) args = ['-s', pathArg('tpr', o.tpr, tprExt)];
    else if ('checkpoint' in o) args = ['-cp', pathArg('checkpoint', o.checkpoint, ['.cpt'])];
    else if ('edr' in o) args = ['-e', pathArg('edr', o.edr, ['.edr'])];
    else args = ['-f', pathArg('trajectory', o.trajectory, trajExt)];
    const { stdout } = await this.process.exec('dump', args, o);
    return stdout;
  }

  /** `gmx check`; returns stdout and stderr together (gmx check reports on both). */
  async check(o: CheckOptions): Promise<string> {
    let args: string[];
    if ('tprA' in o) {
      args = ['-s1', pathArg('tprA', o.tprA, tprExt), '-s2', pathArg('tprB', o.tprB, tprExt)];
      if (o.relativeTolerance !== undefined) {
        args.push(
          '-tol',
          String(assertNumber('relativeTolerance', o.relativeTolerance, { min: 0 })),
        );
      }
    } else if ('edr' in o) {
      args = ['-e', pathArg('edr', o.edr, ['.edr'])];
    } else {
      args = ['-f', pathArg('trajectory', o.trajectory, trajExt)];
    }
    const { stdout, stderr } = await this.process.exec('check', args, o);
    return `${stdout}\n${stderr}`;
  }
}

/** The mdrun argument array for an option set (pure; exported for tests and for logging). */
export function buildMdrunArgs(o: Omit<MdrunOptions, keyof GmxCallOptions>): string[] {
  const deffnm = assertFileName('deffnm', o.deffnm);
  const args = ['-deffnm', deffnm];
  if (o.tpr) args.push('-s', pathArg('tpr', o.tpr, tprExt));
  if (o.checkpoint) {
    args.push('-cpi', pathArg('checkpoint', o.checkpoint, ['.cpt']));
    if (o.append === false) args.push('-noappend');
  }
  if (o.checkpointIntervalMinutes !== undefined) {
    args.push(
      '-cpt',
      String(assertNumber('checkpointIntervalMinutes', o.checkpointIntervalMinutes, { min: 0 })),
    );
  }
  if (o.rerun) args.push('-rerun', pathArg('rerun', o.rerun, trajExt));
  if (o.nsteps !== undefined)
    args.push('-nsteps', String(assertNumber('nsteps', o.nsteps, { min: -1, integer: true })));
  if (o.maxHours !== undefined)
    args.push('-maxh', String(assertNumber('maxHours', o.maxHours, { min: 0 })));
  if (o.reproducible) args.push('-reprod');
  if (o.tunePme === false) args.push('-notunepme');
  if (o.tunePme === true) args.push('-tunepme');
  args.push(...mdrunResourceArgs(o.resources, o.kind ?? (o.rerun ? 'rerun' : 'dynamics')));
  return args;
}

/** The net charge pdb2gmx printed (`Total charge in system` for several chains, else `Total charge`). */
export function parsePdb2gmxCharge(output: string): number | null {
  const system = /Total charge in system (-?[\d.]+) e/.exec(output);
  if (system) return Number(system[1]);
  const all = [...output.matchAll(/Total charge (-?[\d.]+) e/g)];
  const last = all[all.length - 1];
  return last ? Number(last[1]) : null;
}
