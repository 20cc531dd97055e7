import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN_JOB, runMainJob } from '../src/main-job.js';
import type { Reporter } from '../src/reporter.js';
import type { RunSummary } from '../src/summary.js';
import { formatDuration } from '../src/view.js';

// `pnpm --filter @fold/local-network bench`: the main job from an empty preparation cache (the
// baseline: a fresh machine after installs) and again with the cache that run filled (the
// contender: every later run), in one run, each phase and the totals side by side with their
// ratio. Build first: the network runs the built fold-miner and fold-validator.

const quiet: Reporter = { step() {}, phases() {}, job() {}, close() {} };

async function timed(dir: string, cacheDir: string): Promise<RunSummary> {
  const summary = await runMainJob({
    dir,
    job: MAIN_JOB,
    reporter: quiet,
    preparationCacheDir: cacheDir,
  });
  if (!summary.weightsLanded) throw new Error('the weights did not land: no figure to report');
  return summary;
}

const scratch = await mkdtemp(join(tmpdir(), 'fold-network-bench-'));
try {
  const cacheDir = join(scratch, 'cache');
  process.stdout.write(
    `main job (${MAIN_JOB.pdbId.toUpperCase()}, ${MAIN_JOB.params.stages?.join(',')} ${MAIN_JOB.params.mdSteps} steps) on ${availableParallelism()} CPUs, load ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
  const cold = await timed(join(scratch, 'cold'), cacheDir);
  const warm = await timed(join(scratch, 'warm'), cacheDir);
  const rows = [
    ...cold.phases.map((p) => ({
      name: p.name,
      cold: p.durationMs,
      warm: warm.phases.find((w) => w.name === p.name)?.durationMs ?? 0,
    })),
    { name: 'total', cold: cold.totalMs, warm: warm.totalMs },
  ];
  process.stdout.write(
    `${'phase'.padEnd(14)}${'warm cache'.padStart(14)}${'empty cache'.padStart(14)}  ratio\n`,
  );
  for (const row of rows) {
    process.stdout.write(
      `${row.name.padEnd(14)}${formatDuration(row.warm).padStart(14)}${formatDuration(row.cold).padStart(14)}  ${
        row.warm > 0 ? `${(row.cold / row.warm).toFixed(2)}x` : '-'
      }\n`,
    );
  }
  process.stdout.write(
    `load after: ${loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')}\n`,
  );
} finally {
  await rm(scratch, { recursive: true, force: true });
}
