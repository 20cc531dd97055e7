import { selectNewBest } from './best-selection.js';
import {
  type ChainWeights,
  type FloatWeights,
  type ToChainWeightsOptions,
  toChainWeights,
} from './chain-weights.js';
import { earlyStopReason, type StopReason } from './early-stop.js';
import { emaStep } from './ema.js';
import { InvalidInputError, ScoringError, UnknownJobError } from './errors.js';
import { type ExplorationEntry, explorationBonuses } from './exploration.js';
import {
  checkCoordinates,
  checkCount,
  checkFinite,
  checkId,
  checkTimeMs,
  checkUid,
  MAX_UID,
} from './input-checks.js';
import { centerInPlace } from './kabsch.js';
import { FOLD_PRESET, type ScoringParams, validateScoringParams } from './params.js';
import { referenceRoundRewards } from './reference-rewards.js';
import { type JobSnapshot, parseSnapshot, type ScoreBookSnapshot } from './snapshot.js';
import { epsilonKjMol, marginKjMol } from './threshold.js';

/** A new job: a protein handed to miners. */
export interface OpenJobInput {
  /** Unique among the book's open jobs (e.g. `1l2y-charmm27-tip3p-dodecahedron-7`). */
  readonly jobId: string;
  /** When the job was created, in milliseconds since the epoch (starts the idle clock). */
  readonly createdAtMs: number;
  /** ATOM records of the protein (sizes the size-based margin and the idle allowance). */
  readonly atomCount: number;
  /**
   * Potential energy (kJ/mol) of the starting structure. When given, a result must improve on it
   * to take the job's best; the reference had none (its first valid result always became best).
   */
  readonly startEnergyKjMol?: number;
  /** C-alpha coordinates (nm, flat xyz) of the starting structure, for the exploration bonus. */
  readonly startCaCoordinatesNm?: ArrayLike<number>;
}

/** A verified result of one miner in the current round of a job. */
export interface ResultInput {
  readonly jobId: string;
  readonly uid: number;
  /** The uid's hotkey now; a different hotkey than the book knows means the uid changed hands. */
  readonly hotkey: string;
  /** Potential energy recomputed by the validator, in kJ/mol. Lower is better. */
  readonly energyKjMol: number;
  /** When the miner committed to this result (milliseconds since the epoch); earlier wins ties. */
  readonly committedAtMs: number;
  /** C-alpha coordinates (nm, flat xyz, residue order) of the result, for the exploration bonus. */
  readonly caCoordinatesNm?: ArrayLike<number>;
  /** ATOM records of the protein the result is for; when given it must match the job's. */
  readonly atomCount?: number;
}

/** A failed verification of one miner in the current round of a job. */
export interface FailureInput {
  readonly jobId: string;
  readonly uid: number;
  readonly hotkey: string;
}

/** What closing a round did. */
export interface RoundOutcome {
  readonly jobId: string;
  /**
   * Whether a result improved on the job's best by the margin this round (a holder lowering its
   * own record by less than the margin is not an improvement: it does not reset the idle clock).
   */
  readonly improved: boolean;
  /** The job's best energy after the round (kJ/mol); null when it has none. */
  readonly bestEnergyKjMol: number | null;
  /** The uid holding the job's best after the round; null when nobody holds it. */
  readonly holder: number | null;
  /**
   * Every uid that took part in the round, in recording order, then the holder if it did not
   * take part and was paid; parallel to `rewards`.
   */
  readonly uids: readonly number[];
  /** The round's reward of each uid in `uids` (negative: a score penalty). */
  readonly rewards: readonly number[];
  /** Whether the reference's rule skipped the score update this round (no valid energy). */
  readonly scoresSkipped: boolean;
  /** Why the job stopped after this round; null if it is still open. */
  readonly ended: StopReason | null;
}

/** Scores of the known uids, parallel arrays, ascending uid. */
export interface ScoreList {
  readonly uids: number[];
  /** EMA scores, >= 0, not normalised. */
  readonly scores: number[];
}

/** A read-only view of an open job. */
export interface JobView {
  readonly jobId: string;
  readonly createdAtMs: number;
  readonly atomCount: number;
  /** 0 for the original start; +1 per rebase. */
  readonly generation: number;
  /** Rounds closed since the job opened or was last rebased. */
  readonly updates: number;
  readonly lastImprovementAtMs: number | null;
  readonly bestEnergyKjMol: number | null;
  readonly bestCommittedAtMs: number | null;
  /** The uid holding the job's best; null when nobody holds it. */
  readonly holder: number | null;
  /** The margin (kJ/mol) a result must beat the best by now. */
  readonly epsilonKjMol: number;
  /** Results and failures recorded in the open round. */
  readonly pendingEntries: number;
  /** Uids that forfeited the job. */
  readonly barred: readonly number[];
}

