import { GmxParseError } from './errors.js';

/** The end of an energy minimisation, as mdrun writes it to the log. */
export interface MinimizationResult {
  /** Whether the maximum force fell below `emtol`. */
  readonly converged: boolean;
  /** Why it stopped: reached `emtol`, could not improve further (machine precision), or ran out of steps. */
  readonly outcome: 'converged' | 'machine-precision' | 'max-steps';
  /** The force tolerance asked for (`emtol`), kJ/mol/nm. */
  readonly emtolKjMolNm: number;
  /** Steps as mdrun counts them (the starting structure included: at most `nsteps + 1`). */
  readonly steps: number;
  /** Potential energy of the final structure, kJ/mol. */
  readonly potentialKjMol: number;
  /** Largest force on any atom, kJ/mol/nm. */
  readonly maxForceKjMolNm: number;
  /** 1-based number of the atom with the largest force. */
  readonly maxForceAtom: number;
  /** Root mean square force, kJ/mol/nm. */
  readonly normForceKjMolNm: number;
}

const NUM = '([-+]?\\d*\\.?\\d+(?:[eE][-+]?\\d+)?)';

/**
 * Reads the summary an energy minimisation leaves at the end of its log.
 * @throws {GmxParseError} when the log has no minimisation summary (the run did not finish).
 */
export function parseMinimizationLog(logText: string): MinimizationResult {
  const converged = new RegExp(`converged to Fmax < ${NUM} in (\\d+) steps`).exec(logText);
  const machine = new RegExp(
    `converged to machine precision in (\\d+) steps,\\s*but did not reach the requested Fmax < ${NUM}`,
  ).exec(logText);
  const notConverged = new RegExp(`did not converge to Fmax < ${NUM} in (\\d+) steps`).exec(
    logText,
  );
  const potential = new RegExp(`Potential Energy\\s+=\\s+${NUM}`).exec(logText);
  const maxForce = new RegExp(`Maximum force\\s+=\\s+${NUM} on atom (\\d+)`).exec(logText);
  const norm = new RegExp(`Norm of force\\s+=\\s+${NUM}`).exec(logText);
  if (!potential || !maxForce || !norm || !(converged || machine || notConverged)) {
    throw new GmxParseError(
      'the log has no energy-minimisation summary; did the minimisation finish?',
    );
  }
  let outcome: MinimizationResult['outcome'];
  let emtol: number;
  let steps: number;
  if (converged) {
    outcome = 'converged';
    emtol = Number(converged[1]);
    steps = Number(converged[2]);
  } else if (machine) {
    outcome = 'machine-precision';
    steps = Number(machine[1]);
    emtol = Number(machine[2]);
  } else {
    outcome = 'max-steps';
    emtol = Number(notConverged?.[1]);
    steps = Number(notConverged?.[2]);
  }
  return {
    converged: outcome === 'converged',
    outcome,
    emtolKjMolNm: emtol,
    steps,
    potentialKjMol: Number(potential[1]),
    maxForceKjMolNm: Number(maxForce[1]),
    maxForceAtom: Number(maxForce[2]),
    normForceKjMolNm: Number(norm[1]),
  };
}

/** mdrun's closing performance line; null when the run did not get that far. */
export function parsePerformance(logText: string): { nsPerDay: number; hoursPerNs: number } | null {
  const m = new RegExp(`Performance:\\s+${NUM}\\s+${NUM}`).exec(logText);
  if (!m) return null;
  return { nsPerDay: Number(m[1]), hoursPerNs: Number(m[2]) };
}

/** The last `Step Time` pair the log recorded; null when none. */
export function parseLastLogStep(logText: string): { step: number; timePs: number } | null {
  const re = /^\s+Step\s+Time\s*\n\s+(\d+)\s+([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)/gm;
  let last: RegExpExecArray | null = null;
  for (let m = re.exec(logText); m !== null; m = re.exec(logText)) last = m;
  return last ? { step: Number(last[1]), timePs: Number(last[2]) } : null;
}

/** The checkpoints mdrun logged (`Writing checkpoint, step N`), in order. */
export function parseCheckpointSteps(logText: string): number[] {
  return [...logText.matchAll(/Writing checkpoint, step (\d+)/g)].map((m) => Number(m[1]));
}
