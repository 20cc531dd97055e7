import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { canonicalJson } from './canonical-json.js';
import { sha256Hex } from './entry-bytes.js';
import { JobSpecError } from './errors.js';
import { BOX_SHAPES, FORCE_FIELDS, WATER_MODELS } from './hyperparameters.js';

/** Version of the job specification format; bumped on any incompatible change. */
export const JOB_SPEC_VERSION = 1;
/** Name of the specification file inside a job directory. */
export const JOB_SPEC_FILE = 'job.json';
/** Largest job specification accepted, bytes. */
export const MAX_JOB_SPEC_BYTES = 4 * 1024 * 1024;

/** File names a job may carry: plain names of GROMACS inputs, no directories. */
const FILE_NAME = '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\\.(gro|top|itp)$';
const SHA256 = '^[0-9a-f]{64}$';

const MdpScalar = Type.Union([Type.String({ maxLength: 1024 }), Type.Number(), Type.Boolean()]);
/** Stage parameters keyed by GROMACS mdp option names. */
const MdpRecord = Type.Record(
  Type.String({ pattern: '^[A-Za-z][A-Za-z0-9_-]{0,63}$' }),
  Type.Union([MdpScalar, Type.Array(MdpScalar, { maxItems: 1024 })]),
  { maxProperties: 512 },
);

const literals = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((v) => Type.Literal(v)));

const HyperparametersSchema = Type.Object(
  {
    forceField: literals(FORCE_FIELDS),
    water: literals(WATER_MODELS),
    box: literals(BOX_SHAPES),
    boxDistanceNm: Type.Number({ minimum: 0.1, maximum: 10 }),
    ionConcentrationMolar: Type.Number({ minimum: 0, maximum: 5 }),
    temperatureK: Type.Number({ minimum: 1, maximum: 1000 }),
    pressureBar: Type.Number({ minimum: 0, maximum: 10000 }),
  },
  { additionalProperties: false },
);

const RepairSchema = Type.Object(
  {
    kind: Type.String({ maxLength: 64 }),
    subject: Type.String({ maxLength: 128 }),
    detail: Type.String({ maxLength: 1024 }),
    atoms: Type.Optional(Type.Array(Type.String({ maxLength: 8 }), { maxItems: 64 })),
  },
  { additionalProperties: false },
);

