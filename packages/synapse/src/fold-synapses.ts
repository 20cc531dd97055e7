import { type Static, type TSchema, type TUnsafe, Type } from '@sinclair/typebox';
import { FILE_NAME_PATTERN } from './file-names.js';
import { SimulationParamsSchema, StageNameSchema } from './mdp-params.js';
import { defineSynapse } from './synapse.js';

function stringEnum<const T extends readonly string[]>(values: T): TUnsafe<T[number]> {
  return Type.Unsafe<T[number]>({ type: 'string', enum: [...values] });
}

function nullable<T extends TSchema>(schema: T) {
  return Type.Union([schema, Type.Null()]);
}

const MiB = 1024 * 1024;
const JOB_ID = '[A-Za-z0-9][A-Za-z0-9_-]{0,63}';

/** A job id: letters, digits, `_` and `-`, up to 64 characters, starting with a letter or digit. */
export const JobIdSchema = Type.String({ pattern: `^${JOB_ID}$` });
/** A PDB id such as `1ubq` (four characters, a digit first). */
export const ProteinIdSchema = Type.String({ pattern: '^[0-9][A-Za-z0-9]{3}$' });
/** A SHA-256 as 64 lowercase hex characters. */
export const Sha256HexSchema = Type.String({ pattern: '^[0-9a-f]{64}$' });
/** An opaque version tag of a job's progress; empty means "never seen". */
export const EtagSchema = Type.String({ pattern: '^[A-Za-z0-9_.:-]{0,64}$' });
/**
 * The seed of a job. GROMACS reads `gen-seed` as a C int and `ld-seed` as int64, and -1 asks it
 * to pick one; a non-negative signed 32-bit value fits both and is always reproducible.
 */
export const SeedSchema = Type.Integer({ minimum: 0, maximum: 2_147_483_647 });
/** The states of a job on a miner. */
export const JOB_STATES = ['queued', 'running', 'finished', 'failed', 'cancelled'] as const;
/** One of {@link JOB_STATES}. */
export type JobState = (typeof JOB_STATES)[number];
const JobStateSchema = stringEnum(JOB_STATES);
/** The artefact roles a validator may ask for when verifying a frame. */
export const ARTEFACT_ROLES = ['frame', 'edr', 'log', 'tpr', 'xtc'] as const;
/** One of {@link ARTEFACT_ROLES}. */
export type ArtefactRole = (typeof ARTEFACT_ROLES)[number];
const FileNameSchema = Type.String({ pattern: FILE_NAME_PATTERN, maxLength: 100 });
const Slots = Type.Integer({ minimum: 0, maximum: 1_000_000 });
const MAX_JOBS_PER_QUERY = 256;

function bundleField(maxBytes: number) {
  // base64 of at most maxBytes; the codec checks the alphabet and its own limits when decoding.
  return Type.String({ maxLength: Math.ceil(maxBytes / 3) * 4 });
}

const ASSIGN_MAX_BYTES = 64 * MiB;

/**
 * Steps of a stage whose frames the validator can verify, both ends included. A validator
 * verifies a frame by continuing the run from it, so frames too close to the end of their stage
 * (and the job's own starting structure) cannot be verified; a miner that commits only frames in
 * these ranges never publishes a best that no validator can check.
 */
export const ClaimableFramesSchema = Type.Object(
  {
    stage: StageNameSchema,
    first_step: Type.Integer({ minimum: 0 }),
    last_step: Type.Integer({ minimum: 0 }),
  },
  { additionalProperties: false },
);
/** One stage's range of verifiable frames (see {@link ClaimableFramesSchema}). */
export type ClaimableFrames = Static<typeof ClaimableFramesSchema>;

/**
 * Assigns a job: the input bundle (em.gro or conf.gro, topol.top, posre*.itp and other .itp
 * files), typed simulation parameters per stage, the seed, the deadline and, optionally, the
 * frames the validator can verify (see {@link ClaimableFramesSchema}; absent: any frame). The
 * miner answers whether it took the job and how many free slots it has left.
 */
export const FoldAssign = defineSynapse({
  name: 'FoldAssign',
  request: Type.Object(
    {
      job_id: JobIdSchema,
      protein_id: ProteinIdSchema,
      input_bundle: bundleField(ASSIGN_MAX_BYTES),
      params: SimulationParamsSchema,
      seed: SeedSchema,
      deadline_unix_ms: Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 }),
      claimable_frames: Type.Optional(Type.Array(ClaimableFramesSchema, { maxItems: 4 })),
    },
    { additionalProperties: false },
  ),
  response: Type.Object(
    {
      accepted: Type.Boolean(),
      reject_reason: nullable(
        stringEnum([
          'capacity',
          'duplicate_job',
          'invalid_input',
          'unsupported',
          'deadline_passed',
        ]),
      ),
      free_slots: Slots,
    },
    { additionalProperties: false },
  ),
  hashFields: [
    'job_id',
    'protein_id',
    'input_bundle',
    'params',
    'seed',
    'deadline_unix_ms',
    'claimable_frames',
  ],
  requestBundleFields: ['input_bundle'],
  maxRequestBytes: ASSIGN_MAX_BYTES + MiB,
  maxResponseBytes: 64 * 1024,
  bundleLimits: {
    maxEncodedBytes: ASSIGN_MAX_BYTES,
    maxFileBytes: 128 * MiB,
    maxTotalBytes: 256 * MiB,
    maxFiles: 64,
  },
});

