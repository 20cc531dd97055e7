/**
 * The measurements behind the verifier's tolerances (`pnpm --filter @fold/energy-verifier
 * measure`). Everything runs through @fold/gromacs-runner and the verifier itself, on 1L2Y
 * (5,913 atoms, amber03/SPC/E, prepared by @fold/pdb-dataset):
 *
 * 1. Honest miners: runs with distinct seeds on one and on two OpenMP threads (another
 *    summation order than the verifier's one thread), energies every 10 steps. From frames at
 *    two steps of each run the verifier continues 300 steps; the script reads both energy series
 *    and reports, per distance from the frame, the deviation of the energy change since the frame
 *    (what the reproduction check compares), plus every figure the other checks bound.
 * 2. Cheating miners: runs at another temperature, with hydrogen masses tripled, with another
 *    seed than the one verified, and with shorter cut-offs; the same deviation curves.
 * 3. Cheated frames: minimised for a few steps, coordinates perturbed, velocities scaled.
 * 4. The energy of one frame recomputed on 1 to 4 threads and in double precision.
 * 5. Distances between independent honest frames (anti-copy).
 *
 * Prints markdown tables and writes `.fixtures/measurements.json`.
 */
import { readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { energySeries, readEdr, type StageSpec } from '@fold/gromacs-runner';
import { caRmsd, closestPairWithin, periodicRmsd, unwrappedSubset } from '../src/geometry.js';
import { JobVerifier, type Tolerances } from '../src/index.js';
import {
  FIXTURE_ROOT,
  HOTKEYS,
  type MinerRun,
  minerRun,
  minerStages,
  ONE_HOUR_MS,
  preparedJob,
  type Submission,
  shortStages,
  submission,
} from '../test/fixtures.js';
import { frameOf, minimisedPositions, perturbed, withFrame } from '../test/tamper.js';

const HONEST_SEEDS = [11, 22, 33, 44, 55, 66, 77, 88];
const FRAME_STEPS = [100, 200];
const WINDOW = 300;
const DISTANCES = [10, 20, 50, 100, 150, 200, 250, 300];

const job = await preparedJob();
const assigned: StageSpec[] = shortStages(job.spec, { nvt: 50, npt: 50, md: 500 }, 10);
const tolerances: Partial<Tolerances> = { reproductionWindowSteps: WINDOW };
const work = join(FIXTURE_ROOT, 'measure');
const verifier = await JobVerifier.create({
  jobDir: job.dir,
  workDir: work,
  stages: assigned,
  tolerances,
  keepFiles: true,
});

interface FrameResult {
  readonly label: string;
  readonly step: number;
  /** Deviation of the energy change since the frame, relative, at each distance. */
  readonly deviation: Record<number, number>;
  /** Largest |E(N+k) - E(N)| over the first 10 and the first 100 steps, in thermal fluctuations. */
  readonly gradientSigmas: number;
  readonly drift100Sigmas: number;
  readonly claimRelative: number | null;
  readonly maxForceKjMolNm: number | null;
  readonly maxConstraintDeviation: number | null;
  readonly kineticRelative: number | null;
  readonly closestAtomsNm: number | null;
  readonly accepted: boolean;
  readonly reasons: string[];
}

async function latestScratch(): Promise<string> {
  const scratches: { path: string; modifiedMs: number }[] = [];
  for (const jobDir of await readdir(work, { withFileTypes: true })) {
    if (!jobDir.isDirectory()) continue;
    for (const entry of await readdir(join(work, jobDir.name))) {
      if (!entry.startsWith('verify-')) continue;
      const path = join(work, jobDir.name, entry);
      scratches.push({ path, modifiedMs: (await stat(path)).mtimeMs });
    }
  }
  scratches.sort((a, b) => b.modifiedMs - a.modifiedMs);
  const latest = scratches[0];
  if (!latest) throw new Error('no verification scratch directory was kept');
  return latest.path;
}

async function measure(
  label: string,
  s: Submission,
  seed: number,
  hotkey: string = HOTKEYS.bob,
): Promise<FrameResult> {
  const verdict = await verifier.verify({
    minerHotkey: hotkey,
    assignedSeed: seed,
    claim: s.claim,
    artefacts: s.artefacts,
    elapsedWallMs: ONE_HOUR_MS,
  });
  const scratch = await latestScratch();
  const deviation: Record<number, number> = {};
  let gradientSigmas = Number.NaN;
  let drift100Sigmas = Number.NaN;
  try {
    const ours = energySeries(await readEdr(join(scratch, 'continue.edr')), 'Potential');
    const mine = energySeries(await readEdr(await writeTemp(s.artefacts.edr)), 'Potential');
    const n = s.claim.step;
    const o0 = ours.values[ours.steps.indexOf(n)] as number;
    const m0 = mine.values[mine.steps.indexOf(n)] as number;
    for (const d of DISTANCES) {
      const oi = ours.steps.indexOf(n + d);
      const mi = mine.steps.indexOf(n + d);
      if (oi >= 0 && mi >= 0) {
        deviation[d] =
          Math.abs((ours.values[oi] as number) - o0 - ((mine.values[mi] as number) - m0)) /
          Math.abs(m0);
      }
    }
    const stage = verifier.stage('md');
    const sigma =
      0.0083144626181532 *
      (stage?.temperatureK ?? 300) *
      Math.sqrt((stage?.degreesOfFreedom ?? 1) / 2);
    const within = (k: number) =>
      Math.max(
        ...ours.steps.map((st, i) =>
          st - n <= k ? Math.abs((ours.values[i] as number) - o0) / sigma : 0,
        ),
      );
    gradientSigmas = within(10);
    drift100Sigmas = within(100);
  } catch (error) {
    console.error(`${label}: no continuation to read (${String(error)})`);
  }
  const m = verdict.measurements;
  return {
    label,
    step: s.claim.step,
    deviation,
    gradientSigmas,
    drift100Sigmas,
    claimRelative: m.claimRelative,
    maxForceKjMolNm: m.maxForceKjMolNm,
    maxConstraintDeviation: m.maxConstraintDeviation,
    kineticRelative: m.kineticRelative,
    closestAtomsNm: m.closestAtomsNm,
    accepted: verdict.accepted,
    reasons: verdict.reasons.map((r) => r.code),
  };
}

let tempCount = 0;
async function writeTemp(bytes: Uint8Array): Promise<string> {
  const path = join(work, `miner-${tempCount++}.edr`);
  await writeFile(path, bytes);
  return path;
}

const frameSubmissions = async (run: MinerRun) =>
  Promise.all(
    FRAME_STEPS.map((step) =>
      submission(run, { jobId: verifier.jobId, hotkey: HOTKEYS.bob, step }),
    ),
  );

// 1. Honest miners.
const honest: FrameResult[] = [];
const honestFrames: Submission[] = [];
for (const threads of [1, 2]) {
  for (const seed of HONEST_SEEDS) {
    const run = await minerRun({
      job,
      name: `measure-${seed}-t${threads}`,
      seed,
      threads,
      stages: minerStages(assigned),
    });
    for (const s of await frameSubmissions(run)) {
      honest.push(await measure(`honest seed ${seed}, ${threads} thread(s)`, s, seed));
      if (threads === 1) honestFrames.push(s);
    }
  }
}

// 2. Cheating miners: the run differs, the verifier continues with the assigned inputs.
const cheatRuns: [string, MdpChange | null, number, 'masses' | null][] = [
  ['temperature +30 K', { 'ref-t': 345 }, 11, null],
  ['cut-offs 0.9 nm', { rvdw: 0.9, rcoulomb: 0.9 }, 11, null],
  ['hydrogen masses x3', null, 11, 'masses'],
  ['another seed', null, 99, null],
];
type MdpChange = Record<string, number>;
const cheats: FrameResult[] = [];
for (const [label, change, runSeed, topology] of cheatRuns) {
  const stages = minerStages(assigned).map((s) =>
    s.name === 'md' && change ? { ...s, mdp: { ...s.mdp, ...change } } : s,
  );
  const run = await minerRun({
    job,
    name: `measure-cheat-${label.replace(/[^a-z0-9]+/gi, '-')}`,
    seed: runSeed,
    stages,
    ...(topology ? { topology: await massesTopology(3) } : {}),
  });
  for (const s of await frameSubmissions(run)) cheats.push(await measure(label, s, 11));
}

// 3. Cheated frames, from the honest frames of seed 11.
const base = honestFrames[0] as Submission;
const frameCheats: FrameResult[] = [];
for (const steps of [5, 20, 100]) {
  const positions = await minimisedPositions(job, base.artefacts.frame, steps, work);
  const s = withFrame(base, verifier.jobId, HOTKEYS.bob, (f) => ({ ...f, positionsNm: positions }));
  frameCheats.push(await measure(`minimised ${steps} steps`, s, 11));
}
for (const sigma of [0.0005, 0.002, 0.01]) {
  const s = withFrame(base, verifier.jobId, HOTKEYS.bob, (f) => perturbed(f, sigma));
  frameCheats.push(await measure(`positions + N(0, ${sigma} nm)`, s, 11));
}
for (const factor of [0.95, 0.9, 0.8]) {
  const s = withFrame(base, verifier.jobId, HOTKEYS.bob, (f) => ({
    ...f,
    velocitiesNmPs: Float64Array.from(f.velocitiesNmPs as Float64Array, (v) => v * factor),
  }));
  frameCheats.push(await measure(`velocities x ${factor}`, s, 11));
}

// 4. One frame's energy on 1-4 threads and in double precision.
const offsets: { label: string; potentialKjMol: number }[] = [];
for (const [label, options] of [
  ['mixed, 1 thread', { threads: 1 }],
  ['mixed, 2 threads', { threads: 2 }],
  ['mixed, 3 threads', { threads: 3 }],
  ['mixed, 4 threads', { threads: 4 }],
  ['double (gmx_d), 1 thread', { threads: 1, rerunGmx: { gmxPath: 'gmx_d' } }],
  ['double (gmx_d), 2 threads', { threads: 2, rerunGmx: { gmxPath: 'gmx_d' } }],
] as const) {
  const v = await JobVerifier.create({
    jobDir: job.dir,
    workDir: work,
    stages: assigned,
    tolerances,
    ...options,
  });
  const verdict = await v.verify({
    minerHotkey: HOTKEYS.bob,
    assignedSeed: 11,
    claim: base.claim,
    artefacts: base.artefacts,
    elapsedWallMs: ONE_HOUR_MS,
  });
  offsets.push({ label, potentialKjMol: verdict.energyKjMol as number });
  await v.close();
}

// 5. Distances between honest frames of distinct seeds at the same step.
const pairs: { step: number; allAtomNm: number; caNm: number }[] = [];
for (const step of FRAME_STEPS) {
  const frames = honestFrames
    .filter((s) => s.claim.step === step)
    .map((s) => frameOf(s.artefacts.frame));
  for (let i = 0; i < frames.length; i++) {
    for (let j = i + 1; j < frames.length; j++) {
      const a = frames[i] as ReturnType<typeof frameOf>;
      const b = frames[j] as ReturnType<typeof frameOf>;
      const box = a.boxNm as Float64Array;
      pairs.push({
        step,
        allAtomNm: periodicRmsd(a.positionsNm as Float64Array, b.positionsNm as Float64Array, box),
        caNm: caRmsd(
          unwrappedSubset(a.positionsNm as Float64Array, box, verifier.system.caAtoms),
          unwrappedSubset(
            b.positionsNm as Float64Array,
            b.boxNm as Float64Array,
            verifier.system.caAtoms,
          ),
        ),
      });
    }
  }
}
const closest = honestFrames.map((s) => {
  const f = frameOf(s.artefacts.frame);
  return (
    closestPairWithin(f.positionsNm as Float64Array, f.boxNm as Float64Array, 0.2)?.distanceNm ??
    0.2
  );
});
const perturbedClosest = (() => {
  const f = perturbed(frameOf(base.artefacts.frame), 0.01);
  return (
    closestPairWithin(f.positionsNm as Float64Array, f.boxNm as Float64Array, 0.2)?.distanceNm ??
    0.2
  );
})();
const toInput = honestFrames.map((s) => {
  const f = frameOf(s.artefacts.frame);
  return periodicRmsd(
    f.positionsNm as Float64Array,
    verifier.system.startPositionsNm,
    f.boxNm as Float64Array,
  );
});

await verifier.close();

// Report.
const e = (v: number | null | undefined, digits = 1) =>
  v === null || v === undefined || Number.isNaN(v) ? '-' : v.toExponential(digits);
const max = (values: (number | null)[]) =>
  Math.max(...values.filter((v): v is number => v !== null && Number.isFinite(v)).map(Math.abs));
const min = (values: (number | null)[]) =>
  Math.min(...values.filter((v): v is number => v !== null && Number.isFinite(v)).map(Math.abs));

console.log(
  `\n## Reproduction: deviation of the energy change since the frame (relative), by steps after the frame\n`,
);
console.log(`| run | ${DISTANCES.join(' | ')} |`);
console.log(`| --- | ${DISTANCES.map(() => '---').join(' | ')} |`);
const row = (label: string, results: FrameResult[]) =>
  `| ${label} | ${DISTANCES.map((d) => e(max(results.map((r) => r.deviation[d] ?? null)))).join(' | ')} |`;
console.log(
  row(
    `honest, 1 thread (max of ${honest.filter((r) => r.label.includes('1 thread')).length} frames)`,
    honest.filter((r) => r.label.includes('1 thread')),
  ),
);
console.log(
  row(
    `honest, 2 threads (max of ${honest.filter((r) => r.label.includes('2 thread')).length} frames)`,
    honest.filter((r) => r.label.includes('2 thread')),
  ),
);
for (const [label] of cheatRuns) {
  const results = cheats.filter((r) => r.label === label);
  console.log(
    `| ${label} (min of ${results.length}) | ${DISTANCES.map((d) => e(min(results.map((r) => r.deviation[d] ?? null)))).join(' | ')} |`,
  );
}

console.log('\n## Frame checks (honest: max over frames; cheats: each)\n');
console.log(
  '| frames | claim rel. | max force kJ/mol/nm | constraint dev. | kinetic rel. | gradient sigmas (10 steps) | drift sigmas (100 steps) | verdict |',
);
console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
console.log(
  `| honest (${honest.length}) | ${e(max(honest.map((r) => r.claimRelative)))} | ${max(honest.map((r) => r.maxForceKjMolNm)).toFixed(0)} | ${e(max(honest.map((r) => r.maxConstraintDeviation)))} | ${e(max(honest.map((r) => r.kineticRelative)))} | ${max(honest.map((r) => r.gradientSigmas)).toFixed(2)} | ${max(honest.map((r) => r.drift100Sigmas)).toFixed(2)} | ${honest.filter((r) => r.accepted).length} accepted at window ${WINDOW} |`,
);
for (const r of [...frameCheats, ...cheats]) {
  console.log(
    `| ${r.label}, step ${r.step} | ${e(r.claimRelative)} | ${r.maxForceKjMolNm?.toFixed(0) ?? '-'} | ${e(r.maxConstraintDeviation)} | ${e(r.kineticRelative)} | ${r.gradientSigmas.toFixed(2)} | ${r.drift100Sigmas.toFixed(2)} | ${r.reasons.join(', ') || 'accepted'} |`,
  );
}

const reference = offsets.find((o) => o.label.startsWith('double'))?.potentialKjMol as number;
console.log('\n## One frame recomputed with other thread counts and precision\n');
console.log('| rerun | potential kJ/mol | relative to double precision |');
console.log('| --- | --- | --- |');
for (const o of offsets) {
  console.log(
    `| ${o.label} | ${o.potentialKjMol.toFixed(3)} | ${e((o.potentialKjMol - reference) / Math.abs(reference))} |`,
  );
}

console.log('\n## Distances between independent honest frames (anti-copy)\n');
console.log(
  `- all-atom periodic RMSD between distinct seeds at the same step: min ${min(pairs.map((p) => p.allAtomNm)).toFixed(4)} nm over ${pairs.length} pairs`,
);
console.log(
  `- C-alpha Kabsch RMSD between the same pairs: min ${min(pairs.map((p) => p.caNm)).toFixed(4)} nm`,
);
console.log(
  `- all-atom periodic RMSD to the starting structure: min ${min(toInput).toFixed(4)} nm`,
);
console.log(
  `- closest atoms in honest frames: min ${min(closest).toFixed(4)} nm; positions + N(0, 0.01 nm): ${perturbedClosest.toFixed(4)} nm`,
);

await writeFile(
  join(FIXTURE_ROOT, 'measurements.json'),
  `${JSON.stringify({ honest, cheats, frameCheats, offsets, pairs, toInput, closest, perturbedClosest }, null, 1)}\n`,
);

async function massesTopology(factor: number): Promise<string> {
  const text = await readFile(join(job.dir, job.spec.topology), 'utf8');
  let inAtoms = false;
  const lines = text.split('\n').map((line) => {
    if (/^\s*\[\s*atoms\s*\]/.test(line)) inAtoms = true;
    else if (/^\s*\[/.test(line)) inAtoms = false;
    const fields = line.trim().split(/\s+/);
    if (!inAtoms || line.trim().startsWith(';') || fields.length < 8 || !fields[4]?.startsWith('H'))
      return line;
    return line.replace(fields[7] as string, (Number(fields[7]) * factor).toFixed(4));
  });
  const path = join(work, 'topol-masses.top');
  await writeFile(path, lines.join('\n'));
  return path;
}
