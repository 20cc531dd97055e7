import {
  connectJobStore,
  MINER_ASSIGNMENT_STATES,
  type MinerAssignment,
  openMinerAssignments,
} from '@fold/job-store';
import { measureDisk } from './capacity.js';
import type { MinerConfig } from './config.js';
import { loadHotkey, minerPrefix } from './miner.js';
import { planSlots } from './resources.js';

/** What `fold-miner status` shows. No secrets: no key, no URI, no Redis password. */
export interface StatusSnapshot {
  readonly prefix: string;
  readonly nowMs: number;
  readonly counts: Readonly<Record<string, number>>;
  /** Running jobs, then waiting ones. */
  readonly jobs: readonly MinerAssignment[];
  readonly totalSlots: number;
  readonly maxQueuedJobs: number;
  readonly disk: {
    readonly usedBytes: number;
    readonly reservedBytes: number;
    readonly quotaBytes: number;
  };
}

/**
 * Reads the miner's state from Redis and its work directory, without changing anything.
 * The Redis prefix comes from `redisPrefix`, or from the hotkey's address.
 */
export async function readStatus(config: MinerConfig): Promise<StatusSnapshot> {
  const prefix = config.redisPrefix ?? minerPrefix(config, (await loadHotkey(config)).address);
  const store = await connectJobStore({
    url: config.redisUrl,
    prefix,
    connectionName: 'fold-miner-status',
  });
  try {
    const assignments = openMinerAssignments(store);
    const counts: Record<string, number> = {};
    for (const state of MINER_ASSIGNMENT_STATES) {
      counts[state] = await assignments.countByState(state);
    }
    const jobs = [
      ...(await assignments.listByState('running')),
      ...(await assignments.listByState('received')),
      ...(await assignments.listByState('queued')),
    ];
    const disk = await measureDisk(config.workDir, assignments);
    return {
      prefix,
      nowMs: Date.now(),
      counts,
      jobs,
      totalSlots: planSlots(config).totalSlots,
      maxQueuedJobs: config.maxQueuedJobs,
      disk: {
        usedBytes: disk.usedBytes,
        reservedBytes: disk.reservedBytes,
        quotaBytes: config.diskQuotaBytes,
      },
    };
  } finally {
    await store.close();
  }
}

/** Bytes as B, KiB, MiB, GiB. */
export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function table(rows: readonly (readonly string[])[]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows
    .map((r) =>
      r
        .map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The stage's step count from the job's parameter summary, when known. */
function totalSteps(job: MinerAssignment): number | undefined {
  const value = job.params[`nsteps.${job.stage}`];
  return typeof value === 'number' ? value : undefined;
}

/** The status as text: running and waiting jobs, stages, ns/day, queue depth, disk. Pure. */
export function renderStatus(status: StatusSnapshot): string {
  const running = status.jobs.filter((j) => j.state === 'running');
  const waiting = status.counts.received ?? 0;
  const queueDepth = waiting + (status.counts.queued ?? 0);
  const aggregate = running.reduce((sum, j) => sum + (j.nsPerDay ?? 0), 0);
  const lines = [
    `miner ${status.prefix}`,
    `running ${running.length} of ${status.totalSlots} slots, queue depth ${queueDepth} (max ${status.maxQueuedJobs} waiting), aggregate ${aggregate.toFixed(2)} ns/day`,
    `finished ${status.counts.finished ?? 0}, failed ${status.counts.failed ?? 0}, cancelled ${status.counts.cancelled ?? 0}, expired ${status.counts.expired ?? 0}`,
    `disk ${formatBytes(status.disk.usedBytes)} used, ${formatBytes(status.disk.reservedBytes)} reserved of ${formatBytes(status.disk.quotaBytes)}`,
  ];
  if (status.jobs.length > 0) {
    const rows: string[][] = [
      ['JOB', 'VALIDATOR', 'STATE', 'STAGE', 'STEP', 'NS/DAY', 'BEST KJ/MOL', 'DISK', 'UPDATED'],
    ];
    for (const job of status.jobs) {
      const total = totalSteps(job);
      const step =
        total === undefined
          ? String(job.step)
          : `${job.step}/${total} (${total > 0 ? Math.floor((100 * job.step) / total) : 100}%)`;
      rows.push([
        job.validatorJobId,
        `${job.validatorHotkey.slice(0, 8)}…`,
        job.state,
        job.stage,
        step,
        job.nsPerDay === undefined ? '-' : job.nsPerDay.toFixed(2),
        job.bestEnergyKjMol === undefined
          ? '-'
          : `${job.bestEnergyKjMol.toFixed(1)} (${job.bestStage ?? '?'}@${job.bestFrameStep ?? '?'})`,
        formatBytes(job.bytesUsed),
        `${Math.max(0, Math.round((status.nowMs - job.updatedAt) / 1000))}s ago`,
      ]);
    }
    lines.push('', table(rows));
  }
  return `${lines.join('\n')}\n`;
}
