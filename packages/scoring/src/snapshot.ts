import { InvalidSnapshotError, ScoringError } from './errors.js';
import { MAX_CA_ATOMS, MAX_ID_LENGTH, MAX_UID } from './input-checks.js';
import { type ScoringParams, validateScoringParams } from './params.js';

/** One uid in a {@link ScoreBookSnapshot}. */
export interface UidSnapshot {
  readonly uid: number;
  readonly hotkey: string;
  /** EMA score, >= 0. */
  readonly score: number;
  /** Reward summed in the current epoch (epoch mode), not yet folded into the score. */
  readonly pendingReward: number;
}

/** A structure kept by a job: energy and centred C-alpha coordinates (nm) or null. */
export interface StructureSnapshot {
  readonly energyKjMol: number;
  readonly committedAtMs: number;
  readonly caCenteredNm: number[] | null;
}

/** A job's best: its structure and the uid that holds it (null: nobody). */
export interface BestSnapshot extends StructureSnapshot {
  readonly holder: number | null;
}

/** A result (or failed verification, energy null) waiting for its round to close. */
export interface RoundEntrySnapshot {
  readonly uid: number;
  /** null: failed verification. */
  readonly energyKjMol: number | null;
  /** null for a failed verification. */
  readonly committedAtMs: number | null;
  readonly caCenteredNm: number[] | null;
}

/** One open job in a {@link ScoreBookSnapshot}. */
export interface JobSnapshot {
  readonly jobId: string;
  readonly createdAtMs: number;
  readonly atomCount: number;
  readonly generation: number;
  readonly updates: number;
  readonly lastImprovementAtMs: number | null;
  readonly lastTimeMs: number;
  readonly caCount: number | null;
  readonly startEnergyKjMol: number | null;
  readonly startCaCenteredNm: number[] | null;
  readonly best: BestSnapshot | null;
  readonly barred: number[];
  readonly round: RoundEntrySnapshot[];
}

/**
 * Everything a {@link ScoreBook} holds, as plain JSON data: `JSON.stringify` it, store it, and
 * {@link ScoreBook.fromJSON} gives back a book that behaves identically (numbers survive JSON
 * exactly; coordinates are kept centred so that nothing is recomputed on load).
 */
export interface ScoreBookSnapshot {
  readonly format: 'fold-score-book';
  readonly version: 1;
  readonly params: ScoringParams;
  readonly epochRounds: number;
  readonly uids: UidSnapshot[];
  readonly jobs: JobSnapshot[];
}

type Obj = Record<string, unknown>;

function fail(path: string, problem: string): never {
  throw new InvalidSnapshotError(path, problem);
}

function object(path: string, v: unknown): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'expected an object');
  return v as Obj;
}

function array(path: string, v: unknown, max: number): unknown[] {
  if (!Array.isArray(v)) fail(path, 'expected an array');
  if (v.length > max) fail(path, `more than ${max} entries`);
  return v;
}

function finite(path: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(path, 'expected a finite number');
  return v;
}

function nonNegative(path: string, v: unknown): number {
  const n = finite(path, v);
  if (n < 0) fail(path, 'expected a number >= 0');
  return n;
}

function integer(path: string, v: unknown, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
    fail(path, `expected an integer in 0..${max}`);
  }
  return v;
}

function id(path: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0 || v.length > MAX_ID_LENGTH) {
    fail(path, `expected a non-empty string of at most ${MAX_ID_LENGTH} characters`);
  }
  return v;
}

function nullable<T>(v: unknown, read: (v: unknown) => T): T | null {
  return v === null ? null : read(v);
}

function coordinates(path: string, v: unknown, caCount: number | null): number[] {
  const values = array(path, v, MAX_CA_ATOMS * 3);
  if (caCount === null) fail(path, 'coordinates in a job without caCount');
  if (values.length !== caCount * 3) fail(path, `expected ${caCount * 3} numbers (caCount * 3)`);
  return values.map((x, i) => finite(`${path}[${i}]`, x));
}

function uidList(path: string, v: unknown, known: ReadonlySet<number>): number[] {
  const list = array(path, v, MAX_UID + 1).map((x, i) => integer(`${path}[${i}]`, x, MAX_UID));
  const seen = new Set<number>();
  list.forEach((uid, i) => {
    if (!known.has(uid)) fail(`${path}[${i}]`, `uid ${uid} is not in uids`);
    if (seen.has(uid)) fail(`${path}[${i}]`, `uid ${uid} appears twice`);
    seen.add(uid);
  });
  return list;
}

/**
 * Checks untrusted snapshot data (a file, a database row) field by field and returns it typed.
 * @throws {InvalidSnapshotError} naming the first offending path.
 */
