import { createHash } from 'node:crypto';
import { copyFile, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { writeFileAtomic } from '@fold/gromacs-runner';
import { JOB_SPEC_FILE, renderJobSpec } from '@fold/pdb-dataset';
import { FoldCancel } from '@fold/synapse';
import { isLiveAssignment, minerJobIdOf } from './assignment.js';
import type { ValidatorContext } from './context.js';
import { generationDir, jobLayout } from './job-layout.js';
import { distinctMinerSeed } from './seeds.js';
import { rebaseJobSpec } from './stage-params.js';
import type { MinerJobState } from './validator-state.js';

/** The file a rebase generation starts from. */
export function rebaseStartFile(generation: number): string {
  return `start-r${generation}.gro`;
}

/**
 * Rebases a job on its best verified structure: the score book makes it the job's new start
 * (improvements are measured from it), a job directory of the new generation is written (the
 * best structure as coordinates, the production stage with new velocities), and every other
 * miner still running the job (and not barred from it) is told to stop its run and is handed
 * the new generation, under a job id of its own (`<job>-r<generation>`) and a new seed. The
 * holder of the best carries on with its run; a holder whose run was already stopped by an
 * earlier rebase (its new generation not yet sent) is handed this one like the others.
 * Assignments are sent by the next progress round. Returns the new generation, or null when no
 * miner needs a new start (nothing is rebased then).
 */
export async function rebaseJob(
  context: ValidatorContext,
  jobId: string,
  holderUid: number,
): Promise<number | null> {
  const job = await context.jobs.require(jobId);
  const book = context.ledger.book;
  const barred = new Set(book.jobView(jobId).barred);
  const states = await context.state.minerStates(jobId);
  // The holder carries on with the run it has; one whose run an earlier rebase stopped (its new
  // generation not sent yet) has none and takes this generation like the others.
  const holderRuns = (uid: number): boolean =>
    uid === holderUid && states.get(uid)?.delivered === true;
  // Miners that forfeited the job get no new start: their results no longer count.
  const others = job.assignments.filter(
    (a) => isLiveAssignment(a) && !holderRuns(a.uid) && !barred.has(a.uid),
  );
  if (others.length === 0) return null;
  const rebase = book.rebaseJob(jobId, context.now());
  await context.ledger.save();
  const generation = rebase.generation;

  // The new generation's job directory: written before any miner is told about it.
  const layout = jobLayout(context.config.workDir, jobId);
  const prepared = await context.prepared.get(jobId);
  const start = await readFile(join(layout.bestDir, 'best.gro'));
  const startName = rebaseStartFile(generation);
  const dir = generationDir(context.config.workDir, jobId, generation);
  await mkdir(dir, { recursive: true });
  await writeFileAtomic(join(dir, startName), start);
  for (const file of prepared.spec.files) {
    if (file.name === prepared.spec.structure) continue;
    await copyFile(join(layout.specDir, file.name), join(dir, file.name));
  }
  const spec = rebaseJobSpec(prepared.spec, {
    name: startName,
    sha256: createHash('sha256').update(start).digest('hex'),
    sizeBytes: start.length,
  });
  await writeFileAtomic(join(dir, JOB_SPEC_FILE), renderJobSpec(spec));

  const snapshot = await context.directory.snapshot();
  const taken = new Set([...states.values()].map((s) => s.seed));
  const moved: { jobId: string; state: MinerJobState }[] = [];
  for (const assignment of others) {
    const previous = states.get(assignment.uid);
    if (previous === undefined) continue;
    const minerJobId = minerJobIdOf(jobId, generation);
    const miner = snapshot.miners.find(
      (m) => m.uid === assignment.uid && m.hotkey === assignment.hotkey,
    );
    if (miner !== undefined && previous.delivered) {
      const result = await context.caller.call(
        miner,
        FoldCancel,
        { job_id: previous.minerJobId, reason: 'superseded' },
        { timeoutMs: context.config.queryTimeoutSeconds * 1000 },
      );
      if (!result.ok) {
        context.logger.warn(
          { event: 'rebase.cancel-failed', jobId, uid: assignment.uid, status: result.statusCode },
          `could not stop ${previous.minerJobId} on uid ${assignment.uid}: ${result.statusMessage}`,
        );
      }
    }
    const seed = distinctMinerSeed(
      {
        validatorHotkey: context.hotkey,
        jobId: minerJobId,
        minerHotkey: assignment.hotkey,
        salt: context.salt,
      },
      taken,
    );
    taken.add(seed);
    moved.push({
      jobId,
      state: {
        uid: assignment.uid,
        hotkey: assignment.hotkey,
        minerJobId,
        generation,
        seed,
        delivered: false,
        deliveryAttempts: 0,
        etag: '',
        failedQueries: 0,
      },
    });
  }
  await context.state.saveMinerStates(moved);
  context.logger.info(
    {
      event: 'job.rebased',
      jobId,
      generation,
      startEnergyKjMol: rebase.startEnergyKjMol,
      holder: holderUid,
      miners: moved.map((m) => m.state.uid),
    },
    `rebased ${jobId} (generation ${generation}) on uid ${holderUid}'s structure for ${moved.length} miner(s)`,
  );
  return generation;
}
