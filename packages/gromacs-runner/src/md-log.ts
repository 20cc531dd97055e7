import { GmxParseError } from './errors.js';
import { type InputrecSection, parseInputrecLines } from './tpr-dump.js';

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

/**
 * The run parameters mdrun printed at the start of each run into the log (`Input Parameters:`),
 * in order: one section per mdrun process that wrote to the log (a run continued from a
 * checkpoint appends a section). Same shape as {@link TprDump}'s.
 */
export function parseLogParameters(logText: string): InputrecSection[] {
  const lines = logText.split(/\r?\n/);
  const sections: InputrecSection[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i] !== 'Input Parameters:') continue;
    const { inputrec, groupOptions, end } = parseInputrecLines(lines, i + 1);
    sections.push({ inputrec, groupOptions });
    i = end;
  }
  return sections;
}

/** Energies mdrun printed to the log at one step. */
export interface LogEnergyFrame {
  readonly step: number;
  readonly timePs: number;
  /** Terms by the names the log gives them (`Potential`, `Kinetic En.`, `Pres. DC (bar)`, ...). */
  readonly energies: Readonly<Record<string, number>>;
}

// mdrun prints term names right-aligned in 15-character columns, five to a line, each line of
// names followed by a line of values.
const LOG_COLUMN = 15;

/**
 * Every energy block of an mdrun log (`Step Time` then `Energies (kJ/mol)`), in order. The log
 * prints five significant digits, so values agree with the `.edr` to about 5e-6 relative.
 * Averages at the end of the log are not included.
 */
export function parseLogEnergies(logText: string): LogEnergyFrame[] {
  const lines = logText.split(/\r?\n/);
  const frames: LogEnergyFrame[] = [];
  for (let i = 0; i + 4 < lines.length; i++) {
    if (!/^\s+Step\s+Time\s*$/.test(lines[i] as string)) continue;
    const at = /^\s+(\d+)\s+([-+]?\d*\.?\d+(?:[eE][-+]?\d+)?)\s*$/.exec(lines[i + 1] ?? '');
    if (!at) continue;
    // A checkpoint written at this step is announced between the step and its energies.
    let k = i + 2;
    while (
      k < lines.length &&
      ((lines[k] as string).trim() === '' || (lines[k] as string).startsWith('Writing checkpoint'))
    )
      k++;
    if ((lines[k] as string | undefined)?.trim() !== 'Energies (kJ/mol)') continue;
    const energies: Record<string, number> = {};
    for (k += 1; k + 1 < lines.length; k += 2) {
      const names = lines[k] as string;
      const values = (lines[k + 1] as string).trim().split(/\s+/);
      if (names.trim() === '' || names.length % LOG_COLUMN !== 0) break;
      const count = names.length / LOG_COLUMN;
      if (values.length !== count) break;
      for (let c = 0; c < count; c++) {
        const name = names.slice(c * LOG_COLUMN, (c + 1) * LOG_COLUMN).trim();
        energies[name] = Number(values[c]);
      }
    }
    frames.push({ step: Number(at[1]), timePs: Number(at[2]), energies });
    i = k - 1;
  }
  return frames;
}
