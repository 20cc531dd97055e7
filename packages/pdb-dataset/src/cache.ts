import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { canonicalJson } from './canonical-json.js';
import { sha256Hex } from './entry-bytes.js';
import { CacheCorruptError } from './errors.js';

/** A file kept in a cache entry. */
export interface CachedFile {
  readonly name: string;
  readonly sha256: string;
  readonly sizeBytes: number;
}

/** What a cache entry holds: a JSON record and, optionally, files. */
export interface CacheEntry<T> {
  readonly key: string;
  readonly record: T;
  readonly files: readonly CachedFile[];
  /** Directory of the entry; its files are `join(dir, name)`. */
  readonly dir: string;
}

const RECORD_FILE = 'record.json';
const MAX_RECORD_BYTES = 16 * 1024 * 1024;

/** The cache key of some data: SHA-256 of its canonical JSON. */
export function contentKey(material: unknown): string {
  return sha256Hex(canonicalJson(material));
}

/**
 * A content-addressed store on disk: `<dir>/<key[0:2]>/<key>/` holds `record.json` and the
 * entry's files. Entries are written into a temporary directory and renamed into place, so a
 * reader sees a whole entry or none, and concurrent writers of one key keep the first. Entries
 * are never modified; the key covers everything that determines their content.
 */
export class ContentCache {
  constructor(readonly dir: string) {}

  private entryDir(key: string): string {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new RangeError(`cache key ${key} is not a sha256`);
    return join(this.dir, key.slice(0, 2), key);
  }

  /**
   * Reads an entry, checking each file's size and sha256 against the record.
   * @returns null when the key is not cached.
   * @throws {CacheCorruptError} when the entry exists but does not match what it recorded.
   */
  async get<T>(key: string): Promise<CacheEntry<T> | null> {
    const dir = this.entryDir(key);
    if (!existsSync(dir)) return null;
    let stored: { record: T; files: CachedFile[] };
    try {
      const path = join(dir, RECORD_FILE);
      if ((await stat(path)).size > MAX_RECORD_BYTES) throw new Error('record over 16 MiB');
      stored = JSON.parse(await readFile(path, 'utf8')) as { record: T; files: CachedFile[] };
    } catch (cause) {
      throw new CacheCorruptError(
        `cache entry ${dir} has no readable ${RECORD_FILE}; delete the directory to rebuild it`,
        {
          details: { dir },
          cause,
        },
      );
    }
    for (const file of stored.files) {
      const bytes = await readFile(join(dir, file.name)).catch(() => null);
      if (bytes === null || bytes.length !== file.sizeBytes || sha256Hex(bytes) !== file.sha256) {
        throw new CacheCorruptError(
          `cache entry ${dir}: ${file.name} is missing or does not match its sha256; delete the directory to rebuild it`,
          { details: { dir, file: file.name } },
        );
      }
    }
    return { key, record: stored.record, files: stored.files, dir };
  }

  /**
   * Stores a record and copies of `files` (absolute paths; kept under their base names) as one
   * entry. When the key already exists (another writer was first), the existing entry is kept.
   */
  async put<T>(key: string, record: T, files: readonly string[] = []): Promise<CacheEntry<T>> {
    const dir = this.entryDir(key);
    const parent = join(this.dir, key.slice(0, 2));
    await mkdir(parent, { recursive: true });
    const tmp = join(
      parent,
      `.tmp-${key.slice(0, 16)}-${process.pid}-${randomBytes(6).toString('hex')}`,
    );
    await mkdir(tmp);
    try {
      const listed: CachedFile[] = [];
      for (const path of files) {
        const name = basename(path);
        await copyFile(path, join(tmp, name));
        const bytes = await readFile(join(tmp, name));
        listed.push({ name, sha256: sha256Hex(bytes), sizeBytes: bytes.length });
      }
      listed.sort((a, b) => (a.name < b.name ? -1 : 1));
      await writeFileAtomic(join(tmp, RECORD_FILE), canonicalJson({ record, files: listed }));
      try {
        await rename(tmp, dir);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error;
      }
    } finally {
      await rm(tmp, { recursive: true, force: true });
    }
    const entry = await this.get<T>(key);
    if (entry === null)
      throw new CacheCorruptError(`cache entry ${dir} vanished right after it was written`);
    return entry;
  }
}
