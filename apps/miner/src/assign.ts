import { rm } from 'node:fs/promises';
import {
  InvalidInputError as JobStoreInputError,
  type MinerAssignments,
  type SimulationQueues,
  type SimulationResources,
} from '@fold/job-store';
import {
  BundleError,
  type BundleFile,
  type DecodedBundle,
  type FoldAssign,
  resolveBundle,
  type SynapseRequest,
  type SynapseResponse,
  sha256Hex,
} from '@fold/synapse';
import type { Logger } from 'pino';
import {
  type CapacityPolicy,
  chooseResource,
  countActiveJobs,
  fitsQuota,
  freeSlots,
  jobCapacity,
  measureDisk,
} from './capacity.js';
import { JobInputError } from './errors.js';
import {
  atomCountOf,
  classifyInputs,
  commitJobDir,
  type JobMeta,
  jobLayout,
  removeJobDir,
  stageJobDir,
} from './job-files.js';
import { estimateJobBytes, type PlannedStage, planStages } from './stage-plan.js';

/** What the assign handler needs. */
export interface AssignServices {
  readonly assignments: MinerAssignments;
  readonly queues: SimulationQueues;
  readonly workDir: string;
  readonly capacity: CapacityPolicy;
  /** The queues' limits across the miner, to pick the least loaded. */
  readonly cluster: SimulationResources;
  readonly diskQuotaBytes: number;
  readonly minFrameIntervalSteps: number;
  readonly logger: Logger;
}

type AssignResponse = SynapseResponse<typeof FoldAssign>;
type RejectReason = NonNullable<AssignResponse['reject_reason']>;

/** The flat summary of a job's parameters kept in its assignment record. */
export function paramsSummary(
  stages: readonly PlannedStage[],
  meta: Pick<JobMeta, 'atomCount' | 'inputBytes' | 'estimateBytes'> & { paramsSha256: string },
): Record<string, string | number> {
  const summary: Record<string, string | number> = {
    stages: stages.map((s) => s.name).join(','),
    atomCount: meta.atomCount,
    inputBytes: meta.inputBytes,
    estimateBytes: meta.estimateBytes,
    paramsSha256: meta.paramsSha256,
  };
  for (const stage of stages) {
    summary[`nsteps.${stage.name}`] = stage.nsteps;
    summary[`frameInterval.${stage.name}`] = stage.frameIntervalSteps;
  }
  return summary;
}

/**
 * Takes new jobs: checks the request (deadline, parameters, input files), capacity and disk
 * quota, writes the inputs under their checked names into a new job directory (staged under a
 * temporary name, then renamed), records the assignment and enqueues its simulation. Requests
 * are handled one at a time, so that two cannot both take the last slot or the last bytes.
 */
export class AssignHandler {
  #turn: Promise<unknown> = Promise.resolve();

  constructor(private readonly services: AssignServices) {}

  /** Handles one FoldAssign request whose bundle the axon has decoded and checked. */
  handle(
    request: SynapseRequest<typeof FoldAssign>,
    bundle: DecodedBundle,
    validatorHotkey: string,
  ): Promise<AssignResponse> {
    const run = this.#turn.then(() => this.assign(request, bundle, validatorHotkey));
    this.#turn = run.catch(() => undefined);
    return run;
  }

