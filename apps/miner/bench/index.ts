/**
 * The miner's benchmark, contender and baseline side by side in one run:
 *
 * 1. Throughput: N concurrent small simulations (1L2Y, 5,933 atoms; NVT then MD) assigned to the
 *    miner through a real dendrite, against the same simulations run by the runner alone
 *    (`runStages`, same slots and pinning), in interleaved rounds. Aggregate ns/day = simulated
 *    time of all jobs / wall time from the first assign to the last job's finish.
 * 2. Progress queries: bytes on the wire and time per query, against the reference's answer
 *    (every file of the stage as base64 in JSON) served by an axon on the same machine.
 *
 *   pnpm --filter @fold/miner bench        (FOLD_BENCH_ROUNDS, FOLD_BENCH_STEPS to change)
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type MdpParams, planResources, runStages } from '@fold/gromacs-runner';
import {
  Axon,
  type AxonTarget,
  Dendrite,
  defineSynapse,
  FoldAssign,
  FoldProgress,
  type SimulationParams,
  STAGE_NAMES,
} from '@fold/synapse';
import { Type } from '@sinclair/typebox';
import { Bench } from 'tinybench';
import { jobLayout } from '../src/job-files.js';
import {
  assignRequest,
  cleanup,
  devKeys,
  inputBundle,
  jobFixture,
  scratchDir,
  stageParams,
  startMiner,
  startRedis,
  waitFor,
} from '../test/support.js';

const CPUS = 2;
const JOBS = CPUS;
const ROUNDS = Number(process.env.FOLD_BENCH_ROUNDS ?? 4);
// A pause between sides, so that one side's disk writeback does not land on the other.
const SETTLE_MS = 3_000;
const STEPS = Number(process.env.FOLD_BENCH_STEPS ?? 1500);

/** The reference's per-query answer: every file of the stage, base64 in JSON. */
const ReferenceProgress = defineSynapse({
  name: 'ReferenceProgress',
  request: Type.Object({ job_id: Type.String({ maxLength: 64 }) }, { additionalProperties: false }),
  response: Type.Object(
    { md_output: Type.Record(Type.String({ maxLength: 100 }), Type.String()) },
    { additionalProperties: false },
  ),
  hashFields: ['job_id'],
  maxRequestBytes: 4096,
  maxResponseBytes: 64 * 1024 * 1024,
});

/** CPU seconds from /proc: this process, its reaped children (mdrun, grompp, ...), another pid. */
async function cpuSeconds(pid: number | 'self'): Promise<{ own: number; children: number }> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command's closing parenthesis: state is field 3, utime 14 ... cstime 17.
  const fields = stat
    .slice(stat.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  const tick = 100; // USER_HZ on Linux
  const at = (field: number) => fields[field - 3] ?? 0;
  return { own: (at(14) + at(15)) / tick, children: (at(16) + at(17)) / tick };
}

interface CpuUse {
  /** The benchmark process: the miner (or the runner) and the validator's dendrite. */
  readonly node: number;
  /** redis-server. */
  readonly redis: number;
  /** gmx processes: mdrun, grompp, trjconv, check. */
  readonly gmx: number;
}

async function measureCpu<T>(
  redisPid: number | undefined,
  run: () => Promise<T>,
): Promise<[T, CpuUse]> {
  const redisCpu = async () => (redisPid === undefined ? { own: 0 } : cpuSeconds(redisPid));
  const [self0, redis0] = await Promise.all([cpuSeconds('self'), redisCpu()]);
  const result = await run();
  const [self1, redis1] = await Promise.all([cpuSeconds('self'), redisCpu()]);
  return [
    result,
    {
      node: self1.own - self0.own,
      redis: redis1.own - redis0.own,
      gmx: self1.children - self0.children,
    },
  ];
}

function nsPerDay(simulatedPs: number, wallMs: number): number {
  return simulatedPs / 1000 / (wallMs / 86_400_000);
}

function simulatedPs(params: SimulationParams): number {
  return STAGE_NAMES.reduce((sum, name) => {
    const stage = params[name];
    return stage === undefined ? sum : sum + Number(stage.nsteps) * Number(stage.dt ?? 0.001);
  }, 0);
}

