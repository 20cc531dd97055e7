import { DEFAULT_ENERGY_INTERVAL_STEPS, verifiableStages } from '@fold/energy-verifier';
import { type JobSpec, jobIdOf, validateJobSpec } from '@fold/pdb-dataset';
import {
  MDP_OPTION_NAMES,
  type SimulationParams,
  SimulationParamsSchema,
  STAGE_NAMES,
  type StageName,
} from '@fold/synapse';
import { Ajv } from 'ajv';
import type { JOB_STAGES } from './config.js';
import { JobParamsError } from './errors.js';

/** A stage a validator hands to miners. */
export type JobStage = (typeof JOB_STAGES)[number];

/** How the validator runs a prepared job: which stages, how long, how often it writes energies. */
export interface StageSettings {
  /** Stages miners run, a subset of the prepared job's, in the job's order. */
  readonly stages: readonly JobStage[];
  /** Steps per stage, replacing the prepared job's. */
  readonly steps?: Readonly<Partial<Record<JobStage, number>>>;
  /**
   * Steps between energy frames and log entries (`nstenergy`, `nstlog`); default the verifier's
   * (`DEFAULT_ENERGY_INTERVAL_STEPS`, energies only), at most its reproduction window.
   */
  readonly energyIntervalSteps?: number;
}

type Mdp = JobSpec['stages'][number]['mdp'];
type MdpEntry = Mdp[string];

// The seed is its own field of the protocol: miners write it into every stage.
const SEED_OPTIONS = new Set(['gen-seed', 'ld-seed']);
const ALLOWED = new Set(MDP_OPTION_NAMES);

function canonicalKey(key: string): string {
  return key.toLowerCase().replaceAll('_', '-');
}

function getOption(mdp: Mdp, name: string): MdpEntry | undefined {
  for (const [key, value] of Object.entries(mdp)) if (canonicalKey(key) === name) return value;
  return undefined;
}

function setOption(mdp: Mdp, name: string, value: MdpEntry): Mdp {
  const out: Record<string, MdpEntry> = {};
  for (const [key, v] of Object.entries(mdp)) if (canonicalKey(key) !== name) out[key] = v;
  out[name] = value;
  return out;
}

/**
 * The job as this validator runs it: the prepared job's stages cut down to `settings.stages`,
 * with their step counts replaced, energies written often enough for the verifier's
 * reproduction check (@fold/energy-verifier's `verifiableStages`), and the content address
 * recomputed. A first stage that is not the job's first draws its own velocities
 * (`gen-vel = yes`) at the stage's temperature. Miners get exactly these parameters, and
 * verification checks against exactly this specification. Pure.
 * @throws {JobParamsError} for a stage the prepared job lacks, a step count that is not an
 *   integer, or an energy interval the verifier cannot work with.
 */
export function deriveJobSpec(spec: JobSpec, settings: StageSettings): JobSpec {
  const kept = spec.stages.filter((s) => settings.stages.includes(s.name as JobStage));
  for (const name of settings.stages) {
    if (!spec.stages.some((s) => s.name === name)) {
      throw new JobParamsError(`the prepared job has no ${name} stage`, {
        details: { field: 'stages', stage: name },
      });
    }
  }
  const stages = kept.map((stage, index) => {
    let mdp: Mdp = { ...stage.mdp };
    const steps = settings.steps?.[stage.name as JobStage];
    if (steps !== undefined) {
      if (!Number.isSafeInteger(steps) || steps < 1) {
        throw new JobParamsError(`${stage.name} steps must be a positive integer (got ${steps})`, {
          details: { field: `${stage.name}Steps` },
        });
      }
      mdp = setOption(mdp, 'nsteps', steps);
    }
    if (settings.energyIntervalSteps !== undefined)
      mdp = setOption(mdp, 'nstlog', settings.energyIntervalSteps);
    if (index === 0 && stage.name !== spec.stages[0]?.name) {
      const temperature = getOption(mdp, 'ref-t');
      const genTemp = Array.isArray(temperature) ? temperature[0] : temperature;
      mdp = setOption(mdp, 'gen-vel', 'yes');
      mdp = setOption(mdp, 'continuation', 'no');
      if (typeof genTemp === 'number') mdp = setOption(mdp, 'gen-temp', genTemp);
    }
    return { name: stage.name, mdp };
  });
  let verifiable: typeof stages;
  try {
    verifiable = verifiableStages(stages, {
      energyIntervalSteps: settings.energyIntervalSteps ?? DEFAULT_ENERGY_INTERVAL_STEPS,
    });
  } catch (error) {
    throw new JobParamsError(`energy interval: ${(error as Error).message}`, {
      details: { field: 'energyIntervalSteps' },
      cause: error,
    });
  }
  const derived = { ...spec, stages: verifiable };
  return validateJobSpec({ ...derived, jobId: jobIdOf(derived) });
}

