import { rm } from 'node:fs/promises';
import { TERMINAL_JOB_STATUSES, VersionConflictError } from '@fold/job-store';
import type { ValidatorContext } from './context.js';
import { jobLayout } from './job-layout.js';

/** What {@link purgeEndedJobs} did. */
export interface PurgeSummary {
  /** Ended jobs looked at. */
  readonly checked: number;
  /** Jobs deleted: record, side keys in Redis, directory. */
  readonly deleted: number;
}

/** Ended jobs read per listing call. */
const PAGE = 500;

/**
 * Deletes the jobs that ended more than `jobRetentionDays` ago: the job's files first, then what
 * Redis holds beside its record (miner states, verdicts, structure series, submissions), then
 * the record itself, so that a crash part-way leaves a record whose next purge finishes the job
 * and never side keys without a record. A record changed since it was read (a concurrent
 * transition) is left for the next run. `jobRetentionDays` 0 keeps every job.
 */
export async function purgeEndedJobs(
  context: ValidatorContext,
  signal: AbortSignal,
): Promise<PurgeSummary> {
  const days = context.config.jobRetentionDays;
  if (days <= 0) return { checked: 0, deleted: 0 };
  const cutoffMs = context.now() - days * 86_400_000;
  let checked = 0;
  let deleted = 0;
  for (const status of TERMINAL_JOB_STATUSES) {
    // Deleting shifts the listing: read it whole first, then delete.
    const ids: string[] = [];
    for (let offset = 0; ; offset += PAGE) {
      const page = await context.jobs.listIdsByStatus(status, { offset, limit: PAGE });
      ids.push(...page);
      if (page.length < PAGE) break;
    }
    for (const jobId of ids) {
      if (signal.aborted) return { checked, deleted };
      const job = await context.jobs.get(jobId);
      if (job === undefined) continue;
      checked++;
      const endedAt = job.endedAt ?? job.updatedAt;
      if (endedAt > cutoffMs) continue;
      await rm(jobLayout(context.config.workDir, jobId).dir, { recursive: true, force: true });
      await context.state.removeClaimsOf(jobId);
      await context.state.forgetJob(jobId);
      try {
        if (!(await context.jobs.delete(jobId, { expectedVersion: job.version }))) continue;
      } catch (error) {
        if (error instanceof VersionConflictError) continue;
        throw error;
      }
      deleted++;
      context.logger.info(
        { event: 'job.purged', jobId, status: job.status, endedAt },
        `purged ${jobId} (${job.status} ${Math.round((context.now() - endedAt) / 86_400_000)} days ago)`,
      );
    }
  }
  return { checked, deleted };
}
