import { describe, expect, it } from '@jest/globals';
import {
  InvalidInputError,
  InvalidSnapshotError,
  ScoringError,
  UnknownJobError,
} from './errors.js';
import { centerInPlace } from './kabsch.js';
import { FOLD_PRESET, REFERENCE_PRESET, type ScoringParams } from './params.js';
import { ScoreBook } from './score-book.js';

const HOTKEYS = ['5Ga', '5Gb', '5Gc', '5Gd', '5Ge', '5Gf'];
const MIN = 60_000;

/** Records one round: a number is a verified energy, null a failed verification, undefined silence. */
function round(
  book: ScoreBook,
  jobId: string,
  nowMs: number,
  energies: readonly (number | null | undefined)[],
  commits: readonly number[] = [],
) {
  energies.forEach((energy, uid) => {
    if (energy === undefined) return;
    const hotkey = HOTKEYS[uid]!;
    if (energy === null) book.recordFailure({ jobId, uid, hotkey });
    else
      book.recordResult({
        jobId,
        uid,
        hotkey,
        energyKjMol: energy,
        committedAtMs: commits[uid] ?? 0,
      });
  });
  return book.closeRound(jobId, nowMs);
}

/** The non-zero rewards of a round, by uid. */
function paid(o: { uids: readonly number[]; rewards: readonly number[] }): Record<number, number> {
  const out: Record<number, number> = {};
  o.uids.forEach((uid, i) => {
    if (o.rewards[i] !== 0) out[uid] = o.rewards[i]!;
  });
  return out;
}

/** Three-atom structure with its second arm `arm` nm long (for exploration tests). */
function shape(arm: number): number[] {
  return [1, 0, 0, 0, 0, 0, 0, arm, 0];
}