/** What {@link ScoreBook.endJob} reports about the job it closed. */
export interface EndedJob {
  readonly jobId: string;
  readonly bestEnergyKjMol: number | null;
  readonly holder: number | null;
  readonly generation: number;
  readonly updates: number;
  /** Entries of an unclosed round, dropped without scoring. */
  readonly discardedEntries: number;
}

/** What {@link ScoreBook.rebaseJob} made the job's new starting point. */
export interface Rebase {
  readonly jobId: string;
  readonly generation: number;
  readonly startEnergyKjMol: number;
  readonly holder: number | null;
}

interface Structure {
  readonly energy: number;
  readonly committedAtMs: number;
  readonly ca: Float64Array | null;
}

interface Best extends Structure {
  readonly holder: number | null;
}

interface Job {
  readonly id: string;
  readonly createdAtMs: number;
  readonly atomCount: number;
  generation: number;
  updates: number;
  lastImprovementAtMs: number | null;
  lastTimeMs: number;
  caCount: number | null;
  startEnergy: number | null;
  startCa: Float64Array | null;
  best: Best | null;
  readonly barred: Set<number>;
  // The open round, struct-of-arrays; energy NaN marks a failed verification.
  roundUids: number[];
  roundEnergies: number[];
  roundCommits: number[];
  roundCa: (Float64Array | null)[];
  /** Bit per uid present in the open round (grows with the largest uid seen). */
  roundBits: Uint32Array;
}

const FAILURE = Number.NaN;

/**
 * One validator's scoring state: open jobs with their best results, and a score per uid. Feed it
 * verified results and failed verifications round by round; ask it for weights. Deterministic
 * (time is passed in, nothing is random), pure TypeScript with no I/O, and serialisable with
 * {@link ScoreBook.toJSON} / {@link ScoreBook.fromJSON}.
 *
 * A round is one query of a job's miners: record what each answered, then
 * {@link ScoreBook.closeRound}. In `epoch` EMA mode, call {@link ScoreBook.closeEpoch} before
 * reading weights (e.g. every time weights are set on chain).
 */
export class ScoreBook {
  readonly params: ScoringParams;
  private hotkeys: (string | undefined)[] = [];
  private scoreByUid = new Float64Array(0);
  private pending = new Float64Array(0);
  private epochRounds = 0;
  private readonly jobs = new Map<string, Job>();
  // Scratch arrays reused by every closeRound (nothing keeps a reference to them).
  private scratchSlots = new Int32Array(0);
  private scratchEnergies = new Float64Array(0);
  private scratchCommits = new Float64Array(0);
  private scratchRewards = new Float64Array(0);

  private constructor(params: ScoringParams) {
    this.params = params;
  }

  /**
   * A new, empty book. `params` defaults to {@link FOLD_PRESET}; use {@link REFERENCE_PRESET}
   * for the reference mechanism, or spread a preset and override fields.
   * @throws {InvalidParameterError} when a parameter is out of range.
   */
  static create(params: ScoringParams = FOLD_PRESET): ScoreBook {
    return new ScoreBook(validateScoringParams(params));
  }

  /**
   * A book restored from {@link ScoreBook.toJSON} output (after `JSON.parse`). The data is
   * checked field by field, so a corrupt or foreign file fails here rather than later.
   * @throws {InvalidSnapshotError} naming the offending field.
   */
  static fromJSON(value: unknown): ScoreBook {
    const snap = parseSnapshot(value);
    const book = new ScoreBook(snap.params);
    for (const u of snap.uids) {
      book.track(u.uid, u.hotkey);
      book.scoreByUid[u.uid] = u.score;
      book.pending[u.uid] = u.pendingReward;
    }
    book.epochRounds = snap.epochRounds;
    for (const j of snap.jobs) book.jobs.set(j.jobId, restoreJob(j));
    return book;
  }

  /** Everything the book holds as plain JSON data ({@link ScoreBookSnapshot}). */
  toJSON(): ScoreBookSnapshot {
    const uids = [];
    for (let uid = 0; uid < this.hotkeys.length; uid++) {
      const hotkey = this.hotkeys[uid];
      if (hotkey === undefined) continue;
      uids.push({ uid, hotkey, score: this.scoreByUid[uid]!, pendingReward: this.pending[uid]! });
    }
    const jobs: JobSnapshot[] = [];
    for (const job of this.jobs.values()) jobs.push(snapshotJob(job));
    return {
      format: 'fold-score-book',
      version: 1,
      params: this.params,
      epochRounds: this.epochRounds,
      uids,
      jobs,
    };
  }

