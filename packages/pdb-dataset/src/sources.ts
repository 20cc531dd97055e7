import { existsSync } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { decodeEntryBytes, type EntryLimits } from './entry-bytes.js';
import { InvalidOptionsError, PdbDatasetError, PdbSourceError } from './errors.js';
import { dividedEntryPath, normalizePdbId } from './pdb-id.js';
import { parsePdb } from './pdb-parser.js';

/** Default limit on an entry's compressed size as stored or downloaded. */
export const DEFAULT_MAX_COMPRESSED_BYTES = 16 * 1024 * 1024;

/** An entry as fetched: its PDB text and where it came from. */
export interface PdbEntryFile {
  /** PDB id, lower case. */
  readonly id: string;
  /** PDB-format text. */
  readonly text: string;
  /** SHA-256 (hex) of the uncompressed text. */
  readonly sha256: string;
  /** Size of the uncompressed text, bytes. */
  readonly sizeBytes: number;
  /** `mirror` (a local divided-layout tree), `download` or `download-cache` (an earlier download). */
  readonly origin: 'mirror' | 'download' | 'download-cache';
  /** The URL an entry was downloaded from, for `download` and `download-cache`. */
  readonly url?: string;
}

/** Where entries come from. */
export interface PdbSource {
  /** Short description for messages (`mirror`, `rcsb https://files.rcsb.org/download/`). */
  readonly name: string;
  /**
   * Returns the entry `id`.
   * @throws {PdbSourceError} `ENTRY_NOT_FOUND` when this source does not have it, `DOWNLOAD_FAILED`.
   * @throws {PdbParseError} when the stored or downloaded bytes are not a usable entry.
   */
  fetchEntry(id: string, options?: { readonly signal?: AbortSignal }): Promise<PdbEntryFile>;
}

/** Limits shared by every source. */
export interface SourceLimits extends EntryLimits {
  /** Largest accepted compressed file, bytes. Default {@link DEFAULT_MAX_COMPRESSED_BYTES}. */
  readonly maxCompressedBytes?: number;
}

/**
 * The local PDB directory: `FOLD_PDB_DIR` when set, else `../shared/pdb` relative to the current
 * working directory (a documented fallback for running inside a checkout).
 */
export function defaultPdbDir(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.FOLD_PDB_DIR;
  return resolve(fromEnv !== undefined && fromEnv !== '' ? fromEnv : join('..', 'shared', 'pdb'));
}

function checkSize(label: string, sizeBytes: number, limits: SourceLimits): void {
  const max = limits.maxCompressedBytes ?? DEFAULT_MAX_COMPRESSED_BYTES;
  if (sizeBytes > max) {
    throw new PdbSourceError(
      'ENTRY_TOO_LARGE',
      `${label} is ${sizeBytes} bytes, over the limit of ${max}`,
      {
        details: { label, sizeBytes, maxCompressedBytes: max },
      },
    );
  }
}

/** Decodes and parses once so that a source never hands out (or caches) a file that cannot be used. */
function validated(
  id: string,
  bytes: Uint8Array,
  label: string,
  limits: SourceLimits,
): { text: string; sha256: string; sizeBytes: number } {
  const decoded = decodeEntryBytes(bytes, limits, label);
  const structure = parsePdb(decoded.text, { label });
  if (structure.idCode !== null && structure.idCode !== id) {
    throw new PdbSourceError(
      'ENTRY_NOT_FOUND',
      `${label} holds entry ${structure.idCode}, not ${id}: the mirror or download is mislabelled`,
      { details: { id, found: structure.idCode, label } },
    );
  }
  return decoded;
}

/** Options of {@link mirrorSource}. */
export interface MirrorSourceOptions extends SourceLimits {
  /**
   * The PDB directory: either a tree with `mirror/<id[1:3]>/pdb<id>.ent.gz` (the shared data's
   * layout) or a wwPDB divided tree itself. Default {@link defaultPdbDir}.
   */
  readonly dir?: string;
}

/**
 * Entries from a local mirror in the wwPDB divided layout (`<id[1:3]>/pdb<id>.ent.gz`). Every file
 * is decoded and parsed before it is returned.
 */
export function mirrorSource(options: MirrorSourceOptions = {}): PdbSource {
  const dir = resolve(options.dir ?? defaultPdbDir());
  const root = existsSync(join(dir, 'mirror')) ? join(dir, 'mirror') : dir;
  return {
    name: `mirror ${root}`,
    async fetchEntry(rawId: string): Promise<PdbEntryFile> {
      const id = normalizePdbId(rawId);
      const path = join(root, dividedEntryPath(id));
      let size: number;
      try {
        size = (await stat(path)).size;
      } catch (cause) {
        throw new PdbSourceError('ENTRY_NOT_FOUND', `${id} is not in the mirror at ${root}`, {
          details: { id, path },
          cause,
        });
      }
      const label = `pdb${id}.ent.gz`;
      checkSize(label, size, options);
      const decoded = validated(id, await readFile(path), label, options);
      return { id, ...decoded, origin: 'mirror' };
    },
  };
}