/** One job's progress as a miner reports it when it changed since the validator's etag. */
export const ProgressReportSchema = Type.Object(
  {
    etag: Type.String({ pattern: '^[A-Za-z0-9_.:-]{1,64}$' }),
    state: JobStateSchema,
    stage: nullable(StageNameSchema),
    step: Type.Integer({ minimum: 0 }),
    simulated_time_ps: Type.Number({ minimum: 0 }),
    best_potential_energy_kj_mol: nullable(Type.Number()),
    best_stage: nullable(StageNameSchema),
    best_step: nullable(Type.Integer({ minimum: 0 })),
    best_commitment: nullable(Sha256HexSchema),
    ns_per_day: nullable(Type.Number({ minimum: 0 })),
    updated_unix_ms: Type.Integer({ minimum: 0 }),
    error: nullable(Type.String({ maxLength: 256, pattern: '^[\\x20-\\x7e]*$' })),
  },
  { additionalProperties: false },
);

/**
 * Queries progress for several jobs at once. The request maps each job id to the etag the
 * validator last saw; jobs whose etag is still current come back in `unchanged` only, so a
 * repeated query where nothing changed costs a few hundred bytes. `free_slots` lets the
 * validator avoid busy miners.
 */
export const FoldProgress = defineSynapse({
  name: 'FoldProgress',
  request: Type.Object(
    {
      jobs: Type.Record(Type.String({ pattern: `^${JOB_ID}$` }), EtagSchema, {
        minProperties: 1,
        maxProperties: MAX_JOBS_PER_QUERY,
        additionalProperties: false,
      }),
    },
    { additionalProperties: false },
  ),
  response: Type.Object(
    {
      progress: Type.Record(Type.String({ pattern: `^${JOB_ID}$` }), ProgressReportSchema, {
        maxProperties: MAX_JOBS_PER_QUERY,
        additionalProperties: false,
      }),
      unchanged: Type.Array(JobIdSchema, { maxItems: MAX_JOBS_PER_QUERY, uniqueItems: true }),
      unknown: Type.Array(JobIdSchema, { maxItems: MAX_JOBS_PER_QUERY, uniqueItems: true }),
      free_slots: Slots,
      total_slots: Slots,
    },
    { additionalProperties: false },
  ),
  hashFields: ['jobs'],
  maxRequestBytes: 64 * 1024,
  maxResponseBytes: MiB,
});

const ARTEFACTS_MAX_BYTES = 192 * MiB;

/**
 * Fetches what a validator needs to verify one claimed frame and nothing more: the frame at full
 * precision (a one-frame .trr with x, v and box, or the stage's .cpt), the stage's .edr and .log,
 * and the miner's .tpr or .xtc only when asked for. `held_sha256` lists the hashes of files the
 * validator already holds (its own .tpr, say): those travel as their hash. `files` maps each
 * returned role to its name in the bundle.
 */
export const FoldArtefacts = defineSynapse({
  name: 'FoldArtefacts',
  request: Type.Object(
    {
      job_id: JobIdSchema,
      stage: StageNameSchema,
      step: Type.Integer({ minimum: 0 }),
      want: Type.Array(stringEnum(ARTEFACT_ROLES), {
        minItems: 1,
        maxItems: ARTEFACT_ROLES.length,
        uniqueItems: true,
      }),
      held_sha256: Type.Array(Sha256HexSchema, { maxItems: 64, uniqueItems: true }),
    },
    { additionalProperties: false },
  ),
  response: Type.Object(
    {
      bundle: nullable(bundleField(ARTEFACTS_MAX_BYTES)),
      files: Type.Object(
        {
          frame: Type.Optional(FileNameSchema),
          edr: Type.Optional(FileNameSchema),
          log: Type.Optional(FileNameSchema),
          tpr: Type.Optional(FileNameSchema),
          xtc: Type.Optional(FileNameSchema),
        },
        { additionalProperties: false },
      ),
      frame_step: nullable(Type.Integer({ minimum: 0 })),
      commitment: nullable(Sha256HexSchema),
      error: nullable(stringEnum(['unknown_job', 'frame_unavailable', 'not_ready'])),
    },
    { additionalProperties: false },
  ),
  hashFields: ['job_id', 'stage', 'step', 'want', 'held_sha256'],
  responseBundleFields: ['bundle'],
  maxRequestBytes: 16 * 1024,
  maxResponseBytes: ARTEFACTS_MAX_BYTES + MiB,
  bundleLimits: {
    maxEncodedBytes: ARTEFACTS_MAX_BYTES,
    maxFileBytes: 256 * MiB,
    maxTotalBytes: 512 * MiB,
    maxFiles: ARTEFACT_ROLES.length,
  },
});

/** Cancels a job; the miner answers whether it did and the job's final state. */
export const FoldCancel = defineSynapse({
  name: 'FoldCancel',
  request: Type.Object(
    {
      job_id: JobIdSchema,
      reason: stringEnum(['superseded', 'deadline', 'validator', 'other']),
    },
    { additionalProperties: false },
  ),
  response: Type.Object(
    {
      cancelled: Type.Boolean(),
      state: nullable(JobStateSchema),
      free_slots: Slots,
    },
    { additionalProperties: false },
  ),
  hashFields: ['job_id', 'reason'],
  maxRequestBytes: 4 * 1024,
  maxResponseBytes: 4 * 1024,
});

/** The four fold synapses. */
export const FOLD_SYNAPSES = [FoldAssign, FoldProgress, FoldArtefacts, FoldCancel] as const;
