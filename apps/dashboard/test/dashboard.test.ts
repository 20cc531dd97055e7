import { access, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  BOB_ADDRESS,
  CHARLIE_ADDRESS,
  type LocalNetwork,
  startLocalNetwork,
} from '@fold/local-network';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
} from 'playwright-core';
import type { JobDetail, MinerRank } from '../src/api-schemas.js';
import { formatEnergy, formatShare } from '../src/format.js';
import { waitFor } from './wait-for.js';

// The dashboard in headless Chromium against the whole local network of @fold/local-network,
// every part real: chopsticks (the Subtensor runtime), Redis, two fold-miner processes running
// GROMACS and fold-validator serving the dashboard's build (apps/dashboard/dist). A short 1L2Y
// job runs to its end first; the browser then reads its real results. Screenshots of each page
// go to test-artifacts/.

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const DIST = join(APP_DIR, 'dist');
const ARTIFACTS = join(APP_DIR, 'test-artifacts');
const CHROMIUM = process.env.FOLD_CHROMIUM ?? '/usr/bin/chromium';
const TOKEN = 'dashboard-test-token-0123456789';

/**
 * A small, fixed job of a few minutes. Cold (150 K): the minimised system keeps relaxing, so the
 * miners' lowest-energy frames are recent ones that can be claimed and verified (at 300 K the
 * lowest would be the starting structure itself, which no miner can claim).
 */
const JOB_PARAMS = {
  forceField: 'charmm27',
  water: 'tip3p',
  box: 'dodecahedron',
  boxDistanceNm: 1.0,
  ionConcentrationMolar: 0.1,
  temperatureK: 150,
  pressureBar: 1,
  stages: ['md'],
  mdSteps: 2_000,
};

let dir: string;
let network: LocalNetwork;
/** The validator's origin, where the dashboard and its API are. */
let origin: string;
let browser: Browser;
let context: BrowserContext;
let page: Page;
let job: JobDetail;
/** Requests the page made to anywhere but the validator (there must be none: no CDN). */
const foreignRequests: string[] = [];

