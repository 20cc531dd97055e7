import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import { pdbEntryPath, pdbMirrorDir } from '@fold/devkit';
import type { ValidatorJob } from '@fold/job-store';
import { destination, type Logger, pino } from 'pino';
import {
  CONFIG_DEFAULTS,
  checkConfig,
  type PartialConfig,
  type ValidatorConfig,
} from '../src/config.js';
import type { ValidatorContext } from '../src/context.js';

/** The app's directory. */
export const APP_DIR = fileURLToPath(new URL('..', import.meta.url));
/**
 * Gitignored files shared by test runs: the content cache of job preparations, so that only the
 * first run on a machine pays for preparing 1L2Y with gmx.
 */
export const FIXTURES_DIR = join(APP_DIR, '.fixtures');
export const PDB_CACHE_DIR = join(FIXTURES_DIR, 'pdb-cache');

export const ALICE = '5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY';
export const BOB = '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty';
export const CHARLIE = '5FLSigC9HGRKVhB9FiEo4Y3koPsNmBmLJbpXg2mp1hXcS59Y';
export const TOKEN = 'test-token-0123456789abcdef';

/** A complete configuration for tests: //Alice, a dry run, the shared PDB mirror and cache. */
export function testConfig(
  overrides: PartialConfig & Pick<ValidatorConfig, 'workDir' | 'redisUrl'>,
): ValidatorConfig {
  return checkConfig({
    ...CONFIG_DEFAULTS,
    hotkeyUri: '//Alice',
    dryRun: true,
    staticMiners: [`1:${BOB}@127.0.0.1:9`],
    pdbDir: pdbMirrorDir(),
    pdbCacheDir: PDB_CACHE_DIR,
    apiPort: 0,
    apiTokens: [TOKEN],
    logLevel: 'debug',
    ...overrides,
  });
}

/** A logger writing JSON lines to a file (read it when a test fails). */
export function fileLogger(path: string): Logger {
  return pino({ level: 'debug' }, destination({ dest: path, sync: true, mkdir: true }));
}

/** The PDB text of a mirror entry. */
export async function mirrorEntryText(id: string): Promise<string> {
  return gunzipSync(await readFile(pdbEntryPath(id))).toString('utf8');
}

/** Polls `check` every `intervalMs` until it returns a value other than undefined. */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline)
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Polls a job every 2 s until it has ended (any status but pending, preparing or active). */
export function waitForJobEnd(
  context: ValidatorContext,
  jobId: string,
  timeoutMs: number,
): Promise<ValidatorJob> {
  return waitFor(
    `job ${jobId} to end`,
    async () => {
      const current = await context.jobs.get(jobId);
      return current === undefined || ['pending', 'preparing', 'active'].includes(current.status)
        ? undefined
        : current;
    },
    timeoutMs,
    2_000,
  );
}
