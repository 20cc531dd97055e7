import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { MinerAssignments } from '@fold/job-store';
import {
  type ArtefactRole,
  type BundleFile,
  encodeBundleBase64,
  type FoldArtefacts,
  readBundleFiles,
  type SynapseRequest,
  type SynapseResponse,
} from '@fold/synapse';
import type { Logger } from 'pino';
import { frameFileName } from './frame-commit.js';
import { jobLayout, markFetched } from './job-files.js';

type ArtefactsResponse = SynapseResponse<typeof FoldArtefacts>;

const MAX_ARTEFACT_FILE_BYTES = 256 * 1024 * 1024;

/** Where each artefact role of a frame is kept: the frame in `frames/`, the rest in `run/`. Pure. */
export function artefactLocation(
  role: ArtefactRole,
  stage: string,
  step: number,
): { readonly dir: 'frames' | 'run'; readonly name: string } {
  return role === 'frame'
    ? { dir: 'frames', name: frameFileName(stage, step) }
    : { dir: 'run', name: `${stage}.${role}` };
}

/**
 * Answers a validator's request for the files that verify the frame it was told about, and
 * nothing else: the request must name the committed best frame (stage and step) of one of the
 * caller's jobs. Roles come from the job's own files (the single-frame `.trr`, the stage's
 * `.edr`, `.log`, `.tpr`, `.xtc`); files the validator holds (by SHA-256) travel as their hash,
 * roles the stage did not write are left out. Serving the frame of a finished job marks it
 * fetched, which starts its purge countdown.
 */
export async function answerArtefacts(
  request: SynapseRequest<typeof FoldArtefacts>,
  validatorHotkey: string,
  services: {
    readonly assignments: MinerAssignments;
    readonly workDir: string;
    readonly logger: Logger;
  },
): Promise<ArtefactsResponse> {
  const none = (error: 'unknown_job' | 'frame_unavailable' | 'not_ready'): ArtefactsResponse => ({
    bundle: null,
    files: {},
    frame_step: null,
    commitment: null,
    error,
  });
  const { assignments, workDir } = services;
  const id = assignments.idFor(validatorHotkey, request.job_id);
  const assignment = await assignments.get(id);
  if (assignment === undefined) return none('unknown_job');
  const { commitment, bestStage, bestFrameStep } = assignment;
  if (commitment === undefined || bestStage === undefined || bestFrameStep === undefined) {
    return none('not_ready');
  }
  if (bestStage !== request.stage || bestFrameStep !== request.step) {
    return none('frame_unavailable');
  }
  const layout = jobLayout(workDir, id);
  const dirs = { frames: layout.framesDir, run: layout.runDir };
  const wanted = request.want.map((role) => ({
    role,
    ...artefactLocation(role, bestStage, bestFrameStep),
  }));
  const frame = wanted.find((w) => w.role === 'frame');
  if (frame !== undefined && !existsSync(join(dirs.frames, frame.name))) {
    return none('frame_unavailable');
  }
  const present = wanted.filter((w) => existsSync(join(dirs[w.dir], w.name)));
  const files: BundleFile[] = [];
  const names: Partial<Record<ArtefactRole, string>> = {};
  for (const dir of ['frames', 'run'] as const) {
    const inDir = present.filter((w) => w.dir === dir);
    if (inDir.length === 0) continue;
    files.push(
      ...(await readBundleFiles(
        dirs[dir],
        inDir.map((w) => w.name),
        MAX_ARTEFACT_FILE_BYTES,
      )),
    );
    for (const w of inDir) names[w.role] = w.name;
  }
  if (frame !== undefined && assignment.state === 'finished') await markFetched(layout, Date.now());
  services.logger.debug(
    { job: id, roles: Object.keys(names), held: request.held_sha256.length },
    'artefacts served',
  );
  return {
    bundle: encodeBundleBase64(files, { held: request.held_sha256 }),
    files: names,
    frame_step: bestFrameStep,
    commitment,
    error: null,
  };
}
