import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import {
  type EdrData,
  encodeTrr,
  energySeries,
  Gmx,
  GmxAbortedError,
  GmxNotFoundError,
  type GmxOptions,
  GromacsError,
  getMdpNumber,
  getMdpWord,
  type InputrecSection,
  type MdpParams,
  mergeMdp,
  parseLogParameters,
  parseTprDump,
  readEdr,
  readTrr,
  renderMdp,
  reproducibleMdrun,
  type StageSpec,
  type TprDump,
  validateMdpParams,
} from '@fold/gromacs-runner';
import { JOB_SPEC_FILE, type JobSpec, validateJobSpec } from '@fold/pdb-dataset';
import { frameCommitment, SchemaError } from '@fold/synapse';
import { checkCommitment, checkCopies, type OtherSubmission } from './anti-copy.js';
import {
  type ArtefactLimits,
  checkArtefacts,
  DEFAULT_ARTEFACT_LIMITS,
  type MinerArtefacts,
  type ParsedArtefacts,
} from './artefacts.js';
import {
  checkEdrConsistency,
  checkGeneratedVelocities,
  checkLogAgainstEdr,
  checkParameters,
  checkSpeed,
  checkSteps,
} from './compliance.js';
import { checkEnergy } from './energy.js';
import {
  JobNotVerifiableError,
  VerificationRequestError,
  VerifierClosedError,
  VerifierOptionsError,
  VerifierSetupError,
} from './errors.js';
import { checkFrameIdentity, checkMinerTopology } from './identity.js';
import {
  checkContinuation,
  checkFramePhysics,
  edrValueAt,
  type PotentialSeries,
} from './physics.js';
import { type CheckName, type Reason, reason } from './reasons.js';
import { checkReproduction } from './reproduction.js';
import {
  caAtomsOf,
  parseGroPositions,
  type ReferenceSystem,
  type StageReference,
  stageReference,
} from './system.js';
import { resolveTolerances, type Tolerances } from './tolerances.js';
import {
  buildVerdict,
  type CheckOutcome,
  EMPTY_MEASUREMENTS,
  type Verdict,
  type VerdictMeasurements,
} from './verdict.js';

/** Options of {@link JobVerifier.create}. */
export interface JobVerifierOptions {
  /** Directory holding the job's files (`em.gro`, `topol.top`, includes), as `prepareJob` wrote them. */
  readonly jobDir: string;
  /** The job specification; read from `jobDir/job.json` when absent. Validated either way. */
  readonly jobSpec?: JobSpec | unknown;
  /** Directory for the verifier's own run inputs and per-verification scratch files (created). */
  readonly workDir: string;
  /** The job id bound into miners' commitments (the one sent in `FoldAssign`); default `jobSpec.jobId`. */
  readonly jobId?: string;
  /**
   * The stages as assigned to miners (name and mdp, seeds excepted), in order; default the
   * specification's. Each eligible stage must write energies at most every
   * `reproductionWindowSteps` steps ({@link verifiableStages} sets that).
   */
  readonly stages?: readonly StageSpec[];
  /**
   * Stages whose frames are verified; default every unrestrained dynamics stage. Restrained
   * stages cannot be: their restraint reference is the miner's own previous stage.
   */
  readonly eligibleStages?: readonly string[];
  /** The GROMACS used for run inputs, dumps and continuations (default `FOLD_GMX` or `gmx`). */
  readonly gmx?: Gmx | GmxOptions;
  /**
   * The GROMACS used to recompute energies and forces; default {@link gmx}. A double-precision
   * build (`gmx_d`) makes the recomputed energy independent of thread count and hardware.
   */
  readonly rerunGmx?: Gmx | GmxOptions;
  /** OpenMP threads of each mdrun (default 1: the same result on every validator with the same build). */
  readonly threads?: number;
  readonly tolerances?: Partial<Tolerances>;
  readonly artefactLimits?: Partial<ArtefactLimits>;
  /** Time allowed to each gmx call on a miner's files, ms (default 300,000). */
  readonly gmxTimeoutMs?: number;
  /** Require the miner's `.tpr` (default true); without it parameters are checked from the log only. */
  readonly requireTpr?: boolean;
  /** Keep each verification's scratch directory (for debugging). */
  readonly keepFiles?: boolean;
  readonly signal?: AbortSignal;
}