async function api<T>(path: string, init?: RequestInit): Promise<T> {
  const response = await fetch(`${origin}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'content-type': 'application/json',
      ...init?.headers,
    },
  });
  if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
  return (await response.json()) as T;
}

async function screenshot(name: string, target: Page | Locator = page): Promise<void> {
  await target.screenshot({
    path: join(ARTIFACTS, `${name}.png`),
    ...('goto' in target ? { fullPage: true } : {}),
  });
}

/**
 * The fraction of an element's pixels that are not background (near-white), from a screenshot of
 * it as the screen shows it (canvas and WebGL alike), decoded in the page.
 */
async function paintedFraction(target: Locator): Promise<number> {
  const png = (await target.screenshot()).toString('base64');
  return page.evaluate(async (data) => {
    const blob = await (await fetch(`data:image/png;base64,${data}`)).blob();
    const bitmap = await createImageBitmap(blob);
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const context2d = canvas.getContext('2d');
    if (context2d === null) throw new Error('no 2d context');
    context2d.drawImage(bitmap, 0, 0);
    const pixels = context2d.getImageData(0, 0, bitmap.width, bitmap.height).data;
    let painted = 0;
    for (let i = 0; i < pixels.length; i += 4) {
      const [r = 255, g = 255, b = 255] = [pixels[i], pixels[i + 1], pixels[i + 2]];
      if (r < 235 || g < 235 || b < 235) painted++;
    }
    return painted / (pixels.length / 4);
  }, png);
}

/** An element's text (Playwright's textContent, '' for none). */
async function textOf(target: Locator): Promise<string> {
  return (await target.textContent()) ?? '';
}

function watchRequests(target: Page): void {
  target.on('request', (request) => {
    const url = request.url();
    if (!url.startsWith(`${origin}/`) && !url.startsWith('data:') && !url.startsWith('blob:'))
      foreignRequests.push(url);
  });
}

beforeAll(async () => {
  await access(join(DIST, 'index.html')).catch(() => {
    throw new Error(
      'dist/index.html is missing: build the dashboard first (pnpm --filter @fold/dashboard build)',
    );
  });
  await access(CHROMIUM).catch(() => {
    throw new Error(
      `no Chromium at ${CHROMIUM}: apt-get install -y chromium, or set FOLD_CHROMIUM to its path`,
    );
  });
  await mkdir(ARTIFACTS, { recursive: true });
  dir = await mkdtemp(join(tmpdir(), 'fold-dashboard-test-'));
  network = await startLocalNetwork({
    dir: join(dir, 'network'),
    name: 'dashboard-test',
    token: TOKEN,
    openRead: false,
    dashboard: true,
  });
  const { dashboardUrl, apiUrl } = network.state.validator;
  if (dashboardUrl === null) throw new Error('the validator does not serve the dashboard');
  expect(dashboardUrl).toBe(`${apiUrl}/`);
  origin = apiUrl;
  const submitted = await api<{ jobId: string }>('/api/jobs', {
    method: 'POST',
    body: JSON.stringify({ pdbId: '1l2y', params: JOB_PARAMS }),
  });
  job = await waitFor(
    'the 1L2Y job to end with a verified result',
    async () => {
      const crashed = network.crashed();
      if (crashed !== undefined) throw new Error(`${crashed.name} exited during the job`);
      const view = await api<JobDetail>(`/api/jobs/${submitted.jobId}`);
      if (['pending', 'preparing', 'active'].includes(view.status)) return undefined;
      if (view.links.pdb === null || view.structures.length === 0)
        throw new Error(
          `the job ended (${view.status}: ${view.statusReason}) without a verified structure; verdicts: ${JSON.stringify(view.verdicts)}`,
        );
      return view;
    },
    480_000,
    2_000,
  );

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-quic',
    ],
  });
  context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  page = await context.newPage();
  watchRequests(page);
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await network?.stop();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}, 120_000);

describe('the dashboard served by a validator with a finished 1L2Y job', () => {
  it('asks for a token, then lists the job with its status, protein, miners and best energy', async () => {
    await page.goto(`${origin}/#/jobs`);
    await expect(page.getByTestId('error-notice').first().getAttribute('data-code')).resolves.toBe(
      'API_UNAUTHORIZED',
    );
    await screenshot('01-token-needed');

    await page.getByRole('button', { name: 'Enter API token' }).click();
    await page.getByLabel('API token').fill(TOKEN);
    await page.getByRole('button', { name: 'Use' }).click();
    const row = page.locator(`[data-testid="job-row"][data-job-id="${job.jobId}"]`);
    await row.waitFor();
    const text = await textOf(row);
    expect(text).toContain('1L2Y');
    expect(text).toContain(job.status);
    expect(text).toContain('charmm27 · tip3p · dodecahedron · 150 K · md · 2000 md steps');
    expect(text).toContain(`${job.miners.running} / ${job.miners.finished} / ${job.miners.total}`);
    expect(text).toContain(formatEnergy(job.bestEnergyKjMol));
    await screenshot('02-jobs');
  });

  it('filters the list by status and by protein', async () => {
    const rows = page.getByTestId('job-row');
    await page.getByLabel('Status').selectOption('active');
    await expect(page.waitForURL(/status=active/)).resolves.toBeUndefined();
    await rows.first().waitFor({ state: 'detached' });
    await page.getByLabel('Status').selectOption(job.status);
    await rows.first().waitFor();
    await page.getByLabel('Protein or job id').fill('1ubq');
    await rows.first().waitFor({ state: 'detached' });
    await page.getByLabel('Protein or job id').fill('1L2');
    await expect(rows.count()).resolves.toBe(1);
  });

  it("draws the job's energy, RMSD and radius of gyration over time from its verified results", async () => {
    await page.locator(`[data-job-id="${job.jobId}"] a`).first().click();
    await page.getByTestId('job-page').waitFor();
    for (const id of ['chart-energy', 'chart-rmsd', 'chart-gyration']) {
      const chart = page.getByTestId(id);
      await chart.locator('canvas').waitFor();
      expect(Number(await chart.getAttribute('data-points'))).toBeGreaterThan(0);
      // Axes, labels and at least the series: far more than an empty frame.
      expect(await paintedFraction(chart.locator('canvas'))).toBeGreaterThan(0.01);
    }
    const energyPoints = Number(await page.getByTestId('chart-energy').getAttribute('data-points'));
    // Every verified energy, plus the best-so-far line.
    expect(energyPoints).toBeGreaterThanOrEqual(
      job.energy.verified.length + job.energy.best.length,
    );
    expect(await textOf(page.getByTestId('best-energy'))).toContain(
      formatEnergy(job.best?.energyKjMol),
    );
    await screenshot('03-job');
  });

  it('shows the best structure in 3D', async () => {
    const viewer = page.getByTestId('structure-viewer');
    await page.locator('[data-testid="structure-viewer"][data-state="ready"]').waitFor();
    const atoms = Number(await viewer.getAttribute('data-atoms'));
    expect(atoms).toBe(job.system?.proteinAtomCount);
    // A blank canvas is all white; the cartoon of 20 residues covers a few percent of it.
    expect(await paintedFraction(viewer.locator('canvas'))).toBeGreaterThan(0.005);
    await screenshot('04-structure', viewer);
  });

  it('lists the verdicts with their reasons and the checks behind each', async () => {
    const rows = page.getByTestId('verdict-row');
    await expect(rows.count()).resolves.toBe(job.verdicts.length);
    await rows.first().getByRole('button', { name: 'checks' }).click();
    const report = page.getByTestId('verdict-report').first();
    await report.waitFor();
    const text = await textOf(report);
    expect(text).toContain('energy');
    expect(text).toContain('recomputed potential energy');
    await screenshot('05-verdict', page.getByTestId('verdicts'));
  });

  it('downloads the best structure as PDB and GRO', async () => {
    for (const [format, check] of [
      ['pdb', (t: string) => /^ATOM {2}/m.test(t)],
      ['gro', (t: string) => Number(t.split('\n')[1]) === job.system?.atomCount],
    ] as const) {
      const [download] = await Promise.all([
        page.waitForEvent('download'),
        page.getByTestId(`download-${format}`).click(),
      ]);
      expect(download.suggestedFilename()).toBe(`${job.jobId}-best.${format}`);
      const path = await download.path();
      expect(check(await readFile(path, 'utf8'))).toBe(true);
    }
  });

  it("shows a bad upload's error from the validator beside the file field", async () => {
    await page.goto(`${origin}/#/submit`);
    await page.getByLabel('a PDB file from this computer').check();
    const file = page.getByLabel('PDB file', { exact: true });
    await file.setInputFiles({
      name: 'waters.pdb',
      mimeType: 'chemical/x-pdb',
      buffer: Buffer.from(
        'HETATM    1  O   HOH A   1       1.000   2.000   3.000  1.00  0.00           O\nEND\n',
      ),
    });
    await page.getByRole('button', { name: 'Submit job' }).click();
    const error = page.getByTestId('error-pdb');
    await error.waitFor();
    expect(await textOf(error)).toMatch(/no standard .* amino acid residues/);
    await screenshot('06-bad-upload');

    // A file that is no PDB file at all is refused before anything is sent.
    await file.setInputFiles({
      name: 'notes.txt',
      mimeType: 'text/plain',
      buffer: Buffer.from('protein folding notes\n'),
    });
    await expect(textOf(page.getByTestId('error-pdb'))).resolves.toBe(
      'the file has no ATOM records; choose a PDB file (.pdb)',
    );
  });

  it('submits a job through the form, which then appears in the list', async () => {
    await page.goto(`${origin}/#/jobs`);
    await page.getByRole('link', { name: 'Submit', exact: true }).click();
    await page.getByLabel('a PDB id (the validator fetches the entry)').check();
    await page.getByLabel('PDB id', { exact: true }).fill('1L2Y');
    await page.getByLabel('Force field').selectOption('charmm27');
    await page.getByLabel('Water model').selectOption('tip3p');
    await page.getByLabel('Box shape').selectOption('dodecahedron');
    await page.getByLabel('Temperature').fill('20');
    await page.getByRole('button', { name: 'Submit job' }).click();
    // Checked in the page first, with the validator's own limits.
    await expect(textOf(page.getByTestId('error-params.temperatureK'))).resolves.toMatch(
      /^Temperature must be between \d+ and 450 K$/,
    );
    await page.getByLabel('Temperature').fill('300');
    await page.getByLabel('Production (md) steps').fill('2000');
    await page.getByLabel('md', { exact: true }).check();
    await page.getByRole('button', { name: 'Submit job' }).click();
    const done = page.getByTestId('submitted');
    await done.waitFor();
    const jobId = await textOf(done.getByRole('link').first());
    expect(jobId).toMatch(/^o-[0-9a-f]+$/);
    await screenshot('07-submitted');

    await done.getByRole('link', { name: 'See all jobs' }).click();
    const row = page.locator(`[data-testid="job-row"][data-job-id="${jobId}"]`);
    await row.waitFor();
    expect(await textOf(row)).toContain('1L2Y');
    await screenshot('08-list-with-submission');
  });

  it('ranks the miners with their weights and verified results; a token in the address works too', async () => {
    const ranks = (await api<{ miners: MinerRank[] }>('/api/miners')).miners;
    const fresh = await context.browser()?.newContext({ viewport: { width: 1400, height: 900 } });
    if (fresh === undefined) throw new Error('no browser');
    const other = await fresh.newPage();
    watchRequests(other);
    await other.goto(`${origin}/#/miners?token=${TOKEN}`);
    await other.getByTestId('miner-row').first().waitFor();
    // The token went to the tab's storage, not the address bar.
    expect(other.url()).not.toContain(TOKEN);
    expect(ranks.length).toBeGreaterThan(0);
    // Best weight first, each shown as its share.
    const shown = await other
      .getByTestId('miner-row')
      .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-uid'))));
    expect(shown).toEqual(ranks.map((r) => r.uid));
    const weights = ranks.map((r) => r.weight);
    expect([...weights].sort((a, b) => b - a)).toEqual(weights);
    expect(weights.reduce((sum, w) => sum + w, 0)).toBeGreaterThan(0);
    for (const rank of ranks) {
      const row = other.locator(`[data-testid="miner-row"][data-uid="${rank.uid}"]`);
      await expect(textOf(row.getByTestId('miner-weight'))).resolves.toBe(formatShare(rank.weight));
      await expect(textOf(row.getByTestId('miner-accepted'))).resolves.toBe(String(rank.accepted));
      await expect(textOf(row.getByTestId('miner-rejected'))).resolves.toMatch(
        new RegExp(`^${rank.rejected}\\b`),
      );
    }
    const uids = job.minerDetails.map((m) => m.hotkey).sort();
    expect(uids).toEqual([BOB_ADDRESS, CHARLIE_ADDRESS].sort());
    await screenshot('09-miners', other);
    await fresh.close();
  });

  it('loads nothing from anywhere but the validator', () => {
    expect(foreignRequests).toEqual([]);
  });
});