  private async assign(
    request: SynapseRequest<typeof FoldAssign>,
    bundle: DecodedBundle,
    validatorHotkey: string,
  ): Promise<AssignResponse> {
    const { assignments, capacity, logger } = this.services;
    const log = logger.child({ validator: validatorHotkey, jobId: request.job_id });
    const active = await countActiveJobs(assignments);
    const reject = (reason: RejectReason, why: string, extra: object = {}): AssignResponse => {
      log.info({ reason, ...extra }, `assignment refused: ${why}`);
      return { accepted: false, reject_reason: reason, free_slots: freeSlots(active, capacity) };
    };
    const id = assignments.idFor(validatorHotkey, request.job_id);
    if ((await assignments.get(id)) !== undefined) return reject('duplicate_job', 'job known');
    if (request.deadline_unix_ms <= Date.now()) return reject('deadline_passed', 'deadline passed');

    let files: BundleFile[];
    try {
      // This miner holds no files a validator could name by hash: every input must travel.
      files = resolveBundle(bundle);
    } catch (error) {
      if (!(error instanceof BundleError)) throw error;
      return reject('invalid_input', error.message, { field: 'input_bundle' });
    }
    let stages: PlannedStage[];
    let atomCount: number;
    let inputs: ReturnType<typeof classifyInputs>;
    try {
      stages = planStages(request.params, {
        minFrameIntervalSteps: this.services.minFrameIntervalSteps,
      });
      inputs = classifyInputs(files);
      atomCount = atomCountOf(files, inputs.gro);
    } catch (error) {
      if (!(error instanceof JobInputError)) throw error;
      return reject(error.rejectReason, error.message, { field: error.details.field });
    }

    if (active >= jobCapacity(capacity)) {
      return reject('capacity', 'every slot is taken', { active });
    }
    const inputBytes = files.reduce((sum, f) => sum + f.bytes.length, 0);
    const estimateBytes = estimateJobBytes(stages, atomCount, inputBytes);
    const disk = await measureDisk(this.services.workDir, assignments);
    if (!fitsQuota(disk.reservedBytes, estimateBytes, this.services.diskQuotaBytes)) {
      return reject('capacity', 'the disk quota would be exceeded', {
        estimateBytes,
        reservedBytes: disk.reservedBytes,
        quotaBytes: this.services.diskQuotaBytes,
      });
    }

    const meta: JobMeta = {
      version: 1,
      assignmentId: id,
      params: request.params,
      seed: request.seed,
      inputs: { ...inputs, itps: [...inputs.itps] },
      atomCount,
      inputBytes,
      estimateBytes,
      minFrameIntervalSteps: this.services.minFrameIntervalSteps,
      ...(request.claimable_frames === undefined ? {} : { claimable: request.claimable_frames }),
    };
    const layout = jobLayout(this.services.workDir, id);
    const staged = await stageJobDir(this.services.workDir, files, meta);
    try {
      const first = stages[0] as PlannedStage;
      const { created } = await assignments.create({
        validatorHotkey,
        validatorJobId: request.job_id,
        proteinId: request.protein_id,
        params: paramsSummary(stages, {
          atomCount,
          inputBytes,
          estimateBytes,
          paramsSha256: sha256Hex(Buffer.from(JSON.stringify(request.params))),
        }),
        seed: request.seed,
        deadlineAt: request.deadline_unix_ms,
        filesDir: layout.dir,
        stage: first.name,
      });
      if (!created) {
        await rm(staged, { recursive: true, force: true });
        return reject('duplicate_job', 'job recorded meanwhile');
      }
      // A directory without a record is a leftover of a job whose record was deleted.
      await removeJobDir(this.services.workDir, layout.dir);
      await commitJobDir(staged, layout);
      const resource = chooseResource(await this.services.queues.counts(), this.services.cluster);
      try {
        await this.services.queues.enqueue({
          validatorHotkey,
          validatorJobId: request.job_id,
          stage: first.name,
          workDir: layout.dir,
          resource,
        });
      } catch (error) {
        if (!(error instanceof JobStoreInputError)) throw error;
        // The id was cancelled before (a job id reused after its record expired).
        await assignments.update(id, { state: 'failed', error: error.message.slice(0, 500) });
        return reject('duplicate_job', error.message);
      }
      await assignments.update(id, { state: 'queued' });
      log.info(
        { stages: stages.map((s) => `${s.name}:${s.nsteps}`), atomCount, estimateBytes, resource },
        'assignment accepted',
      );
      return {
        accepted: true,
        reject_reason: null,
        free_slots: freeSlots(active + 1, capacity),
      };
    } catch (error) {
      await rm(staged, { recursive: true, force: true });
      throw error;
    }
  }
}
