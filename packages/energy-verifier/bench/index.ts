/**
 * `pnpm --filter @fold/energy-verifier bench`: the verifier against the reference's procedure on
 * the same 1UBQ artefacts, interleaved (baseline, contender, baseline, contender, ...) in one run.
 *
 * - Baseline, the reference's verification of one result, each step its own process: `trjconv`
 *   of the frame to .gro, `grompp` of a rerun input from it, `mdrun -rerun`, `grompp` of a
 *   production input, and a 10-step `mdrun`.
 * - Contender 1, energy recomputation: the verifier's `energy` check (its rerun input built once
 *   per job by `JobVerifier.create`, then one `mdrun -rerun` of the frame with forces).
 * - Contender 2, the full verification: every check, timed one by one.
 *
 * Both sides run mdrun with the same thread count. Prints medians and ratios.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Gmx, type MdpParams, mergeMdp, renderMdp } from '@fold/gromacs-runner';
import { CHECK_NAMES, JobVerifier, type Verdict } from '../src/index.js';
import {
  FIXTURE_ROOT,
  HOTKEYS,
  minerRun,
  minerStages,
  ONE_HOUR_MS,
  preparedJob,
  shortStages,
  submission,
} from '../test/fixtures.js';

const ROUNDS = Number(process.env.FOLD_BENCH_ROUNDS ?? 5);
const THREADS = 2;
const SEED = 4321;

const job = await preparedJob('1ubq', 89);
const assigned = shortStages(job.spec, { nvt: 20, npt: 20, md: 200 });
console.log(
  `1UBQ job: ${job.spec.system.atomCount} atoms, ${job.spec.provenance.hyperparameters.forceField}/${job.spec.provenance.hyperparameters.water}, ${job.spec.provenance.hyperparameters.box}`,
);
const run = await minerRun({
  job,
  name: `bench-${SEED}`,
  seed: SEED,
  threads: THREADS,
  stages: minerStages(assigned),
});
const work = await mkdtemp(join(FIXTURE_ROOT, 'bench-'));
const createStarted = performance.now();
const verifier = await JobVerifier.create({
  jobDir: job.dir,
  workDir: work,
  stages: assigned,
  threads: THREADS,
});
const createMs = performance.now() - createStarted;
const result = await submission(run, { jobId: verifier.jobId, hotkey: HOTKEYS.bob, step: 50 });
const mdStage = run.result.stages.find((s) => s.name === 'md');
if (!mdStage) throw new Error('no md stage');
const md = mdStage;
const mdMdp = assigned.find((s) => s.name === 'md')?.mdp as MdpParams;

/** The reference's verification of one result: five gmx processes. */
async function reference(): Promise<{ ms: number; steps: Record<string, number> }> {
  const dir = await mkdtemp(join(work, 'reference-'));
  const gmx = new Gmx();
  const resources = { ntmpi: 1, ntomp: THREADS, pin: 'off' as const };
  const steps: Record<string, number> = {};
  const timed = async (name: string, body: () => Promise<unknown>) => {
    const t0 = performance.now();
    await body();
    steps[name] = performance.now() - t0;
  };
  const started = performance.now();
  await timed('trjconv', () =>
    gmx.trjconv({
      cwd: dir,
      trajectory: md.files.trr,
      tpr: md.files.tpr,
      dumpTimePs: result.claim.step * 0.002,
      output: 'frame.gro',
    }),
  );
  await writeFile(
    join(dir, 'rerun.mdp'),
    renderMdp(mergeMdp(mdMdp, { nsteps: 0, 'ld-seed': SEED, 'gen-seed': SEED })),
  );
  await writeFile(
    join(dir, 'md10.mdp'),
    renderMdp(mergeMdp(mdMdp, { nsteps: 10, 'ld-seed': SEED, 'gen-seed': SEED })),
  );
  const top = join(job.dir, job.spec.topology);
  await timed('grompp (rerun)', () =>
    gmx.grompp({
      cwd: dir,
      mdp: 'rerun.mdp',
      coordinates: 'frame.gro',
      topology: top,
      output: 'rerun.tpr',
    }),
  );
  await timed('mdrun -rerun', () =>
    gmx.mdrun({ cwd: dir, deffnm: 'rerun', rerun: 'frame.gro', resources }),
  );
  await timed('grompp (10 steps)', () =>
    gmx.grompp({
      cwd: dir,
      mdp: 'md10.mdp',
      coordinates: 'frame.gro',
      topology: top,
      output: 'md10.tpr',
    }),
  );
  await timed('mdrun 10 steps', () => gmx.mdrun({ cwd: dir, deffnm: 'md10', resources }));
  const ms = performance.now() - started;
  await rm(dir, { recursive: true, force: true });
  return { ms, steps };
}

const baseline: { ms: number; steps: Record<string, number> }[] = [];
const verdicts: Verdict[] = [];
for (let round = 0; round < ROUNDS; round++) {
  baseline.push(await reference());
  verdicts.push(
    await verifier.verify({
      minerHotkey: HOTKEYS.bob,
      assignedSeed: SEED,
      claim: result.claim,
      artefacts: result.artefacts,
      elapsedWallMs: ONE_HOUR_MS,
    }),
  );
  process.stderr.write(`round ${round + 1}/${ROUNDS}\n`);
}
await verifier.close();
await rm(work, { recursive: true, force: true });

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};
const ms = (v: number) => `${v.toFixed(0)} ms`;
const accepted = verdicts.every((v) => v.accepted);
const energyMs = median(
  verdicts.map((v) => v.checks.find((c) => c.name === 'energy')?.ms ?? Number.NaN),
);
const totalMs = median(verdicts.map((v) => v.totalMs));
const baselineMs = median(baseline.map((b) => b.ms));

console.log(
  `\n${ROUNDS} rounds, interleaved, mdrun on ${THREADS} threads each side; verdicts accepted: ${accepted}`,
);
console.log(`JobVerifier.create (once per job: expected and rerun inputs): ${ms(createMs)}\n`);
console.log('| | median wall | ratio to the reference |');
console.log('| --- | --- | --- |');
console.log(
  `| baseline: reference procedure (trjconv + grompp + rerun + grompp + 10 steps) | ${ms(baselineMs)} | 1.00 |`,
);
console.log(
  `| contender: energy recomputation (\`energy\` check) | ${ms(energyMs)} | **${(energyMs / baselineMs).toFixed(2)}** |`,
);
console.log(
  `| contender: full verification (every check) | ${ms(totalMs)} | ${(totalMs / baselineMs).toFixed(2)} |`,
);
console.log('\n| reference step | median |\n| --- | --- |');
for (const name of Object.keys(baseline[0]?.steps ?? {})) {
  console.log(`| ${name} | ${ms(median(baseline.map((b) => b.steps[name] as number)))} |`);
}
console.log('\n| verifier check | median |\n| --- | --- |');
for (const name of CHECK_NAMES) {
  console.log(
    `| ${name} | ${ms(median(verdicts.map((v) => v.checks.find((c) => c.name === name)?.ms ?? Number.NaN)))} |`,
  );
}