/** What {@link JobVerifier.verify} checks: one miner's claim for one frame and its artefacts. */
export interface VerificationRequest {
  /** The miner's hotkey, SS58. */
  readonly minerHotkey: string;
  /** The seed the validator assigned to this miner (`gen-seed` and `ld-seed`). */
  readonly assignedSeed: number;
  /** What the miner claimed in its progress answer. */
  readonly claim: {
    readonly stage: string;
    readonly step: number;
    readonly potentialKjMol: number;
    readonly commitment: string;
    /** When the validator first saw the commitment, ms since the epoch. */
    readonly committedAt: number;
  };
  readonly artefacts: MinerArtefacts;
  /** Wall time from the assignment to the fetch of these artefacts, ms (the validator's clock). */
  readonly elapsedWallMs: number;
  /** Other miners' submissions for the same job (anti-copy). */
  readonly otherSubmissions?: readonly OtherSubmission[];
  readonly signal?: AbortSignal;
}

const MINIMIZERS = new Set(['steep', 'cg', 'l-bfgs', 'nm']);
const SHA256_HEX = /^[0-9a-f]{64}$/;
const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

interface StageSetup {
  readonly reference: StageReference;
  /** Absolute path of the rerun input (energies and forces of one frame). */
  readonly rerunTpr: string;
  /** Steps of all stages before this one. */
  readonly stepsBefore: number;
  /** Coupling intervals grompp resolved, pinned in continuations. */
  readonly coupling: MdpParams;
  /** Whether the stage draws its velocities (`gen-vel = yes`), so its run input proves `gen-seed`. */
  readonly generatesVelocities: boolean;
}

/**
 * Verifies miners' results for one job against the validator's own inputs. {@link create} builds
 * the validator's run inputs once per job (the production parameters for reruns, the expected
 * run input of each eligible stage); {@link verify} then checks one miner's claim and returns a
 * {@link Verdict}: accepted with the recomputed energy, or rejected with every reason found.
 *
 * ```ts
 * const verifier = await JobVerifier.create({ jobDir: 'jobs/1l2y-7', workDir: 'verify/1l2y-7' });
 * const verdict = await verifier.verify({ minerHotkey, assignedSeed, claim, artefacts, elapsedWallMs });
 * if (verdict.accepted) score(minerHotkey, verdict.energyKjMol);
 * ```
 */
export class JobVerifier {
  readonly jobId: string;
  readonly spec: JobSpec;
  readonly tolerances: Tolerances;
  /** The validator's own system (atoms, masses, names, constraints, starting structure). */
  readonly system: ReferenceSystem;
  readonly #stages: ReadonlyMap<string, StageSetup>;
  readonly #assigned: ReadonlySet<string>;
  readonly #dir: string;
  readonly #gmx: Gmx;
  readonly #rerunGmx: Gmx;
  readonly #threads: number;
  readonly #limits: ArtefactLimits;
  readonly #timeoutMs: number;
  readonly #requireTpr: boolean;
  readonly #keepFiles: boolean;
  #closed = false;

  private constructor(init: {
    jobId: string;
    spec: JobSpec;
    tolerances: Tolerances;
    system: ReferenceSystem;
    stages: Map<string, StageSetup>;
    assigned: Set<string>;
    dir: string;
    gmx: Gmx;
    rerunGmx: Gmx;
    threads: number;
    limits: ArtefactLimits;
    timeoutMs: number;
    requireTpr: boolean;
    keepFiles: boolean;
  }) {
    this.jobId = init.jobId;
    this.spec = init.spec;
    this.tolerances = init.tolerances;
    this.system = init.system;
    this.#stages = init.stages;
    this.#assigned = init.assigned;
    this.#dir = init.dir;
    this.#gmx = init.gmx;
    this.#rerunGmx = init.rerunGmx;
    this.#threads = init.threads;
    this.#limits = init.limits;
    this.#timeoutMs = init.timeoutMs;
    this.#requireTpr = init.requireTpr;
    this.#keepFiles = init.keepFiles;
  }

