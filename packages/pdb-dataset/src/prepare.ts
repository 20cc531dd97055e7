import { copyFile, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import {
  CRYSTAL_DISULFIDE_RULE,
  detectGromacs,
  energySeries,
  Gmx,
  GmxCommandError,
  type GmxOptions,
  GromacsError,
  type MdpParams,
  type MdrunResources,
  mergeMdp,
  prepareSystem,
  readEdr,
  referenceStepCounts,
  runStages,
  stagePreset,
} from '@fold/gromacs-runner';
import { writeFileAtomic } from './atomic-write.js';
import { ContentCache, contentKey } from './cache.js';
import { cleanStructure, type Repair } from './clean.js';
import type { DisulfidePlan } from './disulfides.js';
import { sha256Hex } from './entry-bytes.js';
import {
  type CandidateFailure,
  InvalidOptionsError,
  NoStableConfigurationError,
} from './errors.js';
import {
  type CandidateOptions,
  candidateHyperparameters,
  type Hyperparameters,
  hyperparameterLabel,
  jobSpaceSize,
  type SearchSpace,
} from './hyperparameters.js';
import {
  JOB_SPEC_FILE,
  JOB_SPEC_VERSION,
  type JobSpec,
  jobIdOf,
  renderJobSpec,
} from './job-spec.js';
import { normalizePdbId } from './pdb-id.js';
import { parsePdb } from './pdb-parser.js';
import { renderPdb } from './pdb-writer.js';
import { seededRandom } from './random.js';
import { mirrorSource, type PdbSource } from './sources.js';
import { judgeStability, type StabilityVerdict } from './stability.js';
import { normalizeTopologyHeader } from './topology-files.js';

/** Version of this package, recorded in provenance. */
export const PACKAGE_VERSION = '0.1.0';
/**
 * Version of the preparation recipe: part of every cache key, bumped whenever cleaning, repair,
 * preparation or the stability check change what they produce.
 */
export const PIPELINE_VERSION = 4;

/** The short NVT check's defaults: 500 steps of 2 fs (1 ps), mean temperature within 25 K. */
export const DEFAULT_STABILITY = { nvtSteps: 500, temperatureToleranceK: 25 } as const;

/** Settings of the stability check. */
export interface StabilityOptions {
  /** Steps of the short NVT run (2 fs each). Default 500. */
  readonly nvtSteps?: number;
  /** Largest distance of the second-half mean temperature from the target, K. Default 25. */
  readonly temperatureToleranceK?: number;
}

/** Progress of {@link prepareJob}, for CLIs and logs. */
export type PrepareEvent =
  | {
      readonly kind: 'entry';
      readonly id: string;
      readonly origin: string;
      readonly repairs: number;
      readonly segments: number;
    }
  | {
      readonly kind: 'candidate';
      readonly id: string;
      readonly index: number;
      readonly total: number;
      readonly label: string;
    }
  | {
      readonly kind: 'candidate-done';
      readonly id: string;
      readonly label: string;
      readonly outcome: 'stable' | 'rejected';
      readonly cached: boolean;
      readonly reason: string | null;
      readonly elapsedMs: number;
    };

/** Options of {@link prepareJob}. */
export interface PrepareJobOptions {
  /** PDB id (any case). */
  readonly id: string;
  /** Any integer: picks the order of candidates and their perturbations, and the stages' seed. */
  readonly seed: number;
  /** Directory of the content-hash cache of candidate preparations. */
  readonly cacheDir: string;
  /** Where entries come from; default the local mirror ({@link mirrorSource}). */
  readonly source?: PdbSource;
  /** When given, the job is written there: `job.json` and every file it lists. */
  readonly outDir?: string;
  /** Scratch space for gmx (a fresh directory inside it is removed afterwards); default the OS temp dir. */
  readonly scratchDir?: string;
  /** `full` (default) or `reference` (the reference's 12 combinations, unperturbed). */
  readonly space?: SearchSpace;
  /** Candidates to try before giving up; default one per base combination (18, or 12). */
  readonly maxCandidates?: number;
  /**
   * Hyperparameters every candidate must have (see {@link CandidateOptions.fixed}); the search
   * covers the rest.
   */
  readonly fixed?: Partial<Hyperparameters>;
  /** Minimisation step limit (default 50,000, the runner's preset). */
  readonly emMaxSteps?: number;
  /** Stability check settings. */
  readonly stability?: StabilityOptions;
  /** Production steps written into the `md` stage; NVT gets 1/100 and NPT 1/10 (default 750,000). */
  readonly mdSteps?: number;
  /**
   * mdrun threads for minimisation and the check (default one rank, one OpenMP thread: a single
   * thread makes the minimised structure reproducible bit for bit on a given build).
   */
  readonly resources?: MdrunResources;
  /** Which gmx to run (default: `FOLD_GMX` or `gmx` on PATH). */
  readonly gmx?: Gmx | GmxOptions;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: PrepareEvent) => void;
}

