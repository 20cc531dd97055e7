/**
 * Score my own tasks: a subnet whose validator hands out optimisation tasks and whose miners
 * return a solution and its loss (lower is better; here a route cost), recomputed by the
 * validator. Winner takes all per task, ties within 0.5 go to the earliest commitment, scores
 * are folded once per epoch, weights go to the chain as u16.
 *
 *   pnpm --filter @fold/scoring exec tsx examples/score-my-tasks.ts
 */
import { FOLD_PRESET, ScoreBook, type ScoringParams } from '../src/index.js';

// Energies are "any loss" to the book: the kJ/mol fields carry route costs here.
const params: ScoringParams = {
  ...FOLD_PRESET,
  threshold: { kind: 'absolute', epsilonKjMol: 0.5 },
  exploration: null, // no structures to compare
  earlyStop: { ...FOLD_PRESET.earlyStop, baseIdleMs: 20 * 60_000, idleMsPerAtom: 0 },
};

const MINUTE = 60_000;
const miners = [
  { uid: 1, hotkey: '5FminerAlice' },
  { uid: 2, hotkey: '5FminerBob' },
  { uid: 3, hotkey: '5FminerCarol' },
];

/** Three tasks, four query rounds each; returns what the validator would set on chain. */
export function scoreMyTasks(): { uids: number[]; values: number[] } {
  const book = ScoreBook.create(params);
  const start = Date.UTC(2026, 0, 1);
  const tasks = ['route-17', 'route-18', 'route-19'];
  for (const jobId of tasks) book.openJob({ jobId, createdAtMs: start, atomCount: 0 });

  for (let round = 1; round <= 4; round++) {
    const now = start + round * 5 * MINUTE;
    tasks.forEach((jobId, t) => {
      for (const { uid, hotkey } of miners) {
        // What the validator verified: cost falls as miners improve; Carol's answer for the
        // last task fails verification in round 3.
        if (uid === 3 && t === 2 && round === 3) {
          book.recordFailure({ jobId, uid, hotkey });
          continue;
        }
        const cost = 100 + 10 * t - round * uid - (uid === 2 && t === 1 ? 8 : 0);
        book.recordResult({ jobId, uid, hotkey, energyKjMol: cost, committedAtMs: now - uid });
      }
      const outcome = book.closeRound(jobId, now);
      if (outcome.ended !== null) console.log(`${jobId} stopped: ${outcome.ended}`);
    });
  }
  book.closeEpoch(); // e.g. every time weights are set
  const weights = book.weights();
  console.log('weights', weights);
  const snapshot = JSON.stringify(book); // persist between restarts: ScoreBook.fromJSON(...)
  console.log(`snapshot: ${snapshot.length} bytes`);
  return book.chainWeights();
}

if (import.meta.url === `file://${process.argv[1]}`) console.log('chain', scoreMyTasks());
