/** The parts of `GET /api/status` that `fold-validator status` prints. */
export interface StatusView {
  readonly validator: {
    readonly hotkey: string;
    readonly version: string;
    readonly netuid: number | null;
    readonly blockNumber: number | null;
    readonly dryRun: boolean;
    readonly uptimeMs: number;
  };
  readonly jobs: {
    readonly counts: Readonly<Record<string, number>>;
    readonly live: readonly {
      readonly jobId: string;
      readonly proteinId: string;
      readonly status: string;
      readonly source: string;
      readonly bestEnergyKjMol: number | null;
      readonly bestUid: number | null;
      readonly miners: readonly {
        readonly uid: number;
        readonly state: string;
        readonly stage: string | null;
        readonly step: number | null;
        readonly nsPerDay: number | null;
        readonly claimedEnergyKjMol: number | null;
      }[];
    }[];
  };
  readonly pendingVerifications: number;
  readonly recentVerdicts: readonly {
    readonly jobId: string;
    readonly uid: number;
    readonly accepted: boolean;
    readonly energyKjMol?: number;
    readonly reason?: string;
    readonly at: number;
  }[];
  readonly lastWeights: {
    readonly mode: string;
    readonly blockNumber: number | null;
    readonly uids: readonly number[];
    readonly weights: readonly number[];
    readonly at: number;
  } | null;
}

const energy = (value: number | null | undefined) =>
  value === null || value === undefined ? '-' : `${value.toFixed(1)} kJ/mol`;

/** The status as text for a terminal. Pure. */
export function renderStatus(view: StatusView): string {
  const v = view.validator;
  const lines = [
    `validator ${v.hotkey} (fold-validator ${v.version})`,
    `  netuid ${v.netuid ?? '-'}, block ${v.blockNumber ?? '-'}, ${v.dryRun ? 'dry run, ' : ''}up ${Math.round(v.uptimeMs / 1000)} s`,
    `jobs: ${
      Object.entries(view.jobs.counts)
        .filter(([, n]) => n > 0)
        .map(([s, n]) => `${n} ${s}`)
        .join(', ') || 'none'
    }; ${view.pendingVerifications} verification(s) pending`,
  ];
  for (const job of view.jobs.live) {
    lines.push(
      `  ${job.jobId} ${job.proteinId} ${job.status} (${job.source}) best ${energy(job.bestEnergyKjMol)}${job.bestUid === null ? '' : ` by uid ${job.bestUid}`}`,
    );
    for (const m of job.miners) {
      lines.push(
        `    uid ${String(m.uid).padStart(5)} ${m.state.padEnd(9)} ${m.stage ?? '-'} step ${m.step ?? '-'}${m.nsPerDay === null ? '' : `, ${m.nsPerDay.toFixed(1)} ns/day`}, claims ${energy(m.claimedEnergyKjMol)}`,
      );
    }
  }
  if (view.recentVerdicts.length > 0) lines.push('recent verdicts:');
  for (const verdict of view.recentVerdicts.slice(0, 10)) {
    lines.push(
      `  ${new Date(verdict.at).toISOString()} ${verdict.jobId} uid ${verdict.uid} ${verdict.accepted ? `accepted ${energy(verdict.energyKjMol)}` : `rejected: ${verdict.reason ?? ''}`}`,
    );
  }
  const w = view.lastWeights;
  lines.push(
    w === null
      ? 'weights: none set yet'
      : `weights (${w.mode}, block ${w.blockNumber ?? '-'}): ${w.uids.map((u, i) => `${u}=${w.weights[i]}`).join(' ')}`,
  );
  return `${lines.join('\n')}\n`;
}
