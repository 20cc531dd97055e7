import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Static, TSchema } from '@sinclair/typebox';
import { type JobStore, toJobStoreError } from './connection.js';
import { InvalidInputError, type JobStoreError, VersionConflictError } from './errors.js';
import { LuaScript } from './lua-script.js';
import type { RecordCodec } from './record-codec.js';

/** A stored record with the version that every change bumps (1 after creation). */
export type Versioned<T> = T & { readonly version: number };

/** Membership of a record in a sorted-set index. */
export interface IndexEntry {
  readonly key: string;
  readonly score: number;
}

/** Options of an update: optimistic concurrency and idempotency. */
export interface UpdateOptions {
  /** Apply only if the record is still at this version; otherwise {@link VersionConflictError}. */
  expectedVersion?: number;
  /**
   * Applying the same transition id twice is a no-op (the second call returns `applied: false`).
   * The last {@link TRANSITIONS_REMEMBERED} ids per record are remembered.
   */
  transitionId?: string;
}

/** What an update did. */
export interface UpdateResult<T> {
  readonly record: Versioned<T>;
  /** False when the change was a no-op or this transition id had already been applied. */
  readonly applied: boolean;
}

/** How many transition ids each record remembers for idempotency. */
export const TRANSITIONS_REMEMBERED = 1_000;
/** Attempts of a blind update (no expected version) racing other writers before it gives up. */
const MAX_ATTEMPTS = 64;

const ID_PATTERN = /^[A-Za-z0-9._-]{1,200}$/;
const TRANSITION_ID_PATTERN = /^[A-Za-z0-9._:-]{1,160}$/;

/**
 * Compare-and-set of one record: checks the transition id and the version, then writes the JSON,
 * remembers the transition id and moves the record between index sorted sets, all in one step.
 * KEYS: record hash, transition-id zset, indexes to leave..., indexes to be in...
 * ARGV: expected version, data, transition id, member id, #indexes to leave, now, ids kept, scores...
 */
const compareAndSet = new LuaScript(`
local txid = ARGV[3]
if txid ~= '' and redis.call('ZSCORE', KEYS[2], txid) then
  return {'duplicate', redis.call('HGET', KEYS[1], 'v') or '0'}
end
local current = redis.call('HGET', KEYS[1], 'v') or '0'
if current ~= ARGV[1] then
  return {'conflict', current}
end
local nextVersion = tostring(tonumber(current) + 1)
redis.call('HSET', KEYS[1], 'v', nextVersion, 'd', ARGV[2])
if txid ~= '' then
  redis.call('ZADD', KEYS[2], ARGV[6], txid)
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, -(tonumber(ARGV[7]) + 1))
end
local leave = tonumber(ARGV[5])
for i = 3, 2 + leave do
  redis.call('ZREM', KEYS[i], ARGV[4])
end
for i = 3 + leave, #KEYS do
  redis.call('ZADD', KEYS[i], ARGV[8 + i - 3 - leave], ARGV[4])
end
return {'ok', nextVersion}
`);

/** KEYS: record hash, transition-id zset, indexes...; ARGV: expected version ('' any), member id. */
const deleteRecord = new LuaScript(`
local current = redis.call('HGET', KEYS[1], 'v')
if not current then
  return {'missing', '0'}
end
if ARGV[1] ~= '' and current ~= ARGV[1] then
  return {'conflict', current}
end
redis.call('DEL', KEYS[1], KEYS[2])
for i = 3, #KEYS do
  redis.call('ZREM', KEYS[i], ARGV[2])
end
return {'ok', current}
`);

/** Configuration of a {@link VersionedTable}. */
export interface VersionedTableConfig<S extends TSchema> {
  store: JobStore;
  /** Key segment after the prefix, e.g. `vjob`. */
  namespace: string;
  codec: RecordCodec<S>;
  /** The sorted-set indexes a record belongs to (full keys). */
  indexesOf: (record: Static<S>) => readonly IndexEntry[];
  notFound: (id: string) => JobStoreError;
  /** Label for error messages, e.g. `validator job`. */
  what: string;
}

type CasReply = [status: 'ok' | 'duplicate' | 'conflict' | 'missing', version: string];

function isCasReply(value: unknown): value is CasReply {
  return (
    Array.isArray(value) &&
    value.length === 2 &&
    typeof value[0] === 'string' &&
    typeof value[1] === 'string'
  );
}

/**
 * JSON records in Redis hashes (`v` version, `d` data) with atomic, idempotent, versioned updates
 * and sorted-set indexes. The change itself is a pure function of the current record, computed
 * here and written with a compare-and-set script; a concurrent writer makes it read and try again.
 */
export class VersionedTable<S extends TSchema> {
  constructor(private readonly config: VersionedTableConfig<S>) {}

  private get store(): JobStore {
    return this.config.store;
  }