  /** Names of the stages whose frames this verifier accepts. */
  get eligibleStages(): string[] {
    return [...this.#stages.keys()];
  }

  /** The reference of an eligible stage (parameters, time step, degrees of freedom, expected inputrec). */
  stage(name: string): StageReference | undefined {
    return this.#stages.get(name)?.reference;
  }

  /**
   * Checks the job and options, copies the job's files into `workDir` after checking their
   * SHA-256, and builds the validator's own run inputs with gmx: per eligible stage the expected
   * run input (dumped to compare miners' against) and the rerun input (the stage's production
   * parameters, forces on).
   * @throws {VerifierOptionsError} for bad options or tolerances.
   * @throws {JobNotVerifiableError} for an invalid spec, files that do not match it, or stages that
   *   cannot be verified (restrained, or energies written less often than the reproduction window).
   * @throws {VerifierSetupError} when gmx fails on the validator's own inputs.
   * @throws {GmxNotFoundError | GmxAbortedError} when gmx is missing or `signal` aborted.
   */
  static async create(options: JobVerifierOptions): Promise<JobVerifier> {
    const tolerances = resolveTolerances(options.tolerances);
    const threads = options.threads ?? 1;
    if (!Number.isInteger(threads) || threads < 1 || threads > 256) {
      throw new VerifierOptionsError('threads', 'must be an integer from 1 to 256');
    }
    const timeoutMs = options.gmxTimeoutMs ?? 300_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs < 1000) {
      throw new VerifierOptionsError('gmxTimeoutMs', 'must be at least 1000 ms');
    }
    const limits = { ...DEFAULT_ARTEFACT_LIMITS, ...(options.artefactLimits ?? {}) };
    for (const [key, value] of Object.entries(limits)) {
      if (!Number.isSafeInteger(value) || value <= 0) {
        throw new VerifierOptionsError(`artefactLimits.${key}`, 'must be a positive integer');
      }
    }
    const jobDir = resolve(options.jobDir);
    const spec = await loadSpec(jobDir, options.jobSpec);
    const jobId = options.jobId ?? spec.jobId;
    if (typeof jobId !== 'string' || !JOB_ID.test(jobId)) {
      throw new VerifierOptionsError('jobId', 'must be 1-64 letters, digits, _ or -');
    }
    const assigned = checkStages(options.stages ?? (spec.stages as StageSpec[]));
    const eligible = chooseEligible(assigned, options.eligibleStages, tolerances);

    const gmx = options.gmx instanceof Gmx ? options.gmx : new Gmx(options.gmx ?? {});
    const rerunGmx =
      options.rerunGmx === undefined
        ? gmx
        : options.rerunGmx instanceof Gmx
          ? options.rerunGmx
          : new Gmx(options.rerunGmx);
    await mkdir(resolve(options.workDir), { recursive: true });
    const dir = await mkdtemp(join(resolve(options.workDir), 'job-'));
    try {
      for (const file of spec.files) {
        const bytes = await readFile(join(jobDir, file.name)).catch((cause: unknown) => {
          throw new JobNotVerifiableError(`job file ${file.name} cannot be read`, {
            details: { file: file.name },
            cause,
          });
        });
        if (
          bytes.length !== file.sizeBytes ||
          createHash('sha256').update(bytes).digest('hex') !== file.sha256
        ) {
          throw new JobNotVerifiableError(`job file ${file.name} does not match its sha256`, {
            details: { file: file.name },
          });
        }
        await writeFile(join(dir, file.name), bytes);
      }
      const start = parseGroPositions(await readFile(join(dir, spec.structure), 'utf8'));
      const signal = options.signal ? { signal: options.signal } : {};
      const setupCall = async <T>(what: string, call: () => Promise<T>): Promise<T> => {
        try {
          return await call();
        } catch (error) {
          if (error instanceof GmxNotFoundError || error instanceof GmxAbortedError) throw error;
          if (error instanceof GromacsError) {
            throw new VerifierSetupError(
              `${what} failed on the job's own files: ${error.message}`,
              {
                cause: error,
                details: { code: error.code },
              },
            );
          }
          throw error;
        }
      };

      const stages = new Map<string, StageSetup>();
      let system: ReferenceSystem | null = null;
      let stepsBefore = 0;
      let boxMayChange = false;
      for (const [index, stage] of assigned.entries()) {
        const isEligible = eligible.has(stage.name);
        const nsteps = getMdpNumber(stage.mdp, 'nsteps') ?? 0;
        const before = stepsBefore;
        const boxChangedBefore = boxMayChange;
        stepsBefore += nsteps;
        if ((getMdpWord(stage.mdp, 'pcoupl') ?? 'no') !== 'no') boxMayChange = true;
        if (!isEligible) continue;
        // The expected run input: the assigned parameters with a placeholder seed (the seed is
        // compared on its own), from the job's starting structure.
        const expectedMdp = mergeMdp(stage.mdp, { 'gen-seed': 1, 'ld-seed': 1 });
        await writeFile(join(dir, `expected-${stage.name}.mdp`), renderMdp(expectedMdp));
        await setupCall(`grompp of the expected ${stage.name} run input`, () =>
          gmx.grompp({
            cwd: dir,
            mdp: `expected-${stage.name}.mdp`,
            coordinates: spec.structure,
            topology: spec.topology,
            output: `expected-${stage.name}.tpr`,
            ...signal,
          }),
        );
        const dump = await setupCall(`gmx dump of the expected ${stage.name} run input`, async () =>
          parseTprDump(await gmx.dump({ cwd: dir, tpr: `expected-${stage.name}.tpr`, ...signal })),
        );
        system ??= referenceSystem(dump, start);
        const reference = stageReference({
          name: stage.name,
          index,
          mdp: stage.mdp,
          expected: { inputrec: dump.inputrec, groupOptions: dump.groupOptions },
          boxMayChangeBefore: boxChangedBefore,
        });
        // The production parameters of this stage, one step, forces and energies written.
        const rerunMdp = mergeMdp(stage.mdp, {
          nsteps: 0,
          nstxout: 0,
          nstvout: 0,
          'nstxout-compressed': 0,
          nstfout: 1,
          nstenergy: 1,
          nstcalcenergy: 1,
          nstlog: 0,
          continuation: 'yes',
          'gen-vel': 'no',
          'gen-seed': 1,
          'ld-seed': 1,
        });
        await writeFile(join(dir, `rerun-${stage.name}.mdp`), renderMdp(rerunMdp));
        await setupCall(`grompp of the ${stage.name} rerun input`, () =>
          rerunGmx.grompp({
            cwd: dir,
            mdp: `rerun-${stage.name}.mdp`,
            coordinates: spec.structure,
            topology: spec.topology,
            output: `rerun-${stage.name}.tpr`,
            ...signal,
          }),
        );
        const coupling: Record<string, number> = {};
        for (const key of ['nsttcouple', 'nstpcouple', 'nstcomm']) {
          const value = dump.inputrec[key];
          if (typeof value === 'number') coupling[key] = value;
        }
        stages.set(stage.name, {
          reference,
          rerunTpr: join(dir, `rerun-${stage.name}.tpr`),
          stepsBefore: before,
          coupling,
          generatesVelocities: getMdpWord(stage.mdp, 'gen-vel') === 'yes',
        });
      }
      if (system === null) throw new JobNotVerifiableError('no stage is eligible for verification');
      return new JobVerifier({
        jobId,
        spec,
        tolerances,
        system,
        stages,
        assigned: new Set(assigned.map((s) => s.name)),
        dir,
        gmx,
        rerunGmx,
        threads,
        limits,
        timeoutMs,
        requireTpr: options.requireTpr ?? true,
        keepFiles: options.keepFiles ?? false,
      });
    } catch (error) {
      await rm(dir, { recursive: true, force: true });
      throw error;
    }
  }

