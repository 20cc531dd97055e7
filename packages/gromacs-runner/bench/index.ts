// Benchmarks of @fold/gromacs-runner, each contender beside its baseline in one run:
//   1. overhead:    K short NVT runs driven by runStages vs the same grompp + mdrun commands in a
//                   plain shell loop (goal: aggregate ns/day of the runner >= 0.98x the loop).
//   2. concurrency: 1, 2 and 4 concurrent 1UBQ NVT runs with the threads and pinning that
//                   planResources picks vs mdrun's defaults.
// Usage: pnpm bench [-- --only overhead|concurrency] [--steps N] [--k K]
import { availableParallelism, loadavg } from 'node:os';
import { join } from 'node:path';
import { execa } from 'execa';
import {
  detectGromacs,
  type MdrunResources,
  mdrunResourceArgs,
  type PreparedSystem,
  planResources,
  prepareSystem,
  renderMdp,
  runStages,
  stagePreset,
} from '../src/index.js';
import { cleanProteinPdb, tempDir } from '../test/structures.js';

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}
const only = process.argv.includes('--only')
  ? process.argv[process.argv.indexOf('--only') + 1]
  : undefined;
const DT_PS = 0.002;

const nvtParams = (nsteps: number) =>
  stagePreset('nvt', {
    forceField: 'charmm27',
    nsteps,
    seed: 1,
    outputs: { energySteps: 100, logSteps: 500, compressedSteps: 500, fullPrecisionSteps: 0 },
  });

function nsPerDay(simulatedPs: number, wallMs: number): number {
  return (simulatedPs / 1000) * (86_400_000 / wallMs);
}

async function prepare(id: string, dir: string): Promise<PreparedSystem> {
  return prepareSystem({
    pdbText: cleanProteinPdb(id),
    workDir: join(dir, `prep-${id}`),
    forceField: 'charmm27',
    water: 'tip3p',
    box: 'dodecahedron',
    seed: 3,
  });
}

/** The baseline: the same grompp and mdrun commands as runStages issues, in a bash loop. */
async function shellLoop(
  system: PreparedSystem,
  dirs: readonly string[],
  nsteps: number,
  resources: MdrunResources,
): Promise<void> {
  const mdp = renderMdp(nvtParams(nsteps));
  const mdrunArgs = [
    '-deffnm',
    'nvt',
    '-cpi',
    'nvt.cpt',
    '-cpt',
    '1',
    ...mdrunResourceArgs(resources, 'dynamics'),
  ].join(' ');
  const script = [
    'set -e',
    'for d in "$@"; do',
    '  cd "$d"',
    `  cp '${system.gro}' input.gro; cp '${system.top}' topol.top; cp ${system.itps.map((p) => `'${p}'`).join(' ')} .`,
    `  printf '%s' '${mdp}' > nvt.mdp`,
    '  gmx grompp -f nvt.mdp -c input.gro -r input.gro -p topol.top -o nvt.tpr -maxwarn 0 >/dev/null 2>&1',
    `  gmx mdrun ${mdrunArgs} >/dev/null 2>&1`,
    'done',
  ].join('\n');
  await execa('bash', ['-c', script, 'loop', ...dirs], { env: { GMX_MAXBACKUP: '-1' } });
}

async function runnerLoop(
  system: PreparedSystem,
  dirs: readonly string[],
  nsteps: number,
  resources: MdrunResources,
): Promise<void> {
  for (const workDir of dirs) {
    await runStages({
      workDir,
      input: { gro: system.gro, top: system.top, itps: system.itps },
      stages: [{ name: 'nvt', mdp: nvtParams(nsteps) }],
      resources,
      checkpointIntervalMinutes: 1,
      onProgress: () => undefined, // progress is read as it would be in a miner
    });
  }
}