  /**
   * Opens a job. Its idle clock starts at `createdAtMs`.
   * @throws {ScoringError} code `JOB_EXISTS` if the id is open already; {@link InvalidInputError}
   * for a malformed field.
   */
  openJob(input: OpenJobInput): void {
    const jobId = checkId('jobId', input.jobId);
    if (this.jobs.has(jobId)) {
      throw new ScoringError('JOB_EXISTS', `job '${jobId}' is already open in this score book`, {
        details: { jobId },
      });
    }
    const createdAtMs = checkTimeMs('createdAtMs', input.createdAtMs);
    const atomCount = checkCount('atomCount', input.atomCount, Number.MAX_SAFE_INTEGER);
    const startEnergy =
      input.startEnergyKjMol === undefined
        ? null
        : this.energy('startEnergyKjMol', input.startEnergyKjMol);
    let startCa: Float64Array | null = null;
    if (input.startCaCoordinatesNm !== undefined) {
      startCa = checkCoordinates('startCaCoordinatesNm', input.startCaCoordinatesNm);
      centerInPlace(startCa);
    }
    this.jobs.set(jobId, {
      id: jobId,
      createdAtMs,
      atomCount,
      generation: 0,
      updates: 0,
      lastImprovementAtMs: null,
      lastTimeMs: createdAtMs,
      caCount: startCa === null ? null : startCa.length / 3,
      startEnergy,
      startCa,
      best:
        startEnergy === null
          ? null
          : { energy: startEnergy, committedAtMs: createdAtMs, ca: startCa, holder: null },
      barred: new Set(),
      roundUids: [],
      roundEnergies: [],
      roundCommits: [],
      roundCa: [],
      roundBits: new Uint32Array(8),
    });
  }

  /**
   * Records a verified result in the job's open round. Recording the identical result again is a
   * no-op (safe to retry); a different entry for the same uid in the same round is an error. A
   * result from a uid that forfeited the job (`penalty.forfeitJob`) is accepted and ignored.
   * Returns true when the uid's hotkey differed from the one the book knew: the uid changed hands,
   * so its score, titles and pending entries were reset before this result was recorded.
   * @throws {UnknownJobError} if the job is not open; {@link InvalidInputError} for a malformed
   * field (code `INVALID_COORDINATES` for coordinates, including a C-alpha count that differs from
   * the job's); {@link ScoringError} code `DUPLICATE_RESULT` for a second, different entry.
   */
  recordResult(input: ResultInput): boolean {
    const job = this.job(input.jobId);
    const uid = checkUid('uid', input.uid);
    const hotkey = checkId('hotkey', input.hotkey);
    const energy = this.energy('energyKjMol', input.energyKjMol);
    const committedAtMs = checkTimeMs('committedAtMs', input.committedAtMs);
    if (input.atomCount !== undefined && input.atomCount !== job.atomCount) {
      throw new InvalidInputError(
        'atomCount',
        input.atomCount,
        `${job.atomCount} (the job's protein)`,
      );
    }
    let ca: Float64Array | null = null;
    if (input.caCoordinatesNm !== undefined) {
      ca = checkCoordinates('caCoordinatesNm', input.caCoordinatesNm);
      if (job.caCount !== null && ca.length !== job.caCount * 3) {
        throw new InvalidInputError(
          'caCoordinatesNm.length',
          ca.length,
          `${job.caCount * 3} (${job.caCount} C-alpha atoms, as the job's other structures)`,
          { code: 'INVALID_COORDINATES' },
        );
      }
      centerInPlace(ca);
    }
    const changed = this.reconcile(uid, hotkey);
    if (this.addEntry(job, uid, energy, committedAtMs, ca) && ca !== null) {
      job.caCount = ca.length / 3;
    }
    return changed;
  }

  /**
   * Records a failed verification in the job's open round. What it costs depends on
   * `params.penalty` (and, in the reference preset, a reward of 0 for the round).
   * Returns true when the uid's hotkey changed (see {@link ScoreBook.recordResult}).
   * @throws as {@link ScoreBook.recordResult}.
   */
  recordFailure(input: FailureInput): boolean {
    const job = this.job(input.jobId);
    const uid = checkUid('uid', input.uid);
    const hotkey = checkId('hotkey', input.hotkey);
    const changed = this.reconcile(uid, hotkey);
    this.addEntry(job, uid, FAILURE, 0, null);
    return changed;
  }