describe('ScoreBook with the reference preset', () => {
  // The reference's own test sequence (tests/test_linear_decreasing_reward.py, mid-2024) with its
  // epsilon of 1e-5; 0 there means "no valid energy", a failed verification here.
  const params: ScoringParams = {
    ...REFERENCE_PRESET,
    threshold: { kind: 'absolute', epsilonKjMol: 1e-5 },
  };

  it('reproduces the reference worked example round by round', () => {
    const book = ScoreBook.create(params);
    book.openJob({ jobId: 'ab12', createdAtMs: 0, atomCount: 50 });
    const rewardsOf = (o: { uids: readonly number[]; rewards: readonly number[] }) =>
      [0, 1, 2, 3].map((uid) => o.rewards[o.uids.indexOf(uid)]);

    let o = round(book, 'ab12', 1 * MIN, [null, null, null, -10_000]);
    expect(o.bestEnergyKjMol).toBe(-10_000);
    expect(o.holder).toBe(3);
    expect(rewardsOf(o)).toEqual([0, 0, 0, 1]);

    o = round(book, 'ab12', 2 * MIN, [-9_500, -3_200, -1_000, -9_000]);
    expect(o.bestEnergyKjMol).toBe(-10_000);
    const r2 = rewardsOf(o);
    expect(r2[0]).toBeCloseTo(2 / 15, 15);
    expect(r2[1]).toBeCloseTo(1 / 15, 15);
    expect(r2[2]).toBeCloseTo(0, 15);
    expect(r2[3]).toBe(0.8);

    o = round(book, 'ab12', 3 * MIN, [-10_000, -9_200, -9_999, -9_800]);
    expect(o.holder).toBe(3);
    const r3 = rewardsOf(o);
    expect([r3[0], r3[3]]).toEqual([0.8, 0.8]);
    expect(r3[2]).toBeCloseTo(0.2, 15);

    o = round(book, 'ab12', 4 * MIN, [-11_000, -9_200, -9_999, -9_800]);
    expect(o.improved).toBe(true);
    expect(o.holder).toBe(0);
    const r4 = rewardsOf(o);
    expect(r4[0]).toBe(0.8);
    expect(r4[2]).toBeCloseTo(2 / 15, 15);
    expect(r4[3]).toBeCloseTo(1 / 15, 15);
    expect(r4[1]).toBeCloseTo(0, 15);

    o = round(book, 'ab12', 5 * MIN, [null, null, null, null]);
    expect(rewardsOf(o)).toEqual([1, 0, 0, 0]);

    o = round(book, 'ab12', 6 * MIN, [null, -9_800, null, null]);
    const r6 = rewardsOf(o);
    expect(r6[0]).toBe(0.8);
    expect(r6[1]).toBeCloseTo(0.2, 15);

    // EMA alpha 0.1 over those six rounds, then L1 normalisation (computed by hand in Python).
    const { scores } = book.scores();
    const expectedScores = [0.301868, 0.024374, 0.02538, 0.175257];
    for (const uid of [0, 1, 2, 3]) expect(scores[uid]).toBeCloseTo(expectedScores[uid]!, 12);
    const { uids, weights } = book.weights();
    expect(uids).toEqual([0, 1, 2, 3]);
    const expectedWeights = [
      0.5729361010782361, 0.046261096001169136, 0.048170452798460356, 0.3326323501221343,
    ];
    for (const uid of [0, 1, 2, 3]) expect(weights[uid]).toBeCloseTo(expectedWeights[uid]!, 12);
    expect(book.chainWeights().values[0]).toBe(65_535);
  });

  it('drops a best hotkey that stops answering and pays nobody until someone improves', () => {
    const book = ScoreBook.create(params);
    book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 50 });
    round(book, 'j', 1, [-100, -50]);
    const silent = round(book, 'j', 2, [undefined, -60]);
    expect(silent.holder).toBeNull();
    expect(silent.rewards).toEqual([0]);
    expect(round(book, 'j', 3, [-100, -60]).rewards).toEqual([0, 0]);
    const improved = round(book, 'j', 4, [-100, -200]);
    expect(improved.holder).toBe(1);
    expect(improved.rewards[1]).toBe(0.8);
  });

  it('skips the score update when a round has no valid energy and no negative best', () => {
    const book = ScoreBook.create(params);
    book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 50 });
    const o = round(book, 'j', 1, [null, null]);
    expect(o.scoresSkipped).toBe(true);
    expect(book.jobView('j').updates).toBe(1);
  });

  it('leaves uids that did not answer with their score (participation EMA)', () => {
    const book = ScoreBook.create(params);
    book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 50 });
    round(book, 'j', 1, [-100, -50]);
    const before = book.scores().scores[1];
    round(book, 'j', 2, [-100, undefined]);
    expect(book.scores().scores[1]).toBe(before);
  });

  it('uses the size-based epsilon of the reference by default', () => {
    const book = ScoreBook.create(REFERENCE_PRESET);
    book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 50 });
    round(book, 'j', 1, [-100_000]);
    expect(book.jobView('j').epsilonKjMol).toBe(5_000);
    expect(round(book, 'j', 2, [-100_000, -104_999]).improved).toBe(false);
    expect(round(book, 'j', 3, [-100_000, -105_001]).improved).toBe(true);
  });

  it('stops a job after 60 minutes and 10 updates without improvement', () => {
    const book = ScoreBook.create(params);
    book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 50 });
    round(book, 'j', MIN, [-100]);
    for (let i = 2; i <= 9; i++) expect(round(book, 'j', i * MIN, [-100]).ended).toBeNull();
    expect(round(book, 'j', 62 * MIN, [-100]).ended).toBe('no-improvement');
    expect(() => book.jobView('j')).toThrow(UnknownJobError);
  });

  it('stops a job that never improved within 60 minutes of creation', () => {
    const book = ScoreBook.create(params);
    book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 50 });
    expect(round(book, 'j', 30 * MIN, [null]).ended).toBeNull();
    expect(round(book, 'j', 61 * MIN, [null]).ended).toBe('never-improved');
  });

  it('compares energies in float32 as the reference tensors did', () => {
    const book = ScoreBook.create(params);
    book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 50 });
    round(book, 'j', 1, [-300_000.001]);
    // -300000.001 and -300000.002 are the same float32 (-300000): the second does not improve.
    expect(round(book, 'j', 2, [undefined, -300_000.002]).improved).toBe(false);
    expect(book.jobView('j').bestEnergyKjMol).toBe(-300_000);
  });
});

