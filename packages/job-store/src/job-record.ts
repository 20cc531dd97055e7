import { type Static, Type } from '@sinclair/typebox';
import { InvalidTransitionError } from './errors.js';
import {
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
  UidSchema,
} from './field-schemas.js';

/** Life cycle of a validator job. */
export const JOB_STATUSES = [
  'pending',
  'preparing',
  'active',
  'finished',
  'early-stopped',
  'failed',
  'cancelled',
] as const;
/** Status of a validator job: pending → preparing → active → finished / early-stopped / failed / cancelled. */
export type JobStatus = (typeof JOB_STATUSES)[number];
/** Statuses a job never leaves. */
export const TERMINAL_JOB_STATUSES: readonly JobStatus[] = [
  'finished',
  'early-stopped',
  'failed',
  'cancelled',
];

const NEXT_STATUSES: Readonly<Record<JobStatus, readonly JobStatus[]>> = {
  pending: ['preparing', 'active', 'failed', 'cancelled'],
  preparing: ['active', 'failed', 'cancelled'],
  active: ['finished', 'early-stopped', 'failed', 'cancelled'],
  finished: [],
  'early-stopped': [],
  failed: [],
  cancelled: [],
};

/** State of one miner's assignment within a validator job (the validator's view). */
export const JOB_ASSIGNMENT_STATES = [
  'assigned',
  'running',
  'finished',
  'failed',
  'dropped',
] as const;
/** `assigned → running → finished | failed | dropped`. */
export type JobAssignmentState = (typeof JOB_ASSIGNMENT_STATES)[number];

const NEXT_ASSIGNMENT_STATES: Readonly<Record<JobAssignmentState, readonly JobAssignmentState[]>> =
  {
    assigned: ['running', 'finished', 'failed', 'dropped'],
    running: ['finished', 'failed', 'dropped'],
    finished: [],
    failed: [],
    dropped: [],
  };

/** Most entries kept in a job's history, verdicts and commitments (oldest dropped first). */
export const MAX_JOB_LOG_ENTRIES = 10_000;
/** Most miners one job may be assigned to. */
export const MAX_ASSIGNMENTS = 256;

const ProgressSchema = Type.Object(
  {
    at: TimeMsSchema,
    stage: StageSchema,
    step: StepSchema,
    energyKjMol: Type.Optional(EnergyKjMolSchema),
  },
  { additionalProperties: false },
);

const AssignmentSchema = Type.Object(
  {
    uid: UidSchema,
    hotkey: HotkeySchema,
    seed: SeedSchema,
    assignedAt: TimeMsSchema,
    state: Type.Union(JOB_ASSIGNMENT_STATES.map((s) => Type.Literal(s))),
    lastProgress: Type.Optional(ProgressSchema),
  },
  { additionalProperties: false },
);

const VerifiedResultSchema = Type.Object(
  {
    uid: UidSchema,
    hotkey: HotkeySchema,
    energyKjMol: EnergyKjMolSchema,
    step: StepSchema,
    commitment: Type.Optional(CommitmentSchema),
    at: TimeMsSchema,
  },
  { additionalProperties: false },
);

const EnergyEntrySchema = Type.Object(
  {
    uid: UidSchema,
    hotkey: HotkeySchema,
    energyKjMol: EnergyKjMolSchema,
    step: StepSchema,
    at: TimeMsSchema,
  },
  { additionalProperties: false },
);

const VerdictSchema = Type.Object(
  {
    uid: UidSchema,
    hotkey: HotkeySchema,
    accepted: Type.Boolean(),
    step: StepSchema,
    energyKjMol: Type.Optional(EnergyKjMolSchema),
    reason: Type.Optional(ReasonSchema),
    at: TimeMsSchema,
  },
  { additionalProperties: false },
);

const CommitmentSeenSchema = Type.Object(
  {
    uid: UidSchema,
    hotkey: HotkeySchema,
    commitment: CommitmentSchema,
    step: StepSchema,
    at: TimeMsSchema,
  },
  { additionalProperties: false },
);

