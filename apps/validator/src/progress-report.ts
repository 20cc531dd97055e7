import type { JobAssignment, JobTransition } from '@fold/job-store';
import { type ImprovementThreshold, isImprovement } from '@fold/scoring';
import type { FoldProgress, SynapseResponse } from '@fold/synapse';
import type { Claim, MinerJobState, MinerReport } from './validator-state.js';

/** One job's progress as a miner reported it. */
export type ProgressReport = SynapseResponse<typeof FoldProgress>['progress'][string];

/** A job transition with the id that makes it idempotent. */
export interface IdentifiedTransition {
  readonly transition: JobTransition;
  readonly transitionId: string;
}

/** What the validator knows about a job's scoring when it reads a report. */
export interface ScoringView {
  /** The job's best verified energy in the score book (kJ/mol); null before the first. */
  readonly bestEnergyKjMol: number | null;
  readonly threshold: ImprovementThreshold;
  /** ATOM records of the protein (sizes a size-based threshold). */
  readonly atomCount: number;
  /** Uids that forfeited the job: their results no longer count, so they are not verified. */
  readonly barred: ReadonlySet<number>;
  /**
   * Whether a frame can be verified (its stage is scored and it lies far enough from the stage's
   * end for the reproduction check); other frames are not claimed, so an honest miner is never
   * judged on a frame that cannot count.
   */
  readonly claimable: (stage: string, step: number) => boolean;
}

/** What a report changes. */
export interface ReportOutcome {
  readonly state: MinerJobState;
  readonly transitions: readonly IdentifiedTransition[];
  /** A claimed improvement to verify. */
  readonly claim: Claim | null;
}

/**
 * Reads one changed progress report of one miner's assignment: the job transitions it calls
 * for (the assignment running or in a new stage, its end, a commitment seen), the miner's new protocol state, and
 * the claim to verify when the report's best frame is new and beats the job's best by the
 * scoring threshold. Each commitment is judged once: the best only gets lower, so a claim that
 * does not improve now never will. Pure.
 */
export function interpretReport(input: {
  readonly jobId: string;
  readonly assignment: JobAssignment;
  readonly state: MinerJobState;
  readonly report: ProgressReport;
  readonly scoring: ScoringView;
  readonly nowMs: number;
}): ReportOutcome {
  const { jobId, assignment, report, scoring, nowMs } = input;
  const previous = input.state;
  const ref = { uid: assignment.uid, hotkey: assignment.hotkey };
  const gen = previous.generation;
  const transitions: IdentifiedTransition[] = [];
  const lastReport: MinerReport = {
    state: report.state,
    stage: report.stage,
    step: report.step,
    simulatedTimePs: report.simulated_time_ps,
    bestEnergyKjMol: report.best_potential_energy_kj_mol,
    bestStage: report.best_stage,
    bestStep: report.best_step,
    bestCommitment: report.best_commitment,
    nsPerDay: report.ns_per_day,
    error: report.error,
    at: nowMs,
  };
  const live = assignment.state === 'assigned' || assignment.state === 'running';
  // The job record changes when the assignment starts running and at each new stage; steps
  // within a stage live in the miner's protocol state only (one small write per report instead
  // of a versioned rewrite of the whole job).
  const newStage =
    report.stage !== null &&
    (assignment.state === 'assigned' || assignment.lastProgress?.stage !== report.stage);
  if (live && newStage && report.stage !== null) {
    transitions.push({
      transition: {
        type: 'record-progress',
        ...ref,
        stage: report.stage,
        step: report.step,
        ...(report.best_potential_energy_kj_mol === null
          ? {}
          : { energyKjMol: report.best_potential_energy_kj_mol }),
      },
      transitionId: `progress:${jobId}:${assignment.uid}:${gen}:${report.stage}`,
    });
  }
  const commitment = report.best_commitment;
  if (commitment !== null && commitment !== previous.lastReport?.bestCommitment) {
    transitions.push({
      transition: {
        type: 'record-commitment',
        ...ref,
        commitment,
        step: report.best_step ?? report.step,
      },
      transitionId: `commit:${jobId}:${assignment.uid}:${commitment}`,
    });
  }
  if (live) {
    const ended =
      report.state === 'finished'
        ? 'finished'
        : report.state === 'failed'
          ? 'failed'
          : report.state === 'cancelled'
            ? 'dropped'
            : null;
    if (ended !== null) {
      transitions.push({
        transition: { type: 'set-assignment-state', ...ref, state: ended },
        transitionId: `${ended}:${jobId}:${assignment.uid}:${gen}`,
      });
    }
  }

  let claim: Claim | null = null;
  let consideredCommitment = previous.consideredCommitment;
  const energy = report.best_potential_energy_kj_mol;
  if (
    commitment !== null &&
    commitment !== previous.consideredCommitment &&
    energy !== null &&
    Number.isFinite(energy) &&
    report.best_stage !== null &&
    report.best_step !== null
  ) {
    consideredCommitment = commitment;
    if (
      !scoring.barred.has(assignment.uid) &&
      scoring.claimable(report.best_stage, report.best_step) &&
      isImprovement(energy, scoring.bestEnergyKjMol, scoring.threshold, scoring.atomCount)
    ) {
      claim = {
        jobId,
        uid: assignment.uid,
        hotkey: assignment.hotkey,
        minerJobId: previous.minerJobId,
        generation: gen,
        seed: previous.seed,
        stage: report.best_stage,
        step: report.best_step,
        energyKjMol: energy,
        commitment,
        committedAtMs: nowMs,
        simulatedTimePs: report.simulated_time_ps,
        assignedAtMs: assignment.assignedAt,
        seenAtMs: nowMs,
      };
    }
  }
  const state: MinerJobState = {
    ...previous,
    etag: report.etag,
    failedQueries: 0,
    lastReport,
    ...(consideredCommitment === undefined ? {} : { consideredCommitment }),
  };
  return { state, transitions, claim };
}
