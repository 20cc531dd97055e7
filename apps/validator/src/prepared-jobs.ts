import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type JobSpec, readJobDir } from '@fold/pdb-dataset';
import {
  type BundleFile,
  encodeBundleBase64,
  readBundleFiles,
  type SimulationParams,
} from '@fold/synapse';
import { generationDir } from './job-layout.js';
import { simulationParamsOf } from './stage-params.js';
import { caCoordinates, parseGro, wholeProtein } from './structure.js';

/** A prepared job as the validator uses it, read once from its directory. */
export interface PreparedJobView {
  readonly spec: JobSpec;
  /** The protocol's `params` of its assignments. */
  readonly params: SimulationParams;
  /** The input files (structure, topology, includes) as read from the job's directory. */
  readonly inputs: readonly BundleFile[];
  /** The input bundle as an assignment carries it (base64). */
  readonly inputBundle: string;
  /** C-alpha coordinates of the starting structure (flat xyz, nm). */
  readonly startCaNm: Float64Array;
}

/**
 * The prepared jobs the validator works on, read from the work directory and kept in memory
 * (the most recently used `capacity` of them): specification, input bundle, starting C-alphas.
 */
export class PreparedJobs {
  readonly #cache = new Map<string, Promise<PreparedJobView>>();

  constructor(
    private readonly workDir: string,
    private readonly capacity = 64,
  ) {}

  /**
   * A job's prepared files: the prepared job (generation 0) or a rebase's.
   * @throws {JobSpecError} when its directory is missing or does not match its hashes.
   */
  get(jobId: string, generation = 0): Promise<PreparedJobView> {
    const key = `${jobId}:${generation}`;
    const cached = this.#cache.get(key);
    if (cached !== undefined) {
      this.#cache.delete(key);
      this.#cache.set(key, cached);
      return cached;
    }
    const loading = this.load(generationDir(this.workDir, jobId, generation));
    loading.catch(() => this.#cache.delete(key));
    this.#cache.set(key, loading);
    while (this.#cache.size > this.capacity) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
    return loading;
  }

  /** Forgets a job's generations (it ended, or was prepared again). */
  forget(jobId: string): void {
    for (const key of [...this.#cache.keys()])
      if (key.startsWith(`${jobId}:`)) this.#cache.delete(key);
  }

  private async load(specDir: string): Promise<PreparedJobView> {
    const spec = await readJobDir(specDir);
    const inputs = await readBundleFiles(
      specDir,
      spec.files.map((f) => f.name),
    );
    const structure = parseGro(await readFile(join(specDir, spec.structure), 'utf8'));
    return {
      spec,
      params: simulationParamsOf(spec),
      inputs,
      inputBundle: encodeBundleBase64(inputs),
      startCaNm: caCoordinates(wholeProtein(structure, spec.system.proteinAtomCount)),
    };
  }
}