/** The stored form of a validator job (without its version). */
export const ValidatorJobRecordSchema = Type.Object(
  {
    jobId: JobIdSchema,
    proteinId: ProteinIdSchema,
    params: ParamsSchema,
    /** 0 (background) to 9; researchers' (organic) jobs get a higher one and are listed first. */
    priority: Type.Integer({ minimum: 0, maximum: 9 }),
    source: Type.Union([Type.Literal('synthetic'), Type.Literal('organic')]),
    status: Type.Union(JOB_STATUSES.map((s) => Type.Literal(s))),
    statusReason: Type.Optional(ReasonSchema),
    createdAt: TimeMsSchema,
    updatedAt: TimeMsSchema,
    activatedAt: Type.Optional(TimeMsSchema),
    endedAt: Type.Optional(TimeMsSchema),
    assignments: Type.Array(AssignmentSchema, { maxItems: MAX_ASSIGNMENTS }),
    best: Type.Optional(VerifiedResultSchema),
    bestImprovedAt: Type.Optional(TimeMsSchema),
    history: Type.Array(EnergyEntrySchema, { maxItems: MAX_JOB_LOG_ENTRIES }),
    verdicts: Type.Array(VerdictSchema, { maxItems: MAX_JOB_LOG_ENTRIES }),
    commitments: Type.Array(CommitmentSeenSchema, { maxItems: MAX_JOB_LOG_ENTRIES }),
  },
  { additionalProperties: false },
);
/** A validator job as stored, without its version (see {@link ValidatorJobRecordSchema}). */
export type ValidatorJobRecord = Static<typeof ValidatorJobRecordSchema>;
/** One miner's assignment in a validator job: uid, hotkey, seed, state, last progress. */
export type JobAssignment = Static<typeof AssignmentSchema>;
/** The best verified result of a job: who, which energy (kJ/mol) at which step, when. */
export type VerifiedResult = Static<typeof VerifiedResultSchema>;
/** One accepted, verified energy in a job's history. */
export type VerifiedEnergy = Static<typeof EnergyEntrySchema>;
/** The outcome of verifying one miner's result, accepted or rejected with a reason. */
export type Verdict = Static<typeof VerdictSchema>;
/** A commitment a miner published for a job, with the step and time it was seen. */
export type CommitmentSeen = Static<typeof CommitmentSeenSchema>;

/** What a validator knows when it creates a job. */
export const NewValidatorJobSchema = Type.Object(
  {
    jobId: JobIdSchema,
    proteinId: ProteinIdSchema,
    params: ParamsSchema,
    priority: Type.Optional(Type.Integer({ minimum: 0, maximum: 9 })),
    source: Type.Optional(Type.Union([Type.Literal('synthetic'), Type.Literal('organic')])),
  },
  { additionalProperties: false },
);
/** What {@link JobTable.create} takes; `priority` defaults to 5 for organic jobs, else 0. */
export type NewValidatorJob = Static<typeof NewValidatorJobSchema>;

const MinerRef = { uid: UidSchema, hotkey: HotkeySchema };

