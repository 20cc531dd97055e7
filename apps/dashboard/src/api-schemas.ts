import { type Static, type TSchema, Type } from '@sinclair/typebox';

// The JSON the validator's API answers with, as far as the dashboard reads it. Every response is
// checked against these before a view sees it; fields the dashboard does not read may be added
// by the validator freely (objects are open). Units are in the names; times are ms since the epoch.

const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);
const TimeMs = Type.Number({ minimum: 0 });
const Uid = Type.Integer({ minimum: 0, maximum: 65_535 });
const Energy = Type.Number();

/** Statuses of a validator job, live ones first. */
export const JOB_STATUSES = [
  'pending',
  'preparing',
  'active',
  'finished',
  'early-stopped',
  'failed',
  'cancelled',
] as const;
/** A job's status. */
export type JobStatus = (typeof JOB_STATUSES)[number];
/** Statuses of jobs that can still change. */
export const LIVE_JOB_STATUSES: readonly JobStatus[] = ['pending', 'preparing', 'active'];

/** A job in a list (`GET /api/jobs`). */
export const JobSummarySchema = Type.Object({
  jobId: Type.String({ minLength: 1, maxLength: 128 }),
  proteinId: Type.String({ maxLength: 64 }),
  source: Type.String({ maxLength: 32 }),
  priority: Type.Number(),
  status: Type.String({ maxLength: 32 }),
  statusReason: Nullable(Type.String()),
  createdAt: TimeMs,
  activatedAt: Nullable(TimeMs),
  endedAt: Nullable(TimeMs),
  params: Type.Record(Type.String(), Type.Unknown()),
  miners: Type.Object({
    total: Type.Integer({ minimum: 0 }),
    running: Type.Integer({ minimum: 0 }),
    finished: Type.Integer({ minimum: 0 }),
  }),
  bestEnergyKjMol: Nullable(Energy),
  bestUid: Nullable(Uid),
  verifiedResults: Type.Integer({ minimum: 0 }),
  rejectedResults: Type.Integer({ minimum: 0 }),
});
/** {@link JobSummarySchema}. */
export type JobSummary = Static<typeof JobSummarySchema>;

/** `GET /api/jobs`. */
export const JobListSchema = Type.Object({
  jobs: Type.Array(JobSummarySchema),
  total: Type.Integer({ minimum: 0 }),
});
/** {@link JobListSchema}. */
export type JobList = Static<typeof JobListSchema>;

/** One miner of a job. */
export const JobMinerSchema = Type.Object({
  uid: Uid,
  hotkey: Type.String(),
  state: Type.String(),
  stage: Nullable(Type.String()),
  step: Nullable(Type.Number()),
  simulatedTimePs: Nullable(Type.Number()),
  nsPerDay: Nullable(Type.Number()),
  claimedEnergyKjMol: Nullable(Energy),
  lastReportAt: Nullable(TimeMs),
  error: Nullable(Type.String()),
  verifiedEnergyKjMol: Nullable(Energy),
  accepted: Type.Integer({ minimum: 0 }),
  rejected: Type.Integer({ minimum: 0 }),
});
/** {@link JobMinerSchema}. */
export type JobMiner = Static<typeof JobMinerSchema>;

/** A verdict on a miner's claimed result. */
export const VerdictSchema = Type.Object({
  at: TimeMs,
  uid: Uid,
  hotkey: Type.String(),
  accepted: Type.Boolean(),
  step: Type.Number(),
  energyKjMol: Nullable(Energy),
  reason: Nullable(Type.String()),
});
/** {@link VerdictSchema}. */
export type Verdict = Static<typeof VerdictSchema>;

/** The shape of a job's best frame when its verdict came. */
export const StructurePointSchema = Type.Object({
  at: TimeMs,
  uid: Uid,
  step: Type.Number(),
  energyKjMol: Energy,
  rmsdNm: Type.Number({ minimum: 0 }),
  radiusOfGyrationNm: Type.Number({ minimum: 0 }),
});
/** {@link StructurePointSchema}. */
export type StructurePoint = Static<typeof StructurePointSchema>;

