import type { TieBreak } from './best-selection.js';
import { checkEarlyStop, type EarlyStopPolicy, REFERENCE_EARLY_STOP } from './early-stop.js';
import { InvalidParameterError } from './errors.js';
import {
  paramBoolean,
  paramChoice,
  paramInteger,
  paramNumber,
  paramObject,
} from './input-checks.js';
import {
  checkThreshold,
  type ImprovementThreshold,
  REFERENCE_RELATIVE_THRESHOLD,
  REFERENCE_SIZE_THRESHOLD,
} from './threshold.js';

/**
 * What a round pays.
 *
 * - `reference`: the job's best hotkey gets `topReward` and the others share `1 - topReward` in
 *   linearly decreasing parts ({@link referenceRoundRewards}), including the reference's rule that
 *   a best hotkey that stops answering loses the title and the round pays nobody.
 * - `winner-takes-all`: the job's best holder gets `winnerReward` every round, whether or not it
 *   answered.
 */
export type RewardScheme =
  | { readonly kind: 'reference'; readonly topReward: number }
  | { readonly kind: 'winner-takes-all'; readonly winnerReward: number };

/** The exploration bonus: a reward for distinct low-energy conformations ({@link explorationBonuses}). */
export interface ExplorationParams {
  /** Reward of each distinct conformation per round; at most the winner's reward. */
  readonly bonus: number;
  /** Distinct conformations paid per round, best first. */
  readonly maxConformations: number;
  /** C-alpha Kabsch RMSD (nm) below which two structures are the same conformation. */
  readonly minRmsdNm: number;
  /** How far above the job's best (kJ/mol, as a margin) a result still counts as low-energy. */
  readonly energyWindow: ImprovementThreshold;
}

/** What a failed verification costs. */
export interface PenaltyParams {
  /**
   * The uid loses the job's best title if it held it and earns nothing more in that job (its
   * later results there are ignored). Job-scoped, so splitting work over hotkeys cannot dodge it.
   */
  readonly forfeitJob: boolean;
  /**
   * A negative reward added for the round. It lowers the score (never below 0), but a miner can
   * park risky work on a spare hotkey with nothing to lose: see the README before using it.
   */
  readonly scorePenalty: number;
}

/**
 * How rewards become scores.
 *
 * - `participation` (reference): after each round, every uid that took part (or was paid) moves
 *   toward its round reward; other uids keep their score. Scores are average rewards per round
 *   taken part in, so work spread over more hotkeys earns more in total.
 * - `epoch`: rewards add up per uid until {@link ScoreBook.closeEpoch}; then every known uid moves
 *   toward its summed reward divided by the rounds closed in the epoch. Scores are additive, so
 *   one hotkey earns at least what two hotkeys doing the same work earn together.
 */
export interface EmaParams {
  readonly mode: 'participation' | 'epoch';
  /** Weight of a reward above the score, in (0, 1]; at most `fallAlpha`. */
  readonly riseAlpha: number;
  /** Weight of a reward below the score, in (0, 1]. */
  readonly fallAlpha: number;
}

