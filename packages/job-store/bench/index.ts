// Job-table transitions per second and the time to list active jobs with 10,000 assignments:
// the Redis job table (contender) against rewriting a CSV file per update (the reference's
// approach, baseline), measured in the same run. Run with `pnpm --filter @fold/job-store bench`.
import { randomInt } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { type AppendFsync, startRedisServer } from '@fold/devkit';
import { connectJobStore, openJobTable } from '../src/index.js';
import { type CsvJob, CsvJobTable } from './csv-job-table.js';

const JOBS = 1_000;
const MINERS_PER_JOB = 10;
// The machine is shared: contenders and the baseline run in interleaved rounds so that they see
// the same load, and each figure sums all its rounds.
const ROUNDS = 6;
const SEQUENTIAL_PER_ROUND = 300;
const CONCURRENT_PER_ROUND = 600;
const IN_FLIGHT = 32;
const CSV_UPDATES_PER_ROUND = 15;
const LIST_RUNS = 15;

const BASE58 = '123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz';
const hotkeys = Array.from(
  { length: MINERS_PER_JOB },
  () => `5${Array.from({ length: 47 }, () => BASE58[randomInt(BASE58.length)]).join('')}`,
);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

async function inParallel(
  count: number,
  width: number,
  run: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < count) await run(next++);
    }),
  );
}

/** Operations and time spent, summed over rounds. */
class Rate {
  private ops = 0;
  private ms = 0;
  async time(ops: number, run: () => Promise<void> | void): Promise<void> {
    const start = performance.now();
    await run();
    this.ms += performance.now() - start;
    this.ops += ops;
  }
  get perSecond(): number {
    return this.ops / (this.ms / 1_000);
  }
}

interface RedisContender {
  name: AppendFsync;
  sequential: Rate;
  concurrent: Rate;
  listMs: number[];
  progress: (i: number) => Promise<unknown>;
  listActive: () => Promise<void>;
  close: () => Promise<void>;
}

async function redisContender(appendFsync: AppendFsync): Promise<RedisContender> {
  const server = await startRedisServer({ appendFsync });
  const store = await connectJobStore({ url: server.url, prefix: `bench:${appendFsync}` });
  const table = openJobTable(store);
  await inParallel(JOBS, 50, async (j) => {
    const jobId = `job-${j}`;
    await table.create({
      jobId,
      proteinId: '1ubq',
      params: { forceField: 'charmm27', water: 'tip3p', box: 'cubic' },
    });
    await table.transition(jobId, { type: 'start-preparing' });
    await table.transition(jobId, {
      type: 'assign',
      miners: hotkeys.map((hotkey, uid) => ({ uid, hotkey, seed: j * MINERS_PER_JOB + uid })),
    });
    await table.transition(jobId, { type: 'activate' });
  });
  let sent = 0;
  return {
    name: appendFsync,
    sequential: new Rate(),
    concurrent: new Rate(),
    listMs: [],
    progress: () => {
      const uid = randomInt(MINERS_PER_JOB);
      const i = sent++;
      return table.transition(
        `job-${randomInt(JOBS)}`,
        { type: 'record-progress', uid, hotkey: hotkeys[uid] as string, stage: 'md', step: i },
        { transitionId: `progress-${i}` },
      );
    },
    listActive: async () => {
      const active = await table.listByStatus('active', { limit: JOBS });
      const assignments = active.reduce((n, job) => n + job.assignments.length, 0);
      if (active.length !== JOBS || assignments !== JOBS * MINERS_PER_JOB) {
        throw new Error(`listed ${active.length} jobs / ${assignments} assignments`);
      }
    },
    close: async () => {
      await store.close();
      await server.stop();
    },
  };
}

function csvJobs(): CsvJob[] {
  const now = Date.now();
  return Array.from({ length: JOBS }, (_, j) => ({
    jobId: `job-${j}`,
    proteinId: '1ubq',
    status: 'active',
    priority: 0,
    createdAt: now,
    updatedAt: now,
    bestEnergyKjMol: null,
    bestHotkey: null,
    updateCount: 0,
    assignments: hotkeys.map((hotkey, uid) => ({
      uid,
      hotkey,
      seed: j * MINERS_PER_JOB + uid,
      state: 'assigned',
      lastStep: 0,
      lastProgressAt: now,
    })),
  }));
}

