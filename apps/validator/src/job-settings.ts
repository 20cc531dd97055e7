import { createHash } from 'node:crypto';
import {
  BOX_SHAPES,
  type BoxShape,
  FORCE_FIELDS,
  type ForceField,
  type Hyperparameters,
  WATER_MODELS,
  type WaterModel,
} from '@fold/pdb-dataset';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { JOB_STAGES } from './config.js';
import { JobParamsError } from './errors.js';
import type { JobStage, StageSettings } from './stage-params.js';

const literals = <T extends string>(values: readonly T[]) =>
  Type.Union(values.map((v) => Type.Literal(v)));

/**
 * What a researcher may choose for a job (all optional): the system (force field, water, box,
 * box distance, salt), the thermodynamic state (temperature, pressure) and the run (stages and
 * their steps). What is not chosen, the preparation's seeded search decides.
 */
export const JobChoicesSchema = Type.Object(
  {
    forceField: Type.Optional(literals(FORCE_FIELDS)),
    water: Type.Optional(literals(WATER_MODELS)),
    box: Type.Optional(literals(BOX_SHAPES)),
    boxDistanceNm: Type.Optional(Type.Number({ minimum: 0.5, maximum: 3 })),
    ionConcentrationMolar: Type.Optional(Type.Number({ minimum: 0, maximum: 1 })),
    temperatureK: Type.Optional(Type.Number({ minimum: 100, maximum: 450 })),
    pressureBar: Type.Optional(Type.Number({ minimum: 0.5, maximum: 1000 })),
    stages: Type.Optional(
      Type.Array(literals(JOB_STAGES), { minItems: 1, maxItems: 3, uniqueItems: true }),
    ),
    nvtSteps: Type.Optional(Type.Integer({ minimum: 1, maximum: 50_000_000 })),
    nptSteps: Type.Optional(Type.Integer({ minimum: 1, maximum: 50_000_000 })),
    mdSteps: Type.Optional(Type.Integer({ minimum: 1, maximum: 500_000_000 })),
  },
  { additionalProperties: false },
);
/** {@link JobChoicesSchema}. */
export type JobChoices = Static<typeof JobChoicesSchema>;

/** Everything that defines how a job is prepared and run, fixed when the job is created. */
export interface JobSettings extends Omit<JobChoices, 'stages'> {
  /** The PDB id (or, for an upload, the id it is labelled with). */
  readonly pdbId: string;
  /** The preparation seed (search order, perturbations). */
  readonly seed: number;
  /** The structure was uploaded (kept in the job's directory), not fetched. */
  readonly upload: boolean;
  readonly stages: readonly JobStage[];
  readonly mdSteps: number;
  readonly energyIntervalSteps?: number;
}

/** The job record's flat `params` of {@link JobSettings}. */
export function settingsToParams(
  settings: JobSettings,
): Record<string, string | number | boolean | null> {
  const out: Record<string, string | number | boolean | null> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (value === undefined) continue;
    out[key] = Array.isArray(value) ? value.join(',') : (value as string | number | boolean);
  }
  return out;
}

const StoredSchema = Type.Object(
  {
    ...JobChoicesSchema.properties,
    pdbId: Type.String({ pattern: '^[0-9][a-z0-9]{3}$' }),
    seed: Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER }),
    upload: Type.Boolean(),
    stages: Type.Array(literals(JOB_STAGES), { minItems: 1, maxItems: 3, uniqueItems: true }),
    mdSteps: Type.Integer({ minimum: 1, maximum: 500_000_000 }),
    energyIntervalSteps: Type.Optional(Type.Integer({ minimum: 1, maximum: 100 })),
  },
  { additionalProperties: false },
);
const ajv = new Ajv({ allErrors: false, strict: true });
const checkStored = ajv.compile<Static<typeof StoredSchema>>(StoredSchema);

/**
 * {@link JobSettings} from a job record's `params`.
 * @throws {JobParamsError} when they are not settings this validator wrote.
 */
export function paramsToSettings(params: Readonly<Record<string, unknown>>): JobSettings {
  const value: Record<string, unknown> = { ...params };
  if (typeof value.stages === 'string') value.stages = value.stages.split(',');
  if (!checkStored(value)) {
    const error = checkStored.errors?.[0];
    throw new JobParamsError(
      `job params ${error?.instancePath ?? ''} ${error?.message ?? 'are invalid'}`,
      { details: { field: error?.instancePath ?? 'params' } },
    );
  }
  return value;
}

/** The hyperparameters a job fixes (the preparation searches the rest). */
export function fixedHyperparameters(settings: JobSettings): Partial<Hyperparameters> {
  const out: {
    forceField?: ForceField;
    water?: WaterModel;
    box?: BoxShape;
    boxDistanceNm?: number;
    ionConcentrationMolar?: number;
    temperatureK?: number;
    pressureBar?: number;
  } = {};
  if (settings.forceField !== undefined) out.forceField = settings.forceField;
  if (settings.water !== undefined) out.water = settings.water;
  if (settings.box !== undefined) out.box = settings.box;
  if (settings.boxDistanceNm !== undefined) out.boxDistanceNm = settings.boxDistanceNm;
  if (settings.ionConcentrationMolar !== undefined)
    out.ionConcentrationMolar = settings.ionConcentrationMolar;
  if (settings.temperatureK !== undefined) out.temperatureK = settings.temperatureK;
  if (settings.pressureBar !== undefined) out.pressureBar = settings.pressureBar;
  return out;
}

/** The stages and steps miners run for a job. */
export function stageSettingsOf(settings: JobSettings): StageSettings {
  const steps: Partial<Record<JobStage, number>> = {
    // NVT and NPT follow the reference's ratios to production unless set.
    nvt: settings.nvtSteps ?? Math.max(1, Math.round(settings.mdSteps / 100)),
    npt: settings.nptSteps ?? Math.max(1, Math.round(settings.mdSteps / 10)),
    md: settings.mdSteps,
  };
  return {
    stages: settings.stages,
    steps,
    ...(settings.energyIntervalSteps === undefined
      ? {}
      : { energyIntervalSteps: settings.energyIntervalSteps }),
  };
}

/**
 * A job's preparation seed, from the validator's salt and the job id: reproducible after a
 * restart, unpredictable to others. Pure.
 */
export function preparationSeed(salt: string, jobId: string): number {
  return createHash('sha256')
    .update(`fold-validator-job\0${salt}\0${jobId}`)
    .digest()
    .readUInt32BE(0);
}
