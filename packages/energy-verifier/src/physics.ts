import type { EdrData, TrrFrame } from '@fold/gromacs-runner';
import {
  BOLTZMANN_KJ_MOL_K,
  closestPairWithin,
  constraintDeviation,
  kineticEnergy,
} from './geometry.js';
import { type Reason, reason } from './reasons.js';
import type { ReferenceSystem, StageReference } from './system.js';
import type { Tolerances } from './tolerances.js';

/** Figures of the static physics checks (forces, geometry, kinetic energy). */
export interface FrameMeasurements {
  readonly maxForceKjMolNm: number | null;
  readonly rmsForceKjMolNm: number | null;
  readonly maxConstraintDeviation: number;
  readonly closestAtomsNm: number | null;
  readonly kineticEnergyKjMol: number;
  readonly temperatureK: number;
  /** Relative difference to the `.edr`'s kinetic energy at the frame's step; null without one. */
  readonly kineticRelative: number | null;
}

/**
 * Static checks of the frame: the largest force (from the validator's rerun), no two atoms
 * overlapping, every constrained distance kept, and velocities that give the kinetic energy the
 * `.edr` recorded at that step.
 */
export function checkFramePhysics(input: {
  readonly system: ReferenceSystem;
  readonly stage: StageReference;
  readonly frame: TrrFrame;
  /** Forces of the validator's rerun, kJ/mol/nm; null when the rerun produced none. */
  readonly forces: Float64Array | null;
  readonly edr: EdrData | undefined;
  readonly tolerances: Tolerances;
}): { reasons: Reason[]; measurements: FrameMeasurements } {
  const { system, stage, frame, tolerances } = input;
  const positions = frame.positionsNm as Float64Array;
  const box = frame.boxNm as Float64Array;
  const reasons: Reason[] = [];

  let maxForce: number | null = null;
  let rmsForce: number | null = null;
  if (input.forces) {
    let max = 0;
    let worst = -1;
    let sum = 0;
    let finite = true;
    const n = input.forces.length / 3;
    for (let i = 0; i < n; i++) {
      const f2 =
        (input.forces[3 * i] as number) ** 2 +
        (input.forces[3 * i + 1] as number) ** 2 +
        (input.forces[3 * i + 2] as number) ** 2;
      if (!Number.isFinite(f2)) finite = false;
      else if (f2 > max) {
        max = f2;
        worst = i;
      }
      sum += f2;
    }
    maxForce = finite ? Math.sqrt(max) : Number.POSITIVE_INFINITY;
    rmsForce = finite ? Math.sqrt(sum / n) : Number.POSITIVE_INFINITY;
    if (!(maxForce <= tolerances.maxForceKjMolNm)) {
      reasons.push(
        reason(
          'FORCE_TOO_LARGE',
          finite
            ? `the largest force is ${maxForce.toExponential(3)} kJ/mol/nm on atom ${worst}, above ${tolerances.maxForceKjMolNm}`
            : 'a force is not finite',
          {
            maxForceKjMolNm: finite ? maxForce : null,
            atom: worst,
            limit: tolerances.maxForceKjMolNm,
          },
        ),
      );
    }
  }

  const closest = closestPairWithin(
    positions,
    box,
    tolerances.minAtomDistanceNm,
    (atom) => (system.masses[atom] as number) > 0,
  );
  if (closest !== null) {
    reasons.push(
      reason(
        'ATOMS_OVERLAP',
        `atoms ${closest.atoms[0]} and ${closest.atoms[1]} are ${closest.distanceNm.toFixed(4)} nm apart, under ${tolerances.minAtomDistanceNm}`,
        { atoms: [...closest.atoms], distanceNm: closest.distanceNm },
      ),
    );
  }

  const constraints = constraintDeviation(positions, box, system.constraints);
  if (!(constraints.maxRelative <= tolerances.constraintRelative)) {
    reasons.push(
      reason(
        'CONSTRAINTS_VIOLATED',
        `a constrained distance is off by ${(constraints.maxRelative * 100).toPrecision(3)}% (limit ${(tolerances.constraintRelative * 100).toPrecision(3)}%)`,
        {
          atoms: constraints.atoms ? [...constraints.atoms] : null,
          distanceNm: constraints.distanceNm,
          lengthNm: constraints.lengthNm,
          deviation: Number.isFinite(constraints.maxRelative) ? constraints.maxRelative : null,
        },
      ),
    );
  }

  const kinetic = kineticEnergy(frame.velocitiesNmPs as Float64Array, system.masses);
  const temperatureK = (2 * kinetic) / (stage.degreesOfFreedom * BOLTZMANN_KJ_MOL_K);
  let kineticRelative: number | null = null;
  const recorded = edrValueAt(input.edr, 'Kinetic En.', frame.step);
  if (recorded !== null) {
    kineticRelative = (kinetic - recorded) / Math.abs(recorded);
    if (!(Math.abs(kineticRelative) <= tolerances.kineticRelative)) {
      reasons.push(
        reason(
          'KINETIC_ENERGY_MISMATCH',
          `the frame's velocities give ${kinetic.toFixed(1)} kJ/mol of kinetic energy, the .edr ${recorded.toFixed(1)} at step ${frame.step}`,
          { frameKjMol: kinetic, edrKjMol: recorded, relative: kineticRelative },
        ),
      );
    }
  }
  return {
    reasons,
    measurements: {
      maxForceKjMolNm: maxForce,
      rmsForceKjMolNm: rmsForce,
      maxConstraintDeviation: constraints.maxRelative,
      closestAtomsNm: closest?.distanceNm ?? null,
      kineticEnergyKjMol: kinetic,
      temperatureK,
      kineticRelative,
    },
  };
}

