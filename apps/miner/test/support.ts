/**
 * Shared set-up of the miner's integration tests and benchmark: a real 1L2Y job prepared with
 * @fold/pdb-dataset (cached under `.fixtures/`), its parameters in the protocol's form with short
 * stages, dev keys, and helpers to run the miner in-process or as the built `fold-miner` CLI.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadSigner, type Signer } from '@fold/chain-client';
import { pdbMirrorDir, type RedisServerHandle, startRedisServer } from '@fold/devkit';
import { type JobSpec, mirrorSource, prepareJob, readJobDir } from '@fold/pdb-dataset';
import {
  type BundleFile,
  encodeBundleBase64,
  MDP_OPTION_NAMES,
  readBundleFiles,
  type SimulationParams,
} from '@fold/synapse';
import { pino } from 'pino';
import { mergeConfig, type PartialConfig } from '../src/config.js';
import { Miner } from '../src/miner.js';

export const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const CLI_PATH = join(APP_DIR, 'dist', 'cli.js');
const FIXTURES = join(APP_DIR, '.fixtures');

/** 1L2Y (Trp-cage, 20 residues) with a seed whose first candidate is a small system. */
export const FIXTURE_ID = '1l2y';
// Seed 112's first candidate is amber03/spce in a 1.0 nm dodecahedron: 5,933 atoms.
export const FIXTURE_SEED = 112;

/** A prepared job: the validator's files and spec. */
export interface Fixture {
  readonly dir: string;
  readonly spec: JobSpec;
  readonly files: BundleFile[];
}

let fixture: Promise<Fixture> | undefined;

/** Prepares 1L2Y once (about 10 s; later runs read the cache). */
export function jobFixture(): Promise<Fixture> {
  fixture ??= (async () => {
    const dir = join(FIXTURES, `${FIXTURE_ID}-${FIXTURE_SEED}`);
    try {
      await readJobDir(dir);
    } catch {
      await prepareJob({
        id: FIXTURE_ID,
        seed: FIXTURE_SEED,
        source: mirrorSource({ dir: pdbMirrorDir() }),
        cacheDir: join(FIXTURES, 'pdb-cache'),
        outDir: dir,
        mdSteps: 1000,
      });
    }
    const spec = await readJobDir(dir);
    const files = await readBundleFiles(
      dir,
      spec.files.map((f) => f.name),
    );
    return { dir, spec, files };
  })();
  return fixture;
}

const KNOWN = new Set(MDP_OPTION_NAMES);

/** Job-spec mdp options in the protocol's form: canonical names, seeds left out. */
function protocolMdp(mdp: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(mdp)) {
    const name = key.toLowerCase().replaceAll('_', '-');
    if (name === 'gen-seed' || name === 'ld-seed') continue;
    if (!KNOWN.has(name)) throw new Error(`fixture option ${key} is not in the protocol`);
    out[name] = value;
  }
  return out;
}

/**
 * The spec's stage parameters in the protocol's form (canonical option names, seeds left out:
 * the seed travels on its own) with the given step counts and output intervals. `em` is the
 * spec's own minimisation, at `emtol` when given.
 */
export function stageParams(
  spec: JobSpec,
  nsteps: Partial<Record<'em' | 'nvt' | 'npt' | 'md', number>>,
  outputs: { energySteps?: number; logSteps?: number; compressedSteps?: number } = {},
  minimisation: { emtol?: number } = {},
): SimulationParams {
  const params: Record<string, Record<string, unknown>> = {};
  if (nsteps.em !== undefined) {
    params.em = {
      ...protocolMdp(spec.minimisation.mdp),
      nsteps: nsteps.em,
      nstenergy: outputs.energySteps ?? 50,
      ...(minimisation.emtol === undefined ? {} : { emtol: minimisation.emtol }),
    };
  }
  for (const stage of spec.stages) {
    const steps = nsteps[stage.name as keyof typeof nsteps];
    if (steps === undefined) continue;
    const mdp = protocolMdp(stage.mdp);
    mdp.nsteps = steps;
    mdp.nstenergy = outputs.energySteps ?? 50;
    mdp.nstcalcenergy = Math.min(50, outputs.energySteps ?? 50);
    mdp.nstlog = outputs.logSteps ?? 100;
    mdp['nstxout-compressed'] = outputs.compressedSteps ?? 100;
    params[stage.name] = mdp;
  }
  return params as SimulationParams;
}

