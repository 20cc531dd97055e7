#!/usr/bin/env node
import { availableParallelism } from 'node:os';
import { Command, InvalidArgumentError, Option } from 'commander';
import { detectGpuOffload } from './detect.js';
import { energySeries, readEdr } from './edr.js';
import { GromacsError } from './errors.js';
import type { BoxType } from './gmx.js';
import { prepareSystem } from './prepare.js';
import { standardStages } from './presets.js';
import { planResources } from './resources.js';
import { runStages } from './stages.js';

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n)) throw new InvalidArgumentError('expected an integer');
  return n;
}

function decimal(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError('expected a number');
  return n;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

const program = new Command('fold-gmx')
  .description('Prepare and run GROMACS simulations the way fold validators and miners do.')
  .option('--gmx <path>', 'gmx binary (default: $FOLD_GMX, else gmx on PATH)')
  .addHelpText(
    'after',
    `
Examples:
  $ fold-gmx detect --concurrent 4
  $ fold-gmx prepare --pdb clean/1l2y.pdb --work-dir jobs/1l2y/prep --ff charmm27 --water tip3p --box dodecahedron
  $ fold-gmx run --work-dir jobs/1l2y/run --gro jobs/1l2y/prep/em.gro --top jobs/1l2y/prep/topol.top \\
      --itp jobs/1l2y/prep/posre.itp --md-steps 50000 --seed 7
  $ fold-gmx energy jobs/1l2y/run/md.edr --term Potential`,
  );

const gmxOptions = () => {
  const path = program.opts<{ gmx?: string }>().gmx;
  return path ? { gmxPath: path } : {};
};

program
  .command('detect')
  .description('show the GROMACS build, GPUs it can use, and the thread plan for concurrent runs')
  .option('--concurrent <n>', 'simulations to plan for', integer, 1)
  .addHelpText('after', '\nExample:\n  $ fold-gmx detect --concurrent 4')
  .action(async (o: { concurrent: number }) => {
    const offload = await detectGpuOffload(gmxOptions());
    const plan = planResources({
      cpus: availableParallelism(),
      concurrent: o.concurrent,
      gpus: offload.gpuSupport ? offload.deviceIds : [],
    });
    console.log(
      JSON.stringify(
        { gromacs: offload.info, gpus: offload.devices, gpuOffload: offload.gpuSupport, plan },
        null,
        2,
      ),
    );
  });

program
  .command('prepare')
  .description('build a solvated, neutralised, minimised system from a cleaned PDB file')
  .requiredOption('--pdb <path>', 'cleaned structure (.pdb or .pdb.gz)')
  .requiredOption('--work-dir <dir>', 'directory for all files')
  .option('--ff <name>', 'force field', 'charmm27')
  .option('--water <model>', 'water model', 'tip3p')
  .addOption(
    new Option('--box <shape>', 'box shape')
      .choices(['dodecahedron', 'octahedron', 'cubic', 'triclinic'])
      .default('dodecahedron'),
  )
  .option('--distance <nm>', 'protein to box edge, nm', decimal, 1.0)
  .option('--conc <molar>', 'salt concentration, mol/L', decimal, 0)
  .option('--no-neutralize', 'do not add counter-ions')
  .option('--seed <n>', 'ion placement seed', integer)
  .addHelpText(
    'after',
    '\nExample:\n  $ fold-gmx prepare --pdb clean/1crn.pdb --work-dir prep/1crn --ff amber03 --water spce --box cubic --conc 0.15',
  )
  .action(
    async (o: {
      pdb: string;
      workDir: string;
      ff: string;
      water: string;
      box: BoxType;
      distance: number;
      conc: number;
      neutralize: boolean;
      seed?: number;
    }) => {
      const system = await prepareSystem({
        pdbPath: o.pdb,
        workDir: o.workDir,
        forceField: o.ff,
        water: o.water,
        box: o.box,
        boxDistanceNm: o.distance,
        ionConcentrationMolar: o.conc,
        neutralize: o.neutralize,
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        gmx: gmxOptions(),
      });
      const { emParams: _params, ...summary } = system;
      console.log(JSON.stringify(summary, null, 2));
    },
  );

program
  .command('run')
  .description('run NVT -> NPT -> MD (the reference recipe); run it again to resume')
  .requiredOption('--work-dir <dir>', 'run directory (the same directory resumes)')
  .requiredOption('--gro <path>', 'starting coordinates')
  .requiredOption('--top <path>', 'topology')
  .option('--itp <path>', 'file the topology includes (repeatable)', collect, [])
  .option('--ff <name>', 'force field the system was built with', 'charmm27')
  .option('--md-steps <n>', 'production steps (NVT gets 1/100, NPT 1/10)', integer, 50_000)
  .option('--seed <n>', 'seed for velocities and thermostat', integer)
  .option('--em', 'start with an energy minimisation')
  .option('--threads <n>', 'OpenMP threads (default: the whole machine)', integer)
  .option('--cpt-minutes <min>', 'minutes between checkpoints', decimal, 1)
  .option('--max-hours <h>', 'stop cleanly after this long (resume later)', decimal)
  .addHelpText(
    'after',
    '\nExample:\n  $ fold-gmx run --work-dir run/1l2y --gro prep/em.gro --top prep/topol.top --itp prep/posre.itp --md-steps 5000 --seed 1',
  )
  .action(
    async (o: {
      workDir: string;
      gro: string;
      top: string;
      itp: string[];
      ff: string;
      mdSteps: number;
      seed?: number;
      em?: boolean;
      threads?: number;
      cptMinutes: number;
      maxHours?: number;
    }) => {
      const controller = new AbortController();
      // Ctrl-C or a service stop: let mdrun write its checkpoint and leave the run resumable.
      for (const signal of ['SIGINT', 'SIGTERM'] as const)
        process.once(signal, () => controller.abort(new Error(`received ${signal}`)));
      const plan = planResources({ cpus: availableParallelism(), concurrent: 1 }).slots[0];
      const result = await runStages({
        workDir: o.workDir,
        input: { gro: o.gro, top: o.top, itps: o.itp },
        stages: standardStages({
          forceField: o.ff,
          mdSteps: o.mdSteps,
          includeMinimization: o.em ?? false,
        }),
        ...(o.seed !== undefined ? { seed: o.seed } : {}),
        resources:
          o.threads !== undefined ? { ntmpi: 1, ntomp: o.threads } : (plan ?? { ntmpi: 1 }),
        checkpointIntervalMinutes: o.cptMinutes,
        ...(o.maxHours !== undefined ? { maxHours: o.maxHours } : {}),
        signal: controller.signal,
        gmx: gmxOptions(),
        onProgress: (p) =>
          console.error(
            `${p.stage} step ${p.step}/${p.nsteps} t=${p.timePs.toFixed(1)} ps` +
              (p.nsPerDay === null ? '' : ` ${p.nsPerDay.toFixed(1)} ns/day`) +
              (p.potentialKjMol === null ? '' : ` Epot=${p.potentialKjMol.toFixed(1)} kJ/mol`),
          ),
      });
      console.log(JSON.stringify(result, null, 2));
    },
  );

program
  .command('energy')
  .description('print one energy term of an .edr file, read without gmx: step, time (ps), value')
  .argument('<edr>', 'energy file')
  .option('--term <name>', 'term name', 'Potential')
  .addHelpText('after', '\nExample:\n  $ fold-gmx energy run/1l2y/md.edr --term Temperature')
  .action(async (edr: string, o: { term: string }) => {
    const series = energySeries(await readEdr(edr), o.term);
    console.log(`# step\ttime_ps\t${series.term} (${series.unit})`);
    for (const [i, step] of series.steps.entries())
      console.log(`${step}\t${series.timesPs[i]}\t${series.values[i]}`);
  });

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof GromacsError) {
    console.error(`fold-gmx: ${error.name} [${error.code}]: ${error.message}`);
    process.exitCode = 1;
  } else {
    throw error;
  }
}
