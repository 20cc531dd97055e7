import { randomBytes } from 'node:crypto';
import type { JobStore } from '@fold/job-store';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Ajv, type ValidateFunction } from 'ajv';
import { StoreCorruptError } from './errors.js';

// What the validator keeps in Redis beside the job table: per-miner protocol state of each job,
// claims waiting for verification, detailed verdicts, structure series, the score book, the
// weights last set. Every value is JSON checked against its schema when read back.

const Hotkey = Type.String({ pattern: '^[1-9A-HJ-NP-Za-km-z]{46,48}$' });
const Uid = Type.Integer({ minimum: 0, maximum: 65_535 });
const TimeMs = Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 });
const Energy = Type.Number({ minimum: -1e15, maximum: 1e15 });
const Step = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const Stage = Type.String({ pattern: '^[a-z][a-z0-9_-]{0,31}$' });
const Sha256 = Type.String({ pattern: '^[0-9a-f]{64}$' });
const MinerJobId = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' });
const ArtefactName = Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.+-]{0,99}$' });
const Nullable = <T extends TSchema>(schema: T) => Type.Union([schema, Type.Null()]);

/** The last progress a miner reported for a job. */
export const ReportSchema = Type.Object(
  {
    state: Type.String({ maxLength: 16 }),
    stage: Nullable(Stage),
    step: Step,
    simulatedTimePs: Type.Number({ minimum: 0 }),
    bestEnergyKjMol: Nullable(Energy),
    bestStage: Nullable(Stage),
    bestStep: Nullable(Step),
    bestCommitment: Nullable(Sha256),
    nsPerDay: Nullable(Type.Number({ minimum: 0 })),
    error: Nullable(Type.String({ maxLength: 256 })),
    at: TimeMs,
  },
  { additionalProperties: false },
);
/** {@link ReportSchema}. */
export type MinerReport = Static<typeof ReportSchema>;

/** The protocol side of one miner's assignment in one job. */
export const MinerJobStateSchema = Type.Object(
  {
    uid: Uid,
    hotkey: Hotkey,
    /** The job id the miner knows: the job's, or `<job>-r<generation>` after a rebase. */
    minerJobId: MinerJobId,
    generation: Type.Integer({ minimum: 0, maximum: 100_000 }),
    seed: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
    /** The miner accepted the assignment (or already had it). */
    delivered: Type.Boolean(),
    deliveryAttempts: Type.Integer({ minimum: 0 }),
    /** The etag of its last progress report ("" before the first). */
    etag: Type.String({ maxLength: 64 }),
    /** Consecutive failed queries. */
    failedQueries: Type.Integer({ minimum: 0 }),
    lastReport: Type.Optional(ReportSchema),
    /** The last best-frame commitment judged for a claim (each is judged once). */
    consideredCommitment: Type.Optional(Sha256),
  },
  { additionalProperties: false },
);
/** {@link MinerJobStateSchema}. */
export type MinerJobState = Static<typeof MinerJobStateSchema>;

