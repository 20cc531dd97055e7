// Scheduling overhead of the validator: 1,000 active jobs x 10 simulated miners (protocol-level
// stand-ins in a child process that answer at once), CPU time and memory per progress round,
// against the reference's design (CSV job table rewritten per update, every stage file re-sent
// as base64 JSON on every query) in the same run.
//
//   pnpm --filter @fold/validator bench
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pdbMirrorDir, startRedisServer } from '@fold/devkit';
import { runStages } from '@fold/gromacs-runner';
import { connectJobStore, openJobTable } from '@fold/job-store';
import { prepareJob } from '@fold/pdb-dataset';
import { ScoreBook } from '@fold/scoring';
import { Dendrite } from '@fold/synapse';
import { Keyring } from '@polkadot/keyring';
import { cryptoWaitReady } from '@polkadot/util-crypto';
import { pino } from 'pino';
import { CONFIG_DEFAULTS, checkConfig } from '../src/config.js';
import type { ValidatorContext } from '../src/context.js';
import { ValidatorMetrics } from '../src/metrics.js';
import { countedCaller } from '../src/miner-calls.js';
import { type MinerInfo, staticMinerDirectory } from '../src/miner-pool.js';
import { pdbSourceOf } from '../src/preparation.js';
import { PreparedJobs } from '../src/prepared-jobs.js';
import { runProgressRound } from '../src/progress-round.js';
import { ScoreLedger } from '../src/score-ledger.js';
import { type MinerJobState, ValidatorState } from '../src/validator-state.js';
import { JobVerifiers } from '../src/verifiers.js';
import { CsvJobStore, type ReferenceJob, referenceRound } from './reference-validator.js';

const JOBS = 1_000;
const MINERS = 10;
const FOLD_ROUNDS = 6;
const REFERENCE_ROUNDS = 3;
// The reference round over all 1,000 jobs moves ~13 GB of JSON; it is measured on this many
// jobs per round (of the full 1,000-row CSV table) and scaled to 1,000 jobs.
const REFERENCE_JOBS_PER_ROUND = 40;
const APP_DIR = new URL('..', import.meta.url).pathname;
const STAGE_DIR = join(APP_DIR, '.fixtures', 'bench-stage');

setFlagsFromString('--expose_gc');
const gc = runInNewContext('gc') as () => void;

function readProcCpuMs(pid: number): number {
  // utime and stime (fields 14 and 15) in clock ticks of 10 ms.
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

interface Measure {
  wallMs: number[];
  cpuMs: number[];
  redisCpuMs: number[];
  peakRssMiB: number;
  heapAfterMiB: number[];
  bytes: number;
}

function newMeasure(): Measure {
  return { wallMs: [], cpuMs: [], redisCpuMs: [], peakRssMiB: 0, heapAfterMiB: [], bytes: 0 };
}

async function measured(
  measure: Measure,
  redisPid: number | undefined,
  run: () => Promise<number>,
): Promise<void> {
  gc();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 5);
  const cpu = process.cpuUsage();
  const redis = redisPid === undefined ? 0 : readProcCpuMs(redisPid);
  const start = performance.now();
  measure.bytes += await run();
  measure.wallMs.push(performance.now() - start);
  const used = process.cpuUsage(cpu);
  measure.cpuMs.push((used.user + used.system) / 1000);
  measure.redisCpuMs.push(redisPid === undefined ? 0 : readProcCpuMs(redisPid) - redis);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  measure.peakRssMiB = Math.max(measure.peakRssMiB, (peak - rssBefore) / 2 ** 20);
  gc();
  measure.heapAfterMiB.push(process.memoryUsage().heapUsed / 2 ** 20);
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? 0;

async function standIns(
  mode: 'fold' | 'reference',
): Promise<{ child: ChildProcess; miners: MinerInfo[] }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(APP_DIR, 'bench', 'stand-ins.ts'), mode, String(MINERS), STAGE_DIR],
    { stdio: ['pipe', 'pipe', 'inherit'], cwd: APP_DIR },
  );
  const line = await new Promise<string>((resolve, reject) => {
    createInterface({ input: child.stdout as NodeJS.ReadableStream }).once('line', resolve);
    child.once('exit', (code) => reject(new Error(`stand-ins exited with ${code}`)));
  });
  return { child, miners: JSON.parse(line) as MinerInfo[] };
}