/** Timings of one candidate, milliseconds. */
export interface CandidateReport {
  readonly label: string;
  readonly hyperparameters: Hyperparameters;
  readonly outcome: 'stable' | 'rejected';
  readonly stage: 'prepare' | 'minimise' | 'nvt' | null;
  readonly reason: string | null;
  /** True when the outcome came from the cache. */
  readonly cached: boolean;
  /** Time the outcome took when it was computed (not the cache read). */
  readonly computeMs: number;
  /** The short NVT run's figures, when it ran. */
  readonly stability: StabilityVerdict | null;
}

/** The result of {@link prepareJob}. */
export interface PreparedJob {
  readonly spec: JobSpec;
  /** The job directory, when `outDir` was given. */
  readonly jobDir: string | null;
  /** Every candidate tried, in order, with timings (kept outside the specification). */
  readonly candidates: readonly CandidateReport[];
  /** Wall time of this call, ms. */
  readonly elapsedMs: number;
}

/** A configuration's outcome as cached on disk. */
export interface CandidateRecord {
  readonly outcome: 'stable' | 'rejected';
  readonly stage: 'prepare' | 'minimise' | 'nvt' | null;
  readonly reason: string | null;
  readonly computeMs: number;
  readonly system?: JobSpec['system'];
  readonly minimisation?: JobSpec['minimisation'];
  readonly stability?: StabilityVerdict;
  readonly roles?: Readonly<Record<string, 'structure' | 'topology' | 'include'>>;
}

/** Runner failures that say something about the candidate; anything else is about the machine. */
function isCandidateFailure(error: unknown): error is GromacsError {
  return (
    error instanceof GromacsError &&
    [
      'GMX_FAILED',
      'GROMPP_WARNINGS',
      'PDB2GMX_MISSING_ATOM',
      'PDB2GMX_UNKNOWN_RESIDUE',
      'PDB2GMX_UNEXPECTED_ATOM',
    ].includes(error.code) &&
    // A process killed by a signal (out of memory, operator) says nothing about the protein.
    (error.details as { signal?: string | null }).signal == null
  );
}

function firstSentence(message: string): string {
  const line = message.split('\n')[0] ?? message;
  return line.length > 400 ? `${line.slice(0, 397)}...` : line;
}

function seedFrom(material: string): number {
  return seededRandom(material).int(1, 2 ** 31 - 1);
}

interface CandidateContext {
  readonly pdbText: string;
  readonly disulfides: DisulfidePlan | undefined;
  readonly hyper: Hyperparameters;
  readonly emParams: MdpParams;
  readonly ionSeed: number;
  readonly checkSeed: number;
  readonly nvtSteps: number;
  readonly toleranceK: number;
  readonly resources: MdrunResources;
  readonly gmx: Gmx | GmxOptions | undefined;
  readonly signal: AbortSignal | undefined;
  readonly scratch: string;
}

