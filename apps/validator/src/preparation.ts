import { createHash } from 'node:crypto';
import { readdir, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@fold/gromacs-runner';
import {
  firstAvailable,
  JOB_SPEC_FILE,
  type JobSpec,
  mirrorSource,
  type PdbSource,
  type PrepareEvent,
  prepareJob,
  rcsbSource,
  readJobDir,
  renderJobSpec,
} from '@fold/pdb-dataset';
import type { ValidatorConfig } from './config.js';
import { jobLayout } from './job-layout.js';
import { fixedHyperparameters, type JobSettings, stageSettingsOf } from './job-settings.js';
import { deriveJobSpec, simulationParamsOf } from './stage-params.js';

/** Where the validator's PDB entries come from, as configured. */
export function pdbSourceOf(config: ValidatorConfig): PdbSource {
  const mirror = () => mirrorSource(config.pdbDir === undefined ? {} : { dir: config.pdbDir });
  const rcsb = () =>
    rcsbSource({ baseUrl: config.rcsbUrl, cacheDir: join(config.workDir, 'pdb-downloads') });
  switch (config.pdbSource) {
    case 'mirror':
      return mirror();
    case 'rcsb':
      return rcsb();
    case 'mirror-then-rcsb':
      return firstAvailable([mirror(), rcsb()]);
  }
}

/**
 * The ids a local PDB mirror holds (`<dir>/mirror/<xx>/pdb<id>.ent.gz`, or the layout at the
 * root), for sampling only entries that can be fetched without a network.
 */
export async function mirrorIds(pdbDir: string): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const root of [join(pdbDir, 'mirror'), pdbDir]) {
    let groups: string[];
    try {
      groups = await readdir(root);
    } catch {
      continue;
    }
    for (const group of groups) {
      if (!/^[a-z0-9]{2}$/.test(group)) continue;
      let names: string[];
      try {
        names = await readdir(join(root, group));
      } catch {
        continue;
      }
      for (const name of names) {
        const match = /^pdb([0-9][a-z0-9]{3})\.ent\.gz$/.exec(name);
        if (match?.[1] !== undefined) ids.add(match[1]);
      }
    }
    if (ids.size > 0) break;
  }
  return ids;
}

/** A source that holds one uploaded entry (a researcher's structure) under the job's label. */
export function uploadedSource(pdbId: string, text: string): PdbSource {
  const sha256 = createHash('sha256').update(text).digest('hex');
  return {
    name: 'upload',
    async fetchEntry() {
      return {
        id: pdbId,
        text,
        sha256,
        sizeBytes: Buffer.byteLength(text),
        origin: 'download',
        url: 'upload',
      };
    },
  };
}

/** What {@link prepareValidatorJob} needs. */
export interface PreparationContext {
  readonly config: ValidatorConfig;
  readonly source: PdbSource;
  readonly signal?: AbortSignal;
  readonly onProgress?: (event: PrepareEvent) => void;
}

/**
 * Prepares a job as its settings say (fetch or upload, clean, search a stable configuration with
 * the fixed hyperparameters, minimise), derives the stages miners run, checks they can be sent,
 * and writes the result to the job's `spec/` directory (`job.json` last and atomically, so a
 * directory with a `job.json` is complete). Preparing again after a crash reads the content
 * cache of @fold/pdb-dataset.
 * @throws {PdbDatasetError} when the entry cannot be fetched, parsed, repaired or stabilised (the
 *   job fails); {@link JobParamsError} when its stages cannot be sent; {@link GromacsError} for
 *   a problem of the machine (the job stays and is tried again).
 */
export async function prepareValidatorJob(
  jobId: string,
  settings: JobSettings,
  context: PreparationContext,
): Promise<JobSpec> {
  const { config } = context;
  const layout = jobLayout(config.workDir, jobId);
  const source = settings.upload
    ? uploadedSource(settings.pdbId, await readFile(layout.uploadPath, 'utf8'))
    : context.source;
  const prepared = await prepareJob({
    id: settings.pdbId,
    seed: settings.seed,
    cacheDir: config.pdbCacheDir ?? join(config.workDir, 'pdb-cache'),
    scratchDir: join(config.workDir, 'scratch'),
    source,
    outDir: layout.specDir,
    space: config.searchSpace,
    fixed: fixedHyperparameters(settings),
    stability: { nvtSteps: config.stabilitySteps },
    mdSteps: settings.mdSteps,
    ...(config.gmxPath === undefined ? {} : { gmx: { gmxPath: config.gmxPath } }),
    ...(context.signal === undefined ? {} : { signal: context.signal }),
    ...(context.onProgress === undefined ? {} : { onProgress: context.onProgress }),
  });
  const derived = deriveJobSpec(prepared.spec, stageSettingsOf(settings));
  simulationParamsOf(derived);
  await writeFileAtomic(join(layout.specDir, JOB_SPEC_FILE), renderJobSpec(derived));
  return derived;
}

/**
 * The job as prepared (validated, every file checked against its hash).
 * @throws {JobSpecError} when the directory is missing or does not match.
 */
export function readPreparedJob(workDir: string, jobId: string): Promise<JobSpec> {
  return readJobDir(jobLayout(workDir, jobId).specDir);
}

/** Removes a job's working files that only verification needs (after the job ended). */
export async function removeWorkingFiles(workDir: string, jobId: string): Promise<void> {
  const layout = jobLayout(workDir, jobId);
  await rm(layout.verifyDir, { recursive: true, force: true });
  await rm(layout.artefactsDir, { recursive: true, force: true });
  await rm(layout.framesDir, { recursive: true, force: true });
}
