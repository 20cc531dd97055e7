/**
 * The straightforward way to write the same mechanisms: results as an array of objects per job,
 * miners as objects in a Map, the round decided with filter/sort/map. No input checks, no
 * snapshots, no exploration bonus: only what the benchmark workload exercises (the reference
 * preset, and the fold preset on results without coordinates).
 */
import type { WorkEntry, WorkJob } from './workload.js';

interface Miner {
  hotkey: string;
  score: number;
  pending: number;
}

interface Result {
  uid: number;
  hotkey: string;
  energy: number | null;
  committedAtMs: number;
}

interface Job {
  id: string;
  atomCount: number;
  best: { energy: number; holder: number | null } | null;
  results: Result[];
}

export type BaselineMechanism = 'reference' | 'fold';

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}

export class BaselineBook {
  private readonly miners = new Map<number, Miner>();
  private readonly jobs = new Map<string, Job>();
  private epochRounds = 0;

  constructor(private readonly mechanism: BaselineMechanism) {}

  openJob(id: string, atomCount: number): void {
    this.jobs.set(id, { id, atomCount, best: null, results: [] });
  }

  record(jobId: string, entry: WorkEntry): void {
    const job = this.jobs.get(jobId)!;
    if (!this.miners.has(entry.uid)) {
      this.miners.set(entry.uid, { hotkey: entry.hotkey, score: 0, pending: 0 });
    }
    job.results.push({
      uid: entry.uid,
      hotkey: entry.hotkey,
      energy: entry.energyKjMol,
      committedAtMs: entry.committedAtMs,
    });
  }

  closeRound(jobId: string): void {
    const job = this.jobs.get(jobId)!;
    if (this.mechanism === 'reference') this.referenceRound(job);
    else this.foldRound(job);
    job.results = [];
  }

  private referenceRound(job: Job): void {
    const energyOf = (r: Result) => (r.energy === null ? null : Math.fround(r.energy)); // the reference's float32 tensors
    const valid = job.results.filter((r) => r.energy !== null);
    if (valid.length > 0) {
      const candidate = valid.reduce((a, b) => (energyOf(b)! < energyOf(a)! ? b : a));
      const eps = job.atomCount > 100 ? 7.14819473 * job.atomCount + 16844.2317 : 5000;
      if (job.best === null || energyOf(candidate)! < job.best.energy - eps) {
        job.best = { energy: energyOf(candidate)!, holder: candidate.uid };
      }
    }
    const participants = job.results.map((r) => r.uid);
    if (job.best?.holder !== null && job.best !== null && !participants.includes(job.best.holder)) {
      job.best = { ...job.best, holder: null };
    }
    if (valid.length === 0 && !(job.best !== null && job.best.energy < 0)) return;
    const rewards = new Map<number, number>(job.results.map((r) => [r.uid, 0]));
    const best = job.best;
    if (best !== null && best.holder !== null) {
      rewards.set(best.holder, 0.8);
      if (valid.length === 0 || (valid.length === 1 && valid[0]!.uid === best.holder)) {
        rewards.set(best.holder, 1);
      } else {
        const others = valid.filter((r) => {
          if (energyOf(r) === best.energy || r.uid === best.holder) {
            rewards.set(r.uid, 0.8);
            return false;
          }
          return true;
        });
        others.sort((a, b) => energyOf(a)! - energyOf(b)!);
        const n = others.length;
        if (n === 1) rewards.set(others[0]!.uid, 1 - 0.8);
        if (n > 1) {
          const d = (2 * (1 - 0.8)) / ((n - 1) * n);
          const first = (1 - 0.8 + (d * (n - 1) * n) / 2) / n;
          others.forEach((r, i) => {
            rewards.set(r.uid, first - i * d);
          });
        }
      }
    }
    for (const [uid, reward] of rewards) {
      const miner = this.miners.get(uid)!;
      miner.score = 0.1 * reward + (1 - 0.1) * miner.score;
    }
  }

  private foldRound(job: Job): void {
    for (const r of job.results) {
      if (r.energy === null && job.best?.holder === r.uid) job.best = { ...job.best, holder: null };
    }
    const before = job.best;
    const improves = (e: number, best: number) => e < best && (best - e) / Math.abs(best) >= 0.01;
    const valid = job.results.filter((r) => r.energy !== null);
    const improvers = valid.filter((r) => before === null || improves(r.energy!, before.energy));
    if (improvers.length > 0) {
      const lowest = Math.min(...improvers.map((r) => r.energy!));
      const tied = improvers
        .filter((r) => !improves(lowest, r.energy!))
        .map((r) => ({ r, hash: fnv1a(`${job.id}\u0000${r.hotkey}`) }))
        .sort(
          (a, b) =>
            a.r.committedAtMs - b.r.committedAtMs ||
            a.hash - b.hash ||
            (a.r.hotkey < b.r.hotkey ? -1 : a.r.hotkey > b.r.hotkey ? 1 : 0),
        );
      job.best = { energy: tied[0]!.r.energy!, holder: tied[0]!.r.uid };
    } else if (before !== null && before.holder !== null) {
      const own = valid.find((r) => r.uid === before.holder);
      if (own !== undefined && own.energy! < before.energy) {
        job.best = { energy: own.energy!, holder: before.holder };
      }
    }
    if (job.best !== null && job.best.holder !== null) {
      this.miners.get(job.best.holder)!.pending += 1;
    }
    this.epochRounds++;
  }

  closeEpoch(): void {
    if (this.mechanism !== 'fold') return;
    for (const miner of this.miners.values()) {
      const reward = this.epochRounds === 0 ? 0 : miner.pending / this.epochRounds;
      const alpha = reward > miner.score ? 0.1 : 0.2;
      miner.score = Math.max(0, alpha * reward + (1 - alpha) * miner.score);
      miner.pending = 0;
    }
    this.epochRounds = 0;
  }

  weights(): { uids: number[]; weights: number[] } {
    const entries = [...this.miners.entries()].sort((a, b) => a[0] - b[0]);
    const total = entries.reduce((sum, [, m]) => sum + m.score, 0);
    const positive = entries.filter(([, m]) => total > 0 && m.score / total > 0);
    return {
      uids: positive.map(([uid]) => uid),
      weights: positive.map(([, m]) => m.score / total),
    };
  }
}

/** Scores the workload with the baseline and returns its weights. */
export function runBaseline(mechanism: BaselineMechanism, work: readonly WorkJob[]) {
  const book = new BaselineBook(mechanism);
  for (const job of work) book.openJob(job.jobId, job.atomCount);
  for (const job of work) {
    for (const e of job.entries) book.record(job.jobId, e);
    book.closeRound(job.jobId);
  }
  book.closeEpoch();
  return book.weights();
}