/** Every parameter of the mechanism; plain data, JSON-serialisable. */
export interface ScoringParams {
  readonly threshold: ImprovementThreshold;
  readonly tieBreak: TieBreak;
  readonly rewards: RewardScheme;
  /** null: no exploration bonus. */
  readonly exploration: ExplorationParams | null;
  readonly penalty: PenaltyParams;
  readonly ema: EmaParams;
  readonly earlyStop: EarlyStopPolicy;
  /**
   * `float32` rounds incoming energies to float32 as the reference's torch tensors did (two
   * energies within a float32 step, ~0.03 kJ/mol at 3e5, compare equal); `float64` keeps them.
   */
  readonly energyPrecision: 'float64' | 'float32';
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

/**
 * The reference mechanism (macrocosm-os/folding, GROMACS era, mid-2024) as an exact preset:
 * size-based epsilon, best-so-far per job (first recorded wins ties), 0.8 to the best and 0.2 in
 * linearly decreasing parts, EMA alpha 0.1 over the uids that answered, early stop after 60
 * minutes without improvement (10 updates) or without any within 60 minutes of creation.
 */
export const REFERENCE_PRESET: ScoringParams = deepFreeze({
  threshold: REFERENCE_SIZE_THRESHOLD,
  tieBreak: 'first-recorded',
  rewards: { kind: 'reference', topReward: 0.8 },
  exploration: null,
  penalty: { forfeitJob: false, scorePenalty: 0 },
  ema: { mode: 'participation', riseAlpha: 0.1, fallAlpha: 0.1 },
  earlyStop: REFERENCE_EARLY_STOP,
  energyPrecision: 'float32',
});

/** {@link REFERENCE_PRESET} with the reference's later relative threshold (1%, sign corrected). */
export const REFERENCE_RELATIVE_PRESET: ScoringParams = deepFreeze({
  ...REFERENCE_PRESET,
  threshold: REFERENCE_RELATIVE_THRESHOLD,
});

/**
 * fold's mechanism: 1% relative threshold, earliest commitment wins within the margin, winner
 * takes all, a 0.1 bonus for up to 3 distinct conformations (C-alpha RMSD >= 0.2 nm) within 2% of
 * the best, job forfeit on failed verification, an epoch EMA that rises at 0.1 and falls at 0.2,
 * and an idle allowance of 30 minutes plus 3 s per ATOM record (at most 4 hours).
 */
export const FOLD_PRESET: ScoringParams = deepFreeze({
  threshold: { kind: 'relative', fraction: 0.01 },
  tieBreak: 'earliest-commitment',
  rewards: { kind: 'winner-takes-all', winnerReward: 1 },
  exploration: {
    bonus: 0.1,
    maxConformations: 3,
    minRmsdNm: 0.2,
    energyWindow: { kind: 'relative', fraction: 0.02 },
  },
  penalty: { forfeitJob: true, scorePenalty: 0 },
  ema: { mode: 'epoch', riseAlpha: 0.1, fallAlpha: 0.2 },
  earlyStop: {
    baseIdleMs: 1_800_000,
    idleMsPerAtom: 3_000,
    maxIdleMs: 14_400_000,
    minUpdates: 5,
    clockResolutionMs: 1,
  },
  energyPrecision: 'float64',
});

/**
 * Checks scoring parameters read from configuration or a snapshot and returns a frozen copy.
 * @throws {InvalidParameterError} naming the first field out of range.
 */
export function validateScoringParams(value: unknown): ScoringParams {
  const o = paramObject('params', value);
  const threshold = checkThreshold('threshold', o.threshold);
  const tieBreak = paramChoice('tieBreak', o.tieBreak, [
    'first-recorded',
    'earliest-commitment',
  ] as const);

  const r = paramObject('rewards', o.rewards);
  const kind = paramChoice('rewards.kind', r.kind, ['reference', 'winner-takes-all'] as const);
  const rewards: RewardScheme =
    kind === 'reference'
      ? { kind, topReward: paramNumber('rewards.topReward', r.topReward, 0, 1) }
      : {
          kind,
          winnerReward: paramNumber('rewards.winnerReward', r.winnerReward, 0, 1e6, {
            minExclusive: true,
          }),
        };
  const winnerReward = rewards.kind === 'reference' ? rewards.topReward : rewards.winnerReward;

  let exploration: ExplorationParams | null = null;
  if (o.exploration !== null) {
    const e = paramObject('exploration', o.exploration);
    exploration = {
      bonus: paramNumber('exploration.bonus', e.bonus, 0, winnerReward),
      maxConformations: paramInteger('exploration.maxConformations', e.maxConformations, 0, 1_000),
      minRmsdNm: paramNumber('exploration.minRmsdNm', e.minRmsdNm, 0, 1e6, { minExclusive: true }),
      energyWindow: checkThreshold('exploration.energyWindow', e.energyWindow),
    };
  }

  const p = paramObject('penalty', o.penalty);
  const penalty: PenaltyParams = {
    forfeitJob: paramBoolean('penalty.forfeitJob', p.forfeitJob),
    scorePenalty: paramNumber('penalty.scorePenalty', p.scorePenalty, 0, 1e6),
  };

  const m = paramObject('ema', o.ema);
  const ema: EmaParams = {
    mode: paramChoice('ema.mode', m.mode, ['participation', 'epoch'] as const),
    riseAlpha: paramNumber('ema.riseAlpha', m.riseAlpha, 0, 1, { minExclusive: true }),
    fallAlpha: paramNumber('ema.fallAlpha', m.fallAlpha, 0, 1, { minExclusive: true }),
  };
  if (ema.riseAlpha > ema.fallAlpha) {
    throw new InvalidParameterError(
      'ema.riseAlpha',
      ema.riseAlpha,
      `at most ema.fallAlpha (${ema.fallAlpha}): a score that rises faster than it falls lets a ` +
        'miner gain by spreading its work over several hotkeys',
    );
  }

  return deepFreeze({
    threshold,
    tieBreak,
    rewards,
    exploration,
    penalty,
    ema,
    earlyStop: checkEarlyStop('earlyStop', o.earlyStop),
    energyPrecision: paramChoice('energyPrecision', o.energyPrecision, [
      'float64',
      'float32',
    ] as const),
  });
}
