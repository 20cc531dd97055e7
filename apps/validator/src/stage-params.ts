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
  /** Steps between energy frames and log entries (`nstenergy`, `nstlog`). */
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

function gcd(a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b);
}

/**
 * The job as this validator runs it: the prepared job's stages cut down to `settings.stages`,
 * with their step counts and energy intervals replaced, and the content address recomputed. A
 * first stage that is not the job's first draws its own velocities (`gen-vel = yes`) at the
 * stage's temperature. Miners get exactly these parameters, and verification checks against
 * exactly this specification. Pure.
 * @throws {JobParamsError} for a stage the prepared job lacks or a step count that is not an
 *   integer.
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
    const interval = settings.energyIntervalSteps;
    if (interval !== undefined) {
      mdp = setOption(mdp, 'nstenergy', interval);
      mdp = setOption(mdp, 'nstlog', interval);
      const calc = getOption(mdp, 'nstcalcenergy');
      // nstenergy must be a multiple of nstcalcenergy.
      if (typeof calc === 'number' && calc > 0 && interval % calc !== 0)
        mdp = setOption(mdp, 'nstcalcenergy', gcd(interval, calc));
    }
    if (index === 0 && stage.name !== spec.stages[0]?.name) {
      const temperature = getOption(mdp, 'ref-t');
      const genTemp = Array.isArray(temperature) ? temperature[0] : temperature;
      mdp = setOption(mdp, 'gen-vel', 'yes');
      mdp = setOption(mdp, 'continuation', 'no');
      if (typeof genTemp === 'number') mdp = setOption(mdp, 'gen-temp', genTemp);
    }
    return { name: stage.name, mdp };
  });
  const derived = { ...spec, stages };
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
 * The stages of a job whose frames are scored: dynamics without position restraints. Restrained
 * stages (`define = -DPOSRES`) equilibrate the system; their energies include the restraints and
 * are not comparable. Pure.
 */
export function scoredStages(spec: JobSpec): Set<string> {
  const out = new Set<string>();
  for (const stage of spec.stages) {
    const define = getOption(stage.mdp, 'define');
    const integrator = getOption(stage.mdp, 'integrator');
    const restrained = typeof define === 'string' && /-DPOSRES\b/.test(define);
    const minimiser =
      typeof integrator === 'string' && ['steep', 'cg', 'l-bfgs'].includes(integrator);
    if (!restrained && !minimiser) out.add(stage.name);
  }
  return out;
}