async function overhead(root: string): Promise<void> {
  const k = arg('k', 8);
  const nsteps = arg('steps', 500);
  const system = await prepare('1l2y', root);
  const resources = planResources({ cpus: availableParallelism(), concurrent: 1 })
    .slots[0] as MdrunResources;
  console.log(
    `\n1. Orchestration overhead: ${k} x ${nsteps}-step NVT of 1L2Y (${system.atomCount} atoms) each way, ` +
      `interleaved one simulation at a time (ABBA); mdrun ${mdrunResourceArgs(resources, 'dynamics').join(' ')}`,
  );
  const totals = { runner: 0, loop: 0 };
  const pairRatios: number[] = [];
  for (let i = 0; i < k; i++) {
    // Alternate which goes first so that drifting machine load hits both alike.
    const order: ('runner' | 'loop')[] = i % 2 === 0 ? ['runner', 'loop'] : ['loop', 'runner'];
    const ms: Record<string, number> = {};
    for (const who of order) {
      const workDir = join(root, `${who}-${i}`);
      await execa('mkdir', ['-p', workDir]);
      const started = performance.now();
      if (who === 'runner') await runnerLoop(system, [workDir], nsteps, resources);
      else await shellLoop(system, [workDir], nsteps, resources);
      ms[who] = performance.now() - started;
      totals[who] += ms[who] ?? 0;
    }
    pairRatios.push((ms.loop ?? 0) / (ms.runner ?? 1));
    console.log(
      `   pair ${String(i + 1).padStart(2)}  runner ${((ms.runner ?? 0) / 1000).toFixed(2).padStart(6)} s  loop ${((ms.loop ?? 0) / 1000).toFixed(2).padStart(6)} s`,
    );
  }
  const simulated = k * nsteps * DT_PS;
  const runner = nsPerDay(simulated, totals.runner);
  const loop = nsPerDay(simulated, totals.loop);
  const median =
    [...pairRatios].sort((a, b) => a - b)[Math.floor(pairRatios.length / 2)] ?? Number.NaN;
  console.log(`   contender runStages: ${runner.toFixed(2)} ns/day aggregate`);
  console.log(`   baseline shell loop: ${loop.toFixed(2)} ns/day aggregate`);
  console.log(
    `   ratio runner/loop:   ${(runner / loop).toFixed(3)} aggregate, ${median.toFixed(3)} median of pairs  (goal >= 0.98)`,
  );
}

async function concurrency(root: string): Promise<void> {
  const nsteps = arg('steps', 500);
  const cpus = availableParallelism();
  const system = await prepare('1ubq', root);
  console.log(
    `\n2. Throughput vs concurrency: ${nsteps}-step NVT of 1UBQ (${system.atomCount} atoms) on ${cpus} CPUs; ` +
      'each setting twice per level, interleaved planned, naive, naive, planned',
  );
  console.log('   sims  settings   wall s (2 runs)   aggregate ns/day   per-sim mdrun flags');
  for (const concurrent of [1, 2, 4]) {
    const plan = planResources({ cpus, concurrent });
    const wallMs = { planned: 0, naive: 0 };
    const order: ('planned' | 'naive')[] = ['planned', 'naive', 'naive', 'planned'];
    for (const [round, how] of order.entries()) {
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrent }, (_, slot) =>
          runStages({
            workDir: join(root, `conc-${concurrent}-${how}-${round}-${slot}`),
            input: { gro: system.gro, top: system.top, itps: system.itps },
            stages: [{ name: 'nvt', mdp: nvtParams(nsteps) }],
            // naive: no thread or pinning options, mdrun decides for itself
            resources: how === 'planned' ? (plan.slots[slot] as MdrunResources) : {},
          }),
        ),
      );
      wallMs[how] += performance.now() - started;
    }
    const rate = (how: 'planned' | 'naive') =>
      nsPerDay(2 * concurrent * nsteps * DT_PS, wallMs[how]);
    for (const how of ['planned', 'naive'] as const) {
      const flags =
        how === 'planned'
          ? plan.slots.map((s) => mdrunResourceArgs(s, 'dynamics').join(' ')).join(' | ')
          : '(mdrun defaults)';
      console.log(
        `   ${String(concurrent).padStart(4)}  ${how.padEnd(8)} ${(wallMs[how] / 1000).toFixed(1).padStart(10)}   ${rate(how).toFixed(2).padStart(16)}   ${flags}`,
      );
    }
    console.log(
      `         ratio planned/naive at ${concurrent}: ${(rate('planned') / rate('naive')).toFixed(3)}`,
    );
  }
}

const info = await detectGromacs();
console.log(
  `GROMACS ${info.version} (${info.precision}, SIMD ${info.simd}, GPU ${info.gpuFramework ?? 'none'}); ${availableParallelism()} CPUs; load average at start ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
const dir = await tempDir('bench');
try {
  if (only === undefined || only === 'overhead') await overhead(dir.path);
  if (only === undefined || only === 'concurrency') await concurrency(dir.path);
} finally {
  await dir.remove();
}
console.log(
  `load average at end ${loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