  /**
   * Verifies one miner's claim. Never throws for anything the miner sent: every problem found
   * becomes a reason of a rejected verdict, and every check runs that still can.
   * @throws {VerificationRequestError} when the request itself is malformed (the caller's bug).
   * @throws {VerifierClosedError} after {@link close}.
   * @throws {GmxNotFoundError | GmxAbortedError} when gmx is missing or `signal` aborted.
   */
  async verify(request: VerificationRequest): Promise<Verdict> {
    if (this.#closed) throw new VerifierClosedError();
    checkRequest(request);
    const started = performance.now();
    const { claim } = request;
    const tolerances = this.tolerances;
    const reasons: Reason[] = [];
    const checks: CheckOutcome[] = [];
    let measurements: VerdictMeasurements = { ...EMPTY_MEASUREMENTS };
    let energyKjMol: number | null = null;
    const scratch = await mkdtemp(join(this.#dir, 'verify-'));
    const call = {
      cwd: scratch,
      timeoutMs: this.#timeoutMs,
      ...(request.signal ? { signal: request.signal } : {}),
    };
    const run = async (
      name: CheckName,
      skip: boolean,
      body: () => Promise<Reason[]> | Reason[],
    ) => {
      const t0 = performance.now();
      if (skip) {
        checks.push({ name, ok: false, skipped: true, ms: 0 });
        return;
      }
      const found = await body();
      reasons.push(...found);
      checks.push({
        name,
        ok: found.length === 0,
        skipped: false,
        ms: round(performance.now() - t0),
      });
    };
    try {
      const setup = this.#stages.get(claim.stage);
      let parsed: ParsedArtefacts = {};
      let minerDump: TprDump | null = null;

      await run('artefacts', false, async () => {
        const result = checkArtefacts(request.artefacts, this.system.atomCount, this.#limits);
        parsed = result.parsed;
        const found = result.reasons.filter(
          (r) => this.#requireTpr || !(r.code === 'ARTEFACT_MISSING' && r.details.role === 'tpr'),
        );
        if (parsed.tpr) {
          await writeFile(join(scratch, 'miner.tpr'), parsed.tpr);
          try {
            minerDump = parseTprDump(await this.#gmx.dump({ ...call, tpr: 'miner.tpr' }));
          } catch (error) {
            rethrowMachineErrors(error);
            found.push(
              reason('ARTEFACT_CORRUPT', `the tpr cannot be read: ${briefMessage(error)}`, {
                role: 'tpr',
              }),
            );
          }
        }
        return found;
      });
      const { frame, frameBytes, edr, logText } = parsed as ParsedArtefacts;

      await run('commitment', frameBytes === undefined, () =>
        checkCommitment({
          commitment: claim.commitment,
          jobId: this.jobId,
          minerHotkey: request.minerHotkey,
          frameBytes: frameBytes as Uint8Array,
        }),
      );

      let frameUsable = false;
      await run('identity', false, () => {
        const found: Reason[] = [];
        if (setup === undefined) {
          found.push(
            reason(
              'STAGE_NOT_ELIGIBLE',
              this.#assigned.has(claim.stage)
                ? `frames of stage ${claim.stage} are not verified (eligible: ${this.eligibleStages.join(', ')})`
                : `the job has no stage ${claim.stage}`,
              { stage: claim.stage, eligible: this.eligibleStages },
            ),
          );
        } else if (frame) {
          const identity = checkFrameIdentity(this.system, setup.reference, frame, edr, tolerances);
          frameUsable = identity.usable;
          found.push(...identity.reasons);
        }
        if (minerDump) found.push(...checkMinerTopology(this.system, minerDump));
        return found;
      });
      const stage = setup?.reference;
      const usable =
        frameUsable && frame !== undefined && stage !== undefined && setup !== undefined;

      await run('anti-copy', !usable, () => {
        const result = checkCopies({
          system: this.system,
          frame: frame as NonNullable<typeof frame>,
          frameBytes: frameBytes as Uint8Array,
          minerHotkey: request.minerHotkey,
          committedAt: claim.committedAt,
          others: request.otherSubmissions ?? [],
          tolerances,
        });
        measurements = {
          ...measurements,
          inputRmsdNm: result.measurements.inputRmsdNm,
          closestCopy: result.measurements.closest,
        };
        return result.reasons;
      });

      // The validator's copy of the frame, written from the parsed values: gmx never reads the
      // miner's bytes.
      if (usable) {
        await writeFile(
          join(scratch, 'frame.trr'),
          encodeTrr([frame], parsed.framePrecision ?? 'single'),
        );
      }
      let forces: Float64Array | null = null;
      await run('energy', !usable, async () => {
        const s = setup as StageSetup;
        try {
          await this.#rerunGmx.mdrun({
            ...call,
            deffnm: 'rerun',
            tpr: s.rerunTpr,
            rerun: 'frame.trr',
            kind: 'rerun',
            resources: { ntmpi: 1, ntomp: this.#threads, pin: 'off' },
          });
          const rerun = await readEdr(join(scratch, 'rerun.edr'));
          energyKjMol = energySeries(rerun, 'Potential').values[0] ?? Number.NaN;
          const trr = await readTrr(join(scratch, 'rerun.trr'));
          forces = trr.frames[0]?.forcesKjMolNm ?? null;
        } catch (error) {
          rethrowMachineErrors(error);
          return [
            reason(
              'ENERGY_NOT_FINITE',
              `the rerun of the frame failed: ${briefMessage(error)}`,
              {},
            ),
          ];
        }
        const result = checkEnergy({
          recomputedKjMol: energyKjMol,
          claimedKjMol: claim.potentialKjMol,
          edrKjMol: edrValueAt(edr, 'Potential', (frame as NonNullable<typeof frame>).step),
          tolerances,
        });
        measurements = {
          ...measurements,
          potentialKjMol: energyKjMol,
          claimRelative: result.claimRelative,
          edrRelative: result.edrRelative,
        };
        return result.reasons;
      });

      let continuation: PotentialSeries | null = null;
      await run('physics', !usable, async () => {
        const s = setup as StageSetup;
        const f = frame as NonNullable<typeof frame>;
        const statics = checkFramePhysics({
          system: this.system,
          stage: s.reference,
          frame: f,
          forces,
          edr,
          tolerances,
        });
        const found = [...statics.reasons];
        measurements = {
          ...measurements,
          maxForceKjMolNm: statics.measurements.maxForceKjMolNm,
          rmsForceKjMolNm: statics.measurements.rmsForceKjMolNm,
          maxConstraintDeviation: statics.measurements.maxConstraintDeviation,
          closestAtomsNm: statics.measurements.closestAtomsNm,
          temperatureK: statics.measurements.temperatureK,
          kineticRelative: statics.measurements.kineticRelative,
        };
        const outcome = await this.#continue(s, f.step, request.assignedSeed, call);
        if ('failure' in outcome) {
          found.push(
            reason(
              'UNSTABLE_CONTINUATION',
              `a continuation from the frame with the validator's parameters failed: ${outcome.failure}`,
              {},
            ),
          );
          return found;
        }
        continuation = outcome.series;
        const judged = checkContinuation({
          stage: s.reference,
          frameStep: f.step,
          series: outcome.series,
          tolerances,
        });
        measurements = {
          ...measurements,
          gradientSigmas: judged.measurements.gradientSigmas,
          driftSigmas: judged.measurements.driftSigmas,
        };
        return [...found, ...judged.reasons];
      });

      await run('compliance', stage === undefined, async () => {
        const s = setup as StageSetup;
        const found: Reason[] = [];
        const dump = minerDump as TprDump | null;
        if (s.generatesVelocities && dump) {
          found.push(
            ...checkGeneratedVelocities({
              expected: await this.#drawnVelocities(s, request.assignedSeed, call),
              actual: dump.velocitiesNmPs,
              assignedSeed: request.assignedSeed,
            }),
          );
        }
        const tpr: InputrecSection | null = dump
          ? { inputrec: dump.inputrec, groupOptions: dump.groupOptions }
          : null;
        found.push(
          ...checkParameters({
            stage: s.reference,
            assignedSeed: request.assignedSeed,
            tpr,
            logSections: logText ? parseLogParameters(logText) : [],
            tolerances,
          }),
        );
        if (edr) {
          found.push(...checkEdrConsistency(edr, s.reference, tolerances));
          if (logText) found.push(...checkLogAgainstEdr(logText, edr, tolerances));
          const speed = checkSpeed({
            atomCount: this.system.atomCount,
            stepsBefore: s.stepsBefore,
            stage: s.reference,
            lastEdrStep: lastStep(edr),
            elapsedWallMs: request.elapsedWallMs,
            tolerances,
          });
          measurements = { ...measurements, atomStepsPerSecond: speed.atomStepsPerSecond };
          found.push(...speed.reasons);
        }
        if (frame)
          found.push(...checkSteps({ claimStep: claim.step, frame, stage: s.reference, edr }));
        return found;
      });

      await run('reproduction', !usable || edr === undefined || continuation === null, () => {
        const s = setup as StageSetup;
        const e = edr as EdrData;
        const result = checkReproduction({
          frameStep: (frame as NonNullable<typeof frame>).step,
          miner: energySeries(e, 'Potential'),
          validator: continuation as PotentialSeries,
          minerLastStep: lastStep(e),
          stageLastStep: s.reference.lastStep,
          tolerances,
        });
        measurements = {
          ...measurements,
          reproductionDeviation: result.measurements.maxDeviation,
          reproductionSteps: result.measurements.comparedSteps.length,
        };
        return result.reasons;
      });
    } finally {
      if (!this.#keepFiles) await rm(scratch, { recursive: true, force: true });
    }
    return buildVerdict({
      jobId: this.jobId,
      minerHotkey: request.minerHotkey,
      stage: claim.stage,
      step: claim.step,
      claimedEnergyKjMol: claim.potentialKjMol,
      energyKjMol,
      reasons,
      checks,
      measurements,
      totalMs: performance.now() - started,
    });
  }

  /** Removes the verifier's files; later {@link verify} calls throw. */
  async close(): Promise<void> {
    this.#closed = true;
    await rm(this.#dir, { recursive: true, force: true });
  }

  /** The velocities grompp draws for a stage with `gen-vel = yes` and the given seed. */
  async #drawnVelocities(
    setup: StageSetup,
    seed: number,
    call: { cwd: string; timeoutMs: number; signal?: AbortSignal },
  ): Promise<Float64Array> {
    const mdp = mergeMdp(setup.reference.mdp, { 'gen-seed': seed, 'ld-seed': seed });
    await writeFile(join(call.cwd, 'seeded.mdp'), renderMdp(mdp));
    try {
      await this.#gmx.grompp({
        ...call,
        mdp: 'seeded.mdp',
        coordinates: join(this.#dir, this.spec.structure),
        topology: join(this.#dir, this.spec.topology),
        output: 'seeded.tpr',
      });
      const velocities = parseTprDump(
        await this.#gmx.dump({ ...call, tpr: 'seeded.tpr' }),
      ).velocitiesNmPs;
      if (velocities === null)
        throw new VerifierSetupError('grompp stored no velocities for a stage that draws them');
      return velocities;
    } catch (error) {
      if (
        !(error instanceof GromacsError) ||
        error instanceof GmxNotFoundError ||
        error instanceof GmxAbortedError
      ) {
        throw error;
      }
      throw new VerifierSetupError(
        `drawing the ${setup.reference.name} velocities failed: ${error.message}`,
        {
          cause: error,
        },
      );
    }
  }

  /**
   * Continues the frame for the reproduction window with the validator's parameters, the
   * miner's assigned seed and the coupling intervals of the expected run input, writing the
   * potential at every step (`mdrun -reprod`, fixed threads, no PME tuning).
   */
  async #continue(
    setup: StageSetup,
    frameStep: number,
    seed: number,
    call: { cwd: string; timeoutMs: number; signal?: AbortSignal },
  ): Promise<{ series: PotentialSeries } | { failure: string }> {
    const mdp = mergeMdp(setup.reference.mdp, setup.coupling, {
      'gen-seed': seed,
      'ld-seed': seed,
      'init-step': frameStep,
      nsteps: this.tolerances.reproductionWindowSteps,
      continuation: 'yes',
      'gen-vel': 'no',
      nstxout: 0,
      nstvout: 0,
      nstfout: 0,
      'nstxout-compressed': 0,
      nstlog: 0,
      nstenergy: 1,
      nstcalcenergy: 1,
    });
    await writeFile(join(call.cwd, 'continue.mdp'), renderMdp(mdp));
    try {
      await this.#gmx.grompp({
        ...call,
        mdp: 'continue.mdp',
        coordinates: join(this.#dir, this.spec.structure),
        topology: join(this.#dir, this.spec.topology),
        checkpoint: 'frame.trr',
        output: 'continue.tpr',
      });
      await this.#gmx.mdrun({
        ...call,
        deffnm: 'continue',
        ...reproducibleMdrun(this.#threads),
      });
    } catch (error) {
      rethrowMachineErrors(error);
      return { failure: briefMessage(error) };
    }
    const path = join(call.cwd, 'continue.edr');
    if (!existsSync(path)) return { failure: 'mdrun wrote no energies' };
    const series = energySeries(await readEdr(path), 'Potential');
    return { series: { steps: series.steps, values: series.values } };
  }
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

function lastStep(edr: EdrData): number {
  return edr.frames[edr.frames.length - 1]?.step ?? 0;
}

function rethrowMachineErrors(error: unknown): void {
  if (error instanceof GmxNotFoundError || error instanceof GmxAbortedError) throw error;
  if (!(error instanceof GromacsError)) throw error;
}

function briefMessage(error: unknown): string {
  if (error instanceof GromacsError) {
    const fatal = (error as { fatalError?: string | null }).fatalError;
    return (fatal ?? error.message).slice(0, 400);
  }
  return String(error).slice(0, 400);
}

async function loadSpec(jobDir: string, given: unknown): Promise<JobSpec> {
  let input = given;
  if (input === undefined) {
    const path = join(jobDir, JOB_SPEC_FILE);
    try {
      input = JSON.parse(await readFile(path, 'utf8')) as unknown;
    } catch (cause) {
      throw new JobNotVerifiableError(`cannot read the job specification ${path}`, { cause });
    }
  }
  try {
    return validateJobSpec(input);
  } catch (cause) {
    throw new JobNotVerifiableError(
      `the job specification is invalid: ${cause instanceof Error ? cause.message : String(cause)}`,
      { cause },
    );
  }
}

function checkStages(stages: readonly StageSpec[]): StageSpec[] {
  if (!Array.isArray(stages) || stages.length === 0) {
    throw new JobNotVerifiableError('the job has no stages');
  }
  const names = new Set<string>();
  return stages.map((stage, i) => {
    if (typeof stage?.name !== 'string' || !/^[a-z][a-z0-9_-]{0,31}$/.test(stage.name)) {
      throw new JobNotVerifiableError(`stage ${i} has no valid name`);
    }
    if (names.has(stage.name)) throw new JobNotVerifiableError(`stage ${stage.name} appears twice`);
    names.add(stage.name);
    try {
      return { name: stage.name, mdp: validateMdpParams(stage.mdp) };
    } catch (cause) {
      throw new JobNotVerifiableError(
        `stage ${stage.name}: ${cause instanceof Error ? cause.message : String(cause)}`,
        { cause, details: { stage: stage.name } },
      );
    }
  });
}

function isRestrained(mdp: MdpParams): boolean {
  return /(^|\s)-DPOSRES/i.test(getMdpWord(mdp, 'define') ?? '');
}

function isDynamics(mdp: MdpParams): boolean {
  return !MINIMIZERS.has(getMdpWord(mdp, 'integrator') ?? 'md');
}

function chooseEligible(
  stages: readonly StageSpec[],
  requested: readonly string[] | undefined,
  tolerances: Tolerances,
): Set<string> {
  const byName = new Map(stages.map((s) => [s.name, s]));
  const names =
    requested ?? stages.filter((s) => isDynamics(s.mdp) && !isRestrained(s.mdp)).map((s) => s.name);
  if (names.length === 0) {
    throw new JobNotVerifiableError(
      'no unrestrained dynamics stage: frames of restrained stages cannot be verified',
    );
  }
  for (const name of names) {
    const stage = byName.get(name);
    if (!stage) throw new VerifierOptionsError('eligibleStages', `the job has no stage ${name}`);
    if (!isDynamics(stage.mdp)) {
      throw new JobNotVerifiableError(
        `stage ${name} is a minimisation: only dynamics are verified`,
      );
    }
    if (isRestrained(stage.mdp)) {
      throw new JobNotVerifiableError(
        `stage ${name} is position-restrained: its restraint reference is the miner's previous stage, which the validator cannot reproduce`,
      );
    }
    const energy = getMdpNumber(stage.mdp, 'nstenergy');
    if (energy === undefined || energy <= 0 || energy > tolerances.reproductionWindowSteps) {
      throw new JobNotVerifiableError(
        `stage ${name} writes energies every ${energy ?? 1000} steps: the reproduction check needs at most ${tolerances.reproductionWindowSteps} (assign the stages from verifiableStages())`,
        { details: { stage: name, nstenergy: energy ?? null } },
      );
    }
  }
  return new Set(names);
}

function referenceSystem(
  dump: TprDump,
  start: { positionsNm: Float64Array; boxNm: Float64Array },
): ReferenceSystem {
  if (start.positionsNm.length !== 3 * dump.atomCount) {
    throw new JobNotVerifiableError(
      `the starting structure has ${start.positionsNm.length / 3} atoms, the topology ${dump.atomCount}`,
    );
  }
  return {
    atomCount: dump.atomCount,
    molecules: dump.molecules,
    masses: dump.masses,
    charges: dump.charges,
    atomNames: dump.atomNames,
    residueNames: dump.residueNames,
    constraints: dump.constraints,
    caAtoms: caAtomsOf(dump),
    startPositionsNm: start.positionsNm,
    startBoxNm: start.boxNm,
  };
}

function checkRequest(request: VerificationRequest): void {
  if (typeof request !== 'object' || request === null) {
    throw new VerificationRequestError('request', 'must be an object');
  }
  try {
    // The commitment function decodes the hotkey; an address it refuses is the caller's bug.
    frameCommitment({ jobId: 'x', minerHotkey: request.minerHotkey, frameSha256: '0'.repeat(64) });
  } catch (cause) {
    if (!(cause instanceof SchemaError)) throw cause;
    throw new VerificationRequestError('minerHotkey', 'is not an SS58 address', { cause });
  }
  const seed = request.assignedSeed;
  if (!Number.isInteger(seed) || seed < 0 || seed > 2_147_483_647) {
    throw new VerificationRequestError('assignedSeed', 'must be an integer from 0 to 2^31-1');
  }
  const claim = request.claim;
  if (typeof claim !== 'object' || claim === null) {
    throw new VerificationRequestError('claim', 'must be an object');
  }
  if (typeof claim.stage !== 'string' || claim.stage.length === 0 || claim.stage.length > 64) {
    throw new VerificationRequestError('claim.stage', 'must be a stage name');
  }
  if (!Number.isSafeInteger(claim.step) || claim.step < 0) {
    throw new VerificationRequestError('claim.step', 'must be a non-negative integer');
  }
  if (typeof claim.potentialKjMol !== 'number' || !Number.isFinite(claim.potentialKjMol)) {
    throw new VerificationRequestError('claim.potentialKjMol', 'must be a finite number');
  }
  if (typeof claim.commitment !== 'string' || !SHA256_HEX.test(claim.commitment)) {
    throw new VerificationRequestError('claim.commitment', 'must be 64 lowercase hex characters');
  }
  if (!Number.isFinite(claim.committedAt)) {
    throw new VerificationRequestError('claim.committedAt', 'must be a finite number of ms');
  }
  if (!Number.isFinite(request.elapsedWallMs) || request.elapsedWallMs < 0) {
    throw new VerificationRequestError('elapsedWallMs', 'must be a non-negative number of ms');
  }
  if (typeof request.artefacts !== 'object' || request.artefacts === null) {
    throw new VerificationRequestError('artefacts', 'must be an object of byte arrays');
  }
  for (const [role, bytes] of Object.entries(request.artefacts)) {
    if (bytes !== undefined && !(bytes instanceof Uint8Array)) {
      throw new VerificationRequestError(`artefacts.${role}`, 'must be a Uint8Array');
    }
  }
  for (const [i, other] of (request.otherSubmissions ?? []).entries()) {
    if (typeof other?.hotkey !== 'string' || !Number.isFinite(other.committedAt)) {
      throw new VerificationRequestError(
        `otherSubmissions[${i}]`,
        'needs a hotkey and a finite committedAt',
      );
    }
  }
}