describe('ScoreBook with the fold preset', () => {
  const epochless: ScoringParams = { ...FOLD_PRESET, exploration: null };

  it('pays the whole round to the best holder, every round, answering or not', () => {
    const book = ScoreBook.create(epochless);
    book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 304 });
    const first = round(book, 'j', 1, [-1_000, -900]);
    expect(first.uids).toEqual([0, 1]);
    expect(first.rewards).toEqual([1, 0]);
    // The holder did not answer: it is still paid, listed after those who took part.
    const second = round(book, 'j', 2, [undefined, -905]);
    expect(second.uids).toEqual([1, 0]);
    expect(second.rewards).toEqual([0, 1]);
  });

  it('lets an earlier commitment within the margin keep the title', () => {
    const book = ScoreBook.create(epochless);
    book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 304 });
    // -1000 at t=5 and -1009 at t=9 are within 1% of each other: the earlier commitment wins.
    const o = round(book, 'j', 10, [-1_000, -1_009], [5, 9]);
    expect(o.holder).toBe(0);
    expect(o.bestEnergyKjMol).toBe(-1_000);
  });

  it('gives an identical commitment to one hotkey, by a hash of job and hotkey, whatever the order', () => {
    const winnerOf = (jobId: string, order: number[]) => {
      const book = ScoreBook.create(epochless);
      book.openJob({ jobId, createdAtMs: 0, atomCount: 304 });
      for (const uid of order) {
        book.recordResult({
          jobId,
          uid,
          hotkey: HOTKEYS[uid]!,
          energyKjMol: -1_000,
          committedAtMs: 5,
        });
      }
      const o = book.closeRound(jobId, 10);
      expect(Object.values(paid(o))).toEqual([1]);
      return o.holder;
    };
    const winners = ['j1', 'j2', 'j3', 'j4', 'j5', 'j6'].map((jobId) => winnerOf(jobId, [0, 1, 2]));
    for (const [i, jobId] of ['j1', 'j2', 'j3', 'j4', 'j5', 'j6'].entries()) {
      expect(winnerOf(jobId, [2, 1, 0])).toBe(winners[i]);
    }
    // Not the same hotkey in every job.
    expect(new Set(winners).size).toBeGreaterThan(1);
  });

  it('lets the holder lower its own record by less than the margin', () => {
    const book = ScoreBook.create(epochless);
    book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 304 });
    round(book, 'j', 1, [-1_000]);
    const own = round(book, 'j', 2, [-1_005]);
    expect(own.improved).toBe(false);
    expect(own.bestEnergyKjMol).toBe(-1_005);
    // -1012 is 1.2% below the first record, but only 0.7% below the holder's -1005.
    const o = round(book, 'j', 3, [undefined, -1_012], [0, 1]);
    expect(o.holder).toBe(0);
    expect(o.bestEnergyKjMol).toBe(-1_005);
  });

  it('requires the first result to improve on a given starting energy', () => {
    const book = ScoreBook.create(epochless);
    book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 304, startEnergyKjMol: -1_000 });
    expect(round(book, 'j', 1, [-1_005]).holder).toBeNull();
    expect(round(book, 'j', 2, [-1_011]).holder).toBe(0);
  });

  it('strips the title and bars the uid from the job on a failed verification', () => {
    const book = ScoreBook.create(epochless);
    book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 304 });
    round(book, 'j', 1, [-1_000, -900]);
    const failed = round(book, 'j', 2, [null, -905]);
    expect(failed.holder).toBeNull();
    expect(paid(failed)).toEqual({});
    expect(failed.bestEnergyKjMol).toBe(-1_000);
    const later = round(book, 'j', 3, [-5_000, -1_020]);
    expect(later.holder).toBe(1);
    expect(book.jobView('j').barred).toEqual([0]);
  });

  it('applies a score penalty without letting a score go negative', () => {
    const book = ScoreBook.create({
      ...epochless,
      penalty: { forfeitJob: false, scorePenalty: 0.5 },
      ema: { mode: 'participation', riseAlpha: 0.5, fallAlpha: 0.5 },
    });
    book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 304 });
    round(book, 'j', 1, [-1_000]);
    expect(book.scores().scores[0]).toBe(0.5);
    round(book, 'j', 2, [null]);
    // Holder paid 1 and penalised 0.5: 0.5 * 0.5 + 0.5 * 0.5.
    expect(book.scores().scores[0]).toBe(0.5);
    round(book, 'j', 3, [undefined, null]);
    expect(book.scores().scores[1]).toBe(0);
  });

  it('folds summed rewards into scores only when an epoch closes', () => {
    const book = ScoreBook.create(epochless);
    book.openJob({ jobId: 'a', createdAtMs: 0, atomCount: 304 });
    book.openJob({ jobId: 'b', createdAtMs: 0, atomCount: 304 });
    round(book, 'a', 1, [-1_000, -900]);
    round(book, 'b', 1, [-500, -800]);
    expect(book.weights()).toEqual({ uids: [], weights: [] });
    book.closeEpoch();
    // Each earned 1 of 2 rounds: reward 0.5, rise 0.1 -> 0.05 each.
    expect(book.scores()).toEqual({ uids: [0, 1], scores: [0.05, 0.05] });
    expect(book.weights().weights).toEqual([0.5, 0.5]);
    book.closeEpoch();
    // Nothing earned: fall 0.2 -> 0.04 each.
    for (const score of book.scores().scores) expect(score).toBeCloseTo(0.04, 15);
  });

  it('pays distinct low-energy conformations an exploration bonus', () => {
    const book = ScoreBook.create(FOLD_PRESET);
    book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 30, startCaCoordinatesNm: shape(1) });
    const put = (uid: number, energy: number, arm: number) =>
      book.recordResult({
        jobId: 'j',
        uid,
        hotkey: HOTKEYS[uid]!,
        energyKjMol: energy,
        committedAtMs: uid,
        caCoordinatesNm: shape(arm),
      });
    put(0, -1_000, 2); // best: 1 + 0.1
    put(1, -995, 4); // distinct, within 2%: 0.1
    put(2, -990, 4.02); // close to uid 1: nothing
    put(3, -991, 1.01); // close to the start: nothing
    put(4, -900, 8); // outside the 2% window: nothing
    const o = book.closeRound('j', 1);
    expect(paid(o)).toEqual({ 0: 1.1, 1: 0.1 });
  });

  it('measures exploration from the rebased structure after a rebase', () => {
    const book = ScoreBook.create(FOLD_PRESET);
    book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 30, startCaCoordinatesNm: shape(1) });
    book.recordResult({
      jobId: 'j',
      uid: 0,
      hotkey: HOTKEYS[0]!,
      energyKjMol: -1_000,
      committedAtMs: 0,
      caCoordinatesNm: shape(3),
    });
    book.closeRound('j', 10);
    const rebase = book.rebaseJob('j', 20);
    expect(rebase).toEqual({ jobId: 'j', generation: 1, startEnergyKjMol: -1_000, holder: 0 });
    expect(book.jobView('j')).toMatchObject({ updates: 0, lastImprovementAtMs: 20, generation: 1 });
    book.recordResult({
      jobId: 'j',
      uid: 1,
      hotkey: HOTKEYS[1]!,
      energyKjMol: -998,
      committedAtMs: 15,
      caCoordinatesNm: shape(3.01),
    });
    // uid 1 continued from the rebased structure and did not move: no bonus; the holder keeps 1.
    const o = book.closeRound('j', 30);
    expect(paid(o)).toEqual({ 0: 1 });
  });

  it('refuses to rebase a job without a best', () => {
    const book = ScoreBook.create(FOLD_PRESET);
    book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 30 });
    expect(() => book.rebaseJob('j', 1)).toThrow(
      expect.objectContaining({ code: 'NO_BEST_RESULT' }),
    );
  });
});