export function parseSnapshot(value: unknown): ScoreBookSnapshot {
  const root = object('$', value);
  if (root.format !== 'fold-score-book') fail('$.format', "expected 'fold-score-book'");
  if (root.version !== 1) fail('$.version', 'expected 1 (the only version this package reads)');
  let params: ScoringParams;
  try {
    params = validateScoringParams(root.params);
  } catch (error) {
    if (error instanceof ScoringError) {
      throw new InvalidSnapshotError('$.params', error.message);
    }
    throw error;
  }
  const epochRounds = integer('$.epochRounds', root.epochRounds, Number.MAX_SAFE_INTEGER);

  const known = new Set<number>();
  const uids = array('$.uids', root.uids, MAX_UID + 1).map((raw, i): UidSnapshot => {
    const path = `$.uids[${i}]`;
    const o = object(path, raw);
    const uid = integer(`${path}.uid`, o.uid, MAX_UID);
    if (known.has(uid)) fail(`${path}.uid`, `uid ${uid} appears twice`);
    known.add(uid);
    return {
      uid,
      hotkey: id(`${path}.hotkey`, o.hotkey),
      score: nonNegative(`${path}.score`, o.score),
      pendingReward: finite(`${path}.pendingReward`, o.pendingReward),
    };
  });

  const jobIds = new Set<string>();
  const jobs = array('$.jobs', root.jobs, Number.MAX_SAFE_INTEGER).map((raw, i): JobSnapshot => {
    const path = `$.jobs[${i}]`;
    const o = object(path, raw);
    const jobId = id(`${path}.jobId`, o.jobId);
    if (jobIds.has(jobId)) fail(`${path}.jobId`, `job '${jobId}' appears twice`);
    jobIds.add(jobId);
    const caCount = nullable(o.caCount, (v) => integer(`${path}.caCount`, v, MAX_CA_ATOMS));
    if (caCount === 0) fail(`${path}.caCount`, 'expected at least one atom or null');
    const createdAtMs = nonNegative(`${path}.createdAtMs`, o.createdAtMs);
    const lastTimeMs = nonNegative(`${path}.lastTimeMs`, o.lastTimeMs);
    if (lastTimeMs < createdAtMs) fail(`${path}.lastTimeMs`, 'earlier than createdAtMs');
    const best = nullable(o.best, (v): BestSnapshot => {
      const b = object(`${path}.best`, v);
      return {
        energyKjMol: finite(`${path}.best.energyKjMol`, b.energyKjMol),
        committedAtMs: nonNegative(`${path}.best.committedAtMs`, b.committedAtMs),
        caCenteredNm: nullable(b.caCenteredNm, (c) =>
          coordinates(`${path}.best.caCenteredNm`, c, caCount),
        ),
        holder: nullable(b.holder, (h) => {
          const uid = integer(`${path}.best.holder`, h, MAX_UID);
          if (!known.has(uid)) fail(`${path}.best.holder`, `uid ${uid} is not in uids`);
          return uid;
        }),
      };
    });
    const slots = new Set<number>();
    const round = array(`${path}.round`, o.round, MAX_UID + 1).map((r, k): RoundEntrySnapshot => {
      const rp = `${path}.round[${k}]`;
      const e = object(rp, r);
      const uid = integer(`${rp}.uid`, e.uid, MAX_UID);
      if (!known.has(uid)) fail(`${rp}.uid`, `uid ${uid} is not in uids`);
      if (slots.has(uid)) fail(`${rp}.uid`, `uid ${uid} has two entries in one round`);
      slots.add(uid);
      const energyKjMol = nullable(e.energyKjMol, (v) => finite(`${rp}.energyKjMol`, v));
      const committedAtMs = nullable(e.committedAtMs, (v) => nonNegative(`${rp}.committedAtMs`, v));
      const caCenteredNm = nullable(e.caCenteredNm, (c) =>
        coordinates(`${rp}.caCenteredNm`, c, caCount),
      );
      if ((energyKjMol === null) !== (committedAtMs === null)) {
        fail(rp, 'energyKjMol and committedAtMs must both be null (a failure) or both be set');
      }
      if (energyKjMol === null && caCenteredNm !== null)
        fail(rp, 'a failure carries no coordinates');
      return { uid, energyKjMol, committedAtMs, caCenteredNm };
    });
    return {
      jobId,
      createdAtMs,
      atomCount: integer(`${path}.atomCount`, o.atomCount, Number.MAX_SAFE_INTEGER),
      generation: integer(`${path}.generation`, o.generation, Number.MAX_SAFE_INTEGER),
      updates: integer(`${path}.updates`, o.updates, Number.MAX_SAFE_INTEGER),
      lastImprovementAtMs: nullable(o.lastImprovementAtMs, (v) =>
        nonNegative(`${path}.lastImprovementAtMs`, v),
      ),
      lastTimeMs,
      caCount,
      startEnergyKjMol: nullable(o.startEnergyKjMol, (v) => finite(`${path}.startEnergyKjMol`, v)),
      startCaCenteredNm: nullable(o.startCaCenteredNm, (c) =>
        coordinates(`${path}.startCaCenteredNm`, c, caCount),
      ),
      best,
      barred: uidList(`${path}.barred`, o.barred, known),
      round,
    };
  });

  return { format: 'fold-score-book', version: 1, params, epochRounds, uids, jobs };
}
