import { type FollowedJob, weightsMatch } from './follow-job.js';
import type { PhaseRecord } from './phases.js';
import { formatDuration, formatEnergy } from './view.js';

/** One miner's verdicts on the job. */
export interface MinerVerdicts {
  readonly name: string;
  readonly uid: number;
  readonly hotkey: string;
  /** The miner's assignment at the end: `finished`, `failed`, `dropped`. */
  readonly state: string;
  readonly accepted: number;
  readonly rejected: number;
  /** Its lowest verified potential energy, kJ/mol. */
  readonly verifiedEnergyKjMol: number | null;
  /** The reason of its last rejection, if any. */
  readonly lastRejection: string | null;
}

/** What the main job prints at the end, and `--json` writes. */
export interface RunSummary {
  readonly jobId: string;
  readonly proteinId: string;
  readonly status: string;
  readonly atomCount: number | null;
  /** The best verified result of the job. */
  readonly best: {
    readonly uid: number;
    readonly name: string;
    readonly energyKjMol: number;
  } | null;
  readonly miners: readonly MinerVerdicts[];
  readonly weights: {
    readonly mode: string;
    readonly blockNumber: number | null;
    /** As read back from the chain, u16 (largest 65535). */
    readonly onChain: readonly {
      readonly uid: number;
      readonly name: string;
      readonly weight: number;
    }[];
  };
  /** The chain holds the weights the validator set after the job: the run succeeded. */
  readonly weightsLanded: boolean;
  /** Phase durations, ms. */
  readonly phases: readonly { readonly name: string; readonly durationMs: number }[];
  readonly totalMs: number;
}

/** The summary of a followed job. `names` maps uids to miner names. Pure. */
export function summarize(
  followed: FollowedJob,
  names: ReadonlyMap<number, string>,
  phases: readonly PhaseRecord[],
  totalMs: number,
): RunSummary {
  const { job, weights, chainWeights } = followed;
  const nameOf = (uid: number) => names.get(uid) ?? `uid ${uid}`;
  return {
    jobId: job.jobId,
    proteinId: job.proteinId,
    status: job.status,
    atomCount: job.system?.atomCount ?? null,
    best:
      job.best === null
        ? null
        : { uid: job.best.uid, name: nameOf(job.best.uid), energyKjMol: job.best.energyKjMol },
    miners: job.minerDetails.map((m) => {
      const rejections = job.verdicts.filter((v) => v.uid === m.uid && !v.accepted);
      return {
        name: nameOf(m.uid),
        uid: m.uid,
        hotkey: m.hotkey,
        state: m.state,
        accepted: m.accepted,
        rejected: m.rejected,
        verifiedEnergyKjMol: m.verifiedEnergyKjMol,
        lastRejection: rejections.at(-1)?.reason ?? null,
      };
    }),
    weights: {
      mode: weights.mode,
      blockNumber: weights.blockNumber,
      onChain: chainWeights.uids.map((uid, i) => ({
        uid,
        name: nameOf(uid),
        weight: chainWeights.weights[i] ?? 0,
      })),
    },
    weightsLanded: weightsMatch(weights, chainWeights),
    phases: phases.map((p) => ({
      name: p.name,
      durationMs: (p.endedAtMs ?? p.startedAtMs) - p.startedAtMs,
    })),
    totalMs,
  };
}

/** The summary as text for a person. Pure. */
export function renderSummary(summary: RunSummary): string {
  const lines = [
    `job ${summary.jobId}: ${summary.proteinId.toUpperCase()}${summary.atomCount === null ? '' : ` (${summary.atomCount} atoms)`} ${summary.status}`,
    `best verified potential energy: ${
      summary.best === null
        ? 'none'
        : `${formatEnergy(summary.best.energyKjMol)} by ${summary.best.name} (uid ${summary.best.uid})`
    }`,
    'verdicts:',
  ];
  for (const m of summary.miners) {
    lines.push(
      `  ${m.name} (uid ${m.uid}) ${m.state}: ${m.accepted} accepted, ${m.rejected} rejected` +
        (m.verifiedEnergyKjMol === null
          ? ''
          : `; lowest verified ${formatEnergy(m.verifiedEnergyKjMol)}`) +
        (m.lastRejection === null ? '' : `; last rejection: ${m.lastRejection}`),
    );
  }
  const w = summary.weights;
  lines.push(
    `weights read back from the chain (${w.mode} at block ${w.blockNumber ?? '-'}): ${
      w.onChain.map((e) => `${e.name} (uid ${e.uid}) ${e.weight}`).join(', ') || 'none'
    }`,
    summary.weightsLanded
      ? 'weights landed on chain'
      : 'the chain does not hold the weights the validator set',
    `phases: ${summary.phases.map((p) => `${p.name} ${formatDuration(p.durationMs)}`).join(', ')}`,
    `total: ${formatDuration(summary.totalMs)}`,
  );
  return `${lines.join('\n')}\n`;
}