/** A claimed improvement waiting for verification. */
export const ClaimSchema = Type.Object(
  {
    jobId: Type.String({ pattern: '^[A-Za-z0-9_-]{1,128}$' }),
    uid: Uid,
    hotkey: Hotkey,
    minerJobId: MinerJobId,
    generation: Type.Integer({ minimum: 0 }),
    seed: Type.Integer({ minimum: 0, maximum: 2_147_483_647 }),
    stage: Stage,
    step: Step,
    energyKjMol: Energy,
    commitment: Sha256,
    /** When the validator first saw the commitment (miners cannot backdate it). */
    committedAtMs: TimeMs,
    /** Simulated time and wall time of the assignment when the claim was seen. */
    simulatedTimePs: Type.Number({ minimum: 0 }),
    assignedAtMs: TimeMs,
    seenAtMs: TimeMs,
    /** Fetches tried so far (a retry comes with the next run). */
    attempts: Type.Optional(Type.Integer({ minimum: 0 })),
    /** Set once the artefacts are in the job's `artefacts/` directory, waiting for verification. */
    fetched: Type.Optional(
      Type.Object(
        {
          atMs: TimeMs,
          fetchMs: Type.Integer({ minimum: 0 }),
          bytes: Type.Integer({ minimum: 0 }),
          /** Role → file name in the claim's artefacts directory. */
          files: Type.Partial(
            Type.Object(
              {
                frame: ArtefactName,
                edr: ArtefactName,
                log: ArtefactName,
                tpr: ArtefactName,
              },
              { additionalProperties: false },
            ),
          ),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
/** {@link ClaimSchema}. */
export type Claim = Static<typeof ClaimSchema>;

/** One point of a job's structure series: the best frame's shape when its verdict came. */
export const StructurePointSchema = Type.Object(
  {
    at: TimeMs,
    uid: Uid,
    hotkey: Hotkey,
    stage: Stage,
    step: Step,
    energyKjMol: Energy,
    /** C-alpha RMSD to the job's starting structure after superposition, nm. */
    rmsdNm: Type.Number({ minimum: 0 }),
    /** Radius of gyration of the protein's heavy atoms, nm. */
    radiusOfGyrationNm: Type.Number({ minimum: 0 }),
  },
  { additionalProperties: false },
);
/** {@link StructurePointSchema}. */
export type StructurePoint = Static<typeof StructurePointSchema>;

/** A frame a miner submitted and the validator verified, kept for anti-copy checks. */
export const SubmissionSchema = Type.Object(
  {
    uid: Uid,
    hotkey: Hotkey,
    commitment: Sha256,
    committedAtMs: TimeMs,
    /** The frame's file in the job's `frames/` directory. */
    file: Type.String({ pattern: '^[A-Za-z0-9_.-]{1,128}\\.trr$' }),
  },
  { additionalProperties: false },
);
/** {@link SubmissionSchema}. */
export type Submission = Static<typeof SubmissionSchema>;

/** The weights last set (or logged in a dry run). */
export const WeightsRecordSchema = Type.Object(
  {
    at: TimeMs,
    mode: Type.Union([Type.Literal('set'), Type.Literal('commit'), Type.Literal('dry-run')]),
    blockNumber: Nullable(Type.Integer({ minimum: 0 })),
    uids: Type.Array(Uid, { maxItems: 65_536 }),
    /** u16 values as the chain stores them. */
    weights: Type.Array(Type.Integer({ minimum: 0, maximum: 65_535 }), { maxItems: 65_536 }),
  },
  { additionalProperties: false },
);
/** {@link WeightsRecordSchema}. */
export type WeightsRecord = Static<typeof WeightsRecordSchema>;

const ajv = new Ajv({ allErrors: false, strict: true });
const checkers = new Map<TSchema, ValidateFunction>();
function parse<T extends TSchema>(schema: T, text: string, key: string): Static<T> {
  let check = checkers.get(schema);
  if (check === undefined) {
    check = ajv.compile(schema);
    checkers.set(schema, check);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new StoreCorruptError(`${key} does not hold JSON`, { details: { key }, cause });
  }
  if (!check(value)) {
    const error = check.errors?.[0];
    throw new StoreCorruptError(
      `${key} ${error?.instancePath ?? ''} ${error?.message ?? 'is invalid'}`.replace(/\s+/g, ' '),
      { details: { key } },
    );
  }
  return value as Static<T>;
}

/** Most points kept per job in a structure series. */
export const MAX_STRUCTURE_POINTS = 2_000;
/** Most submissions remembered per job for anti-copy checks (the newest). */
export const MAX_SUBMISSIONS = 200;
/** Most weight settings remembered. */
export const MAX_WEIGHTS_LOG = 200;

/** Typed access to the validator's keys beside the job table. */
export class ValidatorState {
  constructor(private readonly store: JobStore) {}

  private key(...parts: string[]): string {
    return this.store.key('v', ...parts);
  }

  private get redis() {
    return this.store.redis;
  }

  /**
   * The validator's secret salt for seeds: made once (random, 32 bytes) and kept, so that a
   * restarted validator derives the same seeds.
   */
  async salt(): Promise<string> {
    const key = this.key('salt');
    await this.store.run('SET', () => this.redis.set(key, randomBytes(32).toString('hex'), 'NX'));
    const salt = await this.store.run('GET', () => this.redis.get(key));
    if (salt === null || !/^[0-9a-f]{64}$/.test(salt))
      throw new StoreCorruptError(`${key} is not a 32-byte hex salt`, { details: { key } });
    return salt;
  }

  /** The next number of the sampling sequence (1, 2, ...). */
  async nextSampleNumber(): Promise<number> {
    return this.store.run('INCR', () => this.redis.incr(this.key('sample-counter')));
  }

  /** The protocol state of every miner of a job, by uid. */
  async minerStates(jobId: string): Promise<Map<number, MinerJobState>> {
    const key = this.key('miners', jobId);
    const all = await this.store.run('HGETALL', () => this.redis.hgetall(key));
    const out = new Map<number, MinerJobState>();
    for (const [field, text] of Object.entries(all)) {
      const state = parse(MinerJobStateSchema, text, `${key}[${field}]`);
      out.set(state.uid, state);
    }
    return out;
  }

  /** {@link minerStates} of many jobs in one round trip. */
  async minerStatesOf(jobIds: readonly string[]): Promise<Map<string, Map<number, MinerJobState>>> {
    const out = new Map<string, Map<number, MinerJobState>>();
    if (jobIds.length === 0) return out;
    const pipeline = this.redis.pipeline();
    for (const jobId of jobIds) pipeline.hgetall(this.key('miners', jobId));
    const results = await this.store.run('HGETALL', () => pipeline.exec());
    jobIds.forEach((jobId, i) => {
      const [error, all] = results?.[i] ?? [null, {}];
      if (error) throw error;
      const states = new Map<number, MinerJobState>();
      for (const [field, text] of Object.entries((all ?? {}) as Record<string, string>)) {
        const state = parse(MinerJobStateSchema, text, `miners:${jobId}[${field}]`);
        states.set(state.uid, state);
      }
      out.set(jobId, states);
    });
    return out;
  }

  /** Writes miners' states (several jobs at once). */
  async saveMinerStates(
    entries: readonly { jobId: string; state: MinerJobState }[],
  ): Promise<void> {
    if (entries.length === 0) return;
    const pipeline = this.redis.multi();
    for (const { jobId, state } of entries)
      pipeline.hset(this.key('miners', jobId), String(state.uid), JSON.stringify(state));
    await this.store.run('HSET', () => pipeline.exec());
  }

  /** Claims waiting for verification, oldest first. */
  async pendingClaims(): Promise<Claim[]> {
    const key = this.key('claims');
    const all = await this.store.run('HGETALL', () => this.redis.hgetall(key));
    return Object.entries(all)
      .map(([field, text]) => parse(ClaimSchema, text, `${key}[${field}]`))
      .sort((a, b) => a.seenAtMs - b.seenAtMs || a.jobId.localeCompare(b.jobId) || a.uid - b.uid);
  }

  /** Adds claims (a claim already pending is kept as it was). */
  async addClaims(claims: readonly Claim[]): Promise<void> {
    if (claims.length === 0) return;
    const pipeline = this.redis.multi();
    for (const claim of claims)
      pipeline.hsetnx(this.key('claims'), claimKey(claim), JSON.stringify(claim));
    await this.store.run('HSETNX', () => pipeline.exec());
  }

  /** Replaces a pending claim (its attempt count). */
  async updateClaim(claim: Claim): Promise<void> {
    await this.store.run('HSET', () =>
      this.redis.hset(this.key('claims'), claimKey(claim), JSON.stringify(claim)),
    );
  }

  /** Removes a claim once its verdict is recorded and scored. */
  async removeClaim(claim: Claim): Promise<void> {
    await this.store.run('HDEL', () => this.redis.hdel(this.key('claims'), claimKey(claim)));
  }

  /** Removes every pending claim of a job (it ended). */
  async removeClaimsOf(jobId: string): Promise<void> {
    const claims = (await this.pendingClaims()).filter((c) => c.jobId === jobId);
    if (claims.length === 0) return;
    await this.store.run('HDEL', () =>
      this.redis.hdel(this.key('claims'), ...claims.map(claimKey)),
    );
  }

  /** A detailed verdict (what the verifier returned), by job, uid and commitment. */
  async verdictDetail(
    jobId: string,
    uid: number,
    commitment: string,
  ): Promise<unknown | undefined> {
    const text = await this.store.run('HGET', () =>
      this.redis.hget(this.key('verdicts', jobId), `${uid}:${commitment}`),
    );
    if (text === null) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch (cause) {
      throw new StoreCorruptError(`verdicts:${jobId} holds a verdict that is not JSON`, {
        details: { key: this.key('verdicts', jobId) },
        cause,
      });
    }
  }

  /** Every detailed verdict of a job. */
  async verdictDetails(jobId: string): Promise<unknown[]> {
    const all = await this.store.run('HGETALL', () =>
      this.redis.hgetall(this.key('verdicts', jobId)),
    );
    return Object.values(all).map((text) => JSON.parse(text) as unknown);
  }

  /** Keeps a detailed verdict (JSON-serialisable). */
  async saveVerdictDetail(
    jobId: string,
    uid: number,
    commitment: string,
    verdict: unknown,
  ): Promise<void> {
    await this.store.run('HSET', () =>
      this.redis.hset(this.key('verdicts', jobId), `${uid}:${commitment}`, JSON.stringify(verdict)),
    );
  }

  /** A job's verified submissions (for anti-copy checks), oldest first. */
  async submissions(jobId: string): Promise<Submission[]> {
    const key = this.key('submissions', jobId);
    const items = await this.store.run('LRANGE', () => this.redis.lrange(key, 0, -1));
    return items.map((text, i) => parse(SubmissionSchema, text, `${key}[${i}]`));
  }

  /** Remembers a verified submission (the frame is kept in the job's `frames/` directory). */
  async addSubmission(jobId: string, submission: Submission): Promise<void> {
    const key = this.key('submissions', jobId);
    await this.store.run('RPUSH', () =>
      this.redis
        .multi()
        .rpush(key, JSON.stringify(submission))
        .ltrim(key, -MAX_SUBMISSIONS, -1)
        .exec(),
    );
  }

  /** A job's structure series, oldest first. */
  async structureSeries(jobId: string): Promise<StructurePoint[]> {
    const key = this.key('structures', jobId);
    const items = await this.store.run('LRANGE', () => this.redis.lrange(key, 0, -1));
    return items.map((text, i) => parse(StructurePointSchema, text, `${key}[${i}]`));
  }

  /** Appends to a job's structure series (the oldest points go beyond the limit). */
  async addStructurePoint(jobId: string, point: StructurePoint): Promise<void> {
    const key = this.key('structures', jobId);
    await this.store.run('RPUSH', () =>
      this.redis
        .multi()
        .rpush(key, JSON.stringify(point))
        .ltrim(key, -MAX_STRUCTURE_POINTS, -1)
        .exec(),
    );
  }

  /** The score book's saved state, or undefined before the first save. */
  async scoreBookText(): Promise<string | undefined> {
    const text = await this.store.run('GET', () => this.redis.get(this.key('score-book')));
    return text ?? undefined;
  }

  /** Replaces the score book's saved state (one SET: atomic). */
  async saveScoreBookText(text: string): Promise<void> {
    await this.store.run('SET', () => this.redis.set(this.key('score-book'), text));
  }

  /** The weights last set, or undefined. */
  async lastWeights(): Promise<WeightsRecord | undefined> {
    const key = this.key('weights', 'log');
    const text = await this.store.run('LINDEX', () => this.redis.lindex(key, -1));
    return text === null ? undefined : parse(WeightsRecordSchema, text, key);
  }

  /** Remembers weights that were set. */
  async addWeights(record: WeightsRecord): Promise<void> {
    const key = this.key('weights', 'log');
    await this.store.run('RPUSH', () =>
      this.redis.multi().rpush(key, JSON.stringify(record)).ltrim(key, -MAX_WEIGHTS_LOG, -1).exec(),
    );
  }

  /** Counts a recorded verdict for the leaderboard. */
  async countVerdict(uid: number, accepted: boolean): Promise<void> {
    await this.store.run('HINCRBY', () =>
      this.redis.hincrby(
        this.key('verdict-counts'),
        `${uid}:${accepted ? 'accepted' : 'rejected'}`,
        1,
      ),
    );
  }

  /** Verdicts recorded per uid. */
  async verdictCounts(): Promise<Map<number, { accepted: number; rejected: number }>> {
    const all = await this.store.run('HGETALL', () =>
      this.redis.hgetall(this.key('verdict-counts')),
    );
    const out = new Map<number, { accepted: number; rejected: number }>();
    for (const [field, text] of Object.entries(all)) {
      const match = /^(\d{1,5}):(accepted|rejected)$/.exec(field);
      const count = Number(text);
      if (match === null || !Number.isSafeInteger(count)) continue;
      const uid = Number(match[1]);
      const entry = out.get(uid) ?? { accepted: 0, rejected: 0 };
      entry[match[2] as 'accepted' | 'rejected'] = count;
      out.set(uid, entry);
    }
    return out;
  }

  /** Deletes what belongs to a job beside its record (after the job is deleted). */
  async forgetJob(jobId: string): Promise<void> {
    await this.store.run('DEL', () =>
      this.redis.del(
        this.key('miners', jobId),
        this.key('verdicts', jobId),
        this.key('structures', jobId),
        this.key('submissions', jobId),
      ),
    );
  }
}

/** The field of a claim in the claims hash. */
export function claimKey(claim: Pick<Claim, 'jobId' | 'uid' | 'commitment'>): string {
  return `${claim.jobId}|${claim.uid}|${claim.commitment}`;
}