/** JSON schema (TypeBox) of a job specification. */
export const JobSpecSchema = Type.Object(
  {
    schemaVersion: Type.Literal(JOB_SPEC_VERSION),
    /** SHA-256 of the canonical specification without this field: the job's content address. */
    jobId: Type.String({ pattern: SHA256 }),
    pdbId: Type.String({ pattern: '^[0-9][a-z0-9]{3}$' }),
    seed: Type.Integer(),
    /** Every file miners and verifiers need, relative to the job directory. */
    files: Type.Array(
      Type.Object(
        {
          name: Type.String({ pattern: FILE_NAME }),
          role: Type.Union([
            Type.Literal('structure'),
            Type.Literal('topology'),
            Type.Literal('include'),
          ]),
          sha256: Type.String({ pattern: SHA256 }),
          sizeBytes: Type.Integer({ minimum: 0 }),
        },
        { additionalProperties: false },
      ),
      { minItems: 2, maxItems: 256 },
    ),
    /** The minimised coordinates NVT starts from (`em.gro`). */
    structure: Type.String({ pattern: FILE_NAME }),
    /** The topology (`topol.top`). */
    topology: Type.String({ pattern: FILE_NAME }),
    /** Stages the miners run, in order, with their complete mdp parameters. */
    stages: Type.Array(
      Type.Object(
        { name: Type.String({ pattern: '^[a-z][a-z0-9-]{0,31}$' }), mdp: MdpRecord },
        { additionalProperties: false },
      ),
      { minItems: 1, maxItems: 16 },
    ),
    /** The minimisation that produced `structure`. */
    minimisation: Type.Object(
      {
        mdp: MdpRecord,
        potentialEnergyKjMol: Type.Number(),
        maxForceKjMolNm: Type.Number(),
        steps: Type.Integer({ minimum: 0 }),
        converged: Type.Boolean(),
      },
      { additionalProperties: false },
    ),
    system: Type.Object(
      {
        atomCount: Type.Integer({ minimum: 1 }),
        proteinAtomCount: Type.Integer({ minimum: 1 }),
        waterMolecules: Type.Integer({ minimum: 0 }),
        ions: Type.Object(
          { positive: Type.Integer({ minimum: 0 }), negative: Type.Integer({ minimum: 0 }) },
          { additionalProperties: false },
        ),
        netChargeE: Type.Union([Type.Number(), Type.Null()]),
        boxNm: Type.Array(Type.Number(), { minItems: 3, maxItems: 9 }),
      },
      { additionalProperties: false },
    ),
    provenance: Type.Object(
      {
        pdbId: Type.String(),
        entrySha256: Type.String({ pattern: SHA256 }),
        entrySource: Type.String({ maxLength: 2048 }),
        title: Type.String({ maxLength: 2048 }),
        experimentalMethod: Type.String({ maxLength: 256 }),
        cleanedStructureSha256: Type.String({ pattern: SHA256 }),
        repairs: Type.Array(RepairSchema, { maxItems: 100_000 }),
        hyperparameters: HyperparametersSchema,
        search: Type.Object(
          {
            space: Type.Union([Type.Literal('full'), Type.Literal('reference')]),
            jobSpaceSize: Type.Integer({ minimum: 1 }),
            rejected: Type.Array(
              Type.Object(
                {
                  candidate: Type.String(),
                  stage: Type.String(),
                  reason: Type.String({ maxLength: 2048 }),
                },
                { additionalProperties: false },
              ),
            ),
          },
          { additionalProperties: false },
        ),
        stability: Type.Object(
          {
            nvtSteps: Type.Integer({ minimum: 1 }),
            temperatureToleranceK: Type.Number(),
            passed: Type.Literal(true),
          },
          { additionalProperties: false },
        ),
        software: Type.Object(
          { gromacs: Type.String(), pdbDataset: Type.String(), pipeline: Type.Integer() },
          { additionalProperties: false },
        ),
      },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);

/**
 * A prepared, verified-stable simulation job: the files (relative to the job directory, with
 * sha256), the stages' mdp parameters, what the minimisation gave, and where it all came from.
 * Identical bytes for the same (pdbId, seed) and software; measurements that vary from run to
 * run (timings) are kept outside it.
 */
export type JobSpec = Static<typeof JobSpecSchema>;

const ajv = new Ajv({ allErrors: false, strict: true });
const checkSpec = ajv.compile<JobSpec>(JobSpecSchema);

/** The content address of a specification: SHA-256 of its canonical JSON without `jobId`. */
export function jobIdOf(spec: Omit<JobSpec, 'jobId'> & { jobId?: string }): string {
  const { jobId: _ignored, ...rest } = spec;
  return sha256Hex(canonicalJson(rest));
}

/** Canonical bytes of a specification (sorted keys): what {@link JOB_SPEC_FILE} holds. */
export function renderJobSpec(spec: JobSpec): string {
  return canonicalJson(spec);
}

/**
 * Validates a specification read from outside: the schema, the content address, and that the
 * structure and topology are among its files.
 * @throws {JobSpecError} naming the first field that is wrong.
 */
export function validateJobSpec(input: unknown): JobSpec {
  if (!checkSpec(input)) {
    const e = checkSpec.errors?.[0];
    throw new JobSpecError(`job spec ${e?.instancePath || '/'} ${e?.message ?? 'is invalid'}`, {
      details: { field: e?.instancePath },
    });
  }
  const names = new Set(input.files.map((f) => f.name));
  if (names.size !== input.files.length) throw new JobSpecError('job spec lists a file twice');
  for (const field of ['structure', 'topology'] as const) {
    if (!names.has(input[field])) {
      throw new JobSpecError(`job spec ${field} ${input[field]} is not among its files`, {
        details: { field },
      });
    }
  }
  if (jobIdOf(input) !== input.jobId) {
    throw new JobSpecError('job spec jobId does not match its content', {
      details: { field: '/jobId' },
    });
  }
  return input;
}

/**
 * Reads `job.json` from a job directory, validates it, and checks every listed file's size and
 * sha256.
 * @throws {JobSpecError} for a missing, oversized, malformed or mismatching specification or file.
 */
export async function readJobDir(jobDir: string): Promise<JobSpec> {
  const path = join(jobDir, JOB_SPEC_FILE);
  let text: string;
  try {
    const { size } = await stat(path);
    if (size > MAX_JOB_SPEC_BYTES)
      throw new JobSpecError(`${path} is ${size} bytes, over ${MAX_JOB_SPEC_BYTES}`);
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if (cause instanceof JobSpecError) throw cause;
    throw new JobSpecError(`cannot read ${path}`, { details: { path }, cause });
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new JobSpecError(`${path} is not JSON`, { details: { path }, cause });
  }
  const spec = validateJobSpec(parsed);
  for (const file of spec.files) {
    const filePath = join(jobDir, file.name);
    let bytes: Buffer;
    try {
      bytes = await readFile(filePath);
    } catch (cause) {
      throw new JobSpecError(`job file ${file.name} is missing`, {
        details: { file: file.name },
        cause,
      });
    }
    if (bytes.length !== file.sizeBytes || sha256Hex(bytes) !== file.sha256) {
      throw new JobSpecError(`job file ${file.name} does not match its sha256`, {
        details: { file: file.name },
      });
    }
  }
  return spec;
}