  /**
   * Closes the job's open round at `nowMs`: updates the job's best, pays the round's rewards,
   * moves scores (participation mode) or adds to the epoch (epoch mode), and stops the job if its
   * early-stop policy says so (then the job is no longer open).
   * @throws {UnknownJobError}; {@link ScoringError} code `TIME_WENT_BACKWARDS` when `nowMs` is
   * before the job's last event.
   */
  closeRound(jobId: string, nowMs: number): RoundOutcome {
    const job = this.job(jobId);
    this.advanceClock(job, nowMs, 'nowMs');
    const p = this.params;
    const uids = job.roundUids;
    const n = uids.length;

    if (p.penalty.forfeitJob) {
      for (let i = 0; i < n; i++) {
        if (!Number.isNaN(job.roundEnergies[i]!)) continue;
        job.barred.add(uids[i]!);
        if (job.best !== null && job.best.holder === uids[i])
          job.best = { ...job.best, holder: null };
      }
    }

    // Contenders: verified results of uids that have not forfeited the job, in scratch buffers
    // reused by every round (nothing keeps a reference to them).
    this.reserveScratch(n);
    const slots = this.scratchSlots;
    const allEnergies = this.scratchEnergies;
    const allCommits = this.scratchCommits;
    let count = 0;
    for (let i = 0; i < n; i++) {
      const energy = job.roundEnergies[i]!;
      if (Number.isNaN(energy) || (job.barred.size > 0 && job.barred.has(uids[i]!))) continue;
      slots[count] = i;
      allEnergies[count] = energy;
      allCommits[count] = job.roundCommits[i]!;
      count++;
    }
    const energies = allEnergies.subarray(0, count);
    const commits = allCommits.subarray(0, count);
    const tieOrder = (x: number, y: number): number =>
      this.compareTie(job.id, uids[slots[x]!]!, uids[slots[y]!]!);

    const before = job.best;
    const winner = selectNewBest(
      energies,
      commits,
      tieOrder,
      before === null ? null : before.energy,
      p.threshold,
      job.atomCount,
      p.tieBreak,
    );
    const improved = winner >= 0;
    if (improved) {
      job.best = {
        energy: energies[winner]!,
        committedAtMs: commits[winner]!,
        ca: job.roundCa[slots[winner]!]!,
        holder: uids[slots[winner]!]!,
      };
      job.lastImprovementAtMs = nowMs;
    } else if (p.tieBreak === 'earliest-commitment' && before !== null && before.holder !== null) {
      // A holder's own lower result lowers the record it defends without changing hands: else a
      // miner that took the title early would defend a worse record than one that took it late,
      // and a lower energy could earn less.
      const slot = uids.indexOf(before.holder);
      const k = slot < 0 ? -1 : slots.subarray(0, count).indexOf(slot);
      if (k >= 0 && energies[k]! < before.energy) {
        job.best = {
          energy: energies[k]!,
          committedAtMs: commits[k]!,
          ca: job.roundCa[slot]!,
          holder: before.holder,
        };
      }
    }

    // Rewards by round slot, plus the holder when it did not take part.
    const rewards = this.scratchRewards;
    rewards.fill(0, 0, n);
    let absentHolder: number | null = null;
    let absentReward = 0;
    let scoresSkipped = false;
    const best = job.best;

    if (p.rewards.kind === 'reference') {
      // The reference (neurons/validator.py update_job) replaces the job's hotkeys with those that
      // answered, so a best hotkey that did not answer is gone from the job for good.
      const holderSlot = best === null || best.holder === null ? -1 : uids.indexOf(best.holder);
      if (best !== null && best.holder !== null && holderSlot < 0)
        job.best = { ...best, holder: null };
      const energiesKjMol = new Array<number | null>(n);
      for (let i = 0; i < n; i++) {
        const e = job.roundEnergies[i]!;
        energiesKjMol[i] = Number.isNaN(e) || job.barred.has(uids[i]!) ? null : e;
      }
      const roundRewards = referenceRoundRewards({
        energiesKjMol,
        holderIndex: holderSlot < 0 ? null : holderSlot,
        bestEnergyKjMol: job.best === null ? null : job.best.energy,
        topReward: p.rewards.topReward,
      });
      if (roundRewards === null) scoresSkipped = true;
      else for (let i = 0; i < n; i++) rewards[i] = roundRewards[i]!;
    } else if (best !== null && best.holder !== null) {
      const holderSlot = uids.indexOf(best.holder);
      if (holderSlot >= 0) rewards[holderSlot] = rewards[holderSlot]! + p.rewards.winnerReward;
      else {
        absentHolder = best.holder;
        absentReward = p.rewards.winnerReward;
      }
    }

    const ex = p.exploration;
    if (ex !== null && !scoresSkipped && job.best !== null) {
      const withCoordinates: number[] = [];
      for (let k = 0; k < count; k++) {
        if (job.roundCa[slots[k]!] !== null) withCoordinates.push(slots[k]!);
      }
      if (withCoordinates.length > 0) {
        const ranks = this.tieRanks(
          job.id,
          withCoordinates.map((slot) => uids[slot]!),
        );
        const candidates: ExplorationEntry[] = withCoordinates.map((slot, k) => ({
          energyKjMol: job.roundEnergies[slot]!,
          committedAtMs: job.roundCommits[slot]!,
          tieRank: ranks[k]!,
          centeredCa: job.roundCa[slot]!,
        }));
        const bestEnergy = job.best.energy;
        const bonuses = explorationBonuses({
          candidates,
          references:
            before === null
              ? []
              : [
                  {
                    energyKjMol: before.energy,
                    committedAtMs: before.committedAtMs,
                    tieRank: Number.POSITIVE_INFINITY,
                    centeredCa: before.ca,
                  },
                ],
          startCa: job.startCa,
          maxEnergyKjMol: bestEnergy + marginKjMol(ex.energyWindow, job.atomCount, bestEnergy),
          minRmsdNm: ex.minRmsdNm,
          bonus: ex.bonus,
          maxConformations: ex.maxConformations,
        });
        for (let k = 0; k < withCoordinates.length; k++) {
          const slot = withCoordinates[k]!;
          rewards[slot] = rewards[slot]! + bonuses[k]!;
        }
      }
    }

    if (p.penalty.scorePenalty > 0 && !scoresSkipped) {
      for (let i = 0; i < n; i++) {
        if (Number.isNaN(job.roundEnergies[i]!)) rewards[i] = rewards[i]! - p.penalty.scorePenalty;
      }
    }

    if (p.ema.mode === 'participation') {
      if (!scoresSkipped) {
        for (let i = 0; i < n; i++) {
          const uid = uids[i]!;
          this.scoreByUid[uid] = Math.max(0, emaStep(this.scoreByUid[uid]!, rewards[i]!, p.ema));
        }
        if (absentHolder !== null) {
          const s = this.scoreByUid[absentHolder]!;
          this.scoreByUid[absentHolder] = Math.max(0, emaStep(s, absentReward, p.ema));
        }
      }
    } else {
      for (let i = 0; i < n; i++) {
        if (rewards[i] !== 0) this.pending[uids[i]!] = this.pending[uids[i]!]! + rewards[i]!;
      }
      if (absentHolder !== null) {
        this.pending[absentHolder] = this.pending[absentHolder]! + absentReward;
      }
      this.epochRounds++;
    }

    job.updates++;
    let ended: StopReason | null = null;
    if (!improved) {
      ended = earlyStopReason(
        {
          createdAtMs: job.createdAtMs,
          lastImprovementAtMs: job.lastImprovementAtMs,
          updates: job.updates,
          atomCount: job.atomCount,
        },
        nowMs,
        p.earlyStop,
      );
    }
    const outcomeUids = uids.slice();
    const outcomeRewards = new Array<number>(n);
    for (let i = 0; i < n; i++) outcomeRewards[i] = rewards[i]!;
    if (absentHolder !== null) {
      outcomeUids.push(absentHolder);
      outcomeRewards.push(absentReward);
    }
    clearRound(job);
    if (ended !== null) this.jobs.delete(job.id);

    return {
      jobId: job.id,
      improved,
      bestEnergyKjMol: job.best === null ? null : job.best.energy,
      holder: job.best === null ? null : job.best.holder,
      uids: outcomeUids,
      rewards: outcomeRewards,
      scoresSkipped,
      ended,
    };
  }

