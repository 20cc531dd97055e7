import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startLocalNetwork } from '../test/local-network.js';

// `pnpm --filter @fold/dashboard demo`: the dashboard over a whole local network (chain, Redis,
// two miners, a validator) running one short 1L2Y job. Build first (`pnpm --filter
// @fold/dashboard... build`). Stop with Ctrl-C; everything it started is stopped and removed.

const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
const TOKEN = process.env.FOLD_DASHBOARD_DEMO_TOKEN ?? 'demo-token-0123456789';

const dir = await mkdtemp(join(tmpdir(), 'fold-dashboard-demo-'));
const network = await startLocalNetwork({
  dir,
  staticDir: join(APP_DIR, 'dist'),
  pdbCacheDir: join(APP_DIR, '.fixtures', 'pdb-cache'),
  token: TOKEN,
  openRead: true,
});
const response = await fetch(`${network.url}/api/jobs`, {
  method: 'POST',
  headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
  body: JSON.stringify({
    pdbId: '1l2y',
    // Cold, so the miners' lowest-energy frames are recent ones that get verified.
    params: {
      forceField: 'charmm27',
      water: 'tip3p',
      box: 'dodecahedron',
      temperatureK: 150,
      stages: ['md'],
      mdSteps: 4_000,
    },
  }),
});
const job = (await response.json()) as { jobId?: string; message?: string };
process.stdout.write(
  `logs: ${dir}\ndashboard: ${network.url}/#/jobs/${job.jobId ?? ''}?token=${TOKEN}\n${job.message ?? ''}\n(Ctrl-C stops the network)\n`,
);
await new Promise<void>((resolve) => {
  process.once('SIGINT', () => resolve());
  process.once('SIGTERM', () => resolve());
});
await network.stop();
if (process.env.FOLD_DASHBOARD_DEMO_KEEP === undefined)
  await rm(dir, { recursive: true, force: true });
