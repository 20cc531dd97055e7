import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { RevealStoreError } from './errors.js';

/**
 * A weights commit waiting for its reveal: everything the reveal needs, above all the salt, which
 * exists nowhere else. Saved before the commit is submitted, removed once revealed or expired.
 */
export interface PendingReveal {
  readonly netuid: number;
  /** SS58 address of the committing hotkey. */
  readonly hotkey: string;
  /** 0x hex of the 32-byte commit hash. */
  readonly commitHash: string;
  readonly uids: readonly number[];
  readonly weights: readonly number[];
  readonly salt: readonly number[];
  readonly versionKey: bigint;
  /** Block that included the commit; absent until it is known. */
  readonly commitBlock?: number;
  /** First block of the reveal window, from the chain's commit record. */
  readonly firstRevealBlock?: number;
  /** Last block of the reveal window; after it the commit has expired. */
  readonly lastRevealBlock?: number;
  /** ISO time the commit was prepared. */
  readonly createdAt: string;
}

/**
 * Where pending reveals are kept between a commit and its reveal, across restarts. The file store
 * below is the default; an app may supply another (e.g. Redis-backed) implementation.
 */
export interface RevealStore {
  /** Inserts or replaces the reveal with the same `commitHash`. Must be durable on return. */
  save(reveal: PendingReveal): Promise<void>;
  /** Every pending reveal, oldest first. */
  list(): Promise<PendingReveal[]>;
  /** Removes the reveal with this commit hash; nothing when there is none. */
  remove(commitHash: string): Promise<void>;
}

const u16 = Type.Integer({ minimum: 0, maximum: 65_535 });
const block = Type.Integer({ minimum: 0, maximum: Number.MAX_SAFE_INTEGER });
const storedRevealSchema = Type.Object(
  {
    netuid: u16,
    hotkey: Type.String({ minLength: 40, maxLength: 64, pattern: '^[1-9A-HJ-NP-Za-km-z]+$' }),
    commitHash: Type.String({ pattern: '^0x[0-9a-f]{64}$' }),
    uids: Type.Array(u16, { maxItems: 65_536 }),
    weights: Type.Array(u16, { maxItems: 65_536 }),
    salt: Type.Array(u16, { maxItems: 1024 }),
    versionKey: Type.String({ pattern: '^[0-9]{1,20}$' }),
    commitBlock: Type.Optional(block),
    firstRevealBlock: Type.Optional(block),
    lastRevealBlock: Type.Optional(block),
    createdAt: Type.String({ maxLength: 64 }),
  },
  { additionalProperties: false },
);
const storeFileSchema = Type.Object(
  { version: Type.Literal(1), reveals: Type.Array(storedRevealSchema, { maxItems: 100_000 }) },
  { additionalProperties: false },
);
type StoreFile = Static<typeof storeFileSchema>;
type StoredReveal = Static<typeof storedRevealSchema>;
const validateStoreFile = new Ajv({ allErrors: false }).compile<StoreFile>(storeFileSchema);

const MAX_STORE_BYTES = 64 * 1024 * 1024;

/**
 * Pending reveals in one JSON file, rewritten atomically (temporary file in the same directory,
 * fsync, rename) on every change; operations of one process are serialised. One process per file.
 */
export class FileRevealStore implements RevealStore {
  readonly path: string;
  #queue: Promise<unknown> = Promise.resolve();

  /** @param path the JSON file; its directory is created on the first write. */
  constructor(path: string) {
    this.path = resolve(path);
  }

  save(reveal: PendingReveal): Promise<void> {
    return this.#exclusive(async () => {
      const reveals = (await this.#read()).filter((r) => r.commitHash !== reveal.commitHash);
      reveals.push(toStored(reveal));
      await this.#write(reveals);
    });
  }

  list(): Promise<PendingReveal[]> {
    return this.#exclusive(async () => (await this.#read()).map(fromStored));
  }

  remove(commitHash: string): Promise<void> {
    return this.#exclusive(async () => {
      const reveals = await this.#read();
      const kept = reveals.filter((r) => r.commitHash !== commitHash);
      if (kept.length !== reveals.length) await this.#write(kept);
    });
  }

  #exclusive<T>(operation: () => Promise<T>): Promise<T> {
    const result = this.#queue.then(operation, operation);
    this.#queue = result.catch(() => undefined);
    return result;
  }

  async #read(): Promise<StoredReveal[]> {
    let sizeBytes: number;
    try {
      sizeBytes = (await stat(this.path)).size;
    } catch (cause) {
      if ((cause as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw storeError(this.path, 'cannot be read', cause);
    }
    if (sizeBytes > MAX_STORE_BYTES) {
      throw storeError(this.path, `is ${sizeBytes} bytes, over the ${MAX_STORE_BYTES} limit`);
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(this.path, 'utf8'));
    } catch (cause) {
      throw storeError(this.path, 'is not valid JSON', cause);
    }
    if (!validateStoreFile(parsed)) {
      const first = validateStoreFile.errors?.[0];
      throw storeError(
        this.path,
        `is malformed at ${first?.instancePath || '/'}: ${first?.message}`,
      );
    }
    return parsed.reveals;
  }

  async #write(reveals: StoredReveal[]): Promise<void> {
    const directory = dirname(this.path);
    const temporary = join(
      directory,
      `.${basename(this.path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`,
    );
    const content: StoreFile = { version: 1, reveals };
    if (!validateStoreFile(content)) {
      const first = validateStoreFile.errors?.[0];
      throw storeError(
        this.path,
        `refuses a malformed reveal at ${first?.instancePath}: ${first?.message}`,
      );
    }
    try {
      await mkdir(directory, { recursive: true });
      const handle = await open(temporary, 'wx', 0o600);
      try {
        await handle.writeFile(`${JSON.stringify(content, null, 1)}\n`);
        await handle.sync();
      } finally {
        await handle.close();
      }
      await rename(temporary, this.path);
    } catch (cause) {
      await rm(temporary, { force: true });
      throw storeError(this.path, 'cannot be written', cause);
    }
  }
}

function toStored(reveal: PendingReveal): StoredReveal {
  const stored: StoredReveal = {
    netuid: reveal.netuid,
    hotkey: reveal.hotkey,
    commitHash: reveal.commitHash.toLowerCase(),
    uids: [...reveal.uids],
    weights: [...reveal.weights],
    salt: [...reveal.salt],
    versionKey: reveal.versionKey.toString(),
    createdAt: reveal.createdAt,
  };
  if (reveal.commitBlock !== undefined) stored.commitBlock = reveal.commitBlock;
  if (reveal.firstRevealBlock !== undefined) stored.firstRevealBlock = reveal.firstRevealBlock;
  if (reveal.lastRevealBlock !== undefined) stored.lastRevealBlock = reveal.lastRevealBlock;
  return stored;
}

function fromStored(stored: StoredReveal): PendingReveal {
  return { ...stored, versionKey: BigInt(stored.versionKey) };
}

function storeError(path: string, message: string, cause?: unknown): RevealStoreError {
  return new RevealStoreError('REVEAL_STORE_FAILED', `reveal store ${path} ${message}`, {
    details: { file: path },
    cause,
  });
}