  /** @throws {InvalidInputError} */
  checkId(id: string): void {
    if (!ID_PATTERN.test(id)) {
      throw new InvalidInputError(
        `invalid ${this.config.what} id ${JSON.stringify(id).slice(0, 80)}: letters, digits and "._-", up to 200`,
        { field: 'id' },
      );
    }
  }

  recordKey(id: string): string {
    return this.store.key(this.config.namespace, 'rec', id);
  }

  private transitionsKey(id: string): string {
    return this.store.key(this.config.namespace, 'tx', id);
  }

  /** Key of a sorted-set index of this table. */
  indexKey(...parts: string[]): string {
    return this.store.key(this.config.namespace, 'idx', ...parts);
  }

  private decode(id: string, version: string, data: string): Versioned<Static<S>> {
    const record = this.config.codec.parseStored(data, this.recordKey(id));
    return { ...(record as object), version: Number(version) } as Versioned<Static<S>>;
  }

  private encode(record: Static<S>, id: string): string {
    const { version: _version, ...data } = record as Record<string, unknown>;
    this.config.codec.checkInput(data, { id });
    return JSON.stringify(data);
  }

  /** The record, or undefined. @throws {CorruptRecordError} @throws {ConnectionLostError} */
  async get(id: string): Promise<Versioned<Static<S>> | undefined> {
    this.checkId(id);
    const key = this.recordKey(id);
    const [version, data] = await this.store.run(
      `read ${this.config.what}`,
      () => this.store.redis.hmget(key, 'v', 'd'),
      key,
    );
    if (version === null || version === undefined || data === null || data === undefined)
      return undefined;
    return this.decode(id, version, data);
  }

  /** The record. @throws {JobStoreError} the table's not-found error */
  async require(id: string): Promise<Versioned<Static<S>>> {
    const record = await this.get(id);
    if (record === undefined) throw this.config.notFound(id);
    return record;
  }

  /** Records by id, in order, skipping ids that have none. */
  async getMany(ids: readonly string[]): Promise<Versioned<Static<S>>[]> {
    if (ids.length === 0) return [];
    const replies = await this.store.run(`read ${this.config.what}s`, async () => {
      const pipeline = this.store.redis.pipeline();
      for (const id of ids) pipeline.hmget(this.recordKey(id), 'v', 'd');
      return (await pipeline.exec()) ?? [];
    });
    const records: Versioned<Static<S>>[] = [];
    replies.forEach(([error, reply], i) => {
      if (error) throw toJobStoreError(error, { operation: `read ${this.config.what}s` });
      const [version, data] = reply as [string | null, string | null];
      const id = ids[i] as string;
      if (version !== null && data !== null) records.push(this.decode(id, version, data));
    });
    return records;
  }

  /**
   * Creates the record unless one exists under this id; then it returns the existing one with
   * `created: false` (creation is idempotent).
   */
  async create(
    id: string,
    record: Static<S>,
  ): Promise<{ record: Versioned<Static<S>>; created: boolean }> {
    this.checkId(id);
    const reply = await this.cas(id, 0, record, undefined, []);
    if (reply[0] === 'ok')
      return {
        record: { ...(record as object), version: 1 } as Versioned<Static<S>>,
        created: true,
      };
    return { record: await this.require(id), created: false };
  }

  /**
   * Applies `change` to the current record atomically. `change` returns the new record, or
   * undefined when nothing changes; it may run more than once when other writers race this one,
   * so it must be pure. It may throw (e.g. {@link InvalidTransitionError}) to refuse the change.
   * @throws {VersionConflictError} when `expectedVersion` is stale, or after many lost races
   * @throws {JobStoreError} the table's not-found error
   */
  async update(
    id: string,
    change: (current: Versioned<Static<S>>) => Static<S> | undefined,
    options: UpdateOptions = {},
  ): Promise<UpdateResult<Static<S>>> {
    this.checkId(id);
    const own = options.transitionId === undefined;
    if (!own && !TRANSITION_ID_PATTERN.test(options.transitionId as string)) {
      throw new InvalidInputError('invalid transition id: letters, digits and "._:-", up to 160', {
        field: 'transitionId',
      });
    }
    // Without a caller's id, a fresh one still guards against ioredis resending a script whose
    // reply was lost with the connection: the resend finds its own id and changes nothing.
    const transitionId = options.transitionId ?? randomUUID();
    const key = this.recordKey(id);
    for (let attempt = 1; ; attempt++) {
      const [snapshot, seen] = await this.store.run(
        `read ${this.config.what}`,
        async () => {
          const replies = await this.store.redis
            .multi()
            .hmget(key, 'v', 'd')
            .zscore(this.transitionsKey(id), transitionId)
            .exec();
          return [replies?.[0]?.[1], replies?.[1]?.[1]] as [
            [string | null, string | null] | undefined,
            string | null | undefined,
          ];
        },
        key,
      );
      const [version, data] = snapshot ?? [null, null];
      if (version === null || data === null) throw this.config.notFound(id);
      const current = this.decode(id, version, data);
      if (seen !== null && seen !== undefined) return { record: current, applied: own };
      if (options.expectedVersion !== undefined && current.version !== options.expectedVersion) {
        throw new VersionConflictError(id, options.expectedVersion, current.version);
      }
      const next = change(current);
      if (next === undefined) return { record: current, applied: false };
      const leave = this.config
        .indexesOf(current)
        .filter((old) => !this.config.indexesOf(next).some((entry) => entry.key === old.key));
      const reply = await this.cas(id, current.version, next, transitionId, leave);
      if (reply[0] === 'ok') {
        return {
          record: { ...(next as object), version: Number(reply[1]) } as Versioned<Static<S>>,
          applied: true,
        };
      }
      if (reply[0] === 'duplicate') {
        return { record: await this.require(id), applied: own };
      }
      const actual = Number(reply[1]);
      if (actual === 0) throw this.config.notFound(id);
      if (options.expectedVersion !== undefined || attempt >= MAX_ATTEMPTS) {
        throw new VersionConflictError(id, current.version, actual);
      }
      // Another writer won the race: back off a little (jittered) and rebase on its result.
      await sleep(Math.floor(Math.random() * Math.min(2 ** attempt, 50)));
    }
  }