describe('ScoreBook hotkeys', () => {
  it('resets a uid whose hotkey changed when it records again', () => {
    const book = ScoreBook.create({
      ...FOLD_PRESET,
      ema: { mode: 'participation', riseAlpha: 0.1, fallAlpha: 0.1 },
    });
    book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 30 });
    round(book, 'j', 1, [-1_000]);
    expect(book.scores().scores[0]).toBeGreaterThan(0);
    const changed = book.recordResult({
      jobId: 'j',
      uid: 0,
      hotkey: 'new-owner',
      energyKjMol: -10,
      committedAtMs: 2,
    });
    expect(changed).toBe(true);
    expect(book.scores().scores[0]).toBe(0);
    expect(book.jobView('j').holder).toBeNull();
    expect(book.hotkeyOf(0)).toBe('new-owner');
  });

  it('resets changed uids and forgets uids beyond the metagraph on sync', () => {
    const book = ScoreBook.create({
      ...FOLD_PRESET,
      ema: { mode: 'participation', riseAlpha: 0.1, fallAlpha: 0.1 },
    });
    book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 30 });
    round(book, 'j', 1, [-1_000, -900, -800]);
    expect(book.syncMetagraph(['5Ga', 'other'])).toEqual([1, 2]);
    expect(book.scores()).toEqual({ uids: [0, 1], scores: [0.1, 0] });
    expect(book.hotkeyOf(2)).toBeUndefined();
  });
});