/** Options of {@link rcsbSource}. */
export interface RcsbSourceOptions extends SourceLimits {
  /** Download base; the entry URL is `<baseUrl><id>.pdb.gz`. E.g. `https://files.rcsb.org/download/`. */
  readonly baseUrl: string;
  /** Where downloads are kept, in the divided layout; a cached entry is not downloaded again. */
  readonly cacheDir: string;
  /** Time limit of one download, milliseconds. Default 60,000. */
  readonly timeoutMs?: number;
  /** The fetch implementation (default: the global one). */
  readonly fetch?: typeof fetch;
}

async function readLimited(response: Response, max: number, label: string): Promise<Uint8Array> {
  const declared = Number(response.headers.get('content-length') ?? 'NaN');
  if (Number.isFinite(declared)) checkSize(label, declared, { maxCompressedBytes: max });
  if (response.body === null) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of response.body) {
    total += chunk.byteLength;
    if (total > max) {
      await response.body.cancel().catch(() => undefined);
      checkSize(label, total, { maxCompressedBytes: max });
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks, total);
}

/**
 * Entries downloaded from an RCSB-style server (`<baseUrl><id>.pdb.gz`) into a local cache in the
 * divided layout. Downloads are size-limited while streaming, decoded and parsed before they are
 * cached, and written atomically; the cache is read first.
 * @throws {InvalidOptionsError} when `baseUrl` is not an http(s) URL ending in `/`.
 */
export function rcsbSource(options: RcsbSourceOptions): PdbSource {
  let base: URL;
  try {
    base = new URL(options.baseUrl);
  } catch (cause) {
    throw new InvalidOptionsError(`baseUrl ${JSON.stringify(options.baseUrl)} is not a URL`, {
      cause,
    });
  }
  if ((base.protocol !== 'https:' && base.protocol !== 'http:') || !base.pathname.endsWith('/')) {
    throw new InvalidOptionsError(
      `baseUrl must be an http(s) URL ending in "/", e.g. https://files.rcsb.org/download/ (got ${options.baseUrl})`,
      { details: { baseUrl: options.baseUrl } },
    );
  }
  const cacheDir = resolve(options.cacheDir);
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 60_000;
  const maxCompressed = options.maxCompressedBytes ?? DEFAULT_MAX_COMPRESSED_BYTES;
  return {
    name: `rcsb ${base.href}`,
    async fetchEntry(rawId: string, call = {}): Promise<PdbEntryFile> {
      const id = normalizePdbId(rawId);
      const url = new URL(`${id}.pdb.gz`, base).href;
      const cachePath = join(cacheDir, dividedEntryPath(id));
      const label = `pdb${id}.ent.gz`;
      if (existsSync(cachePath)) {
        checkSize(label, (await stat(cachePath)).size, options);
        const decoded = validated(id, await readFile(cachePath), label, options);
        return { id, ...decoded, origin: 'download-cache', url };
      }
      const signal =
        call.signal === undefined
          ? AbortSignal.timeout(timeoutMs)
          : AbortSignal.any([call.signal, AbortSignal.timeout(timeoutMs)]);
      let response: Response;
      try {
        response = await doFetch(url, { signal, redirect: 'follow' });
      } catch (cause) {
        throw new PdbSourceError(
          'DOWNLOAD_FAILED',
          `downloading ${id} from ${url} failed: ${(cause as Error).message}`,
          {
            details: { id, url },
            cause,
          },
        );
      }
      if (response.status === 404) {
        await response.body?.cancel().catch(() => undefined);
        throw new PdbSourceError(
          'ENTRY_NOT_FOUND',
          `${url} answered 404: ${id} has no PDB-format file there`,
          {
            details: { id, url, status: 404 },
          },
        );
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        throw new PdbSourceError('DOWNLOAD_FAILED', `${url} answered HTTP ${response.status}`, {
          details: { id, url, status: response.status },
        });
      }
      let bytes: Uint8Array;
      try {
        bytes = await readLimited(response, maxCompressed, label);
      } catch (cause) {
        if (cause instanceof PdbDatasetError) throw cause;
        throw new PdbSourceError(
          'DOWNLOAD_FAILED',
          `reading ${url} failed: ${(cause as Error).message}`,
          {
            details: { id, url },
            cause,
          },
        );
      }
      const decoded = validated(id, bytes, label, options);
      await writeFileAtomic(cachePath, bytes);
      return { id, ...decoded, origin: 'download', url };
    },
  };
}

/**
 * Tries sources in order: the first that has the entry answers. Only `ENTRY_NOT_FOUND` moves on
 * to the next source; any other failure (a corrupt file, a refused download) is thrown.
 */
export function firstAvailable(sources: readonly PdbSource[]): PdbSource {
  return {
    name: sources.map((s) => s.name).join(', then '),
    async fetchEntry(id, options) {
      const misses: PdbSourceError[] = [];
      for (const source of sources) {
        try {
          return await source.fetchEntry(id, options);
        } catch (error) {
          if (error instanceof PdbSourceError && error.code === 'ENTRY_NOT_FOUND')
            misses.push(error);
          else throw error;
        }
      }
      throw new PdbSourceError(
        'ENTRY_NOT_FOUND',
        `${id} was found in none of: ${sources.map((s) => s.name).join('; ')}`,
        { details: { id }, cause: misses[misses.length - 1] },
      );
    },
  };
}
