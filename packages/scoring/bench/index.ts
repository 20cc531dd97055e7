/**
 * Updating a score book with 1,000 jobs x 256 miners (256,000 results, 2% failed verifications)
 * and producing weights (float and u16): time and heap allocations of the ScoreBook against a
 * straightforward array-of-objects implementation of the same mechanism (bench/baseline.ts), both
 * in this one process, on the same seeded workload. Both must produce the same weights. Then the
 * cost of the exploration bonus: the same rounds with and without C-alpha coordinates.
 *
 * The ScoreBook is the built package (dist/, as tsc emits it and users import it); run
 * `pnpm build` first (turbo's bench task does).
 *
 *   pnpm --filter @fold/scoring bench
 */
import { Session } from 'node:inspector/promises';
import { Bench } from 'tinybench';
import {
  type FailureInput,
  FOLD_PRESET,
  REFERENCE_PRESET,
  type ResultInput,
  ScoreBook,
  type ScoringParams,
  toChainWeights,
} from '../dist/index.js';
import { type BaselineMechanism, runBaseline } from './baseline.js';
import { makeWorkload, type WorkJob } from './workload.js';

const JOBS = 1_000;
const MINERS = 256;
const CA_JOBS = 100;
const CA_ATOMS = 20;

// The validator's inputs exist before scoring (decoded from miners' answers): they are built
// once, outside the measurements, for both implementations.
type ContenderInput = { failed: true; input: FailureInput } | { failed: false; input: ResultInput };

function contenderInputs(jobs: readonly WorkJob[], withCa: boolean): ContenderInput[][] {
  return jobs.map((job) =>
    job.entries.map((e): ContenderInput => {
      if (e.energyKjMol === null) {
        return { failed: true, input: { jobId: job.jobId, uid: e.uid, hotkey: e.hotkey } };
      }
      const input: ResultInput = {
        jobId: job.jobId,
        uid: e.uid,
        hotkey: e.hotkey,
        energyKjMol: e.energyKjMol,
        committedAtMs: e.committedAtMs,
      };
      return {
        failed: false,
        input:
          withCa && e.caCoordinatesNm !== undefined
            ? { ...input, caCoordinatesNm: e.caCoordinatesNm }
            : input,
      };
    }),
  );
}

interface Workload {
  readonly jobs: readonly WorkJob[];
  readonly inputs: ContenderInput[][];
}

const plain: Workload = (() => {
  const jobs = makeWorkload(JOBS, MINERS);
  return { jobs, inputs: contenderInputs(jobs, false) };
})();
const caJobs = makeWorkload(CA_JOBS, MINERS, 7, CA_ATOMS);
const withCa: Workload = { jobs: caJobs, inputs: contenderInputs(caJobs, true) };
const withoutCa: Workload = { jobs: caJobs, inputs: contenderInputs(caJobs, false) };

function runContender(params: ScoringParams, work: Workload) {
  const book = ScoreBook.create(params);
  for (const job of work.jobs) {
    book.openJob({ jobId: job.jobId, createdAtMs: job.createdAtMs, atomCount: job.atomCount });
  }
  work.jobs.forEach((job, j) => {
    for (const entry of work.inputs[j]!) {
      if (entry.failed) book.recordFailure(entry.input);
      else book.recordResult(entry.input);
    }
    book.closeRound(job.jobId, job.closedAtMs);
  });
  book.closeEpoch();
  const weights = book.weights();
  const chain = toChainWeights(weights.uids, weights.weights);
  return { weights, chain };
}

function runBaselineWithChain(mechanism: BaselineMechanism, jobs: readonly WorkJob[]) {
  const weights = runBaseline(mechanism, jobs);
  const chain = toChainWeights(weights.uids, weights.weights);
  return { weights, chain };
}

const cases: { name: string; params: ScoringParams; mechanism: BaselineMechanism }[] = [
  { name: 'reference preset', params: REFERENCE_PRESET, mechanism: 'reference' },
  { name: 'fold preset', params: FOLD_PRESET, mechanism: 'fold' },
];

