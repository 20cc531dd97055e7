import { describe, expect, it } from '@jest/globals';
import { GmxParseError } from './errors.js';
import {
  parseCheckpointSteps,
  parseLastLogStep,
  parseLogEnergies,
  parseLogParameters,
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

const dynamicsLog = `
Input Parameters:
   integrator                     = md
   nsteps                         = 600
   ld-seed                        = 101
   rvdw                           = 1
   compressibility (3x3):
      compressibility[    0]={ 4.50000e-05,  0.00000e+00,  0.00000e+00}
      compressibility[    1]={ 0.00000e+00,  4.50000e-05,  0.00000e+00}
      compressibility[    2]={ 0.00000e+00,  0.00000e+00,  4.50000e-05}
qm-opts:
   ngQM                           = 0
   continuation                   = true
grpopts:
   nrdf:       11988
   ref-t:         315
   tau-t:           1

Changing nstlist from 10 to 40, rlist from 1 to 1.098

           Step           Time
              0        0.00000

   Energies (kJ/mol)
           Bond          Angle    Proper Dih. Per. Imp. Dih.          LJ-14
    1.56692e+02    4.08755e+02    8.79114e+02    2.51265e+01    3.05846e+02
      Potential    Kinetic En.   Total Energy  Conserved En.    Temperature
   -9.39066e+04    1.28483e+04   -8.10583e+04   -8.10643e+04    2.57807e+02
 Pres. DC (bar) Pressure (bar)   Constr. rmsd
   -2.14907e+02   -1.10372e+03    1.57069e-06

           Step           Time
            600        1.20000

Writing checkpoint, step 600 at Wed Nov 25 08:02:58 2026


   Energies (kJ/mol)
      Potential    Kinetic En.
   -9.33143e+04    1.46610e+04

	<======  ###############  ==>
	<====  A V E R A G E S  ====>

   Energies (kJ/mol)
      Potential
   -9.30000e+04
`;

describe('mdrun log energies and parameters', () => {
  it('reads every energy block with its step, time and terms, skipping checkpoint lines', () => {
    const frames = parseLogEnergies(dynamicsLog);
    expect(frames.map((f) => [f.step, f.timePs])).toEqual([
      [0, 0],
      [600, 1.2],
    ]);
    expect(frames[0]?.energies).toMatchObject({
      Bond: 156.692,
      'Per. Imp. Dih.': 25.1265,
      Potential: -93906.6,
      'Pres. DC (bar)': -214.907,
      'Constr. rmsd': 0.00000157069,
    });
    expect(frames[1]?.energies).toEqual({ Potential: -93314.3, 'Kinetic En.': 14661 });
  });

  it('reads the input parameters and group options mdrun printed', () => {
    const [section, ...rest] = parseLogParameters(dynamicsLog);
    expect(rest).toEqual([]);
    expect(section?.inputrec).toMatchObject({
      integrator: 'md',
      nsteps: 600,
      'ld-seed': 101,
      rvdw: 1,
      ngQM: 0,
      continuation: true,
    });
    expect(section?.inputrec.compressibility).toEqual([
      [4.5e-5, 0, 0],
      [0, 4.5e-5, 0],
      [0, 0, 4.5e-5],
    ]);
    expect(section?.groupOptions).toEqual({ nrdf: [11988], 'ref-t': [315], 'tau-t': [1] });
  });

  it('returns one parameter section per mdrun process that wrote to the log', () => {
    const appended = `${dynamicsLog}\n${dynamicsLog.replace('ld-seed                        = 101', 'ld-seed                        = 7')}`;
    expect(parseLogParameters(appended).map((s) => s.inputrec['ld-seed'])).toEqual([101, 7]);
    expect(parseLogParameters('no parameters here')).toEqual([]);
  });
});