/** A job in full (`GET /api/jobs/:jobId`). */
export const JobDetailSchema = Type.Composite([
  JobSummarySchema,
  Type.Object({
    system: Nullable(
      Type.Object({
        hyperparameters: Type.Record(Type.String(), Type.Unknown()),
        atomCount: Type.Integer({ minimum: 0 }),
        proteinAtomCount: Type.Integer({ minimum: 0 }),
        boxNm: Type.Array(Type.Number()),
        startEnergyKjMol: Energy,
        title: Type.String(),
      }),
    ),
    stages: Type.Array(Type.Object({ name: Type.String(), nsteps: Nullable(Type.Number()) })),
    minerDetails: Type.Array(JobMinerSchema),
    best: Nullable(
      Type.Object({
        uid: Uid,
        hotkey: Type.String(),
        energyKjMol: Energy,
        step: Type.Number(),
        at: TimeMs,
      }),
    ),
    energy: Type.Object({
      best: Type.Array(Type.Object({ at: TimeMs, energyKjMol: Energy, uid: Uid })),
      verified: Type.Array(
        Type.Object({ at: TimeMs, uid: Uid, energyKjMol: Energy, step: Type.Number() }),
      ),
    }),
    structures: Type.Array(StructurePointSchema),
    verdicts: Type.Array(VerdictSchema),
    /** The verifier's full reports; each is read on its own (see verdict-details.ts). */
    verdictDetails: Type.Optional(Type.Array(Type.Unknown())),
    links: Type.Object({
      self: Type.String(),
      pdb: Nullable(Type.String()),
      gro: Nullable(Type.String()),
    }),
  }),
]);
/** {@link JobDetailSchema}. */
export type JobDetail = Static<typeof JobDetailSchema>;

/** How one verification check went. */
export const CheckOutcomeSchema = Type.Object({
  name: Type.String({ maxLength: 64 }),
  ok: Type.Boolean(),
  skipped: Type.Boolean(),
  ms: Type.Number({ minimum: 0 }),
});

/** The verifier's full report on one claimed frame, as far as the job page shows it. */
export const VerdictDetailSchema = Type.Object({
  uid: Uid,
  step: Type.Number(),
  accepted: Type.Boolean(),
  at: Type.Optional(TimeMs),
  stage: Type.Optional(Type.String()),
  claimedEnergyKjMol: Type.Optional(Energy),
  energyKjMol: Type.Optional(Nullable(Energy)),
  reasons: Type.Array(
    Type.Object({
      code: Type.String(),
      check: Type.Optional(Type.String()),
      message: Type.String(),
    }),
  ),
  checks: Type.Array(CheckOutcomeSchema),
  measurements: Type.Optional(Nullable(Type.Record(Type.String(), Type.Unknown()))),
  fetchMs: Type.Optional(Type.Number({ minimum: 0 })),
  verifyMs: Type.Optional(Type.Number({ minimum: 0 })),
});
/** {@link VerdictDetailSchema}. */
export type VerdictDetail = Static<typeof VerdictDetailSchema>;

/** One miner on the leaderboard. */
export const MinerRankSchema = Type.Object({
  uid: Uid,
  hotkey: Nullable(Type.String()),
  score: Type.Number(),
  weight: Type.Number({ minimum: 0 }),
  lastWeightU16: Nullable(Type.Integer({ minimum: 0, maximum: 65_535 })),
  accepted: Type.Integer({ minimum: 0 }),
  rejected: Type.Integer({ minimum: 0 }),
});
/** {@link MinerRankSchema}. */
export type MinerRank = Static<typeof MinerRankSchema>;

/** `GET /api/miners`. */
export const LeaderboardSchema = Type.Object({ miners: Type.Array(MinerRankSchema) });

/** The weights last set (or logged in a dry run). */
export const WeightsRecordSchema = Type.Object({
  at: TimeMs,
  mode: Type.String(),
  blockNumber: Nullable(Type.Integer({ minimum: 0 })),
  uids: Type.Array(Uid),
  weights: Type.Array(Type.Integer({ minimum: 0, maximum: 65_535 })),
});
/** {@link WeightsRecordSchema}. */
export type WeightsRecord = Static<typeof WeightsRecordSchema>;

/** `GET /api/status`: what the validator does now (the parts the dashboard shows). */
export const ValidatorStatusSchema = Type.Object({
  validator: Type.Object({
    hotkey: Type.String(),
    version: Type.String(),
    netuid: Nullable(Type.Integer({ minimum: 0 })),
    dryRun: Type.Boolean(),
    startedAt: TimeMs,
    blockNumber: Nullable(Type.Integer({ minimum: 0 })),
  }),
  jobs: Type.Object({
    counts: Type.Record(Type.String(), Type.Integer({ minimum: 0 })),
  }),
  pendingVerifications: Type.Integer({ minimum: 0 }),
  lastWeights: Nullable(WeightsRecordSchema),
});
/** {@link ValidatorStatusSchema}. */
export type ValidatorStatus = Static<typeof ValidatorStatusSchema>;

/** The body of an error answer. */
export const ApiErrorBodySchema = Type.Object({
  error: Type.String({ maxLength: 64 }),
  message: Type.String({ maxLength: 4096 }),
  field: Type.Optional(Type.String({ maxLength: 256 })),
});
