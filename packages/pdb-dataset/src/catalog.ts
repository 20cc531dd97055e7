import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type Static, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { CatalogError, InvalidOptionsError } from './errors.js';
import { seededRandom } from './random.js';
import { defaultPdbDir } from './sources.js';

/** Largest catalogue file read, bytes (the shipped one is about 2.5 MB for 224,572 ids). */
export const MAX_CATALOG_BYTES = 64 * 1024 * 1024;

/** JSON schema (TypeBox) of `catalog.json`: id lists per source with their download base. */
export const CatalogSchema = Type.Object(
  {
    sources: Type.Record(
      Type.String({ pattern: '^[a-z0-9_-]{1,32}$' }),
      Type.Object(
        {
          url: Type.String({ maxLength: 2048 }),
          count: Type.Integer({ minimum: 0 }),
          ids: Type.Array(Type.String({ pattern: '^[0-9][a-z0-9]{3}$' }), { maxItems: 2_000_000 }),
        },
        { additionalProperties: false },
      ),
      { maxProperties: 64 },
    ),
  },
  { additionalProperties: false },
);

/** The id catalogue: PDB ids per source (`rcsb`, `pdbe`), lower case. */
export type Catalog = Static<typeof CatalogSchema>;

const ajv = new Ajv({ allErrors: false, strict: true });
const checkCatalog = ajv.compile<Catalog>(CatalogSchema);

/**
 * Validates a parsed catalogue: the schema, then each source's `count` against its ids.
 * @throws {CatalogError} `CATALOG_INVALID`, naming the first offending field.
 */
export function validateCatalog(input: unknown, label = 'catalog'): Catalog {
  if (!checkCatalog(input)) {
    const e = checkCatalog.errors?.[0];
    throw new CatalogError(
      'CATALOG_INVALID',
      `${label}: ${e?.instancePath || '/'} ${e?.message ?? 'is invalid'}`,
      {
        details: { label, field: e?.instancePath },
      },
    );
  }
  for (const [name, source] of Object.entries(input.sources)) {
    if (source.count !== source.ids.length) {
      throw new CatalogError(
        'CATALOG_INVALID',
        `${label}: source ${name} declares ${source.count} ids but lists ${source.ids.length}`,
        { details: { label, source: name } },
      );
    }
  }
  return input;
}

/**
 * Reads and validates `catalog.json` (default: `<FOLD_PDB_DIR>/catalog.json`).
 * @throws {CatalogError} `CATALOG_INVALID` when missing, oversized, not JSON or off-schema.
 */
export async function loadCatalog(path = join(defaultPdbDir(), 'catalog.json')): Promise<Catalog> {
  let text: string;
  try {
    const { size } = await stat(path);
    if (size > MAX_CATALOG_BYTES) {
      throw new CatalogError(
        'CATALOG_INVALID',
        `${path} is ${size} bytes, over the limit of ${MAX_CATALOG_BYTES}`,
        {
          details: { path, sizeBytes: size },
        },
      );
    }
    text = await readFile(path, 'utf8');
  } catch (cause) {
    if (cause instanceof CatalogError) throw cause;
    throw new CatalogError(
      'CATALOG_INVALID',
      `cannot read the catalogue ${path}: set FOLD_PDB_DIR or pass its path`,
      {
        details: { path },
        cause,
      },
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    throw new CatalogError('CATALOG_INVALID', `${path} is not JSON: ${(cause as Error).message}`, {
      details: { path },
      cause,
    });
  }
  return validateCatalog(parsed, path);
}

/** Options of {@link sampleIds}. */
export interface SampleOptions {
  /** Any integer; the same seed (and catalogue, sources, exclusions) gives the same ids. */
  readonly seed: number;
  /** How many ids to return. */
  readonly count: number;
  /** Ids already in use (running jobs): never returned. */
  readonly exclude?: Iterable<string>;
  /** Catalogue sources to draw from; default all, in name order. */
  readonly sources?: readonly string[];
  /** Keep only ids this predicate accepts (e.g. those present in a local mirror). */
  readonly accept?: (id: string) => boolean;
}

/**
 * Draws `count` distinct ids from the catalogue, reproducibly: a seeded shuffle of the pooled
 * ids, read in order, skipping ids in `exclude` or refused by `accept`. An id is never returned
 * twice in one sample nor while it is in `exclude`.
 * @throws {InvalidOptionsError} for an unknown source or a bad count/seed.
 * @throws {CatalogError} `CATALOG_EXHAUSTED` when fewer than `count` ids qualify.
 */
export function sampleIds(catalog: Catalog, options: SampleOptions): string[] {
  if (!Number.isSafeInteger(options.seed))
    throw new InvalidOptionsError(`seed must be an integer (got ${options.seed})`);
  if (!Number.isSafeInteger(options.count) || options.count < 0) {
    throw new InvalidOptionsError(`count must be a non-negative integer (got ${options.count})`);
  }
  const names = options.sources ?? Object.keys(catalog.sources).sort();
  const pool = new Set<string>();
  for (const name of names) {
    const source = catalog.sources[name];
    if (source === undefined) {
      throw new InvalidOptionsError(
        `unknown catalogue source ${JSON.stringify(name)}; known: ${Object.keys(catalog.sources).join(', ')}`,
      );
    }
    for (const id of source.ids) pool.add(id);
  }
  const exclude = new Set([...(options.exclude ?? [])].map((id) => id.toLowerCase()));
  const order = seededRandom(`catalog:${names.join(',')}:${options.seed}`).shuffle(
    [...pool].sort(),
  );
  const out: string[] = [];
  for (const id of order) {
    if (out.length === options.count) break;
    if (exclude.has(id) || (options.accept !== undefined && !options.accept(id))) continue;
    out.push(id);
  }
  if (out.length < options.count) {
    throw new CatalogError(
      'CATALOG_EXHAUSTED',
      `only ${out.length} of ${options.count} requested ids are available (${exclude.size} in use, sources ${names.join(', ')})`,
      { details: { requested: options.count, available: out.length } },
    );
  }
  return out;
}