  /**
   * Epoch mode: moves every known uid's score toward the reward it earned in the epoch (summed,
   * divided by the rounds closed in the epoch; 0 if it earned nothing) and starts a new epoch.
   * Participation mode: nothing to do (scores move at every round).
   */
  closeEpoch(): void {
    if (this.params.ema.mode !== 'epoch') return;
    const rounds = this.epochRounds;
    for (let uid = 0; uid < this.hotkeys.length; uid++) {
      if (this.hotkeys[uid] === undefined) continue;
      const reward = rounds === 0 ? 0 : this.pending[uid]! / rounds;
      this.scoreByUid[uid] = Math.max(0, emaStep(this.scoreByUid[uid]!, reward, this.params.ema));
      this.pending[uid] = 0;
    }
    this.epochRounds = 0;
  }

  /**
   * Rebases a job on its best structure: miners continue from it, so it becomes the starting
   * point (for the exploration bonus, structures must now differ from it) and the idle clock and
   * update count start again at `atMs`. The holder keeps the title until someone improves on it
   * by the margin, which is measured from the rebased energy. Call it between rounds: entries
   * already recorded in the open round stay and are scored against the rebased job.
   * @throws {UnknownJobError}; {@link ScoringError} code `NO_BEST_RESULT` when the job has no best
   * yet, `TIME_WENT_BACKWARDS` when `atMs` is before the job's last event.
   */
  rebaseJob(jobId: string, atMs: number): Rebase {
    const job = this.job(jobId);
    const best = job.best;
    if (best === null) {
      throw new ScoringError(
        'NO_BEST_RESULT',
        `job '${jobId}' has no best result to rebase on yet`,
        {
          details: { jobId },
        },
      );
    }
    this.advanceClock(job, atMs, 'atMs');
    job.generation++;
    job.updates = 0;
    job.lastImprovementAtMs = atMs;
    job.startEnergy = best.energy;
    job.startCa = best.ca;
    return {
      jobId,
      generation: job.generation,
      startEnergyKjMol: best.energy,
      holder: best.holder,
    };
  }

