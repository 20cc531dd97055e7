import { isDeepStrictEqual } from 'node:util';
import { ScoreBook, type ScoringParams } from '@fold/scoring';
import { StoreCorruptError } from './errors.js';
import type { ValidatorState } from './validator-state.js';

/** Verdict keys remembered as applied to the book (the newest). */
const MAX_APPLIED = 20_000;

interface LedgerSnapshot {
  readonly version: 1;
  readonly book: unknown;
  readonly applied: readonly string[];
}

/**
 * The score book and the verdicts it has taken in, saved together in Redis after every change
 * (one SET of one JSON value, so a crash leaves the previous or the next state, never half). The
 * applied keys let a restarted validator feed the book verdicts it recorded in the job table but
 * had not scored yet, and never one twice.
 */
export class ScoreLedger {
  #saving: Promise<void> = Promise.resolve();
  #applied: string[];
  readonly #appliedSet: Set<string>;

  private constructor(
    private readonly state: ValidatorState,
    /** The book; change it, then {@link ScoreLedger.save}. */
    readonly book: ScoreBook,
    applied: readonly string[],
    /** True when the saved book had other parameters and was started over. */
    readonly restarted: boolean,
  ) {
    this.#applied = [...applied];
    this.#appliedSet = new Set(applied);
  }

  /**
   * Loads the saved book, or makes a new one. A saved book whose parameters differ from `params`
   * (the configuration changed) is replaced by a new one: scores start over.
   * @throws {StoreCorruptError} when the saved state does not parse.
   */
  static async load(state: ValidatorState, params: ScoringParams): Promise<ScoreLedger> {
    const text = await state.scoreBookText();
    if (text === undefined) return new ScoreLedger(state, ScoreBook.create(params), [], false);
    let snapshot: LedgerSnapshot;
    let book: ScoreBook;
    try {
      snapshot = JSON.parse(text) as LedgerSnapshot;
      if (snapshot.version !== 1 || !Array.isArray(snapshot.applied))
        throw new Error('unknown layout');
      book = ScoreBook.fromJSON(snapshot.book);
    } catch (cause) {
      throw new StoreCorruptError(
        `the saved score book cannot be read (${(cause as Error).message}); delete its key to start over`,
        { details: { key: 'v:score-book' }, cause },
      );
    }
    if (
      !isDeepStrictEqual(
        JSON.parse(JSON.stringify(book.params)),
        JSON.parse(JSON.stringify(params)),
      )
    )
      return new ScoreLedger(state, ScoreBook.create(params), [], true);
    return new ScoreLedger(
      state,
      book,
      snapshot.applied.filter((k) => typeof k === 'string'),
      false,
    );
  }

  /** Whether a verdict (by its key) has been applied to the book. */
  hasApplied(key: string): boolean {
    return this.#appliedSet.has(key);
  }

  /** Marks a verdict as applied; saved with the next {@link ScoreLedger.save}. */
  markApplied(key: string): void {
    if (this.#appliedSet.has(key)) return;
    this.#applied.push(key);
    this.#appliedSet.add(key);
    if (this.#applied.length > MAX_APPLIED) {
      const dropped = this.#applied.splice(0, this.#applied.length - MAX_APPLIED);
      for (const k of dropped) this.#appliedSet.delete(k);
    }
  }

  /**
   * Saves the book as it is now. Saves run one after another, each writing the state at the
   * time it runs, so the last save always leaves the newest state.
   */
  save(): Promise<void> {
    const next = this.#saving.then(() => {
      const snapshot: LedgerSnapshot = {
        version: 1,
        book: this.book.toJSON(),
        applied: this.#applied,
      };
      return this.state.saveScoreBookText(JSON.stringify(snapshot));
    });
    this.#saving = next.catch(() => undefined);
    return next;
  }
}
