/** The phases of the main job, in the order they happen. */
export const PHASES = [
  'chain',
  'subnet',
  'miners',
  'validator',
  'preparation',
  'simulation',
  'verification',
  'weights',
] as const;

/** One of {@link PHASES}. */
export type PhaseName = (typeof PHASES)[number];

/** What each phase covers, for the live view and the README. */
export const PHASE_TITLES: Readonly<Record<PhaseName, string>> = {
  chain: 'Redis and the local chain (chopsticks, real runtime)',
  subnet: 'subnet created, hyperparameters set, hotkeys registered',
  miners: 'two fold-miner processes up, axons served on chain',
  validator: 'fold-validator up, API listening',
  preparation: 'job submitted and prepared (search, minimisation)',
  simulation: 'miners run the stages',
  verification: 'claims verified by the validator',
  weights: 'weights set and read back from the chain',
};

/** When a phase started and ended (milliseconds since the epoch). */
export interface PhaseRecord {
  readonly name: PhaseName;
  readonly startedAtMs: number;
  readonly endedAtMs: number | null;
}

/**
 * Times the phases of a run. A phase starts once (a second start is ignored, so that the
 * same phase can be reported by several observers) and ends once.
 */
export class PhaseClock {
  readonly #records = new Map<PhaseName, { startedAtMs: number; endedAtMs: number | null }>();
  readonly #listeners: ((records: readonly PhaseRecord[]) => void)[] = [];

  constructor(private readonly now: () => number = Date.now) {}

  /** Calls `listener` after every change. */
  onChange(listener: (records: readonly PhaseRecord[]) => void): void {
    this.#listeners.push(listener);
  }

  start(name: PhaseName): void {
    if (this.#records.has(name)) return;
    this.#records.set(name, { startedAtMs: this.now(), endedAtMs: null });
    this.#changed();
  }

  /** Ends a phase (starting it first when it had not started: a phase that took no time). */
  end(name: PhaseName): void {
    this.start(name);
    const record = this.#records.get(name);
    if (record === undefined || record.endedAtMs !== null) return;
    record.endedAtMs = this.now();
    this.#changed();
  }

  /** Runs `work` as the phase `name`. */
  async run<T>(name: PhaseName, work: () => Promise<T>): Promise<T> {
    this.start(name);
    const result = await work();
    this.end(name);
    return result;
  }

  /** Every phase started so far, in {@link PHASES} order. */
  records(): PhaseRecord[] {
    return PHASES.flatMap((name) => {
      const record = this.#records.get(name);
      return record === undefined ? [] : [{ name, ...record }];
    });
  }

  /** How long a phase took (so far, for one still running), or null if it has not started. */
  durationMs(name: PhaseName): number | null {
    const record = this.#records.get(name);
    if (record === undefined) return null;
    return (record.endedAtMs ?? this.now()) - record.startedAtMs;
  }

  #changed(): void {
    const records = this.records();
    for (const listener of this.#listeners) listener(records);
  }
}