/** The value of a term at a step in an energy file, or null. */
export function edrValueAt(edr: EdrData | undefined, term: string, step: number): number | null {
  if (!edr) return null;
  const index = edr.terms.findIndex((t) => t.name === term);
  if (index < 0) return null;
  const frame = edr.frames.find((f) => f.step === step);
  return frame ? (frame.values[index] as number) : null;
}

/** A potential-energy series: steps and values, in step order. */
export interface PotentialSeries {
  readonly steps: readonly number[];
  readonly values: readonly number[];
}

/** Figures of the continuation from the frame. */
export interface ContinuationMeasurements {
  /** Thermal fluctuation of the potential used as the unit, kJ/mol: kB·T·sqrt(ndf/2). */
  readonly sigmaKjMol: number;
  /** Largest |E(N+k) - E(N)| within the gradient steps, in sigmas. */
  readonly gradientSigmas: number;
  /** Largest |E(N+k) - E(N)| over the window, in sigmas. */
  readonly driftSigmas: number;
  readonly steps: number;
}

/**
 * Judges a short continuation from the frame with the validator's own parameters: the potential
 * must neither jump in the first steps (a minimised, heated or otherwise prepared frame relaxes
 * at once, in either direction) nor drift beyond thermal fluctuations over the window. Both are
 * measured in units of the potential's thermal fluctuation, kB·T·sqrt(ndf/2), so that one bound
 * serves small and large systems.
 */
export function checkContinuation(input: {
  readonly stage: StageReference;
  readonly frameStep: number;
  readonly series: PotentialSeries;
  readonly tolerances: Tolerances;
}): { reasons: Reason[]; measurements: ContinuationMeasurements } {
  const { stage, series, tolerances, frameStep } = input;
  const sigma = BOLTZMANN_KJ_MOL_K * stage.temperatureK * Math.sqrt(stage.degreesOfFreedom / 2);
  const startIndex = series.steps.indexOf(frameStep);
  const reasons: Reason[] = [];
  const e0 = series.values[startIndex];
  const lastStep = series.steps[series.steps.length - 1];
  const expectedLast = frameStep + tolerances.reproductionWindowSteps;
  if (startIndex < 0 || e0 === undefined || lastStep !== expectedLast) {
    reasons.push(
      reason(
        'UNSTABLE_CONTINUATION',
        `the continuation from the frame stopped at step ${lastStep ?? 'none'} instead of ${expectedLast}`,
        { lastStep: lastStep ?? null, expectedLastStep: expectedLast },
      ),
    );
    return {
      reasons,
      measurements: {
        sigmaKjMol: sigma,
        gradientSigmas: Number.NaN,
        driftSigmas: Number.NaN,
        steps: 0,
      },
    };
  }
  let gradient = 0;
  let gradientAt = frameStep;
  let drift = 0;
  let driftAt = frameStep;
  for (let k = startIndex; k < series.steps.length; k++) {
    const change = Math.abs((series.values[k] as number) - e0) / sigma;
    const step = series.steps[k] as number;
    const sigmas = Number.isNaN(change) ? Number.POSITIVE_INFINITY : change;
    if (step - frameStep <= tolerances.gradientSteps && sigmas > gradient) {
      gradient = sigmas;
      gradientAt = step;
    }
    if (sigmas > drift) {
      drift = sigmas;
      driftAt = step;
    }
  }
  if (gradient > tolerances.gradientSigmas) {
    reasons.push(
      reason(
        'ENERGY_GRADIENT',
        `the potential moved ${gradient.toFixed(2)} thermal fluctuations (${(gradient * sigma).toFixed(0)} kJ/mol) within ${gradientAt - frameStep} steps of the frame (limit ${tolerances.gradientSigmas})`,
        {
          sigmas: gradient,
          kjMol: gradient * sigma,
          atStep: gradientAt,
          limitSigmas: tolerances.gradientSigmas,
        },
      ),
    );
  }
  if (drift > tolerances.stabilitySigmas) {
    reasons.push(
      reason(
        'UNSTABLE_CONTINUATION',
        `the potential drifted ${drift.toFixed(2)} thermal fluctuations (${(drift * sigma).toFixed(0)} kJ/mol) within ${driftAt - frameStep} steps of the frame (limit ${tolerances.stabilitySigmas})`,
        {
          sigmas: drift,
          kjMol: drift * sigma,
          atStep: driftAt,
          limitSigmas: tolerances.stabilitySigmas,
        },
      ),
    );
  }
  return {
    reasons,
    measurements: {
      sigmaKjMol: sigma,
      gradientSigmas: gradient,
      driftSigmas: drift,
      steps: series.steps.length - 1 - startIndex,
    },
  };
}