/** Every change a validator makes to a job, as data. */
export const JobTransitionSchema = Type.Union([
  Type.Object({ type: Type.Literal('start-preparing') }, { additionalProperties: false }),
  Type.Object({ type: Type.Literal('activate') }, { additionalProperties: false }),
  Type.Object(
    {
      type: Type.Literal('assign'),
      miners: Type.Array(
        Type.Object({ ...MinerRef, seed: SeedSchema }, { additionalProperties: false }),
        {
          minItems: 1,
          maxItems: MAX_ASSIGNMENTS,
        },
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('record-progress'),
      ...MinerRef,
      stage: StageSchema,
      step: StepSchema,
      energyKjMol: Type.Optional(EnergyKjMolSchema),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('set-assignment-state'),
      ...MinerRef,
      state: Type.Union(JOB_ASSIGNMENT_STATES.map((s) => Type.Literal(s))),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('record-commitment'),
      ...MinerRef,
      commitment: CommitmentSchema,
      step: StepSchema,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('record-verdict'),
      ...MinerRef,
      accepted: Type.Boolean(),
      step: StepSchema,
      energyKjMol: Type.Optional(EnergyKjMolSchema),
      commitment: Type.Optional(CommitmentSchema),
      reason: Type.Optional(ReasonSchema),
      /** An accepted energy becomes the best only if it beats the best by more than this. Default 0. */
      epsilonKjMol: Type.Optional(Type.Number({ minimum: 0, maximum: 1e15 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal('end'),
      status: Type.Union(TERMINAL_JOB_STATUSES.map((s) => Type.Literal(s))),
      reason: Type.Optional(ReasonSchema),
    },
    { additionalProperties: false },
  ),
]);
/** A change to a validator job; see {@link applyJobTransition}. */
export type JobTransition = Static<typeof JobTransitionSchema>;

/** Limits applied by {@link applyJobTransition}. */
export interface JobTransitionLimits {
  /** Entries kept in history, verdicts and commitments each; the oldest go first. Default 2,000. */
  logLimit?: number;
}

/** A new job record in status `pending`. */
export function newJobRecord(input: NewValidatorJob, nowMs: number): ValidatorJobRecord {
  return {
    jobId: input.jobId,
    proteinId: input.proteinId,
    params: { ...input.params },
    priority: input.priority ?? (input.source === 'organic' ? 5 : 0),
    source: input.source ?? 'synthetic',
    status: 'pending',
    createdAt: nowMs,
    updatedAt: nowMs,
    assignments: [],
    history: [],
    verdicts: [],
    commitments: [],
  };
}

/** True when a job in this status never changes status again. */
export function isTerminalStatus(status: JobStatus): boolean {
  return TERMINAL_JOB_STATUSES.includes(status);
}

function refuse(job: ValidatorJobRecord, transition: JobTransition, why: string): never {
  throw new InvalidTransitionError(`job ${job.jobId}: cannot ${transition.type}: ${why}`, {
    jobId: job.jobId,
    status: job.status,
    transition: transition.type,
  });
}

function appendBounded<T>(list: readonly T[], entry: T, limit: number): T[] {
  const next = [...list, entry];
  return next.length > limit ? next.slice(next.length - limit) : next;
}

function findAssignment(
  job: ValidatorJobRecord,
  transition: JobTransition & { uid: number; hotkey: string },
): number {
  const index = job.assignments.findIndex(
    (a) => a.uid === transition.uid && a.hotkey === transition.hotkey,
  );
  if (index < 0)
    refuse(job, transition, `uid ${transition.uid} (${transition.hotkey}) is not assigned`);
  return index;
}

function requireActive(job: ValidatorJobRecord, transition: JobTransition): void {
  if (job.status !== 'active') refuse(job, transition, `the job is ${job.status}, not active`);
}

function withAssignment(
  job: ValidatorJobRecord,
  index: number,
  assignment: JobAssignment,
  nowMs: number,
): ValidatorJobRecord {
  const assignments = job.assignments.slice();
  assignments[index] = assignment;
  return { ...job, assignments, updatedAt: nowMs };
}

/**
 * The job after a transition, or undefined when the transition changes nothing (re-applying a
 * status the job already has, assigning a miner it already has, a commitment already seen), so
 * that retried transitions are harmless. Pure: `nowMs` is the only clock.
 * @throws {InvalidTransitionError} when the job's state does not allow it
 */
export function applyJobTransition(
  job: ValidatorJobRecord,
  transition: JobTransition,
  nowMs: number,
  limits: JobTransitionLimits = {},
): ValidatorJobRecord | undefined {
  const logLimit = Math.min(limits.logLimit ?? 2_000, MAX_JOB_LOG_ENTRIES);
  switch (transition.type) {
    case 'start-preparing':
    case 'activate':
    case 'end': {
      const to: JobStatus =
        transition.type === 'start-preparing'
          ? 'preparing'
          : transition.type === 'activate'
            ? 'active'
            : transition.status;
      if (job.status === to) return undefined;
      if (!NEXT_STATUSES[job.status].includes(to))
        refuse(job, transition, `the job is ${job.status}`);
      const next: ValidatorJobRecord = { ...job, status: to, updatedAt: nowMs };
      if (to === 'active') next.activatedAt = nowMs;
      if (isTerminalStatus(to)) next.endedAt = nowMs;
      if (transition.type === 'end' && transition.reason !== undefined)
        next.statusReason = transition.reason;
      return next;
    }
    case 'assign': {
      if (isTerminalStatus(job.status)) refuse(job, transition, `the job is ${job.status}`);
      const assignments = job.assignments.slice();
      for (const miner of transition.miners) {
        const existing = assignments.find((a) => a.uid === miner.uid && a.hotkey === miner.hotkey);
        if (existing !== undefined) {
          if (existing.seed !== miner.seed) {
            refuse(
              job,
              transition,
              `uid ${miner.uid} is already assigned with seed ${existing.seed}`,
            );
          }
          continue;
        }
        if (assignments.some((a) => a.seed === miner.seed)) {
          refuse(job, transition, `seed ${miner.seed} is already given to another miner`);
        }
        assignments.push({
          uid: miner.uid,
          hotkey: miner.hotkey,
          seed: miner.seed,
          assignedAt: nowMs,
          state: 'assigned',
        });
      }
      if (assignments.length === job.assignments.length) return undefined;
      if (assignments.length > MAX_ASSIGNMENTS)
        refuse(job, transition, `more than ${MAX_ASSIGNMENTS} miners`);
      return { ...job, assignments, updatedAt: nowMs };
    }
    case 'record-progress': {
      requireActive(job, transition);
      const index = findAssignment(job, transition);
      const assignment = job.assignments[index] as JobAssignment;
      const lastProgress: JobAssignment['lastProgress'] = {
        at: nowMs,
        stage: transition.stage,
        step: transition.step,
      };
      if (transition.energyKjMol !== undefined) lastProgress.energyKjMol = transition.energyKjMol;
      const state = assignment.state === 'assigned' ? 'running' : assignment.state;
      return withAssignment(job, index, { ...assignment, state, lastProgress }, nowMs);
    }
    case 'set-assignment-state': {
      const index = findAssignment(job, transition);
      const assignment = job.assignments[index] as JobAssignment;
      if (assignment.state === transition.state) return undefined;
      if (!NEXT_ASSIGNMENT_STATES[assignment.state].includes(transition.state)) {
        refuse(job, transition, `uid ${transition.uid}'s assignment is ${assignment.state}`);
      }
      return withAssignment(job, index, { ...assignment, state: transition.state }, nowMs);
    }
    case 'record-commitment': {
      requireActive(job, transition);
      findAssignment(job, transition);
      const seen = job.commitments.some(
        (c) =>
          c.uid === transition.uid &&
          c.hotkey === transition.hotkey &&
          c.commitment === transition.commitment,
      );
      if (seen) return undefined;
      const entry: CommitmentSeen = {
        uid: transition.uid,
        hotkey: transition.hotkey,
        commitment: transition.commitment,
        step: transition.step,
        at: nowMs,
      };
      return {
        ...job,
        commitments: appendBounded(job.commitments, entry, logLimit),
        updatedAt: nowMs,
      };
    }
    case 'record-verdict': {
      requireActive(job, transition);
      findAssignment(job, transition);
      if (transition.accepted && transition.energyKjMol === undefined) {
        refuse(job, transition, 'an accepted verdict needs its energyKjMol');
      }
      const verdict: Verdict = {
        uid: transition.uid,
        hotkey: transition.hotkey,
        accepted: transition.accepted,
        step: transition.step,
        at: nowMs,
      };
      if (transition.energyKjMol !== undefined) verdict.energyKjMol = transition.energyKjMol;
      if (transition.reason !== undefined) verdict.reason = transition.reason;
      const next: ValidatorJobRecord = {
        ...job,
        verdicts: appendBounded(job.verdicts, verdict, logLimit),
        updatedAt: nowMs,
      };
      if (!transition.accepted || transition.energyKjMol === undefined) return next;
      const energyKjMol = transition.energyKjMol;
      next.history = appendBounded(
        job.history,
        {
          uid: transition.uid,
          hotkey: transition.hotkey,
          energyKjMol,
          step: transition.step,
          at: nowMs,
        },
        logLimit,
      );
      const epsilon = transition.epsilonKjMol ?? 0;
      if (job.best === undefined || energyKjMol < job.best.energyKjMol - epsilon) {
        const best: VerifiedResult = {
          uid: transition.uid,
          hotkey: transition.hotkey,
          energyKjMol,
          step: transition.step,
          at: nowMs,
        };
        if (transition.commitment !== undefined) best.commitment = transition.commitment;
        next.best = best;
        next.bestImprovedAt = nowMs;
      }
      return next;
    }
  }
}