// Same history, same answer: a benchmark of two different mechanisms would mean nothing.
for (const c of cases) {
  const a = runContender(c.params, plain).weights;
  const b = runBaselineWithChain(c.mechanism, plain.jobs).weights;
  const same =
    a.uids.length === b.uids.length &&
    a.uids.every((uid, i) => uid === b.uids[i] && Math.abs(a.weights[i]! - b.weights[i]!) < 1e-12);
  if (!same) throw new Error(`contender and baseline disagree on the ${c.name}`);
  console.log(`${c.name}: contender and baseline give the same ${a.uids.length} weights`);
}

/** Bytes allocated on the V8 heap by one call (sampling heap profiler, collected objects included). */
async function allocatedBytes(session: Session, fn: () => unknown): Promise<number> {
  await session.post('HeapProfiler.startSampling', {
    samplingInterval: 1_024,
    includeObjectsCollectedByMajorGC: true,
    includeObjectsCollectedByMinorGC: true,
  });
  fn();
  const { profile } = await session.post('HeapProfiler.stopSampling');
  let total = 0;
  const walk = (node: (typeof profile)['head']): void => {
    total += node.selfSize;
    for (const child of node.children) walk(child);
  };
  walk(profile.head);
  return total;
}

const bench = new Bench({ time: 3_000, iterations: 5, warmupIterations: 2 });
for (const c of cases) {
  bench.add(`${c.name}: ScoreBook`, () => {
    runContender(c.params, plain);
  });
  bench.add(`${c.name}: array-of-objects baseline`, () => {
    runBaselineWithChain(c.mechanism, plain.jobs);
  });
}
bench.add('exploration: with C-alpha coordinates', () => {
  runContender(FOLD_PRESET, withCa);
});
bench.add('exploration: without coordinates', () => {
  runContender(FOLD_PRESET, withoutCa);
});
await bench.run();

function meanMs(name: string): number {
  const result = bench.getTask(name)?.result;
  if (result === undefined || result.state !== 'completed') {
    throw new Error(`benchmark task '${name}' did not complete`);
  }
  return result.latency.mean;
}

const session = new Session();
session.connect();
await session.post('HeapProfiler.enable');
const mib = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`;

console.log(`\n${JOBS} jobs x ${MINERS} miners, one round each, then weights and u16 weights`);
console.log(`(Node ${process.version} on ${process.platform}/${process.arch})\n`);
const rows: Record<string, string>[] = [];
for (const c of cases) {
  const contender = meanMs(`${c.name}: ScoreBook`);
  const baseline = meanMs(`${c.name}: array-of-objects baseline`);
  const contenderBytes = await allocatedBytes(session, () => runContender(c.params, plain));
  const baselineBytes = await allocatedBytes(session, () =>
    runBaselineWithChain(c.mechanism, plain.jobs),
  );
  rows.push({
    mechanism: c.name,
    'ScoreBook (ms)': contender.toFixed(1),
    'baseline (ms)': baseline.toFixed(1),
    'time ratio': `${(baseline / contender).toFixed(2)}x`,
    'ScoreBook alloc': mib(contenderBytes),
    'baseline alloc': mib(baselineBytes),
    'alloc ratio': `${(baselineBytes / contenderBytes).toFixed(2)}x`,
  });
}
console.table(rows);

console.log(
  `\nExploration bonus (fold preset), ${CA_JOBS} jobs x ${MINERS} miners, ${CA_ATOMS} C-alpha ` +
    'atoms per result, 1 in 10 a distinct fold:\n',
);
const caMs = meanMs('exploration: with C-alpha coordinates');
const plainMs = meanMs('exploration: without coordinates');
console.table([
  {
    'with coordinates (ms)': caMs.toFixed(1),
    'without (ms)': plainMs.toFixed(1),
    'cost ratio': `${(caMs / plainMs).toFixed(2)}x`,
    'with alloc': mib(await allocatedBytes(session, () => runContender(FOLD_PRESET, withCa))),
    'without alloc': mib(await allocatedBytes(session, () => runContender(FOLD_PRESET, withoutCa))),
  },
]);
session.disconnect();