/** Prepares, minimises and checks one candidate in a scratch directory. */
async function evaluateCandidate(
  c: CandidateContext,
): Promise<{ record: CandidateRecord; files: string[] }> {
  const started = performance.now();
  const common = {
    ...(c.gmx !== undefined ? { gmx: c.gmx } : {}),
    ...(c.signal !== undefined ? { signal: c.signal } : {}),
    resources: c.resources,
  };
  const rejected = (
    stage: 'prepare' | 'minimise' | 'nvt',
    reason: string,
    stability?: StabilityVerdict,
  ) => ({
    record: {
      outcome: 'rejected' as const,
      stage,
      reason,
      computeMs: Math.round(performance.now() - started),
      ...(stability !== undefined ? { stability } : {}),
    },
    files: [],
  });
  let prepared: Awaited<ReturnType<typeof prepareSystem>>;
  try {
    // `reproducible` minimises with `mdrun -reprod`, which makes em.gro the same bytes on every
    // run of a build (without it, results change with the process's memory layout); a fixed
    // ld-seed keeps the .tpr identical too (steepest descent draws no random numbers).
    prepared = await prepareSystem({
      ...common,
      pdbText: c.pdbText,
      workDir: join(c.scratch, 'prepare'),
      forceField: c.hyper.forceField,
      water: c.hyper.water,
      box: c.hyper.box,
      boxDistanceNm: c.hyper.boxDistanceNm,
      ionConcentrationMolar: c.hyper.ionConcentrationMolar,
      neutralize: true,
      emParams: mergeMdp(c.emParams, { 'ld-seed': c.ionSeed }),
      seed: c.ionSeed,
      reproducible: true,
      mergeChains: c.disulfides?.mergeChains ?? false,
      specialBonds: [CRYSTAL_DISULFIDE_RULE],
    });
  } catch (error) {
    if (isCandidateFailure(error)) {
      // Only the minimisation runs mdrun during preparation.
      const minimising = error instanceof GmxCommandError && error.subcommand === 'mdrun';
      return rejected(minimising ? 'minimise' : 'prepare', firstSentence(error.message));
    }
    throw error;
  }
  // The topology must have exactly the disulfides planned from the structure, no fewer (a bond
  // pdb2gmx missed) and no more.
  if (c.disulfides !== undefined && prepared.specialBonds.length !== c.disulfides.bonds.length) {
    return rejected(
      'prepare',
      `pdb2gmx made ${prepared.specialBonds.length} disulfide bonds where the structure has ${c.disulfides.bonds.length}`,
    );
  }
  const minimisation = {
    gro: prepared.gro,
    mdp: prepared.emParams,
    result: prepared.minimization,
    boxNm: prepared.boxNm,
  };
  for (const path of [prepared.top, ...prepared.itps]) {
    await writeFileAtomic(
      path,
      normalizeTopologyHeader(await readFile(path, 'utf8'), basename(path)),
    );
  }
  if (!minimisation.result.converged) {
    return rejected(
      'minimise',
      `minimisation did not converge: largest force ${minimisation.result.maxForceKjMolNm.toFixed(0)} kJ/mol/nm after ${minimisation.result.steps} steps`,
    );
  }
  if (
    !Number.isFinite(minimisation.result.potentialKjMol) ||
    minimisation.result.potentialKjMol >= 0
  ) {
    return rejected(
      'minimise',
      `potential energy after minimisation is ${minimisation.result.potentialKjMol} kJ/mol (a solvated protein is strongly negative)`,
    );
  }

  // The check runs the job's own NVT stage, shortened, with a tight thermostat (tau-t 0.1 ps) so
  // that the temperature has settled by the end of a run this short.
  const check = mergeMdp(
    stagePreset('nvt', {
      forceField: c.hyper.forceField,
      temperatureK: c.hyper.temperatureK,
      nsteps: c.nvtSteps,
      seed: c.checkSeed,
      outputs: { energySteps: 10, logSteps: 100, compressedSteps: 0, fullPrecisionSteps: 0 },
    }),
    { 'tau-t': 0.1 },
  );
  let verdict: StabilityVerdict;
  try {
    const run = await runStages({
      ...common,
      workDir: join(c.scratch, 'check'),
      input: { gro: minimisation.gro, top: prepared.top, itps: prepared.itps },
      stages: [{ name: 'nvt', mdp: check }],
      seed: c.checkSeed,
    });
    const files = run.stages[0]!.files;
    const edr = await readEdr(files.edr);
    verdict = judgeStability(
      {
        logText: await readFile(files.log, 'utf8'),
        temperaturesK: energySeries(edr, 'Temperature').values,
        potentialsKjMol: energySeries(edr, 'Potential').values,
      },
      { targetK: c.hyper.temperatureK, toleranceK: c.toleranceK },
    );
  } catch (error) {
    if (isCandidateFailure(error)) return rejected('nvt', firstSentence(error.message));
    throw error;
  }
  if (!verdict.stable) return rejected('nvt', verdict.reason ?? 'unstable', verdict);

  const roles: Record<string, 'structure' | 'topology' | 'include'> = {
    [basename(minimisation.gro)]: 'structure',
    [basename(prepared.top)]: 'topology',
  };
  for (const itp of prepared.itps) roles[basename(itp)] = 'include';
  const record: CandidateRecord = {
    outcome: 'stable',
    stage: null,
    reason: null,
    computeMs: Math.round(performance.now() - started),
    system: {
      atomCount: prepared.atomCount,
      proteinAtomCount: prepared.proteinAtomCount,
      waterMolecules: prepared.waterMolecules,
      ions: { positive: prepared.ions.positive, negative: prepared.ions.negative },
      netChargeE: prepared.netChargeE,
      boxNm: [...minimisation.boxNm],
    },
    minimisation: {
      mdp: minimisation.mdp as JobSpec['minimisation']['mdp'],
      potentialEnergyKjMol: minimisation.result.potentialKjMol,
      maxForceKjMolNm: minimisation.result.maxForceKjMolNm,
      steps: minimisation.result.steps,
      converged: minimisation.result.converged,
    },
    stability: verdict,
    roles,
  };
  return { record, files: [minimisation.gro, prepared.top, ...prepared.itps] };
}