  /**
   * Ends a job (the validator stopped it). Entries of an unclosed round are dropped unscored.
   * @throws {UnknownJobError}
   */
  endJob(jobId: string): EndedJob {
    const job = this.job(jobId);
    this.jobs.delete(job.id);
    return {
      jobId: job.id,
      bestEnergyKjMol: job.best === null ? null : job.best.energy,
      holder: job.best === null ? null : job.best.holder,
      generation: job.generation,
      updates: job.updates,
      discardedEntries: job.roundUids.length,
    };
  }

  /**
   * Aligns the book with the metagraph: `hotkeys[uid]` is the hotkey registered at each uid.
   * A uid whose hotkey changed is reset (score 0, titles and pending entries dropped); uids at or
   * beyond `hotkeys.length` are forgotten. Returns the reset or forgotten uids, ascending.
   * @throws {InvalidInputError} when a hotkey is malformed or there are more than 65536.
   */
  syncMetagraph(hotkeys: readonly string[]): number[] {
    if (!Array.isArray(hotkeys) || hotkeys.length > MAX_UID + 1) {
      throw new InvalidInputError('hotkeys', hotkeys, `an array of at most ${MAX_UID + 1} hotkeys`);
    }
    for (let uid = 0; uid < hotkeys.length; uid++) checkId(`hotkeys[${uid}]`, hotkeys[uid]);
    const changed: number[] = [];
    for (let uid = 0; uid < this.hotkeys.length; uid++) {
      const known = this.hotkeys[uid];
      if (known === undefined) continue;
      if (uid >= hotkeys.length) {
        this.resetUid(uid);
        this.hotkeys[uid] = undefined;
        changed.push(uid);
      } else if (hotkeys[uid] !== known) {
        this.resetUid(uid);
        this.hotkeys[uid] = hotkeys[uid];
        changed.push(uid);
      }
    }
    return changed;
  }

  /** Scores of every known uid (ascending uid): the EMA state, before normalisation. */
  scores(): ScoreList {
    return this.scoreList();
  }

  /**
   * Weights for the chain: every uid with a positive score, ascending, its score divided by the
   * sum of scores, so the weights are non-negative and sum to 1. Empty when no uid has a positive
   * score (nothing to set; the chain keeps the previous weights).
   */
  weights(): FloatWeights {
    const { uids: all, scores } = this.scoreList();
    let sum = 0;
    for (const s of scores) sum += s;
    const uids: number[] = [];
    const weights: number[] = [];
    if (sum > 0) {
      for (let i = 0; i < all.length; i++) {
        // A denormal score can divide to 0: leave it out like any zero.
        const weight = scores[i]! / sum;
        if (weight > 0) {
          uids.push(all[i]!);
          weights.push(weight);
        }
      }
    }
    return { uids, weights };
  }

  /** {@link ScoreBook.weights} as u16 values the chain stores ({@link toChainWeights}). */
  chainWeights(options?: ToChainWeightsOptions): ChainWeights {
    const { uids, weights } = this.weights();
    return toChainWeights(uids, weights, options);
  }

  /** Ids of the open jobs, in the order they were opened. */
  openJobIds(): string[] {
    return [...this.jobs.keys()];
  }

  /** A read-only view of an open job. @throws {UnknownJobError} */
  jobView(jobId: string): JobView {
    const job = this.job(jobId);
    const best = job.best;
    return {
      jobId: job.id,
      createdAtMs: job.createdAtMs,
      atomCount: job.atomCount,
      generation: job.generation,
      updates: job.updates,
      lastImprovementAtMs: job.lastImprovementAtMs,
      bestEnergyKjMol: best === null ? null : best.energy,
      bestCommittedAtMs: best === null ? null : best.committedAtMs,
      holder: best === null ? null : best.holder,
      epsilonKjMol: epsilonKjMol(
        this.params.threshold,
        job.atomCount,
        best === null ? null : best.energy,
      ),
      pendingEntries: job.roundUids.length,
      barred: [...job.barred].sort((a, b) => a - b),
    };
  }

  /** The hotkey the book knows for `uid`, or undefined. */
  hotkeyOf(uid: number): string | undefined {
    return this.hotkeys[checkUid('uid', uid)];
  }