  private async cas(
    id: string,
    expectedVersion: number,
    record: Static<S>,
    transitionId: string | undefined,
    leave: readonly IndexEntry[],
  ): Promise<CasReply> {
    const json = this.encode(record, id);
    const enter = this.config.indexesOf(record);
    const key = this.recordKey(id);
    const reply = await this.store.run(
      `write ${this.config.what}`,
      () =>
        compareAndSet.run(
          this.store.redis,
          [key, this.transitionsKey(id), ...leave.map((e) => e.key), ...enter.map((e) => e.key)],
          [
            String(expectedVersion),
            json,
            transitionId ?? '',
            id,
            leave.length,
            Date.now(),
            TRANSITIONS_REMEMBERED,
            ...enter.map((e) => e.score),
          ],
        ),
      key,
    );
    if (!isCasReply(reply))
      throw new Error(`unexpected compare-and-set reply ${JSON.stringify(reply)}`);
    return reply;
  }

  /**
   * Deletes the record, its remembered transition ids and its index entries. Returns false when
   * there was none. @throws {VersionConflictError} when `expectedVersion` is stale
   */
  async delete(id: string, options: { expectedVersion?: number } = {}): Promise<boolean> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.get(id);
      if (current === undefined) return false;
      const expected = options.expectedVersion ?? current.version;
      const reply = await this.store.run(
        `delete ${this.config.what}`,
        () =>
          deleteRecord.run(
            this.store.redis,
            [
              this.recordKey(id),
              this.transitionsKey(id),
              ...this.config.indexesOf(current).map((e) => e.key),
            ],
            [String(expected), id],
          ),
        this.recordKey(id),
      );
      if (!isCasReply(reply)) throw new Error(`unexpected delete reply ${JSON.stringify(reply)}`);
      if (reply[0] === 'ok') return true;
      if (reply[0] === 'missing') return false;
      if (options.expectedVersion !== undefined || attempt >= MAX_ATTEMPTS) {
        throw new VersionConflictError(id, expected, Number(reply[1]));
      }
    }
  }

  /** Ids in an index, lowest score first (or highest with `reverse`). */
  async listIds(
    indexKey: string,
    options: { offset?: number; limit?: number; reverse?: boolean } = {},
  ): Promise<string[]> {
    const offset = options.offset ?? 0;
    const limit = options.limit ?? 1_000;
    if (!Number.isInteger(offset) || offset < 0 || !Number.isInteger(limit) || limit < 1) {
      throw new InvalidInputError(
        `offset must be >= 0 and limit >= 1 (integers), not ${offset}/${limit}`,
        {
          field: 'limit',
        },
      );
    }
    const stop = offset + limit - 1;
    return this.store.run(
      `list ${this.config.what}s`,
      () =>
        options.reverse === true
          ? this.store.redis.zrevrange(indexKey, String(offset), String(stop))
          : this.store.redis.zrange(indexKey, String(offset), String(stop)),
      indexKey,
    );
  }

  /** Records in an index (see {@link listIds}). */
  async list(
    indexKey: string,
    options: { offset?: number; limit?: number; reverse?: boolean } = {},
  ): Promise<Versioned<Static<S>>[]> {
    return this.getMany(await this.listIds(indexKey, options));
  }

  /** Ids in an index whose score is at most `maxScore`. */
  async listIdsUpTo(indexKey: string, maxScore: number, limit = 1_000): Promise<string[]> {
    return this.store.run(
      `list ${this.config.what}s`,
      () => this.store.redis.zrangebyscore(indexKey, '-inf', maxScore, 'LIMIT', 0, limit),
      indexKey,
    );
  }

  /** Number of records in an index. */
  async count(indexKey: string): Promise<number> {
    return this.store.run(
      `count ${this.config.what}s`,
      () => this.store.redis.zcard(indexKey),
      indexKey,
    );
  }
}
