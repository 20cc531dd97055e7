import { type Static, Type } from '@sinclair/typebox';
import { InvalidTransitionError } from './errors.js';
import {
  AbsolutePathSchema,
  CommitmentSchema,
  EnergyKjMolSchema,
  HotkeySchema,
  JobIdSchema,
  ParamsSchema,
  ProteinIdSchema,
  ReasonSchema,
  SeedSchema,
  StageSchema,
  StepSchema,
  TimeMsSchema,
} from './field-schemas.js';

/** Life cycle of a miner's assignment. */
export const MINER_ASSIGNMENT_STATES = [
  'received',
  'queued',
  'running',
  'finished',
  'failed',
  'cancelled',
  'expired',
] as const;
/** State of a miner's assignment: received → queued ⇄ running → finished / failed / cancelled / expired. */
export type AssignmentState = (typeof MINER_ASSIGNMENT_STATES)[number];
/** States an assignment never leaves. */
export const TERMINAL_ASSIGNMENT_STATES: readonly AssignmentState[] = [
  'finished',
  'failed',
  'cancelled',
  'expired',
];

const NEXT_STATES: Readonly<Record<AssignmentState, readonly AssignmentState[]>> = {
  received: ['queued', 'running', 'failed', 'cancelled', 'expired'],
  // running → queued: the worker died and the simulation waits to be picked up again.
  queued: ['running', 'failed', 'cancelled', 'expired'],
  running: ['queued', 'finished', 'failed', 'cancelled', 'expired'],
  finished: [],
  failed: [],
  cancelled: [],
  expired: [],
};

const SimulatedTimePsSchema = Type.Number({ minimum: 0, maximum: 1e15 });
const NsPerDaySchema = Type.Number({ minimum: 0, maximum: 1e9 });

/** The stored form of a miner's assignment (without its version). */
export const MinerAssignmentRecordSchema = Type.Object(
  {
    /** `<validator hotkey>.<validator job id>`, the same id as its simulation job. */
    id: Type.String({ pattern: '^[1-9A-HJ-NP-Za-km-z]{46,48}\\.[A-Za-z0-9_-]{1,128}$' }),
    validatorHotkey: HotkeySchema,
    validatorJobId: JobIdSchema,
    proteinId: ProteinIdSchema,
    params: ParamsSchema,
    seed: SeedSchema,
    /** When the validator stops caring, ms since the epoch. */
    deadlineAt: TimeMsSchema,
    state: Type.Union(MINER_ASSIGNMENT_STATES.map((s) => Type.Literal(s))),
    stage: StageSchema,
    step: StepSchema,
    bestEnergyKjMol: Type.Optional(EnergyKjMolSchema),
    /** The stage of the best frame (steps count from 0 in each stage). */
    bestStage: Type.Optional(StageSchema),
    bestFrameStep: Type.Optional(StepSchema),
    commitment: Type.Optional(CommitmentSchema),
    /** Simulated time of the current stage's last frame, ps. */
    simulatedTimePs: Type.Optional(SimulatedTimePsSchema),
    /** Speed of the running simulation, ns/day. */
    nsPerDay: Type.Optional(NsPerDaySchema),
    filesDir: AbsolutePathSchema,
    bytesUsed: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    error: Type.Optional(ReasonSchema),
    createdAt: TimeMsSchema,
    updatedAt: TimeMsSchema,
  },
  { additionalProperties: false },
);
/** A miner's assignment as stored (see {@link MinerAssignmentRecordSchema}). */
export type MinerAssignmentRecord = Static<typeof MinerAssignmentRecordSchema>;

/** What a miner records when it accepts a validator's job. */
export const NewMinerAssignmentSchema = Type.Object(
  {
    validatorHotkey: HotkeySchema,
    validatorJobId: JobIdSchema,
    proteinId: ProteinIdSchema,
    params: ParamsSchema,
    seed: SeedSchema,
    deadlineAt: TimeMsSchema,
    filesDir: AbsolutePathSchema,
    /** The first stage; default `nvt`. */
    stage: Type.Optional(StageSchema),
  },
  { additionalProperties: false },
);
/** What {@link MinerAssignments.create} takes. */
export type NewMinerAssignment = Static<typeof NewMinerAssignmentSchema>;

/** A change to an assignment: any of its mutable fields. */
export const AssignmentUpdateSchema = Type.Object(
  {
    state: Type.Optional(Type.Union(MINER_ASSIGNMENT_STATES.map((s) => Type.Literal(s)))),
    stage: Type.Optional(StageSchema),
    step: Type.Optional(StepSchema),
    bestEnergyKjMol: Type.Optional(EnergyKjMolSchema),
    bestStage: Type.Optional(StageSchema),
    bestFrameStep: Type.Optional(StepSchema),
    commitment: Type.Optional(CommitmentSchema),
    simulatedTimePs: Type.Optional(SimulatedTimePsSchema),
    nsPerDay: Type.Optional(NsPerDaySchema),
    bytesUsed: Type.Optional(Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER })),
    error: Type.Optional(ReasonSchema),
  },
  { additionalProperties: false, minProperties: 1 },
);
/** Fields {@link MinerAssignments.update} may change; at least one. */
export type AssignmentUpdate = Static<typeof AssignmentUpdateSchema>;

/** A new assignment record in state `received`. */
export function newAssignmentRecord(
  id: string,
  input: NewMinerAssignment,
  nowMs: number,
): MinerAssignmentRecord {
  return {
    id,
    validatorHotkey: input.validatorHotkey,
    validatorJobId: input.validatorJobId,
    proteinId: input.proteinId,
    params: { ...input.params },
    seed: input.seed,
    deadlineAt: input.deadlineAt,
    state: 'received',
    stage: input.stage ?? 'nvt',
    step: 0,
    filesDir: input.filesDir,
    bytesUsed: 0,
    createdAt: nowMs,
    updatedAt: nowMs,
  };
}

/** True when an assignment in this state never changes state again. */
export function isTerminalAssignmentState(state: AssignmentState): boolean {
  return TERMINAL_ASSIGNMENT_STATES.includes(state);
}

/**
 * The assignment after an update, or undefined when the update changes nothing. A finished,
 * failed, cancelled or expired assignment accepts no further change. Pure.
 * @throws {InvalidTransitionError}
 */
export function applyAssignmentUpdate(
  record: MinerAssignmentRecord,
  update: AssignmentUpdate,
  nowMs: number,
): MinerAssignmentRecord | undefined {
  const changed = (Object.keys(update) as (keyof AssignmentUpdate)[]).filter(
    (field) => update[field] !== undefined && update[field] !== record[field],
  );
  if (changed.length === 0) return undefined;
  if (isTerminalAssignmentState(record.state)) {
    throw new InvalidTransitionError(
      `assignment ${record.id} is ${record.state}: it cannot change any more`,
      {
        assignmentId: record.id,
        state: record.state,
        fields: changed,
      },
    );
  }
  if (
    update.state !== undefined &&
    update.state !== record.state &&
    !NEXT_STATES[record.state].includes(update.state)
  ) {
    throw new InvalidTransitionError(
      `assignment ${record.id} cannot go from ${record.state} to ${update.state}`,
      {
        assignmentId: record.id,
        state: record.state,
        to: update.state,
      },
    );
  }
  const next: MinerAssignmentRecord = { ...record, updatedAt: nowMs };
  for (const field of changed) {
    Object.assign(next, { [field]: update[field] });
  }
  return next;
}