describe('ScoreBook input checks', () => {
  const book = ScoreBook.create();
  book.openJob({ jobId: 'j', createdAtMs: 100, atomCount: 30 });
  const base = { jobId: 'j', uid: 1, hotkey: '5Ga', energyKjMol: -5, committedAtMs: 0 };

  it('rejects opening a job twice', () => {
    expect(() => book.openJob({ jobId: 'j', createdAtMs: 0, atomCount: 1 })).toThrow(
      expect.objectContaining({ code: 'JOB_EXISTS' }),
    );
  });

  it('rejects results for a job that is not open', () => {
    expect(() => book.recordResult({ ...base, jobId: 'nope' })).toThrow(UnknownJobError);
  });

  it('rejects malformed fields, naming them', () => {
    expect(() => book.recordResult({ ...base, energyKjMol: Number.NaN })).toThrow(/energyKjMol/);
    expect(() => book.recordResult({ ...base, uid: 70_000 })).toThrow(/uid/);
    expect(() => book.recordResult({ ...base, uid: 1.5 })).toThrow(InvalidInputError);
    expect(() => book.recordResult({ ...base, hotkey: '' })).toThrow(/hotkey/);
    expect(() => book.recordResult({ ...base, committedAtMs: -1 })).toThrow(/committedAtMs/);
    expect(() => book.recordResult({ ...base, atomCount: 31 })).toThrow(/atomCount/);
    expect(() => book.recordResult({ ...base, caCoordinatesNm: [1, 2] })).toThrow(
      expect.objectContaining({ code: 'INVALID_COORDINATES' }),
    );
  });

  it('rejects coordinates with a different C-alpha count than the job has seen', () => {
    book.recordResult({ ...base, uid: 2, caCoordinatesNm: shape(1) });
    expect(() =>
      book.recordResult({ ...base, uid: 3, caCoordinatesNm: [0, 0, 0, 1, 1, 1] }),
    ).toThrow(/3 C-alpha atoms/);
  });

  it('treats an identical entry as a retry and a different one as an error', () => {
    book.recordResult(base);
    expect(book.recordResult(base)).toBe(false);
    expect(() => book.recordResult({ ...base, energyKjMol: -6 })).toThrow(
      expect.objectContaining({ code: 'DUPLICATE_RESULT' }),
    );
    expect(() => book.recordFailure({ jobId: 'j', uid: 1, hotkey: '5Ga' })).toThrow(ScoringError);
  });

  it('rejects a clock that goes backwards', () => {
    expect(() => book.closeRound('j', 99)).toThrow(
      expect.objectContaining({ code: 'TIME_WENT_BACKWARDS' }),
    );
  });

  it('rejects invalid parameters when a book is created', () => {
    expect(() =>
      ScoreBook.create({ ...FOLD_PRESET, ema: { mode: 'epoch', riseAlpha: 0.3, fallAlpha: 0.1 } }),
    ).toThrow(/ema\.riseAlpha/);
    expect(() =>
      ScoreBook.create({
        ...FOLD_PRESET,
        exploration: { ...FOLD_PRESET.exploration!, bonus: 2 },
      }),
    ).toThrow(/exploration\.bonus/);
  });
});

