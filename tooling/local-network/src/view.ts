import Table from 'cli-table3';
import { PHASE_TITLES, PHASES, type PhaseRecord } from './phases.js';
import type { JobDetail, ValidatorStatus, Verdict, WeightsRecord } from './validator-api.js';

// What the main job shows while it runs: a live table in a terminal, or plain lines of what
// changed when the output is a file or a CI log. Pure: the caller polls and prints.

/** One miner's row. */
export interface MinerRow {
  readonly uid: number;
  readonly name: string;
  readonly state: string;
  readonly stage: string | null;
  readonly step: number | null;
  /** Steps of the current stage, when the job says. */
  readonly stageSteps: number | null;
  /** Share of all stages' steps done, 0..1. */
  readonly progress: number;
  readonly nsPerDay: number | null;
  readonly claimedEnergyKjMol: number | null;
  readonly verifiedEnergyKjMol: number | null;
  readonly accepted: number;
  readonly rejected: number;
}

/** Everything the view shows of a job at one moment. */
export interface JobView {
  readonly jobId: string;
  readonly proteinId: string;
  readonly status: string;
  readonly atomCount: number | null;
  readonly stages: readonly { name: string; nsteps: number | null }[];
  readonly miners: readonly MinerRow[];
  readonly verdicts: readonly Verdict[];
  readonly best: { uid: number; energyKjMol: number } | null;
  readonly pendingVerifications: number;
  readonly lastWeights: WeightsRecord | null;
  readonly blockNumber: number | null;
}

/** The share of a job's steps a miner has done, 0..1. Pure. */
export function minerProgress(
  stages: readonly { name: string; nsteps: number | null }[],
  miner: { state: string; stage: string | null; step: number | null },
): number {
  if (miner.state === 'finished') return 1;
  const total = stages.reduce((sum, s) => sum + (s.nsteps ?? 0), 0);
  if (total <= 0 || miner.stage === null) return 0;
  const index = stages.findIndex((s) => s.name === miner.stage);
  if (index < 0) return 0;
  const before = stages.slice(0, index).reduce((sum, s) => sum + (s.nsteps ?? 0), 0);
  const current = Math.min(miner.step ?? 0, stages[index]?.nsteps ?? 0);
  return Math.max(0, Math.min(1, (before + current) / total));
}

/** The view of a job from the validator's answers. `names` maps uids to miner names. Pure. */
export function jobView(
  job: JobDetail,
  status: ValidatorStatus | undefined,
  names: ReadonlyMap<number, string>,
): JobView {
  return {
    jobId: job.jobId,
    proteinId: job.proteinId,
    status: job.status,
    atomCount: job.system?.atomCount ?? null,
    stages: job.stages,
    miners: job.minerDetails.map((m) => ({
      uid: m.uid,
      name: names.get(m.uid) ?? `uid ${m.uid}`,
      state: m.state,
      stage: m.stage,
      step: m.step,
      stageSteps: job.stages.find((s) => s.name === m.stage)?.nsteps ?? null,
      progress: minerProgress(job.stages, m),
      nsPerDay: m.nsPerDay,
      claimedEnergyKjMol: m.claimedEnergyKjMol,
      verifiedEnergyKjMol: m.verifiedEnergyKjMol,
      accepted: m.accepted,
      rejected: m.rejected,
    })),
    verdicts: job.verdicts,
    best: job.best === null ? null : { uid: job.best.uid, energyKjMol: job.best.energyKjMol },
    pendingVerifications: status?.pendingVerifications ?? 0,
    lastWeights: status?.lastWeights ?? null,
    blockNumber: status?.validator.blockNumber ?? null,
  };
}

/** `████░░░░` of `width` cells. Pure. */
export function progressBar(fraction: number, width: number): string {
  const clamped = Number.isFinite(fraction) ? Math.max(0, Math.min(1, fraction)) : 0;
  const full = Math.round(clamped * width);
  return `${'█'.repeat(full)}${'░'.repeat(width - full)}`;
}

/** `-1234.5 kJ/mol`, or `-`. Pure. */
export function formatEnergy(value: number | null | undefined): string {
  return value === null || value === undefined ? '-' : `${value.toFixed(1)} kJ/mol`;
}

/** `-1234.5`, or `-`. Pure. */
function formatNumber(value: number | null): string {
  return value === null ? '-' : value.toFixed(1);
}

const BORDERLESS = {
  top: '',
  'top-mid': '',
  'top-left': '',
  'top-right': '',
  bottom: '',
  'bottom-mid': '',
  'bottom-left': '',
  'bottom-right': '',
  left: '',
  'left-mid': '',
  mid: '',
  'mid-mid': '',
  right: '',
  'right-mid': '',
  middle: '',
};

/** `12.3 s` or `2 min 05 s`. Pure. */
export function formatDuration(ms: number): string {
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  return `${minutes} min ${String(Math.round(seconds - minutes * 60)).padStart(2, '0')} s`;
}

/** The phases as lines: done with their time, the running one, those to come. Pure. */
export function renderPhases(records: readonly PhaseRecord[], nowMs: number): string[] {
  return PHASES.map((name) => {
    const record = records.find((r) => r.name === name);
    const title = PHASE_TITLES[name];
    if (record === undefined) return `  · ${name.padEnd(12)} ${title}`;
    const took = formatDuration((record.endedAtMs ?? nowMs) - record.startedAtMs);
    return record.endedAtMs === null
      ? `  ▸ ${name.padEnd(12)} ${title} (${took})`
      : `  ✔ ${name.padEnd(12)} ${title} (${took})`;
  });
}