/** A short 1L2Y NVT stage, as a miner's stage directory holds it (made once, kept in .fixtures). */
async function ensureStageFiles(): Promise<Record<string, number>> {
  if (!existsSync(join(STAGE_DIR, 'nvt.cpt'))) {
    const prepared = await prepareJob({
      id: '1l2y',
      seed: 1,
      cacheDir: join(APP_DIR, '.fixtures', 'pdb-cache'),
      source: pdbSourceOf(
        checkConfig({
          ...CONFIG_DEFAULTS,
          hotkeyUri: '//Alice',
          dryRun: true,
          staticMiners: ['1:5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty@127.0.0.1:9'],
          pdbDir: pdbMirrorDir(),
        }),
      ),
      outDir: join(APP_DIR, '.fixtures', 'bench-job'),
      fixed: {
        forceField: 'charmm27',
        water: 'tip3p',
        box: 'dodecahedron',
        boxDistanceNm: 1,
        ionConcentrationMolar: 0.1,
        temperatureK: 300,
        pressureBar: 1,
      },
    });
    const dir = join(APP_DIR, '.fixtures', 'bench-job');
    const nvt = prepared.spec.stages.find((s) => s.name === 'nvt');
    if (nvt === undefined) throw new Error('no nvt stage');
    const mdp = Object.fromEntries(
      Object.entries(nvt.mdp).filter(([k]) => k !== 'gen-seed' && k !== 'ld-seed'),
    );
    await runStages({
      workDir: STAGE_DIR,
      input: {
        gro: join(dir, prepared.spec.structure),
        top: join(dir, prepared.spec.topology),
        itps: prepared.spec.files.filter((f) => f.role === 'include').map((f) => join(dir, f.name)),
      },
      stages: [
        {
          name: 'nvt',
          mdp: { ...mdp, nsteps: 1_000, 'nstxout-compressed': 100, nstenergy: 100, nstlog: 100 },
        },
      ],
      seed: 7,
      resources: { ntmpi: 1, ntomp: 2 },
    });
  }
  const sizes: Record<string, number> = {};
  for (const ext of ['tpr', 'xtc', 'edr', 'log', 'cpt'])
    sizes[ext] = (await readFile(join(STAGE_DIR, `nvt.${ext}`))).length;
  return sizes;
}

