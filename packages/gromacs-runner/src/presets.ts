import { InvalidInputError } from './errors.js';
import { assertNumber } from './inputs.js';
import { type MdpParams, mergeMdp } from './mdp.js';

/** The stages of the project's recipe: energy minimisation, NVT and NPT equilibration, production. */
export type StagePresetName = 'em' | 'nvt' | 'npt' | 'md';

/** Force-field families whose recommended non-bonded settings differ. */
export type ForceFieldFamily = 'charmm' | 'amber' | 'gromos' | 'opls' | 'other';

/** The family of a GROMACS force-field directory name (`charmm27` -> `charmm`). */
export function forceFieldFamily(forceField: string): ForceFieldFamily {
  const ff = forceField.toLowerCase();
  if (ff.startsWith('charmm')) return 'charmm';
  if (ff.startsWith('amber')) return 'amber';
  if (ff.startsWith('gromos')) return 'gromos';
  if (ff.startsWith('oplsaa')) return 'opls';
  return 'other';
}

/**
 * Cut-offs and long-range settings a force field was parameterised with: CHARMM uses 1.2 nm with
 * a force switch from 1.0 nm and no dispersion correction; AMBER and OPLS 1.0 nm with `EnerPres`;
 * GROMOS 1.4 nm. PME electrostatics and H-bond constraints everywhere.
 */
export function nonbondedParams(forceField: string): MdpParams {
  const common = {
    'cutoff-scheme': 'Verlet',
    pbc: 'xyz',
    coulombtype: 'PME',
    constraints: 'h-bonds',
    'constraint-algorithm': 'lincs',
  };
  switch (forceFieldFamily(forceField)) {
    case 'charmm':
      return {
        ...common,
        rcoulomb: 1.2,
        rvdw: 1.2,
        'vdw-modifier': 'Force-switch',
        'rvdw-switch': 1.0,
        DispCorr: 'no',
        fourierspacing: 0.15,
      };
    case 'gromos':
      return { ...common, rcoulomb: 1.4, rvdw: 1.4, DispCorr: 'EnerPres', fourierspacing: 0.16 };
    default:
      return { ...common, rcoulomb: 1.0, rvdw: 1.0, DispCorr: 'EnerPres', fourierspacing: 0.16 };
  }
}

/** How often each stage writes its outputs, in steps (0 = never). */
export interface OutputIntervals {
  /** Energies to .edr (`nstenergy`; also `nstcalcenergy`). */
  readonly energySteps?: number;
  /** Energies to the log (`nstlog`). */
  readonly logSteps?: number;
  /** Compressed coordinates to .xtc (`nstxout-compressed`). */
  readonly compressedSteps?: number;
  /** Full-precision coordinates and velocities to .trr (`nstxout`, `nstvout`): the frames a verifier can rerun exactly. */
  readonly fullPrecisionSteps?: number;
}

/** Options of a stage preset. */
export interface StagePresetOptions {
  /** Force field the system was built with (default `charmm27`). */
  readonly forceField?: string;
  /** Steps of the stage (EM: the maximum). */
  readonly nsteps?: number;
  /** Seed for velocity generation (`gen-seed`) and the thermostat's random numbers (`ld-seed`); default -1 (random). */
  readonly seed?: number;
  /** Thermostat reference temperature, K (default 300). */
  readonly temperatureK?: number;
  /** Barostat reference pressure, bar (default 1). */
  readonly pressureBar?: number;
  /** Output intervals; see {@link OutputIntervals}. */
  readonly outputs?: OutputIntervals;
}

/**
 * The reference step counts: production `mdSteps` (reference 750,000 = 1.5 ns at 2 fs), NVT a
 * hundredth of it and NPT a tenth; EM runs until converged, at most 50,000 steps.
 */
export function referenceStepCounts(mdSteps = 750_000): Record<StagePresetName, number> {
  assertNumber('mdSteps', mdSteps, { min: 1, integer: true });
  return {
    em: 50_000,
    nvt: Math.max(1, Math.round(mdSteps / 100)),
    npt: Math.max(1, Math.round(mdSteps / 10)),
    md: mdSteps,
  };
}

function outputParams(
  o: OutputIntervals | undefined,
  defaults: Required<OutputIntervals>,
): MdpParams {
  const energy = o?.energySteps ?? defaults.energySteps;
  const full = o?.fullPrecisionSteps ?? defaults.fullPrecisionSteps;
  const params: Record<string, number> = {
    nstenergy: energy,
    nstlog: o?.logSteps ?? defaults.logSteps,
    'nstxout-compressed': o?.compressedSteps ?? defaults.compressedSteps,
    nstxout: full,
    nstvout: full,
  };
  // Energies are computed every nstcalcenergy steps; a coarser value would drop frames from the .edr.
  if (energy > 0) params.nstcalcenergy = Math.min(100, energy);
  for (const [key, value] of Object.entries(params)) {
    assertNumber(`outputs.${key}`, value, { min: 0, integer: true });
  }
  return params;
}

function thermostat(temperatureK: number): MdpParams {
  return { tcoupl: 'V-rescale', 'tc-grps': 'System', 'tau-t': 1.0, 'ref-t': temperatureK };
}

function barostat(pressureBar: number): MdpParams {
  return {
    pcoupl: 'C-rescale',
    pcoupltype: 'isotropic',
    'tau-p': 5.0,
    'ref-p': pressureBar,
    compressibility: 4.5e-5,
    'refcoord-scaling': 'com',
  };
}