/** The live view for a terminal: phases, then the job's miners as a table. Pure. */
export function renderLive(input: {
  readonly phases: readonly PhaseRecord[];
  readonly view: JobView | undefined;
  readonly nowMs: number;
  readonly header: readonly string[];
}): string {
  const lines = [...input.header, '', ...renderPhases(input.phases, input.nowMs)];
  const view = input.view;
  if (view !== undefined) {
    lines.push(
      '',
      `job ${view.jobId}: ${view.proteinId.toUpperCase()}${view.atomCount === null ? '' : `, ${view.atomCount} atoms`}, ${view.status}; stages ${view.stages.map((s) => `${s.name} ${s.nsteps ?? '?'}`).join(', ') || '-'}`,
      `best verified: ${view.best === null ? '-' : `${formatEnergy(view.best.energyKjMol)} (uid ${view.best.uid})`}; ${view.pendingVerifications} verification(s) pending; block ${view.blockNumber ?? '-'}`,
    );
    const w = view.lastWeights;
    lines.push(
      w === null
        ? 'weights: none set yet'
        : `weights ${w.mode} at block ${w.blockNumber ?? '-'}: ${w.uids.map((u, i) => `uid ${u}=${w.weights[i]}`).join(', ')}`,
      'energies in kJ/mol',
    );
    // Borderless and narrow, so that it fits an 80- to 100-column terminal without wrapping.
    const table = new Table({
      head: ['miner', 'stage', 'progress', 'ns/day', 'claimed', 'verified', 'verdicts'],
      chars: BORDERLESS,
      style: { head: [], border: [], 'padding-left': 0, 'padding-right': 2 },
    });
    for (const m of view.miners) {
      table.push([
        `${m.name} (uid ${m.uid})`,
        m.state === 'running' && m.stage !== null
          ? `${m.stage} ${m.step ?? 0}/${m.stageSteps ?? '?'}`
          : m.state,
        `${progressBar(m.progress, 10)} ${Math.round(m.progress * 100)}%`,
        m.nsPerDay === null ? '-' : m.nsPerDay.toFixed(1),
        formatNumber(m.claimedEnergyKjMol),
        formatNumber(m.verifiedEnergyKjMol),
        `${m.accepted} ok${m.rejected > 0 ? `, ${m.rejected} rejected` : ''}`,
      ]);
    }
    // The table goes last: its rows appear as miners are assigned, and lines added at the end
    // are redrawn correctly where lines inserted in the middle would not be.
    lines.push(table.toString());
  }
  return lines.join('\n');
}

/**
 * What changed between two views, as plain lines (for output that is not a terminal): job
 * status, each miner's state and stage, every quarter of a stage, new verdicts, new weights.
 * Pure.
 */
export function describeChanges(previous: JobView | undefined, next: JobView): string[] {
  const lines: string[] = [];
  if (previous === undefined || previous.status !== next.status) {
    lines.push(
      `job ${next.jobId} (${next.proteinId.toUpperCase()}${next.atomCount === null ? '' : `, ${next.atomCount} atoms`}) is ${next.status}`,
    );
  }
  for (const miner of next.miners) {
    const before = previous?.miners.find((m) => m.uid === miner.uid);
    if (before === undefined || before.state !== miner.state) {
      lines.push(`${miner.name} (uid ${miner.uid}) ${miner.state}`);
    }
    const quarter = (m: MinerRow | undefined) =>
      m === undefined || m.stage === null || m.stageSteps === null || m.stageSteps <= 0
        ? -1
        : Math.floor((4 * Math.min(m.step ?? 0, m.stageSteps)) / m.stageSteps);
    if (
      miner.stage !== null &&
      (before?.stage !== miner.stage || quarter(before) !== quarter(miner))
    ) {
      lines.push(
        `${miner.name}: ${miner.stage} step ${miner.step ?? 0}/${miner.stageSteps ?? '?'}${miner.nsPerDay === null ? '' : `, ${miner.nsPerDay.toFixed(1)} ns/day`}, claims ${formatEnergy(miner.claimedEnergyKjMol)}`,
      );
    }
  }
  const seen = previous?.verdicts.length ?? 0;
  for (const verdict of next.verdicts.slice(seen)) {
    const name = next.miners.find((m) => m.uid === verdict.uid)?.name ?? `uid ${verdict.uid}`;
    lines.push(
      verdict.accepted
        ? `verified ${name}'s frame at step ${verdict.step}: ${formatEnergy(verdict.energyKjMol)}`
        : `rejected ${name}'s frame at step ${verdict.step}: ${verdict.reason ?? 'no reason given'}`,
    );
  }
  const w = next.lastWeights;
  const before = previous?.lastWeights ?? null;
  // Weights are set again at every block; a line only when they change.
  const changed =
    before === null ||
    before.mode !== w?.mode ||
    before.uids.join() !== w.uids.join() ||
    before.weights.join() !== w.weights.join();
  if (w !== null && changed) {
    lines.push(
      `weights ${w.mode} at block ${w.blockNumber ?? '-'}: ${w.uids.map((u, i) => `uid ${u}=${w.weights[i]}`).join(', ')}`,
    );
  }
  return lines;
}