const encoded = new WeakMap<Fixture, string>();

/** The fixture's input bundle as a FoldAssign field, encoded once. */
export function inputBundle(f: Fixture): string {
  let bundle = encoded.get(f);
  if (bundle === undefined) {
    bundle = encodeBundleBase64(f.files);
    encoded.set(f, bundle);
  }
  return bundle;
}

/** A FoldAssign request for the fixture. */
export function assignRequest(
  f: Fixture,
  jobId: string,
  params: SimulationParams,
  options: { seed?: number; deadlineMs?: number } = {},
) {
  return {
    job_id: jobId,
    protein_id: FIXTURE_ID,
    input_bundle: inputBundle(f),
    params,
    seed: options.seed ?? 4242,
    deadline_unix_ms: Date.now() + (options.deadlineMs ?? 3_600_000),
  };
}

/** Dev keys: //Alice and //Charlie validate, //Bob mines, //Eve is unregistered. */
export async function devKeys(): Promise<Record<'alice' | 'bob' | 'charlie' | 'eve', Signer>> {
  const [alice, bob, charlie, eve] = await Promise.all(
    ['//Alice', '//Bob', '//Charlie', '//Eve'].map((uri) => loadSigner({ uri })),
  );
  return { alice: alice!, bob: bob!, charlie: charlie!, eve: eve! };
}

/** A scratch directory, removed by {@link cleanup}. */
export async function scratchDir(name: string): Promise<string> {
  return mkdtemp(join(tmpdir(), `fold-miner-${name}-`));
}

export async function cleanup(dir: string | undefined): Promise<void> {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
}

export function startRedis(): Promise<RedisServerHandle> {
  return startRedisServer();
}

/** Settings every test miner shares: loopback, short timers, quiet logs. */
export function testSettings(redisUrl: string, workDir: string): PartialConfig {
  return {
    hotkeyUri: '//Bob',
    axonHost: '127.0.0.1',
    axonPort: 0,
    redisUrl,
    workDir,
    cpus: 2,
    cpuSlots: 1,
    checkpointIntervalMinutes: 0.05,
    commitIntervalSeconds: 0,
    progressIntervalSeconds: 0.5,
    lockDurationMs: 3_000,
    stalledIntervalMs: 1_000,
    housekeepingIntervalSeconds: 1,
    logLevel: 'warn',
  };
}

/** Starts a miner in this process. */
export async function startMiner(settings: PartialConfig): Promise<Miner> {
  const { config } = mergeConfig({ flags: settings });
  const logger = pino({ level: process.env.FOLD_TEST_LOG ?? config.logLevel });
  return Miner.start(config, { logger });
}

/** Polls until `probe` returns a value other than undefined. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 60_000,
  intervalMs = 250,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** A `fold-miner` process started from the built CLI, with its JSON log lines collected. */
export interface MinerProcess {
  readonly child: ChildProcess;
  readonly lines: string[];
  /** Parsed JSON log records. */
  readonly records: () => Record<string, unknown>[];
  readonly exited: Promise<number | null>;
  waitForLog(
    what: string,
    match: (record: Record<string, unknown>) => boolean,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
}

/** Runs `node dist/cli.js run ...` (build the app first). */
export function spawnMiner(
  args: readonly string[],
  env: Record<string, string> = {},
): MinerProcess {
  const child = spawn(process.execPath, [CLI_PATH, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  const collect = (chunk: Buffer) => {
    const text = partial + chunk.toString('utf8');
    const parts = text.split('\n');
    partial = parts.pop() ?? '';
    lines.push(...parts.filter((l) => l.length > 0));
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const records = () =>
    lines.flatMap((line) => {
      try {
        return [JSON.parse(line) as Record<string, unknown>];
      } catch {
        return [];
      }
    });
  return {
    child,
    lines,
    records,
    exited,
    waitForLog: (what, match, timeoutMs = 60_000) =>
      waitFor(what, () => records().find(match), timeoutMs, 100),
  };
}

/** Reads a text file, or undefined when it is not there. */
export async function readText(path: string): Promise<string | undefined> {
  return readFile(path, 'utf8').catch(() => undefined);
}