console.log(
  `job-store bench: ${JOBS} active jobs x ${MINERS_PER_JOB} miners = ${JOBS * MINERS_PER_JOB} assignments; ` +
    `${cpus().length} CPUs, Node ${process.version}, load average ${loadavg()[0]?.toFixed(1)}`,
);
const dir = await mkdtemp(join(tmpdir(), 'fold-csv-bench-'));
const csv = new CsvJobTable(join(dir, 'jobs.csv'));
csv.load(csvJobs());
const csvRate = new Rate();
const csvListMs: number[] = [];
let csvStep = 0;
const contenders = [await redisContender('always'), await redisContender('everysec')];
try {
  for (let round = 0; round < ROUNDS; round++) {
    await csvRate.time(CSV_UPDATES_PER_ROUND, () => {
      for (let i = 0; i < CSV_UPDATES_PER_ROUND; i++) {
        const uid = randomInt(MINERS_PER_JOB);
        const step = csvStep++;
        csv.update(`job-${randomInt(JOBS)}`, (job) => {
          const a = job.assignments[uid] as CsvJob['assignments'][number];
          a.lastStep = step;
          a.lastProgressAt = Date.now();
          a.state = 'running';
          job.updatedAt = Date.now();
        });
      }
    });
    for (const c of contenders) {
      await c.sequential.time(SEQUENTIAL_PER_ROUND, async () => {
        for (let i = 0; i < SEQUENTIAL_PER_ROUND; i++) await c.progress(i);
      });
      await c.concurrent.time(CONCURRENT_PER_ROUND, () =>
        inParallel(CONCURRENT_PER_ROUND, IN_FLIGHT, c.progress),
      );
    }
  }
  for (let run = 0; run < LIST_RUNS; run++) {
    let start = performance.now();
    const active = csv.listByStatus('active');
    csvListMs.push(performance.now() - start);
    if (active.length !== JOBS) throw new Error(`listed ${active.length} CSV jobs`);
    for (const c of contenders) {
      start = performance.now();
      await c.listActive();
      c.listMs.push(performance.now() - start);
    }
  }
} finally {
  for (const c of contenders) await c.close();
  await rm(dir, { recursive: true, force: true });
}

const fmt = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const [always, everysec] = contenders as [RedisContender, RedisContender];
const rows: [string, number, number, 'rate' | 'time'][] = [
  [
    'transitions/s, one at a time, appendfsync always',
    always.sequential.perSecond,
    csvRate.perSecond,
    'rate',
  ],
  [
    'transitions/s, one at a time, appendfsync everysec',
    everysec.sequential.perSecond,
    csvRate.perSecond,
    'rate',
  ],
  [
    `transitions/s, ${IN_FLIGHT} in flight, appendfsync always`,
    always.concurrent.perSecond,
    csvRate.perSecond,
    'rate',
  ],
  [
    `transitions/s, ${IN_FLIGHT} in flight, appendfsync everysec`,
    everysec.concurrent.perSecond,
    csvRate.perSecond,
    'rate',
  ],
  [
    'list active jobs, median ms, appendfsync always',
    median(always.listMs),
    median(csvListMs),
    'time',
  ],
  [
    'list active jobs, median ms, appendfsync everysec',
    median(everysec.listMs),
    median(csvListMs),
    'time',
  ],
];
console.log('\n| measure | Redis job table | CSV rewrite (reference) | ratio |');
console.log('| --- | ---: | ---: | ---: |');
for (const [name, contender, baseline, kind] of rows) {
  const ratio = kind === 'rate' ? contender / baseline : baseline / contender;
  const digits = kind === 'rate' ? 0 : 1;
  console.log(
    `| ${name} | ${fmt(contender, digits)} | ${fmt(baseline, digits)} | ${fmt(ratio, 1)}x ${kind === 'rate' ? 'more' : 'faster'} |`,
  );
}
console.log(
  '(the CSV file is rewritten by one writer: its rate is the same with updates in flight)',
);
