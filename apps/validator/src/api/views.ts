import type { ValidatorJob } from '@fold/job-store';
import type { JobSpec } from '@fold/pdb-dataset';
import type { ScoreList } from '@fold/scoring';
import type { MinerJobState, StructurePoint, WeightsRecord } from '../validator-state.js';

// The JSON the API answers with, built by pure functions from the stores' records. Field names
// carry their units; times are ms since the epoch.

/** A job in a list. */
export interface JobSummaryView {
  readonly jobId: string;
  readonly proteinId: string;
  readonly source: 'synthetic' | 'organic';
  readonly priority: number;
  readonly status: string;
  readonly statusReason: string | null;
  readonly createdAt: number;
  readonly activatedAt: number | null;
  readonly endedAt: number | null;
  readonly params: Readonly<Record<string, unknown>>;
  readonly miners: { readonly total: number; readonly running: number; readonly finished: number };
  readonly bestEnergyKjMol: number | null;
  readonly bestUid: number | null;
  readonly verifiedResults: number;
  readonly rejectedResults: number;
}

/** A job's summary. Pure. */
export function jobSummaryView(job: ValidatorJob): JobSummaryView {
  return {
    jobId: job.jobId,
    proteinId: job.proteinId,
    source: job.source,
    priority: job.priority,
    status: job.status,
    statusReason: job.statusReason ?? null,
    createdAt: job.createdAt,
    activatedAt: job.activatedAt ?? null,
    endedAt: job.endedAt ?? null,
    params: job.params,
    miners: {
      total: job.assignments.length,
      running: job.assignments.filter((a) => a.state === 'assigned' || a.state === 'running')
        .length,
      finished: job.assignments.filter((a) => a.state === 'finished').length,
    },
    bestEnergyKjMol: job.best?.energyKjMol ?? null,
    bestUid: job.best?.uid ?? null,
    verifiedResults: job.verdicts.filter((v) => v.accepted).length,
    rejectedResults: job.verdicts.filter((v) => !v.accepted).length,
  };
}

/** One miner of a job, with what it reported and what was verified. */
export interface JobMinerView {
  readonly uid: number;
  readonly hotkey: string;
  readonly state: string;
  readonly assignedAt: number;
  readonly generation: number;
  readonly stage: string | null;
  readonly step: number | null;
  readonly simulatedTimePs: number | null;
  readonly nsPerDay: number | null;
  readonly claimedEnergyKjMol: number | null;
  readonly lastReportAt: number | null;
  readonly error: string | null;
  readonly verifiedEnergyKjMol: number | null;
  readonly accepted: number;
  readonly rejected: number;
}

/** A verdict as the dashboard shows it. */
export interface VerdictView {
  readonly at: number;
  readonly uid: number;
  readonly hotkey: string;
  readonly accepted: boolean;
  readonly step: number;
  readonly energyKjMol: number | null;
  readonly reason: string | null;
}

/** Everything the dashboard draws of a job. */
export interface JobDetailView extends JobSummaryView {
  readonly system: {
    readonly hyperparameters: JobSpec['provenance']['hyperparameters'];
    readonly atomCount: number;
    readonly proteinAtomCount: number;
    readonly boxNm: readonly number[];
    readonly startEnergyKjMol: number;
    readonly title: string;
  } | null;
  readonly stages: readonly { readonly name: string; readonly nsteps: number | null }[];
  readonly minerDetails: readonly JobMinerView[];
  readonly best: {
    readonly uid: number;
    readonly hotkey: string;
    readonly energyKjMol: number;
    readonly step: number;
    readonly at: number;
  } | null;
  /** Energy over time: the best verified so far after each verdict, and every verified energy. */
  readonly energy: {
    readonly best: readonly {
      readonly at: number;
      readonly energyKjMol: number;
      readonly uid: number;
    }[];
    readonly verified: readonly {
      readonly at: number;
      readonly uid: number;
      readonly energyKjMol: number;
      readonly step: number;
    }[];
  };
  /** RMSD to the start and radius of gyration of the best frames over time. */
  readonly structures: readonly StructurePoint[];
  readonly verdicts: readonly VerdictView[];
  /** Each verdict in full: reasons with their codes, every check with its time, measurements. */
  readonly verdictDetails: readonly unknown[];
  readonly links: {
    readonly self: string;
    readonly pdb: string | null;
    readonly gro: string | null;
  };
}