  private scoreList(): ScoreList {
    const uids: number[] = [];
    const scores: number[] = [];
    for (let uid = 0; uid < this.hotkeys.length; uid++) {
      if (this.hotkeys[uid] === undefined) continue;
      uids.push(uid);
      scores.push(this.scoreByUid[uid]!);
    }
    return { uids, scores };
  }

  /**
   * Orders two uids whose results have the same commitment time: by an FNV-1a hash of job id and
   * hotkey, then by hotkey. Hashing with the job id spreads the advantage over hotkeys instead of
   * favouring one hotkey in every job; a copy under a second hotkey draws no share of a title.
   */
  private compareTie(jobId: string, uidA: number, uidB: number): number {
    const a = this.hotkeys[uidA]!;
    const b = this.hotkeys[uidB]!;
    const ha = fnv1a(jobId, a);
    const hb = fnv1a(jobId, b);
    if (ha !== hb) return ha - hb;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  /** Distinct ranks (0..n-1) of `uids` in {@link ScoreBook.compareTie} order. */
  private tieRanks(jobId: string, uids: readonly number[]): number[] {
    const order = uids.map((_, k) => k);
    order.sort((x, y) => this.compareTie(jobId, uids[x]!, uids[y]!));
    const ranks = new Array<number>(uids.length);
    for (let rank = 0; rank < order.length; rank++) ranks[order[rank]!] = rank;
    return ranks;
  }

  private reserveScratch(n: number): void {
    if (this.scratchSlots.length >= n) return;
    const capacity = Math.max(n, 2 * this.scratchSlots.length, 256);
    this.scratchSlots = new Int32Array(capacity);
    this.scratchEnergies = new Float64Array(capacity);
    this.scratchCommits = new Float64Array(capacity);
    this.scratchRewards = new Float64Array(capacity);
  }

  private job(jobId: string): Job {
    const job = typeof jobId === 'string' ? this.jobs.get(jobId) : undefined;
    if (job === undefined) throw new UnknownJobError(String(jobId));
    return job;
  }

  private energy(field: string, value: number): number {
    const energy = checkFinite(field, value);
    return this.params.energyPrecision === 'float32' ? Math.fround(energy) : energy;
  }

  private advanceClock(job: Job, atMs: number, field: string): void {
    checkTimeMs(field, atMs);
    if (atMs < job.lastTimeMs) {
      throw new ScoringError(
        'TIME_WENT_BACKWARDS',
        `${field} ${atMs} is before the last event of job '${job.id}' (${job.lastTimeMs}); ` +
          'pass a clock that does not go backwards',
        { details: { jobId: job.id, [field]: atMs, lastTimeMs: job.lastTimeMs } },
      );
    }
    job.lastTimeMs = atMs;
  }

  /** Returns false when an identical entry was already there (a retry). */
  private addEntry(
    job: Job,
    uid: number,
    energy: number,
    committedAtMs: number,
    ca: Float64Array | null,
  ): boolean {
    if (hasUid(job, uid)) {
      const slot = job.roundUids.indexOf(uid);
      if (
        Object.is(job.roundEnergies[slot], energy) &&
        job.roundCommits[slot] === committedAtMs &&
        sameCoordinates(job.roundCa[slot]!, ca)
      ) {
        return false;
      }
      throw new ScoringError(
        'DUPLICATE_RESULT',
        `uid ${uid} already has a different entry in the open round of job '${job.id}'; ` +
          'record one result or failure per uid per round',
        { details: { jobId: job.id, uid } },
      );
    }
    markUid(job, uid);
    job.roundUids.push(uid);
    job.roundEnergies.push(energy);
    job.roundCommits.push(committedAtMs);
    job.roundCa.push(ca);
    return true;
  }

  private track(uid: number, hotkey: string): void {
    if (uid >= this.scoreByUid.length) {
      const capacity = Math.min(MAX_UID + 1, Math.max(uid + 1, this.scoreByUid.length * 2, 256));
      const scores = new Float64Array(capacity);
      scores.set(this.scoreByUid);
      this.scoreByUid = scores;
      const pending = new Float64Array(capacity);
      pending.set(this.pending);
      this.pending = pending;
    }
    while (this.hotkeys.length <= uid) this.hotkeys.push(undefined);
    this.hotkeys[uid] = hotkey;
  }

  /** Adopts `hotkey` for `uid`; resets the uid first when it had another. True if it was reset. */
  private reconcile(uid: number, hotkey: string): boolean {
    const known = this.hotkeys[uid];
    if (known === hotkey) return false;
    if (known !== undefined) this.resetUid(uid);
    this.track(uid, hotkey);
    return known !== undefined;
  }

  private resetUid(uid: number): void {
    this.scoreByUid[uid] = 0;
    this.pending[uid] = 0;
    for (const job of this.jobs.values()) {
      job.barred.delete(uid);
      if (job.best !== null && job.best.holder === uid) job.best = { ...job.best, holder: null };
      if (hasUid(job, uid)) removeSlot(job, job.roundUids.indexOf(uid));
    }
  }
}

/** 32-bit FNV-1a over the UTF-16 code units of `jobId`, a 0 unit, then `hotkey`. */
function fnv1a(jobId: string, hotkey: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < jobId.length; i++) {
    hash ^= jobId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  hash = Math.imul(hash, 0x01000193) >>> 0;
  for (let i = 0; i < hotkey.length; i++) {
    hash ^= hotkey.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

function markUid(job: Job, uid: number): void {
  const word = uid >>> 5;
  if (word >= job.roundBits.length) {
    const bits = new Uint32Array(Math.max(word + 1, job.roundBits.length * 2));
    bits.set(job.roundBits);
    job.roundBits = bits;
  }
  job.roundBits[word] = job.roundBits[word]! | (1 << (uid & 31));
}

function hasUid(job: Job, uid: number): boolean {
  const word = uid >>> 5;
  return word < job.roundBits.length && (job.roundBits[word]! & (1 << (uid & 31))) !== 0;
}

function sameCoordinates(a: Float64Array | null, b: Float64Array | null): boolean {
  if (a === null || b === null) return a === b;
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

function clearRound(job: Job): void {
  for (const uid of job.roundUids) job.roundBits[uid >>> 5] = 0;
  job.roundUids.length = 0;
  job.roundEnergies.length = 0;
  job.roundCommits.length = 0;
  job.roundCa.length = 0;
}

function removeSlot(job: Job, slot: number): void {
  const uid = job.roundUids[slot]!;
  job.roundBits[uid >>> 5] = job.roundBits[uid >>> 5]! & ~(1 << (uid & 31));
  job.roundUids.splice(slot, 1);
  job.roundEnergies.splice(slot, 1);
  job.roundCommits.splice(slot, 1);
  job.roundCa.splice(slot, 1);
}

function toList(ca: Float64Array | null): number[] | null {
  return ca === null ? null : Array.from(ca);
}

function fromList(list: number[] | null): Float64Array | null {
  return list === null ? null : Float64Array.from(list);
}

function snapshotJob(job: Job): JobSnapshot {
  const best = job.best;
  return {
    jobId: job.id,
    createdAtMs: job.createdAtMs,
    atomCount: job.atomCount,
    generation: job.generation,
    updates: job.updates,
    lastImprovementAtMs: job.lastImprovementAtMs,
    lastTimeMs: job.lastTimeMs,
    caCount: job.caCount,
    startEnergyKjMol: job.startEnergy,
    startCaCenteredNm: toList(job.startCa),
    best:
      best === null
        ? null
        : {
            energyKjMol: best.energy,
            committedAtMs: best.committedAtMs,
            caCenteredNm: toList(best.ca),
            holder: best.holder,
          },
    barred: [...job.barred].sort((a, b) => a - b),
    round: job.roundUids.map((uid, i) => {
      const failed = Number.isNaN(job.roundEnergies[i]!);
      return {
        uid,
        energyKjMol: failed ? null : job.roundEnergies[i]!,
        committedAtMs: failed ? null : job.roundCommits[i]!,
        caCenteredNm: toList(job.roundCa[i]!),
      };
    }),
  };
}

function restoreJob(j: JobSnapshot): Job {
  const job: Job = {
    id: j.jobId,
    createdAtMs: j.createdAtMs,
    atomCount: j.atomCount,
    generation: j.generation,
    updates: j.updates,
    lastImprovementAtMs: j.lastImprovementAtMs,
    lastTimeMs: j.lastTimeMs,
    caCount: j.caCount,
    startEnergy: j.startEnergyKjMol,
    startCa: fromList(j.startCaCenteredNm),
    best:
      j.best === null
        ? null
        : {
            energy: j.best.energyKjMol,
            committedAtMs: j.best.committedAtMs,
            ca: fromList(j.best.caCenteredNm),
            holder: j.best.holder,
          },
    barred: new Set(j.barred),
    roundUids: [],
    roundEnergies: [],
    roundCommits: [],
    roundCa: [],
    roundBits: new Uint32Array(8),
  };
  for (const e of j.round) {
    markUid(job, e.uid);
    job.roundUids.push(e.uid);
    job.roundEnergies.push(e.energyKjMol === null ? FAILURE : e.energyKjMol);
    job.roundCommits.push(e.committedAtMs === null ? 0 : e.committedAtMs);
    job.roundCa.push(fromList(e.caCenteredNm));
  }
  return job;
}
