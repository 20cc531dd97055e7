import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pdbMirrorDir } from '@fold/devkit';
import { afterAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { type Catalog, loadCatalog, sampleIds, validateCatalog } from './catalog.js';
import { CatalogError } from './errors.js';

const small: Catalog = {
  sources: {
    a: { url: 'https://example.org/', count: 5, ids: ['1abc', '1abd', '1abe', '2xyz', '3pqr'] },
    b: { url: 'x', count: 2, ids: ['4aaa', '1abc'] },
  },
};

describe('loadCatalog', () => {
  const dir = mkdtempSync(join(tmpdir(), 'fold-catalog-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the shared catalogue of 36,311 RCSB and 188,261 PDBe ids', async () => {
    const catalog = await loadCatalog(join(pdbMirrorDir(), 'catalog.json'));
    expect(catalog.sources.rcsb?.ids).toHaveLength(36_311);
    expect(catalog.sources.pdbe?.ids).toHaveLength(188_261);
  });

  it('refuses a file that is not JSON', async () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, 'ids: 1ubq');
    await expect(loadCatalog(path)).rejects.toThrow(/is not JSON/);
  });

  it('refuses an id that is not a PDB id, naming the field', () => {
    const bad = { sources: { a: { url: 'u', count: 1, ids: ['../etc'] } } };
    expect(() => validateCatalog(bad)).toThrow(/\/sources\/a\/ids\/0/);
  });

  it('refuses a count that disagrees with the ids', () => {
    const bad = { sources: { a: { url: 'u', count: 2, ids: ['1abc'] } } };
    expect(() => validateCatalog(bad)).toThrow(CatalogError);
  });
});

describe('sampleIds', () => {
  it('is reproducible for a seed', () => {
    expect(sampleIds(small, { seed: 3, count: 4 })).toEqual(
      sampleIds(small, { seed: 3, count: 4 }),
    );
  });

  it('never returns an id in use, nor one id twice', () => {
    fc.assert(
      fc.property(
        fc.integer(),
        fc.subarray(['1abc', '1abd', '1abe', '2xyz', '3pqr', '4aaa']),
        (seed, inUse) => {
          const count = 6 - inUse.length;
          const ids = sampleIds(small, { seed, count, exclude: inUse });
          expect(new Set(ids).size).toBe(count);
          for (const id of inUse) expect(ids).not.toContain(id);
        },
      ),
    );
  });

  it('draws from the named sources only', () => {
    expect(sampleIds(small, { seed: 1, count: 2, sources: ['b'] }).sort()).toEqual([
      '1abc',
      '4aaa',
    ]);
  });

  it('says when too few ids are left', () => {
    expect(() => sampleIds(small, { seed: 1, count: 6, exclude: ['1abc'] })).toThrow(
      expect.objectContaining({ code: 'CATALOG_EXHAUSTED' }),
    );
  });

  it('keeps only ids the predicate accepts', () => {
    expect(sampleIds(small, { seed: 9, count: 1, accept: (id) => id.startsWith('2') })).toEqual([
      '2xyz',
    ]);
  });
});
