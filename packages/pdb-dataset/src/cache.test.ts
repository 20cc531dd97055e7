import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from '@jest/globals';
import { ContentCache, contentKey } from './cache.js';
import { CacheCorruptError } from './errors.js';

const root = mkdtempSync(join(tmpdir(), 'fold-cache-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function file(name: string, content: string): string {
  const path = join(root, name);
  writeFileSync(path, content);
  return path;
}

describe('contentKey', () => {
  it('ignores key order', () => {
    expect(contentKey({ a: 1, b: [1, 2] })).toBe(contentKey({ b: [1, 2], a: 1 }));
    expect(contentKey({ a: 1 })).not.toBe(contentKey({ a: 2 }));
  });
});

describe('ContentCache', () => {
  it('returns null for a key it does not hold', async () => {
    expect(await new ContentCache(join(root, 'c1')).get(contentKey('nothing'))).toBeNull();
  });

  it('stores a record with copies of its files and reads them back', async () => {
    const cache = new ContentCache(join(root, 'c2'));
    const key = contentKey({ candidate: 1 });
    await cache.put(key, { outcome: 'stable' }, [
      file('em.gro', 'coordinates'),
      file('topol.top', 'topology'),
    ]);
    const entry = await cache.get<{ outcome: string }>(key);
    expect(entry?.record).toEqual({ outcome: 'stable' });
    expect(entry?.files.map((f) => f.name)).toEqual(['em.gro', 'topol.top']);
  });

  it('keeps the first entry when a key is written twice', async () => {
    const cache = new ContentCache(join(root, 'c3'));
    const key = contentKey({ candidate: 2 });
    await cache.put(key, { n: 1 });
    await cache.put(key, { n: 2 });
    expect((await cache.get<{ n: number }>(key))?.record).toEqual({ n: 1 });
    expect(readdirSync(join(root, 'c3', key.slice(0, 2)))).toEqual([key]);
  });

  it('reports an entry whose file no longer matches its sha256', async () => {
    const cache = new ContentCache(join(root, 'c4'));
    const key = contentKey({ candidate: 3 });
    const entry = await cache.put(key, {}, [file('posre.itp', 'restraints')]);
    writeFileSync(join(entry.dir, 'posre.itp'), 'tampered');
    await expect(cache.get(key)).rejects.toBeInstanceOf(CacheCorruptError);
  });

  it('refuses a key that is not a sha256, so no path can be built from it', async () => {
    await expect(new ContentCache(root).get('../../etc')).rejects.toThrow(RangeError);
  });
});