async function main(): Promise<void> {
  const [redis, fixture, keys] = await Promise.all([startRedis(), jobFixture(), devKeys()]);
  const scratch = await scratchDir('bench');
  const params = stageParams(fixture.spec, { nvt: STEPS, md: STEPS }, { energySteps: 100 });
  const perJobPs = simulatedPs(params);
  const inputsDir = join(scratch, 'inputs');
  await mkdir(inputsDir);
  for (const file of fixture.files) await writeFile(join(inputsDir, file.name), file.bytes);
  const gro = fixture.files.find((f) => f.name.endsWith('.gro'))?.name ?? '';
  const top = fixture.files.find((f) => f.name.endsWith('.top'))?.name ?? '';
  const itps = fixture.files
    .filter((f) => f.name.endsWith('.itp'))
    .map((f) => join(inputsDir, f.name));
  const slots = planResources({ cpus: CPUS, concurrent: JOBS }).slots;
  inputBundle(fixture);

  const miner = await startMiner({
    hotkeyUri: '//Bob',
    axonHost: '127.0.0.1',
    axonPort: 0,
    redisUrl: redis.url,
    workDir: join(scratch, 'miner'),
    cpus: CPUS,
    cpuSlots: JOBS,
    devAllow: [keys.alice.address],
    logLevel: 'warn',
  });
  const target = miner.axonInfo as AxonTarget;
  const alice = new Dendrite({ keypair: keys.alice.pair });
  const rows: { round: number; baseline: number; miner: number }[] = [];
  const cpuUse: Record<'baseline' | 'miner', CpuUse[]> = { baseline: [], miner: [] };
  const mdrunFigures: { baseline: number[]; miner: number[] } = { baseline: [], miner: [] };
  let lastJobIds: string[] = [];

  const runBaseline = async (round: number): Promise<number> => {
    const started = performance.now();
    const results = await Promise.all(
      Array.from({ length: JOBS }, (_, i) =>
        runStages({
          workDir: join(scratch, `baseline-${round}-${i}`),
          input: { gro: join(inputsDir, gro), top: join(inputsDir, top), itps },
          stages: STAGE_NAMES.flatMap((name) => {
            const mdp = params[name];
            return mdp === undefined ? [] : [{ name, mdp: mdp as MdpParams }];
          }),
          seed: 4242 + i,
          resources: slots[i] ?? {},
        }),
      ),
    );
    const wallMs = performance.now() - started;
    for (const r of results) mdrunFigures.baseline.push(r.stages.at(-1)?.nsPerDay ?? 0);
    return nsPerDay(JOBS * perJobPs, wallMs);
  };

  const runMiner = async (round: number): Promise<number> => {
    const jobIds = Array.from({ length: JOBS }, (_, i) => `bench-${round}-${i}`);
    // The bundle was encoded once, before any clock: the validator's work is not the miner's.
    const requests = jobIds.map((jobId, i) =>
      assignRequest(fixture, jobId, params, { seed: 4242 + i }),
    );
    const startedUnixMs = Date.now();
    await Promise.all(
      requests.map(async (request) => {
        const result = await alice.call(target, FoldAssign, request, { timeoutMs: 30_000 });
        if (!result.ok || !result.response.accepted) throw new Error(`${request.job_id} refused`);
      }),
    );
    const finished = await waitFor(
      'the round to finish',
      async () => {
        const result = await alice.call(target, FoldProgress, {
          jobs: Object.fromEntries(jobIds.map((j) => [j, ''])),
        });
        if (!result.ok) return undefined;
        const reports = Object.values(result.response.progress);
        if (reports.some((r) => r.state === 'failed')) throw new Error('a job failed');
        return reports.length === JOBS && reports.every((r) => r.state === 'finished')
          ? reports
          : undefined;
      },
      600_000,
      5_000,
    );
    // The miner's own time of finishing, not when the poll noticed it.
    const wallMs = Math.max(...finished.map((r) => r.updated_unix_ms)) - startedUnixMs;
    for (const r of finished) mdrunFigures.miner.push(r.ns_per_day ?? 0);
    lastJobIds = jobIds;
    return nsPerDay(JOBS * perJobPs, wallMs);
  };

  console.log(
    `fold-miner benchmark: ${JOBS} concurrent 1L2Y simulations (${fixture.spec.system.atomCount} atoms, NVT ${STEPS} + MD ${STEPS} steps, ${perJobPs} ps each) on ${CPUS} cores, ${ROUNDS} interleaved rounds`,
  );
  for (let round = 0; round < ROUNDS; round++) {
    // Alternate which goes first so that drifting load does not favour one side.
    const order =
      round % 2 === 0 ? (['baseline', 'miner'] as const) : (['miner', 'baseline'] as const);
    const figures: Record<string, number> = {};
    for (const side of order) {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
      const [figure, cpu] = await measureCpu(redis.pid, () =>
        side === 'baseline' ? runBaseline(round) : runMiner(round),
      );
      figures[side] = figure;
      cpuUse[side].push(cpu);
    }
    const row = { round, baseline: figures.baseline ?? 0, miner: figures.miner ?? 0 };
    rows.push(row);
    console.log(
      `  round ${round + 1}: runner alone ${row.baseline.toFixed(2)} ns/day, miner ${row.miner.toFixed(2)} ns/day, ratio ${(row.miner / row.baseline).toFixed(3)}`,
    );
  }
  const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
  const baselineMean = sum(rows.map((r) => r.baseline)) / rows.length;
  const minerMean = sum(rows.map((r) => r.miner)) / rows.length;
  const ratios = rows.map((r) => r.miner / r.baseline).sort((a, b) => a - b);
  const median =
    (ratios[Math.floor((ratios.length - 1) / 2)]! + ratios[Math.ceil((ratios.length - 1) / 2)]!) /
    2;
  // Rounds alternate which side goes first; the geometric mean weighs a round where the shared
  // machine's other load hit one side as much as a round where it hit the other.
  const geometric = Math.exp(sum(ratios.map(Math.log)) / ratios.length);
  console.log(
    `aggregate ns/day (wall clock), mean of ${rows.length}: runner alone ${baselineMean.toFixed(2)}, miner ${minerMean.toFixed(2)}, ratio of means ${(minerMean / baselineMean).toFixed(3)}, median ratio ${median.toFixed(3)}, geometric mean ratio ${geometric.toFixed(3)} (goal >= 0.98)`,
  );
  console.log(
    `mdrun's own figure for the MD stage, sum per round: runner alone ${(sum(mdrunFigures.baseline) / ROUNDS).toFixed(2)}, miner ${(sum(mdrunFigures.miner) / ROUNDS).toFixed(2)} ns/day`,
  );
  // CPU is what the two sides spend, whatever else the shared machine runs meanwhile.
  for (const side of ['baseline', 'miner'] as const) {
    const total = (key: keyof CpuUse) => sum(cpuUse[side].map((c) => c[key])) / ROUNDS;
    const extra = total('node') + total('redis');
    console.log(
      `CPU per round, ${side === 'baseline' ? 'runner alone' : 'miner       '}: gmx ${total('gmx').toFixed(2)} s, node ${total('node').toFixed(2)} s, redis ${total('redis').toFixed(2)} s: ${((100 * extra) / total('gmx')).toFixed(2)}% beside gmx`,
    );
  }

  // Progress queries: one job, unchanged and changed, against the reference's answer for it.
  const jobId = lastJobIds[0] ?? '';
  const layout = jobLayout(miner.config.workDir, `${keys.alice.address}.${jobId}`);
  const referenceAxon = new Axon({ keypair: keys.bob.pair });
  referenceAxon.attach(ReferenceProgress, async () => {
    const md_output: Record<string, string> = {};
    for (const ext of ['tpr', 'xtc', 'edr', 'log', 'cpt']) {
      md_output[`md.${ext}`] = (await readFile(join(layout.runDir, `md.${ext}`))).toString(
        'base64',
      );
    }
    return { md_output };
  });
  const referenceTarget = await referenceAxon.start();
  const first = await alice.call(target, FoldProgress, { jobs: { [jobId]: '' } });
  if (!first.ok) throw first.error;
  const etag = first.response.progress[jobId]?.etag ?? '';
  const measures = {
    unchanged: 0,
    changed: first.bytesSent + first.bytesReceived,
    reference: 0,
  };
  const bench = new Bench({ time: 2_000, warmupTime: 200 });
  bench
    .add('fold progress, unchanged', async () => {
      const r = await alice.call(target, FoldProgress, { jobs: { [jobId]: etag } });
      if (!r.ok) throw r.error;
      measures.unchanged = r.bytesSent + r.bytesReceived;
    })
    .add('fold progress, changed', async () => {
      const r = await alice.call(target, FoldProgress, { jobs: { [jobId]: '' } });
      if (!r.ok) throw r.error;
    })
    .add('reference: stage files as base64 JSON', async () => {
      const r = await alice.call(referenceTarget, ReferenceProgress, { job_id: jobId });
      if (!r.ok) throw r.error;
      measures.reference = r.bytesSent + r.bytesReceived;
    });
  await bench.run();
  const meanMs = (name: string) => {
    const result = bench.tasks.find((t) => t.name === name)?.result;
    if (result?.state !== 'completed') throw new Error(`${name} did not complete`);
    return result.latency.mean;
  };
  const refMs = meanMs('reference: stage files as base64 JSON');
  console.log('progress query for one job (request and response on the wire, mean time):');
  for (const [name, bytes] of [
    ['fold progress, unchanged', measures.unchanged],
    ['fold progress, changed', measures.changed],
    ['reference: stage files as base64 JSON', measures.reference],
  ] as const) {
    const ms = meanMs(name);
    console.log(
      `  ${name.padEnd(40)} ${String(bytes).padStart(9)} B  ${ms.toFixed(2).padStart(7)} ms` +
        (name.startsWith('fold')
          ? `  (${(measures.reference / bytes).toFixed(0)}x fewer bytes, ${(refMs / ms).toFixed(1)}x faster)`
          : ''),
    );
  }

  alice.close();
  await referenceAxon.stop();
  await miner.stop();
  await redis.stop();
  await rm(scratch, { recursive: true, force: true });
  await cleanup(scratch);
}

await main();
