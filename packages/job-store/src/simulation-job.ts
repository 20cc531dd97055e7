import { type Static, Type } from '@sinclair/typebox';
import { InvalidInputError } from './errors.js';
import {
  AbsolutePathSchema,
  HotkeySchema,
  JobIdSchema,
  StageSchema,
  StepSchema,
  TimeMsSchema,
} from './field-schemas.js';
import { RecordCodec } from './record-codec.js';

/** A GPU id as the miner configures it (`0`, `1`, or a name). */
export const GpuIdSchema = Type.String({ pattern: '^[A-Za-z0-9_-]{1,16}$' });

/** Where a simulation may run: a CPU slot, a given GPU, or any GPU (the least loaded is chosen). */
export const SimulationResourceSchema = Type.Union([
  Type.Object({ kind: Type.Literal('cpu') }, { additionalProperties: false }),
  Type.Object(
    { kind: Type.Literal('gpu'), gpuId: Type.Optional(GpuIdSchema) },
    { additionalProperties: false },
  ),
]);
/** Where a simulation should run: `cpu`, a given GPU, or any GPU. */
export type SimulationResource = Static<typeof SimulationResourceSchema>;

/** What the miner enqueues for one assignment. */
export const SimulationJobInputSchema = Type.Object(
  {
    validatorHotkey: HotkeySchema,
    validatorJobId: JobIdSchema,
    /** The stage to run first (`nvt`, `npt`, `md`, ...). */
    stage: StageSchema,
    /** The assignment's working directory (inputs, outputs, checkpoints). */
    workDir: AbsolutePathSchema,
    /** The checkpoint to resume from, when there is one. */
    checkpointPath: Type.Optional(AbsolutePathSchema),
    resource: SimulationResourceSchema,
  },
  { additionalProperties: false },
);
/** What {@link SimulationQueues.enqueue} takes. */
export type SimulationJobInput = Static<typeof SimulationJobInputSchema>;

/** The payload a worker's processor receives. */
export const SimulationJobDataSchema = Type.Object(
  {
    /** `<validator hotkey>.<validator job id>`: two validators' jobs never collide. */
    id: Type.String({ pattern: '^[1-9A-HJ-NP-Za-km-z]{46,48}\\.[A-Za-z0-9_-]{1,128}$' }),
    validatorHotkey: HotkeySchema,
    validatorJobId: JobIdSchema,
    stage: StageSchema,
    workDir: AbsolutePathSchema,
    checkpointPath: Type.Optional(AbsolutePathSchema),
    resource: Type.Union([
      Type.Object({ kind: Type.Literal('cpu') }, { additionalProperties: false }),
      Type.Object(
        { kind: Type.Literal('gpu'), gpuId: GpuIdSchema },
        { additionalProperties: false },
      ),
    ]),
    enqueuedAt: TimeMsSchema,
  },
  { additionalProperties: false },
);
/** What a processor receives: the input with its id, resolved resource and enqueue time. */
export type SimulationJobData = Static<typeof SimulationJobDataSchema>;

/** What a processor reports while it runs (kept on the BullMQ job, readable by anyone). */
export const SimulationProgressSchema = Type.Object(
  {
    stage: StageSchema,
    step: StepSchema,
    /** Steps of this stage in total, when known. */
    totalSteps: Type.Optional(StepSchema),
  },
  { additionalProperties: false },
);
/** A processor's progress: stage and step (of `totalSteps`, when known). */
export type SimulationProgress = Static<typeof SimulationProgressSchema>;

/** Validates enqueued simulations. */
export const simulationInputCodec = new RecordCodec('simulation job', SimulationJobInputSchema);
/** Validates payloads read back from the queue. */
export const simulationDataCodec = new RecordCodec(
  'simulation job payload',
  SimulationJobDataSchema,
);
/** Validates reported progress. */
export const simulationProgressCodec = new RecordCodec(
  'simulation progress',
  SimulationProgressSchema,
);

/**
 * The id of a simulation (and of the miner's assignment record) for a validator's job:
 * `<validator hotkey>.<validator job id>`. @throws {InvalidInputError}
 */
export function simulationJobId(validatorHotkey: string, validatorJobId: string): string {
  if (!/^[1-9A-HJ-NP-Za-km-z]{46,48}$/.test(validatorHotkey)) {
    throw new InvalidInputError('validator hotkey is not an SS58 address', {
      field: 'validatorHotkey',
    });
  }
  if (!/^[A-Za-z0-9_-]{1,128}$/.test(validatorJobId)) {
    throw new InvalidInputError('validator job id must be 1 to 128 of [A-Za-z0-9_-]', {
      field: 'validatorJobId',
    });
  }
  return `${validatorHotkey}.${validatorJobId}`;
}

const SIMULATION_ID = /^[1-9A-HJ-NP-Za-km-z]{46,48}\.[A-Za-z0-9_-]{1,128}$/;

/** Checks a simulation id (`<validator hotkey>.<validator job id>`). @throws {InvalidInputError} */
export function checkSimulationId(id: string): void {
  if (!SIMULATION_ID.test(id)) {
    throw new InvalidInputError(`invalid simulation id ${JSON.stringify(id.slice(0, 200))}`, {
      field: 'id',
    });
  }
}