/**
 * The mdp parameters of one stage of the reference recipe, adapted to the force field:
 * - `em`: steepest descent to a maximum force of 1000 kJ/mol/nm.
 * - `nvt`: 2 fs leap-frog, V-rescale at 300 K, new velocities from `gen-seed`, protein restrained (`-DPOSRES`).
 * - `npt`: continues NVT, adds the C-rescale barostat at 1 bar, still restrained.
 * - `md`: unrestrained production with both couplings.
 * Seeds go to `gen-seed` (NVT, the stage that draws velocities) and `ld-seed` (all dynamics).
 */
export function stagePreset(name: StagePresetName, options: StagePresetOptions = {}): MdpParams {
  const ff = options.forceField ?? 'charmm27';
  const seed = options.seed ?? -1;
  assertNumber('seed', seed, { min: -1, max: 2 ** 31 - 1, integer: true });
  const t = assertNumber('temperatureK', options.temperatureK ?? 300, { min: 0, max: 10_000 });
  const p = assertNumber('pressureBar', options.pressureBar ?? 1, { min: 0, max: 1e5 });
  const steps = referenceStepCounts();
  const nsteps = options.nsteps ?? steps[name];
  assertNumber('nsteps', nsteps, { min: name === 'em' ? 0 : -1, integer: true });
  const nonbonded = nonbondedParams(ff);
  switch (name) {
    case 'em':
      return mergeMdp(
        { integrator: 'steep', emtol: 1000.0, emstep: 0.01, nsteps },
        outputParams(options.outputs, {
          energySteps: 100,
          logSteps: 100,
          compressedSteps: 0,
          fullPrecisionSteps: 0,
        }),
        nonbonded,
      );
    case 'nvt':
      return mergeMdp(
        { define: '-DPOSRES', integrator: 'md', dt: 0.002, nsteps, continuation: 'no' },
        outputParams(options.outputs, {
          energySteps: 500,
          logSteps: 500,
          compressedSteps: 2500,
          fullPrecisionSteps: 0,
        }),
        nonbonded,
        thermostat(t),
        { pcoupl: 'no', 'gen-vel': 'yes', 'gen-temp': t, 'gen-seed': seed, 'ld-seed': seed },
      );
    case 'npt':
      return mergeMdp(
        { define: '-DPOSRES', integrator: 'md', dt: 0.002, nsteps, continuation: 'yes' },
        outputParams(options.outputs, {
          energySteps: 500,
          logSteps: 500,
          compressedSteps: 2500,
          fullPrecisionSteps: 0,
        }),
        nonbonded,
        thermostat(t),
        barostat(p),
        { 'gen-vel': 'no', 'ld-seed': seed },
      );
    case 'md':
      return mergeMdp(
        { integrator: 'md', dt: 0.002, nsteps, continuation: 'yes' },
        outputParams(options.outputs, {
          energySteps: 500,
          logSteps: 1000,
          compressedSteps: 2500,
          fullPrecisionSteps: 0,
        }),
        nonbonded,
        thermostat(t),
        barostat(p),
        { 'gen-vel': 'no', 'ld-seed': seed },
      );
    default:
      throw new InvalidInputError('stage', `unknown stage preset ${String(name)}`);
  }
}

/**
 * Parameters for the throw-away run input genion reads: like EM, but with plain cut-off
 * electrostatics, because grompp warns about PME with a net charge and the charge is what genion
 * is about to remove.
 */
export function ionsParams(forceField: string): MdpParams {
  return mergeMdp(stagePreset('em', { forceField, nsteps: 0 }), { coulombtype: 'Cut-off' });
}

/** Options of {@link standardStages}. */
export interface StandardStagesOptions {
  /** Force field the system was built with. */
  readonly forceField: string;
  /** Production steps (default 750,000); NVT and NPT get a hundredth and a tenth, as in the reference. */
  readonly mdSteps?: number;
  /** Explicit step counts per stage, overriding the ratios. */
  readonly nsteps?: Partial<Record<StagePresetName, number>>;
  /** Start with an energy minimisation (default false: {@link prepareSystem} has minimised already). */
  readonly includeMinimization?: boolean;
  readonly temperatureK?: number;
  readonly pressureBar?: number;
  /** Output intervals for every dynamics stage. */
  readonly outputs?: OutputIntervals;
  /** Parameters merged over each stage's preset. */
  readonly overrides?: Partial<Record<StagePresetName, MdpParams>>;
}

/**
 * The reference recipe as stages for {@link runStages}: [EM,] NVT, NPT, MD with the force field's
 * settings. Seeds are left at -1 here; pass `seed` to `runStages` to fix them for every stage.
 */
export function standardStages(
  options: StandardStagesOptions,
): { name: StagePresetName; mdp: MdpParams }[] {
  const counts = { ...referenceStepCounts(options.mdSteps), ...(options.nsteps ?? {}) };
  const names: StagePresetName[] = options.includeMinimization
    ? ['em', 'nvt', 'npt', 'md']
    : ['nvt', 'npt', 'md'];
  return names.map((name) => ({
    name,
    mdp: mergeMdp(
      stagePreset(name, {
        forceField: options.forceField,
        nsteps: counts[name],
        ...(options.temperatureK !== undefined ? { temperatureK: options.temperatureK } : {}),
        ...(options.pressureBar !== undefined ? { pressureBar: options.pressureBar } : {}),
        ...(options.outputs && name !== 'em' ? { outputs: options.outputs } : {}),
      }),
      options.overrides?.[name],
    ),
  }));
}