/** Options of {@link prepareConfiguration}. */
export interface PrepareConfigurationOptions {
  /** A cleaned structure (PDB text), e.g. from {@link renderPdb} of {@link cleanStructure}. */
  readonly pdbText: string;
  /**
   * The structure's disulfides (`CleanStructure.disulfides`): chains are merged into one molecule
   * type when a bond joins two of them, and a topology with another number of disulfides is
   * rejected. Without it, chains stay apart and pdb2gmx's bonds are not checked.
   */
  readonly disulfides?: DisulfidePlan;
  readonly hyperparameters: Hyperparameters;
  /** Directory of the content-hash cache. */
  readonly cacheDir: string;
  /** Scratch space for gmx (default the OS temp dir). */
  readonly scratchDir?: string;
  /** Minimisation step limit (default 50,000). */
  readonly emMaxSteps?: number;
  readonly stability?: StabilityOptions;
  /** mdrun threads (default one rank, one OpenMP thread). */
  readonly resources?: MdrunResources;
  /** The GROMACS version string, part of the cache key; detected when omitted. */
  readonly gromacsVersion?: string;
  readonly gmx?: Gmx | GmxOptions;
  readonly signal?: AbortSignal;
}

/** The outcome of one configuration, from the cache or freshly computed. */
export interface ConfigurationOutcome {
  /** The cache key: SHA-256 of everything that determines the outcome. */
  readonly key: string;
  readonly record: CandidateRecord;
  /** Files of a stable configuration (in `dir`), with their sha256. */
  readonly files: readonly {
    readonly name: string;
    readonly sha256: string;
    readonly sizeBytes: number;
  }[];
  /** The cache entry's directory. */
  readonly dir: string;
  /** True when read from the cache. */
  readonly cached: boolean;
}

/**
 * Prepares one configuration of one cleaned structure and judges it: the runner builds the
 * system, minimisation must converge, and a short NVT run must be stable. The outcome (stable
 * with its files, or rejected with the stage and reason) is cached under a content hash of the
 * structure, the hyperparameters, the settings, the GROMACS version and {@link PIPELINE_VERSION}.
 * @throws {GromacsError} for failures of the machine rather than the configuration.
 * @throws {CacheCorruptError} a cache entry does not match its recorded hashes.
 */
