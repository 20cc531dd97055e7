import { describe, expect, it } from '@jest/globals';
import { GmxParseError } from './errors.js';
import {
  parseCheckpointSteps,
  parseLastLogStep,
  parseMinimizationLog,
  parsePerformance,
} from './md-log.js';

const converged = `
Steepest Descents converged to Fmax < 1000 in 417 steps
Potential Energy  = -9.0077695e+04
Maximum force     =  9.9219012e+02 on atom 10
Norm of force     =  3.7134473e+01
`;

describe('mdrun log', () => {
  it('reads a converged minimisation', () => {
    expect(parseMinimizationLog(converged)).toEqual({
      converged: true,
      outcome: 'converged',
      emtolKjMolNm: 1000,
      steps: 417,
      potentialKjMol: -90077.695,
      maxForceKjMolNm: 992.19012,
      maxForceAtom: 10,
      normForceKjMolNm: 37.134473,
    });
  });

  it('reads a minimisation that ran out of steps', () => {
    const text = converged.replace(
      'converged to Fmax < 1000 in 417 steps',
      'did not converge to Fmax < 10 in 51 steps.',
    );
    expect(parseMinimizationLog(text)).toMatchObject({
      converged: false,
      outcome: 'max-steps',
      steps: 51,
      emtolKjMolNm: 10,
    });
  });

  it('reads a minimisation stopped by machine precision as not converged', () => {
    const text = converged.replace(
      'converged to Fmax < 1000 in 417 steps',
      'converged to machine precision in 36 steps,\nbut did not reach the requested Fmax < 10.',
    );
    expect(parseMinimizationLog(text)).toMatchObject({
      converged: false,
      outcome: 'machine-precision',
      steps: 36,
      emtolKjMolNm: 10,
    });
  });

  it('fails on a log without a minimisation summary', () => {
    expect(() => parseMinimizationLog('Started mdrun on rank 0\n')).toThrow(GmxParseError);
  });

  it('reads the closing performance, the last step and the checkpoints', () => {
    const log = `Writing checkpoint, step 160 at Wed Nov 25 06:24:11 2026
           Step           Time
            100        0.20000

Writing checkpoint, step 320 at Wed Nov 25 06:24:12 2026
           Step           Time
           2000        4.00000

                 (ns/day)    (hour/ns)
Performance:       40.462        0.593
`;
    expect(parsePerformance(log)).toEqual({ nsPerDay: 40.462, hoursPerNs: 0.593 });
    expect(parseLastLogStep(log)).toEqual({ step: 2000, timePs: 4 });
    expect(parseCheckpointSteps(log)).toEqual([160, 320]);
    expect(parsePerformance('no performance yet')).toBeNull();
  });
});
