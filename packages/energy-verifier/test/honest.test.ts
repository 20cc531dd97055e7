import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Gmx } from '@fold/gromacs-runner';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { JobVerifier } from '../src/job-verifier.js';
import type { Verdict } from '../src/verdict.js';
import {
  HOTKEYS,
  minerRun,
  ONE_HOUR_MS,
  preparedJob,
  type Submission,
  shortStages,
  submission,
  type TestJob,
} from './fixtures.js';

// Honest miners: real runs through the runner with the assigned stages and distinct seeds, each
// verified by one verifier built once for the job. Ten runs on one thread (the recomputed energy
// is compared with gmx energy's value for the frame's step) and two on two threads (another
// summation order than the verifier's, as on other hardware). About 4 s of gmx per run and 2 s
// per verification here.
const SEEDS_ONE_THREAD = [101, 202, 303, 404, 505, 606, 707, 808, 909, 1010];
const SEEDS_TWO_THREADS = [1212, 1313];

let job: TestJob;
let verifier: JobVerifier;
let work: string;
const results: {
  seed: number;
  threads: number;
  submission: Submission;
  verdict: Verdict;
  edrKjMol: number;
}[] = [];

beforeAll(async () => {
  job = await preparedJob();
  work = await mkdtemp(join(tmpdir(), 'fold-verifier-honest-'));
  verifier = await JobVerifier.create({
    jobDir: job.dir,
    workDir: work,
    stages: shortStages(job.spec),
  });
  const gmx = new Gmx();
  for (const [threads, seeds] of [
    [1, SEEDS_ONE_THREAD],
    [2, SEEDS_TWO_THREADS],
  ] as const) {
    for (const seed of seeds) {
      const run = await minerRun({ job, name: `honest-${seed}-t${threads}`, seed, threads });
      const s = await submission(run, { jobId: verifier.jobId, hotkey: HOTKEYS.bob });
      // gmx energy's value of the potential at the frame's step, from the miner's own .edr.
      const md = run.result.stages.find((stage) => stage.name === 'md');
      const timePs = s.claim.step * 0.002;
      const table = await gmx.energy({
        cwd: run.dir,
        edr: md?.files.edr ?? '',
        terms: ['Potential'],
        beginPs: timePs,
        endPs: timePs,
        output: `potential-${s.claim.step}.xvg`,
      });
      const edrKjMol = table.terms.Potential?.[0] as number;
      const verdict = await verifier.verify({
        minerHotkey: HOTKEYS.bob,
        assignedSeed: seed,
        claim: s.claim,
        artefacts: s.artefacts,
        elapsedWallMs: ONE_HOUR_MS,
      });
      results.push({ seed, threads, submission: s, verdict, edrKjMol });
    }
  }
}, 900_000);

afterAll(async () => {
  await verifier?.close();
  if (work) await rm(work, { recursive: true, force: true });
});

describe('honest miners', () => {
  it('are all accepted: no false rejection over twelve runs with distinct seeds', () => {
    const rejected = results.filter((r) => !r.verdict.accepted);
    expect(rejected.map((r) => ({ seed: r.seed, reasons: r.verdict.reasons }))).toEqual([]);
    expect(results).toHaveLength(SEEDS_ONE_THREAD.length + SEEDS_TWO_THREADS.length);
    expect(new Set(results.map((r) => r.submission.claim.commitment)).size).toBe(results.length);
  });

  it("get the recomputed potential as their score, equal to gmx energy's value within 1e-5", () => {
    for (const r of results.filter((x) => x.threads === 1)) {
      expect(r.verdict.energyKjMol).not.toBeNull();
      const relative =
        Math.abs((r.verdict.energyKjMol as number) - r.edrKjMol) / Math.abs(r.edrKjMol);
      expect(relative).toBeLessThan(1e-5);
    }
  });

  it('stay within the claim tolerance under another summation order', () => {
    for (const r of results.filter((x) => x.threads === 2)) {
      expect(Math.abs(r.verdict.measurements.claimRelative as number)).toBeLessThan(
        verifier.tolerances.claimRelative,
      );
    }
  });

  it('pass every check, each timed, with margins to every bound', () => {
    const t = verifier.tolerances;
    for (const { verdict } of results) {
      expect(verdict.checks.map((c) => [c.name, c.ok, c.skipped])).toEqual(
        verdict.checks.map((c) => [c.name, true, false]),
      );
      const m = verdict.measurements;
      expect(m.reproductionSteps).toBe(2);
      expect(m.reproductionDeviation as number).toBeLessThan(t.reproductionRelative / 3);
      expect(m.maxConstraintDeviation as number).toBeLessThan(t.constraintRelative / 10);
      expect(m.gradientSigmas as number).toBeLessThan(t.gradientSigmas);
      expect(m.maxForceKjMolNm as number).toBeLessThan(t.maxForceKjMolNm / 5);
      expect(verdict.totalMs).toBeGreaterThan(0);
    }
  });

  it('produce verdicts that survive JSON storage', () => {
    const verdict = results[0]?.verdict as Verdict;
    expect(JSON.parse(JSON.stringify(verdict))).toEqual(verdict);
  });
});
