// Two costs the dashboard pays on every poll of a job page, each against the obvious
// alternative, in one run:
//
// 1. answer checks: JSON.parse + the compiled schema check of a large job (10 miners, 5,000
//    verified results) against JSON.parse alone (what checking every byte from the network
//    costs), and against an interpreted check of the same schema (TypeBox's Value.Check).
// 2. chart refresh: updating the job page's three Chart.js charts in place (what TimeChart
//    does) against destroying and recreating them, in headless Chromium (FOLD_CHROMIUM).
//
//   pnpm --filter @fold/dashboard bench
import { createRequire } from 'node:module';
import { cpus, loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { Value } from '@sinclair/typebox/value';
import { chromium } from 'playwright-core';
import { checkAnswer } from '../src/api-client.js';
import { type JobDetail, JobDetailSchema } from '../src/api-schemas.js';
import { jobDetail, T0 } from '../test/job-views.js';

const MINERS = 10;
const RESULTS = 5_000;
const ROUNDS = 41;
const CHART_POINTS_PER_MINER = 500;
const CHROMIUM = process.env.FOLD_CHROMIUM ?? '/usr/bin/chromium';

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

function report(
  name: string,
  contender: string,
  contenderMs: number,
  baseline: string,
  baselineMs: number,
): void {
  process.stdout.write(
    `${name}\n  contender ${contender}: ${contenderMs.toFixed(3)} ms (median of ${ROUNDS})\n  baseline  ${baseline}: ${baselineMs.toFixed(3)} ms\n  ratio contender/baseline: ${(contenderMs / baselineMs).toFixed(2)}\n`,
  );
}

function largeJob(): JobDetail {
  const base = jobDetail();
  const verified = Array.from({ length: RESULTS }, (_, i) => ({
    at: T0 + i * 1_000,
    uid: i % MINERS,
    energyKjMol: -98_000 - i * 0.1,
    step: 100 * (i + 1),
  }));
  return {
    ...base,
    minerDetails: Array.from({ length: MINERS }, (_, uid) => ({
      ...(base.minerDetails[0] as JobDetail['minerDetails'][number]),
      uid,
    })),
    energy: {
      best: verified.map(({ at, uid, energyKjMol }) => ({ at, uid, energyKjMol })),
      verified,
    },
    structures: verified.map((v) => ({ ...v, rmsdNm: 0.1, radiusOfGyrationNm: 0.7 })),
    verdicts: verified.map((v) => ({
      ...v,
      hotkey: base.minerDetails[0]?.hotkey ?? '',
      accepted: true,
      reason: null,
    })),
  };
}

function benchAnswerChecks(): void {
  const text = JSON.stringify(largeJob());
  const parseOnly: number[] = [];
  const compiled: number[] = [];
  const interpreted: number[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    let t = performance.now();
    JSON.parse(text);
    parseOnly.push(performance.now() - t);
    t = performance.now();
    checkAnswer(JobDetailSchema, JSON.parse(text), '/api/jobs/x');
    compiled.push(performance.now() - t);
    t = performance.now();
    if (!Value.Check(JobDetailSchema, JSON.parse(text))) throw new Error('the job does not fit');
    interpreted.push(performance.now() - t);
  }
  const name = `answer checks: a job of ${MINERS} miners and ${RESULTS} verified results (${(text.length / 1024 / 1024).toFixed(1)} MiB of JSON)`;
  report(name, 'parse + compiled check', median(compiled), 'parse only', median(parseOnly));
  report(
    name,
    'parse + compiled check',
    median(compiled),
    'parse + interpreted check (Value.Check)',
    median(interpreted),
  );
}

async function benchChartRefresh(): Promise<void> {
  // The browser build beside the package's entry (its exports map does not list it).
  const chartJs = join(
    dirname(createRequire(import.meta.url).resolve('chart.js')),
    'chart.umd.min.js',
  );
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await page.setContent(
      '<div style="display:grid;grid-template-columns:repeat(3,1fr)">' +
        [0, 1, 2]
          .map(
            (i) => `<div style="height:280px;position:relative"><canvas id="c${i}"></canvas></div>`,
          )
          .join('') +
        '</div>',
    );
    await page.addScriptTag({ path: chartJs });
    // tsx keeps function names with a `__name` helper that the page lacks.
    await page.evaluate('window.__name = (fn) => fn');
    const result = await page.evaluate(
      ({ miners, points, rounds }) => {
        const { Chart } = window as unknown as {
          Chart: new (
            canvas: HTMLCanvasElement,
            config: unknown,
          ) => {
            data: { datasets: unknown[] };
            update(mode: string): void;
            destroy(): void;
          };
        };
        const datasets = (shift: number) =>
          Array.from({ length: miners }, (_, m) => ({
            label: `uid ${m}`,
            data: Array.from({ length: points }, (_, i) => ({
              x: i + shift,
              y: -98_000 - ((i * 7 + m) % 50),
            })),
            showLine: false,
            pointRadius: 3,
          }));
        const config = (shift: number) => ({
          type: 'line',
          data: { datasets: datasets(shift) },
          options: {
            animation: false,
            responsive: true,
            maintainAspectRatio: false,
            scales: { x: { type: 'linear' }, y: { type: 'linear' } },
          },
        });
        const canvases = [0, 1, 2].map(
          (i) => document.getElementById(`c${i}`) as HTMLCanvasElement,
        );
        let charts = canvases.map((c) => new Chart(c, config(0)));
        const inPlace: number[] = [];
        const rebuilt: number[] = [];
        for (let r = 1; r <= rounds; r++) {
          let t = performance.now();
          for (const chart of charts) {
            chart.data.datasets = datasets(r);
            chart.update('none');
          }
          inPlace.push(performance.now() - t);
          t = performance.now();
          for (const chart of charts) chart.destroy();
          charts = canvases.map((c) => new Chart(c, config(r)));
          rebuilt.push(performance.now() - t);
        }
        const median = (v: number[]) =>
          [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? Number.NaN;
        return { inPlace: median(inPlace), rebuilt: median(rebuilt) };
      },
      { miners: MINERS, points: CHART_POINTS_PER_MINER, rounds: ROUNDS },
    );
    report(
      `chart refresh: 3 charts of ${MINERS} series x ${CHART_POINTS_PER_MINER} points, per poll`,
      'update in place',
      result.inPlace,
      'destroy and recreate',
      result.rebuilt,
    );
  } finally {
    await browser.close();
  }
}

process.stdout.write(
  `machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load ${loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}; shared with other work, so figures are noisy\n`,
);
benchAnswerChecks();
await benchChartRefresh();