describe('ScoreBook snapshots', () => {
  function busyBook(): ScoreBook {
    const book = ScoreBook.create(FOLD_PRESET);
    book.openJob({ jobId: 'a', createdAtMs: 0, atomCount: 30, startCaCoordinatesNm: shape(1) });
    book.openJob({ jobId: 'b', createdAtMs: 5, atomCount: 40, startEnergyKjMol: -0.1 });
    book.recordResult({
      jobId: 'a',
      uid: 3,
      hotkey: '5Gd',
      energyKjMol: -1 / 3,
      committedAtMs: 1.5,
      caCoordinatesNm: shape(2.7),
    });
    book.recordResult({
      jobId: 'a',
      uid: 7,
      hotkey: '5Gh',
      energyKjMol: -0.3,
      committedAtMs: 2,
      caCoordinatesNm: shape(5.1),
    });
    book.closeRound('a', 10);
    book.recordFailure({ jobId: 'a', uid: 3, hotkey: '5Gd' });
    book.recordResult({
      jobId: 'a',
      uid: 7,
      hotkey: '5Gh',
      energyKjMol: -0.31,
      committedAtMs: 2,
      caCoordinatesNm: shape(5.3),
    });
    book.recordResult({ jobId: 'b', uid: 1, hotkey: '5Gb', energyKjMol: -0.2, committedAtMs: 7 });
    book.closeEpoch();
    return book;
  }

  it('survives JSON unchanged', () => {
    const book = busyBook();
    const json = JSON.stringify(book);
    const restored = ScoreBook.fromJSON(JSON.parse(json));
    expect(JSON.stringify(restored)).toBe(json);
  });

  it('restores a book that behaves as the original', () => {
    const a = busyBook();
    const b = ScoreBook.fromJSON(JSON.parse(JSON.stringify(a)));
    for (const book of [a, b]) {
      book.closeRound('a', 20);
      book.closeRound('b', 20);
      book.closeEpoch();
    }
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(b.weights()).toEqual(a.weights());
  });

  it('rejects a snapshot of another format or version', () => {
    const snap = JSON.parse(JSON.stringify(busyBook()));
    expect(() => ScoreBook.fromJSON({ ...snap, version: 2 })).toThrow(InvalidSnapshotError);
    expect(() => ScoreBook.fromJSON([])).toThrow(/\$/);
  });

  it('rejects corrupt fields, naming their path', () => {
    const snap = JSON.parse(JSON.stringify(busyBook()));
    const broken = (edit: (s: typeof snap) => void) => {
      const copy = JSON.parse(JSON.stringify(snap));
      edit(copy);
      return () => ScoreBook.fromJSON(copy);
    };
    expect(broken((s) => (s.uids[0].score = -1))).toThrow(/\$\.uids\[0\]\.score/);
    expect(broken((s) => (s.jobs[0].best.holder = 99))).toThrow(/best\.holder.*not in uids/);
    expect(broken((s) => s.jobs[0].round[1].caCenteredNm.pop())).toThrow(/caCount \* 3/);
    expect(broken((s) => (s.params.ema.riseAlpha = 5))).toThrow(/\$\.params/);
    expect(broken((s) => s.uids.push(s.uids[0]))).toThrow(/appears twice/);
  });
});

it('centres coordinates once, on the way in', () => {
  // Snapshots keep centred coordinates; the centroid of what comes back is 0.
  const book = ScoreBook.create(FOLD_PRESET);
  book.openJob({
    jobId: 'j',
    createdAtMs: 0,
    atomCount: 3,
    startCaCoordinatesNm: [10, 0, 0, 11, 0, 0, 12, 3, 0],
  });
  const start = book.toJSON().jobs[0]!.startCaCenteredNm!;
  const expected = Float64Array.from([10, 0, 0, 11, 0, 0, 12, 3, 0]);
  centerInPlace(expected);
  expect(start).toEqual([...expected]);
});