export async function prepareConfiguration(
  options: PrepareConfigurationOptions,
): Promise<ConfigurationOutcome> {
  const nvtSteps = options.stability?.nvtSteps ?? DEFAULT_STABILITY.nvtSteps;
  const toleranceK =
    options.stability?.temperatureToleranceK ?? DEFAULT_STABILITY.temperatureToleranceK;
  const resources: MdrunResources = options.resources ?? { ntmpi: 1, ntomp: 1 };
  const emParams: MdpParams =
    options.emMaxSteps !== undefined ? { nsteps: options.emMaxSteps } : {};
  const gromacsVersion =
    options.gromacsVersion ??
    (
      await detectGromacs({
        ...(options.gmx !== undefined && !(options.gmx instanceof Gmx) ? options.gmx : {}),
        ...(options.signal !== undefined ? { signal: options.signal } : {}),
      })
    ).version;
  const key = contentKey({
    pipeline: PIPELINE_VERSION,
    gromacs: gromacsVersion,
    cleanedSha: sha256Hex(options.pdbText),
    disulfides:
      options.disulfides === undefined
        ? null
        : { bonds: options.disulfides.bonds.length, merge: options.disulfides.mergeChains },
    hyper: options.hyperparameters,
    emParams,
    nvtSteps,
    toleranceK,
    resources,
  });
  const cache = new ContentCache(resolve(options.cacheDir, 'candidates'));
  const hit = await cache.get<CandidateRecord>(key);
  if (hit !== null)
    return { key, record: hit.record, files: hit.files, dir: hit.dir, cached: true };
  const scratchRoot = options.scratchDir ?? tmpdir();
  await mkdir(scratchRoot, { recursive: true });
  const scratch = await mkdtemp(join(scratchRoot, 'fold-prep-'));
  try {
    const evaluated = await evaluateCandidate({
      pdbText: options.pdbText,
      disulfides: options.disulfides,
      hyper: options.hyperparameters,
      emParams,
      ionSeed: seedFrom(`genion:${key}`),
      checkSeed: seedFrom(`check:${key}`),
      nvtSteps,
      toleranceK,
      resources,
      gmx: options.gmx,
      signal: options.signal,
      scratch,
    });
    const stored = await cache.put(key, evaluated.record, evaluated.files);
    return { key, record: stored.record, files: stored.files, dir: stored.dir, cached: false };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Turns a PDB id and a seed into a prepared, verified-stable simulation job, deterministically.
 * Fetches the entry, cleans and repairs it ({@link cleanStructure}), then tries the seeded
 * candidate configurations in order ({@link candidateHyperparameters}): each is prepared through
 * the runner (pdb2gmx, box, water, ions, minimisation) and kept only if minimisation converges and
 * a short NVT run is stable ({@link judgeStability}). Every candidate's outcome is cached by a
 * content hash of everything that determines it, so preparing again is a cache read.
 *
 * @throws {PdbSourceError | PdbParseError} the entry cannot be fetched or read.
 * @throws {PdbRepairError} cleaning leaves no protein.
 * @throws {NoStableConfigurationError} no candidate passed (its `attempts` say why each failed).
 * @throws {InvalidOptionsError} bad seed or settings.
 * @throws {GromacsError} a failure of the machine rather than the candidate (no gmx, aborted,
 *   force field not installed).
 * @throws {CacheCorruptError} a cache entry does not match its recorded hashes.
 */
export async function prepareJob(options: PrepareJobOptions): Promise<PreparedJob> {
  const started = performance.now();
  const id = normalizePdbId(options.id);
  if (!Number.isSafeInteger(options.seed))
    throw new InvalidOptionsError(`seed must be an integer (got ${options.seed})`);
  const nvtSteps = options.stability?.nvtSteps ?? DEFAULT_STABILITY.nvtSteps;
  const toleranceK =
    options.stability?.temperatureToleranceK ?? DEFAULT_STABILITY.temperatureToleranceK;
  if (!Number.isSafeInteger(nvtSteps) || nvtSteps < 20)
    throw new InvalidOptionsError(`stability.nvtSteps must be an integer >= 20 (got ${nvtSteps})`);
  if (!(toleranceK > 0))
    throw new InvalidOptionsError(
      `stability.temperatureToleranceK must be positive (got ${toleranceK})`,
    );
  const space = options.space ?? 'full';
  const source = options.source ?? mirrorSource();
  const resources: MdrunResources = options.resources ?? { ntmpi: 1, ntomp: 1 };
  const signal = options.signal;

  const entry = await source.fetchEntry(id, signal !== undefined ? { signal } : {});
  const structure = parsePdb(entry.text, { label: `pdb${id}.ent` });
  const cleaned = cleanStructure(structure);
  const pdbText = renderPdb(cleaned, `cleaned from PDB entry ${id} by @fold/pdb-dataset`);
  const cleanedSha = sha256Hex(pdbText);
  options.onProgress?.({
    kind: 'entry',
    id,
    origin: entry.origin,
    repairs: cleaned.repairs.length,
    segments: cleaned.segments.length,
  });

  const gromacs = await detectGromacs({
    ...(options.gmx !== undefined && !(options.gmx instanceof Gmx) ? options.gmx : {}),
    ...(signal !== undefined ? { signal } : {}),
  });
  const candidateOptions: CandidateOptions = {
    space,
    ...(options.maxCandidates !== undefined ? { maxCandidates: options.maxCandidates } : {}),
    ...(options.fixed !== undefined ? { fixed: options.fixed } : {}),
  };
  const candidates = candidateHyperparameters(id, options.seed, candidateOptions);

  const reports: CandidateReport[] = [];
  const rejected: CandidateFailure[] = [];
  let chosen: {
    hyper: Hyperparameters;
    record: CandidateRecord;
    dir: string;
    files: readonly { name: string; sha256: string; sizeBytes: number }[];
  } | null = null;
  for (const [index, hyper] of candidates.entries()) {
    const label = hyperparameterLabel(hyper);
    options.onProgress?.({ kind: 'candidate', id, index, total: candidates.length, label });
    const tStart = performance.now();
    const outcome = await prepareConfiguration({
      pdbText,
      disulfides: cleaned.disulfides,
      hyperparameters: hyper,
      cacheDir: options.cacheDir,
      gromacsVersion: gromacs.version,
      ...(options.scratchDir !== undefined ? { scratchDir: options.scratchDir } : {}),
      ...(options.emMaxSteps !== undefined ? { emMaxSteps: options.emMaxSteps } : {}),
      stability: { nvtSteps, temperatureToleranceK: toleranceK },
      resources,
      ...(options.gmx !== undefined ? { gmx: options.gmx } : {}),
      ...(signal !== undefined ? { signal } : {}),
    });
    const { record, files, cached } = outcome;
    const entryDir = outcome.dir;
    reports.push({
      label,
      hyperparameters: hyper,
      outcome: record.outcome,
      stage: record.stage,
      reason: record.reason,
      cached,
      computeMs: record.computeMs,
      stability: record.stability ?? null,
    });
    options.onProgress?.({
      kind: 'candidate-done',
      id,
      label,
      outcome: record.outcome,
      cached,
      reason: record.reason,
      elapsedMs: Math.round(performance.now() - tStart),
    });
    if (record.outcome === 'stable') {
      chosen = { hyper, record, dir: entryDir, files };
      break;
    }
    rejected.push({
      candidate: label,
      stage: record.stage ?? 'unknown',
      reason: record.reason ?? 'rejected',
    });
  }
  if (chosen === null)
    throw new NoStableConfigurationError(id, rejected, { details: { cleanedSha } });

  const spec = buildSpec({
    id,
    seed: options.seed,
    entrySha256: entry.sha256,
    entrySource: entry.origin === 'mirror' ? 'mirror' : (entry.url ?? 'download'),
    title: structure.title,
    experimentalMethod: structure.experimentalMethod,
    cleanedSha,
    repairs: cleaned.repairs,
    hyper: chosen.hyper,
    record: chosen.record,
    files: chosen.files,
    rejected,
    space,
    gromacsVersion: gromacs.version,
    nvtSteps,
    toleranceK,
    mdSteps: options.mdSteps ?? 750_000,
  });

  let jobDir: string | null = null;
  if (options.outDir !== undefined) {
    jobDir = resolve(options.outDir);
    await mkdir(jobDir, { recursive: true });
    for (const file of spec.files)
      await copyFile(join(chosen.dir, file.name), join(jobDir, file.name));
    await writeFileAtomic(join(jobDir, JOB_SPEC_FILE), renderJobSpec(spec));
  }
  return { spec, jobDir, candidates: reports, elapsedMs: Math.round(performance.now() - started) };
}

interface SpecInput {
  readonly id: string;
  readonly seed: number;
  readonly entrySha256: string;
  readonly entrySource: string;
  readonly title: string;
  readonly experimentalMethod: string;
  readonly cleanedSha: string;
  readonly repairs: readonly Repair[];
  readonly hyper: Hyperparameters;
  readonly record: CandidateRecord;
  readonly files: readonly { name: string; sha256: string; sizeBytes: number }[];
  readonly rejected: readonly CandidateFailure[];
  readonly space: SearchSpace;
  readonly gromacsVersion: string;
  readonly nvtSteps: number;
  readonly toleranceK: number;
  readonly mdSteps: number;
}

function buildSpec(s: SpecInput): JobSpec {
  const roles = s.record.roles ?? {};
  const files = s.files.map((f) => ({
    name: f.name,
    role: roles[f.name] ?? ('include' as const),
    sha256: f.sha256,
    sizeBytes: f.sizeBytes,
  }));
  const structure = files.find((f) => f.role === 'structure')!.name;
  const topology = files.find((f) => f.role === 'topology')!.name;
  const steps = referenceStepCounts(s.mdSteps);
  const stageSeed = seedFrom(`stages:${s.id}:${s.seed}`);
  const stages = (['nvt', 'npt', 'md'] as const).map((name) => ({
    name,
    mdp: stagePreset(name, {
      forceField: s.hyper.forceField,
      temperatureK: s.hyper.temperatureK,
      pressureBar: s.hyper.pressureBar,
      nsteps: steps[name],
      seed: stageSeed,
    }) as JobSpec['stages'][number]['mdp'],
  }));
  const withoutId: Omit<JobSpec, 'jobId'> = {
    schemaVersion: JOB_SPEC_VERSION,
    pdbId: s.id,
    seed: s.seed,
    files,
    structure,
    topology,
    stages,
    minimisation: s.record.minimisation!,
    system: s.record.system!,
    provenance: {
      pdbId: s.id,
      entrySha256: s.entrySha256,
      entrySource: s.entrySource,
      title: s.title,
      experimentalMethod: s.experimentalMethod,
      cleanedStructureSha256: s.cleanedSha,
      repairs: s.repairs.map((r) => ({
        kind: r.kind,
        subject: r.subject,
        detail: r.detail,
        ...(r.atoms !== undefined ? { atoms: [...r.atoms] } : {}),
      })),
      hyperparameters: { ...s.hyper },
      search: {
        space: s.space,
        jobSpaceSize: jobSpaceSize(s.space),
        rejected: s.rejected.map((r) => ({ ...r })),
      },
      stability: { nvtSteps: s.nvtSteps, temperatureToleranceK: s.toleranceK, passed: true },
      software: {
        gromacs: s.gromacsVersion,
        pdbDataset: PACKAGE_VERSION,
        pipeline: PIPELINE_VERSION,
      },
    },
  };
  // A round trip through JSON drops anything a reader would not see (undefined members).
  const plain = JSON.parse(JSON.stringify(withoutId)) as Omit<JobSpec, 'jobId'>;
  return { ...plain, jobId: jobIdOf(plain) } as JobSpec;
}