/** A job in full. Pure. */
export function jobDetailView(input: {
  readonly job: ValidatorJob;
  readonly spec: JobSpec | null;
  readonly states: ReadonlyMap<number, MinerJobState>;
  readonly structures: readonly StructurePoint[];
  readonly verdictDetails: readonly unknown[];
  readonly hasBestStructure: boolean;
}): JobDetailView {
  const { job, spec, states } = input;
  const summary = jobSummaryView(job);
  const minerDetails = job.assignments.map((a): JobMinerView => {
    const state = states.get(a.uid);
    const report = state?.lastReport;
    const own = job.history.filter((h) => h.uid === a.uid);
    const verdicts = job.verdicts.filter((v) => v.uid === a.uid);
    return {
      uid: a.uid,
      hotkey: a.hotkey,
      state: a.state,
      assignedAt: a.assignedAt,
      generation: state?.generation ?? 0,
      stage: report?.stage ?? a.lastProgress?.stage ?? null,
      step: report?.step ?? a.lastProgress?.step ?? null,
      simulatedTimePs: report?.simulatedTimePs ?? null,
      nsPerDay: report?.nsPerDay ?? null,
      claimedEnergyKjMol: report?.bestEnergyKjMol ?? a.lastProgress?.energyKjMol ?? null,
      lastReportAt: report?.at ?? a.lastProgress?.at ?? null,
      error: report?.error ?? null,
      verifiedEnergyKjMol: own.length === 0 ? null : Math.min(...own.map((h) => h.energyKjMol)),
      accepted: verdicts.filter((v) => v.accepted).length,
      rejected: verdicts.filter((v) => !v.accepted).length,
    };
  });
  const bestSeries: { at: number; energyKjMol: number; uid: number }[] = [];
  for (const entry of job.history) {
    const last = bestSeries.at(-1);
    if (last === undefined || entry.energyKjMol < last.energyKjMol)
      bestSeries.push({ at: entry.at, energyKjMol: entry.energyKjMol, uid: entry.uid });
  }
  const self = `/api/jobs/${job.jobId}`;
  return {
    ...summary,
    system:
      spec === null
        ? null
        : {
            hyperparameters: spec.provenance.hyperparameters,
            atomCount: spec.system.atomCount,
            proteinAtomCount: spec.system.proteinAtomCount,
            boxNm: spec.system.boxNm,
            startEnergyKjMol: spec.minimisation.potentialEnergyKjMol,
            title: spec.provenance.title,
          },
    stages:
      spec?.stages.map((s) => {
        const nsteps = s.mdp.nsteps;
        return { name: s.name, nsteps: typeof nsteps === 'number' ? nsteps : null };
      }) ?? [],
    minerDetails,
    best:
      job.best === undefined
        ? null
        : {
            uid: job.best.uid,
            hotkey: job.best.hotkey,
            energyKjMol: job.best.energyKjMol,
            step: job.best.step,
            at: job.best.at,
          },
    energy: {
      best: bestSeries,
      verified: job.history.map((h) => ({
        at: h.at,
        uid: h.uid,
        energyKjMol: h.energyKjMol,
        step: h.step,
      })),
    },
    structures: input.structures,
    verdicts: job.verdicts.map((v) => ({
      at: v.at,
      uid: v.uid,
      hotkey: v.hotkey,
      accepted: v.accepted,
      step: v.step,
      energyKjMol: v.energyKjMol ?? null,
      reason: v.reason ?? null,
    })),
    verdictDetails: [...input.verdictDetails].sort(
      (a, b) => ((a as { at?: number }).at ?? 0) - ((b as { at?: number }).at ?? 0),
    ),
    links: {
      self,
      pdb: input.hasBestStructure ? `${self}/best.pdb` : null,
      gro: input.hasBestStructure ? `${self}/best.gro` : null,
    },
  };
}

/** One miner on the leaderboard. */
export interface MinerRankView {
  readonly uid: number;
  readonly hotkey: string | null;
  readonly score: number;
  /** Its share of the weights the book would set now (0..1). */
  readonly weight: number;
  /** Its u16 value in the weights last set, or null if it had none. */
  readonly lastWeightU16: number | null;
  readonly accepted: number;
  readonly rejected: number;
}

/** The leaderboard: every scored uid or uid with verdicts, best weight first. Pure. */
export function leaderboardView(input: {
  readonly scores: ScoreList;
  readonly weights: { readonly uids: readonly number[]; readonly weights: readonly number[] };
  readonly hotkeyOf: (uid: number) => string | null;
  readonly verdictCounts: ReadonlyMap<number, { accepted: number; rejected: number }>;
  readonly lastWeights: WeightsRecord | undefined;
}): MinerRankView[] {
  const uids = new Set<number>([...input.scores.uids, ...input.verdictCounts.keys()]);
  const rows = [...uids].map((uid): MinerRankView => {
    const scoreIndex = input.scores.uids.indexOf(uid);
    const weightIndex = input.weights.uids.indexOf(uid);
    const lastIndex = input.lastWeights?.uids.indexOf(uid) ?? -1;
    const counts = input.verdictCounts.get(uid);
    return {
      uid,
      hotkey: input.hotkeyOf(uid),
      score: scoreIndex < 0 ? 0 : (input.scores.scores[scoreIndex] ?? 0),
      weight: weightIndex < 0 ? 0 : (input.weights.weights[weightIndex] ?? 0),
      lastWeightU16: lastIndex < 0 ? null : (input.lastWeights?.weights[lastIndex] ?? null),
      accepted: counts?.accepted ?? 0,
      rejected: counts?.rejected ?? 0,
    };
  });
  rows.sort((a, b) => b.weight - a.weight || b.score - a.score || a.uid - b.uid);
  return rows;
}