async function main(): Promise<void> {
  await cryptoWaitReady();
  console.log(`validator scheduling benchmark: ${JOBS} active jobs x ${MINERS} miners`);
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model}), load average ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}, node ${process.version}`,
  );
  const sizes = await ensureStageFiles();
  const stageBytes = Object.values(sizes).reduce((a, b) => a + b, 0);
  console.log(
    `reference answer per query: ${Object.entries(sizes)
      .map(([k, v]) => `${k} ${(v / 1024).toFixed(0)} KiB`)
      .join(
        ', ',
      )} = ${(stageBytes / 1024).toFixed(0)} KiB raw, ${((stageBytes * 4) / 3 / 1024).toFixed(0)} KiB as base64`,
  );

  const dir = await mkdtemp(join(tmpdir(), 'fold-validator-bench-'));
  const redis = await startRedisServer();
  const fold = await standIns('fold');
  const reference = await standIns('reference');
  const keyring = new Keyring({ type: 'sr25519', ss58Format: 42 });
  const validatorKey = keyring.addFromUri('//Alice');
  const dendrite = new Dendrite({ keypair: validatorKey });
  try {
    // The contender: the validator's own progress round on its Redis job table.
    const config = checkConfig({
      ...CONFIG_DEFAULTS,
      hotkeyUri: '//Alice',
      dryRun: true,
      staticMiners: fold.miners.map((m) => `${m.uid}:${m.hotkey}@${m.ip}:${m.port}`),
      workDir: join(dir, 'work'),
      redisUrl: redis.url,
      minersPerJob: MINERS,
      queueSize: JOBS,
      queryConcurrency: 16,
      logLevel: 'silent',
    });
    const store = await connectJobStore({ url: redis.url, prefix: 'bench' });
    const state = new ValidatorState(store);
    const metrics = new ValidatorMetrics();
    const ledger = await ScoreLedger.load(state, ScoreBook.create().params);
    const context: ValidatorContext = {
      config,
      logger: pino({ level: 'silent' }),
      store,
      jobs: openJobTable(store),
      state,
      ledger,
      prepared: new PreparedJobs(config.workDir),
      verifiers: new JobVerifiers(config),
      caller: countedCaller(dendrite, metrics),
      directory: staticMinerDirectory(fold.miners),
      source: pdbSourceOf(config),
      metrics,
      hotkey: validatorKey.address,
      salt: await state.salt(),
      capacity: new Map(),
      now: Date.now,
    };
    await mkdir(config.workDir, { recursive: true });
    console.log(`setting up ${JOBS} active jobs with ${JOBS * MINERS} delivered assignments...`);
    const setupStart = performance.now();
    const jobIds = Array.from({ length: JOBS }, (_, i) => `bench-${String(i).padStart(4, '0')}`);
    const width = 32;
    let next = 0;
    await Promise.all(
      Array.from({ length: width }, async () => {
        while (next < jobIds.length) {
          const jobId = jobIds[next++] as string;
          await context.jobs.create({ jobId, proteinId: '1l2y', params: { stages: 'md' } });
          await context.jobs.transition(jobId, { type: 'activate' });
          await context.jobs.transition(jobId, {
            type: 'assign',
            miners: fold.miners.map((m, k) => ({ uid: m.uid, hotkey: m.hotkey, seed: k + 1 })),
          });
          const states: { jobId: string; state: MinerJobState }[] = fold.miners.map((m, k) => ({
            jobId,
            state: {
              uid: m.uid,
              hotkey: m.hotkey,
              minerJobId: jobId,
              generation: 0,
              seed: k + 1,
              delivered: true,
              deliveryAttempts: 1,
              etag: '',
              failedQueries: 0,
            },
          }));
          await context.state.saveMinerStates(states);
          ledger.book.openJob({ jobId, createdAtMs: Date.now(), atomCount: 304 });
        }
      }),
    );
    await ledger.save();
    console.log(`  set up in ${((performance.now() - setupStart) / 1000).toFixed(1)} s`);

    // The baseline's table: 1,000 jobs in one CSV.
    const referenceJobs: ReferenceJob[] = jobIds.map((jobId) => ({
      jobId,
      pdbId: '1l2y',
      hotkeys: reference.miners.map((m) => m.hotkey),
      bestLoss: null,
      bestHotkey: null,
      updatedCount: 0,
      updatedAt: Date.now(),
      lastSteps: new Array(MINERS).fill(0),
      fileBytes: new Array(MINERS).fill(0),
    }));
    const csv = new CsvJobStore(join(dir, 'jobs.csv'), referenceJobs);

    const foldMeasure = newMeasure();
    const referenceMeasure = newMeasure();
    const signal = new AbortController().signal;
    // Warm-up (JIT, connections), not measured.
    await runProgressRound(context, signal);
    await referenceRound(dendrite, reference.miners, referenceJobs.slice(0, 2), csv, 60_000);
    let queries = 0;
    for (let round = 0; round < Math.max(FOLD_ROUNDS, REFERENCE_ROUNDS); round++) {
      if (round < FOLD_ROUNDS) {
        await measured(foldMeasure, redis.pid, async () => {
          const sent = async () =>
            (await metrics.bytes.get()).values.reduce((s, v) => s + v.value, 0);
          const before = await sent();
          const summary = await runProgressRound(context, signal);
          if (summary.failedQueries > 0 || summary.reports !== JOBS * MINERS)
            throw new Error(`round incomplete: ${JSON.stringify(summary)}`);
          queries = summary.queries;
          return (await sent()) - before;
        });
      }
      if (round < REFERENCE_ROUNDS) {
        const slice = referenceJobs.slice(
          round * REFERENCE_JOBS_PER_ROUND,
          (round + 1) * REFERENCE_JOBS_PER_ROUND,
        );
        await measured(referenceMeasure, undefined, async () => {
          const result = await referenceRound(dendrite, reference.miners, slice, csv, 60_000);
          if (result.failed > 0) throw new Error(`${result.failed} reference queries failed`);
          return result.bytes;
        });
      }
    }

    const scale = JOBS / REFERENCE_JOBS_PER_ROUND;
    const f = {
      cpu: median(foldMeasure.cpuMs),
      redis: median(foldMeasure.redisCpuMs),
      wall: median(foldMeasure.wallMs),
      heap: median(foldMeasure.heapAfterMiB),
      bytes: foldMeasure.bytes / FOLD_ROUNDS,
    };
    const r = {
      cpu: median(referenceMeasure.cpuMs) * scale,
      wall: median(referenceMeasure.wallMs) * scale,
      bytes: (referenceMeasure.bytes / REFERENCE_ROUNDS) * scale,
    };
    console.log('\nper progress round of 1,000 jobs x 10 miners (medians):');
    console.log('| measure | fold | reference | ratio |');
    console.log('| --- | ---: | ---: | ---: |');
    console.log(
      `| validator CPU time | ${f.cpu.toFixed(0)} ms | ${r.cpu.toFixed(0)} ms | ${(r.cpu / f.cpu).toFixed(1)}x less |`,
    );
    console.log(
      `| validator + Redis CPU time | ${(f.cpu + f.redis).toFixed(0)} ms | ${r.cpu.toFixed(0)} ms | ${(r.cpu / (f.cpu + f.redis)).toFixed(1)}x less |`,
    );
    console.log(
      `| wall time | ${f.wall.toFixed(0)} ms | ${r.wall.toFixed(0)} ms | ${(r.wall / f.wall).toFixed(1)}x less |`,
    );
    console.log(
      `| bytes on the wire | ${(f.bytes / 2 ** 20).toFixed(1)} MiB | ${(r.bytes / 2 ** 20).toFixed(0)} MiB | ${(r.bytes / f.bytes).toFixed(0)}x less |`,
    );
    console.log(
      `| calls | ${queries} | ${JOBS * MINERS} | ${((JOBS * MINERS) / queries).toFixed(0)}x fewer |`,
    );
    console.log(
      `| peak RSS growth during a round | ${foldMeasure.peakRssMiB.toFixed(0)} MiB | ${referenceMeasure.peakRssMiB.toFixed(0)} MiB (${REFERENCE_JOBS_PER_ROUND} jobs) | |`,
    );
    console.log(
      `| heap of the bench process after a fold round (1,000 jobs held) | ${f.heap.toFixed(0)} MiB | | |`,
    );
    console.log(
      `\nfold rounds (ms, CPU / Redis CPU / wall): ${foldMeasure.cpuMs.map((c, i) => `${c.toFixed(0)}/${foldMeasure.redisCpuMs[i]?.toFixed(0)}/${foldMeasure.wallMs[i]?.toFixed(0)}`).join(', ')}`,
    );
    console.log(
      `reference rounds of ${REFERENCE_JOBS_PER_ROUND} jobs (ms, CPU / wall): ${referenceMeasure.cpuMs.map((c, i) => `${c.toFixed(0)}/${referenceMeasure.wallMs[i]?.toFixed(0)}`).join(', ')}; scaled x${scale} to ${JOBS} jobs`,
    );
    console.log(
      `load average after: ${loadavg()
        .map((l) => l.toFixed(1))
        .join(' ')}`,
    );
    await store.close();
  } finally {
    dendrite.close();
    fold.child.stdin?.end();
    reference.child.stdin?.end();
    await redis.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
