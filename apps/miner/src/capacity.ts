import {
  isTerminalAssignmentState,
  type MinerAssignments,
  type SimulationResource,
  type SimulationResources,
} from '@fold/job-store';
import { dirSizeBytes, jobLayout, listJobDirs, readJobMeta } from './job-files.js';

/** How many jobs the miner takes at once. */
export interface CapacityPolicy {
  /** Simulations all processes run at once. */
  readonly totalSlots: number;
  /** Jobs accepted beyond the slots, waiting for one. */
  readonly maxQueuedJobs: number;
}

/** Jobs the miner holds at most (running and waiting). */
export function jobCapacity(policy: CapacityPolicy): number {
  return policy.totalSlots + policy.maxQueuedJobs;
}

/** Free places for new jobs given how many are active. Pure. */
export function freeSlots(activeJobs: number, policy: CapacityPolicy): number {
  return Math.max(0, jobCapacity(policy) - activeJobs);
}

/** Jobs received, queued or running, across all processes of the miner. */
export async function countActiveJobs(assignments: MinerAssignments): Promise<number> {
  const counts = await Promise.all(
    (['received', 'queued', 'running'] as const).map((state) => assignments.countByState(state)),
  );
  return counts.reduce((sum, n) => sum + n, 0);
}

/** One job directory's share of the disk. */
export interface DiskShare {
  readonly bytesUsed: number;
  /** What the job was admitted with; undefined for directories without a readable meta file. */
  readonly estimateBytes: number | undefined;
  /** Still running or waiting: it may grow up to its estimate. */
  readonly active: boolean;
}

/**
 * The bytes the work directory holds or has promised: each active job counts with the larger of
 * what it uses and what it was admitted with, every other directory with what it uses. Pure.
 */
export function reservedBytes(shares: readonly DiskShare[]): number {
  return shares.reduce(
    (sum, s) => sum + (s.active ? Math.max(s.bytesUsed, s.estimateBytes ?? 0) : s.bytesUsed),
    0,
  );
}

/** Whether a job estimated at `estimateBytes` fits beside what is reserved. Pure. */
export function fitsQuota(reserved: number, estimateBytes: number, quotaBytes: number): boolean {
  return reserved + estimateBytes <= quotaBytes;
}

/**
 * Measures every directory under `<workDir>/jobs`: bytes used, the estimate in its meta file and
 * whether its assignment is still active.
 */
export async function measureDisk(
  workDir: string,
  assignments: MinerAssignments,
): Promise<{ shares: DiskShare[]; usedBytes: number; reservedBytes: number }> {
  const dirs = await listJobDirs(workDir);
  const ids = dirs.flatMap((d) => (d.assignmentId === undefined ? [] : [d.assignmentId]));
  const records = new Map((await assignments.getMany(ids)).map((r) => [r.id, r]));
  const shares: DiskShare[] = [];
  for (const dir of dirs) {
    const bytesUsed = await dirSizeBytes(dir.path);
    if (dir.assignmentId === undefined) {
      shares.push({ bytesUsed, estimateBytes: undefined, active: false });
      continue;
    }
    const record = records.get(dir.assignmentId);
    const active = record !== undefined && !isTerminalAssignmentState(record.state);
    const meta = await readJobMeta(jobLayout(workDir, dir.assignmentId)).catch(() => undefined);
    shares.push({ bytesUsed, estimateBytes: meta?.estimateBytes, active });
  }
  return {
    shares,
    usedBytes: shares.reduce((sum, s) => sum + s.bytesUsed, 0),
    reservedBytes: reservedBytes(shares),
  };
}

/**
 * The queue for a new simulation: the resource with the lowest load (jobs waiting or running per
 * slot), a GPU on a tie. Pure.
 */
export function chooseResource(
  counts: Readonly<Record<string, Readonly<Record<string, number>>>>,
  cluster: SimulationResources,
): SimulationResource {
  const candidates: { resource: SimulationResource; queue: string; concurrency: number }[] = [];
  for (const gpu of cluster.gpus ?? []) {
    candidates.push({
      resource: { kind: 'gpu', gpuId: gpu.id },
      queue: `sim-gpu-${gpu.id}`,
      concurrency: gpu.concurrency,
    });
  }
  if (cluster.cpu !== undefined) {
    candidates.push({
      resource: { kind: 'cpu' },
      queue: 'sim-cpu',
      concurrency: cluster.cpu.concurrency,
    });
  }
  let best: { resource: SimulationResource; load: number } | undefined;
  for (const candidate of candidates) {
    const c = counts[candidate.queue] ?? {};
    const busy = (c.waiting ?? 0) + (c.active ?? 0) + (c.delayed ?? 0) + (c.prioritized ?? 0);
    const load = busy / Math.max(1, candidate.concurrency);
    if (best === undefined || load < best.load) best = { resource: candidate.resource, load };
  }
  return best?.resource ?? { kind: 'cpu' };
}