const ajv = new Ajv({ allErrors: false, strict: false });
const checkParams = ajv.compile<SimulationParams>(SimulationParamsSchema);

/**
 * The protocol's `params` of an assignment for a job: each stage's mdp options under their
 * canonical names, without the seed options (the seed travels in its own field). Pure.
 * @throws {JobParamsError} when a stage is not a protocol stage or an option is one the
 *   protocol does not carry or bound (naming the stage and option).
 */
export function simulationParamsOf(spec: JobSpec): SimulationParams {
  const params: Record<string, Record<string, unknown>> = {};
  for (const stage of spec.stages) {
    if (!(STAGE_NAMES as readonly string[]).includes(stage.name)) {
      throw new JobParamsError(`stage ${stage.name} is not a protocol stage`, {
        details: { field: 'stages', stage: stage.name },
      });
    }
    const options: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(stage.mdp)) {
      const name = canonicalKey(key);
      if (SEED_OPTIONS.has(name)) continue;
      if (!ALLOWED.has(name)) {
        throw new JobParamsError(
          `stage ${stage.name}: mdp option ${key} is not carried by the protocol`,
          {
            details: { field: `stages.${stage.name}.${key}` },
          },
        );
      }
      options[name] = value;
    }
    params[stage.name as StageName] = options;
  }
  if (!checkParams(params)) {
    const error = checkParams.errors?.[0];
    throw new JobParamsError(
      `simulation params ${error?.instancePath ?? ''} ${error?.message ?? 'are invalid'}`,
      { details: { field: error?.instancePath ?? 'params' } },
    );
  }
  return params;
}

/** Steps of the last stage of a job (its length as miners report steps). */
export function lastStageSteps(spec: JobSpec): number {
  const last = spec.stages.at(-1);
  const steps = last === undefined ? undefined : getOption(last.mdp, 'nsteps');
  return typeof steps === 'number' ? steps : 0;
}

/**
 * The job a rebase hands to the other miners: the same system starting from `start` (the best
 * verified structure, a `.gro` file), running the production stage (the job's last) with new
 * velocities drawn at its temperature. Pure.
 * @throws {JobParamsError} for a start file name that is not a `.gro` job file name.
 */
export function rebaseJobSpec(
  spec: JobSpec,
  start: { readonly name: string; readonly sha256: string; readonly sizeBytes: number },
): JobSpec {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,123}\.gro$/.test(start.name)) {
    throw new JobParamsError(`${start.name} is not a structure file name`, {
      details: { field: 'start' },
    });
  }
  const production = spec.stages.at(-1);
  if (production === undefined) throw new JobParamsError('the job has no stage');
  let mdp = setOption(production.mdp, 'gen-vel', 'yes');
  mdp = setOption(mdp, 'continuation', 'no');
  const temperature = getOption(mdp, 'ref-t');
  const genTemp = Array.isArray(temperature) ? temperature[0] : temperature;
  if (typeof genTemp === 'number') mdp = setOption(mdp, 'gen-temp', genTemp);
  const files = [
    {
      name: start.name,
      role: 'structure' as const,
      sha256: start.sha256,
      sizeBytes: start.sizeBytes,
    },
    ...spec.files.filter((f) => f.name !== spec.structure && f.name !== start.name),
  ];
  const derived = {
    ...spec,
    files,
    structure: start.name,
    stages: [{ name: production.name, mdp }],
  };
  return validateJobSpec({ ...derived, jobId: jobIdOf(derived) });
}
