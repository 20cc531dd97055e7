import { join, resolve } from 'node:path';
import { JobFilesError } from './errors.js';

/** Directory of job directories inside the work directory. */
export const JOBS_DIR = 'jobs';
const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/** Where a job's files live, all under `<workDir>/jobs/<job id>/`. */
export interface JobLayout {
  readonly dir: string;
  /** The job as miners run it: `job.json` and its input files. */
  readonly specDir: string;
  /** A researcher's uploaded structure (the name is ours, never the request's). */
  readonly uploadPath: string;
  /** The verifier's work directory (its own run input, reruns). */
  readonly verifyDir: string;
  /** Artefacts fetched from miners, one directory per claim, removed after its verdict. */
  readonly artefactsDir: string;
  /** The best verified structure: `best.gro`, `best.pdb`, and its frame. */
  readonly bestDir: string;
  /** Frames of verified submissions, for anti-copy checks of later ones. */
  readonly framesDir: string;
}

/**
 * The layout of a job's directory. Job ids are this validator's own (`s12-1l2y`, `o-…`), checked
 * here again because they become directory names.
 * @throws {JobFilesError} for an id that is not a safe directory name.
 */
export function jobLayout(workDir: string, jobId: string): JobLayout {
  if (!JOB_ID.test(jobId)) {
    throw new JobFilesError(`${JSON.stringify(jobId.slice(0, 100))} is not a job id`, {
      details: { jobId: jobId.slice(0, 100) },
    });
  }
  const dir = join(resolve(workDir), JOBS_DIR, jobId);
  return {
    dir,
    specDir: join(dir, 'spec'),
    uploadPath: join(dir, 'upload.pdb'),
    verifyDir: join(dir, 'verify'),
    artefactsDir: join(dir, 'artefacts'),
    bestDir: join(dir, 'best'),
    framesDir: join(dir, 'frames'),
  };
}

/** Where a generation's job files live: the prepared job (0), or a rebase's own directory. */
export function generationDir(workDir: string, jobId: string, generation: number): string {
  const layout = jobLayout(workDir, jobId);
  return generation === 0 ? layout.specDir : join(layout.dir, `rebase-${generation}`);
}
