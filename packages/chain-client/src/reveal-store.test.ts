import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { RevealStoreError } from './errors.js';
import { FileRevealStore, type PendingReveal } from './reveal-store.js';

function reveal(index: number, overrides: Partial<PendingReveal> = {}): PendingReveal {
  return {
    netuid: 2,
    hotkey: '5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty',
    commitHash: `0x${index.toString(16).padStart(64, '0')}`,
    uids: [1, 2],
    weights: [65_535, 100],
    salt: [1, 2, 3, 4, 5, 6, 7, 8],
    versionKey: 2n ** 63n + BigInt(index),
    createdAt: '2026-01-01T00:00:00.000Z',
    ...overrides,
  };
}

describe('FileRevealStore', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'fold-reveals-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('lists nothing before the first save', async () => {
    expect(await new FileRevealStore(join(dir, 'reveals.json')).list()).toEqual([]);
  });

  it('keeps reveals, u64 version keys included, for a new store on the same file', async () => {
    const path = join(dir, 'nested', 'reveals.json');
    await new FileRevealStore(path).save(reveal(1));
    await new FileRevealStore(path).save(
      reveal(2, { commitBlock: 10, firstRevealBlock: 19, lastRevealBlock: 29 }),
    );
    expect(await new FileRevealStore(path).list()).toEqual([
      reveal(1),
      reveal(2, { commitBlock: 10, firstRevealBlock: 19, lastRevealBlock: 29 }),
    ]);
  });

  it('replaces a reveal saved again under the same commit hash', async () => {
    const store = new FileRevealStore(join(dir, 'reveals.json'));
    await store.save(reveal(1));
    await store.save(reveal(1, { firstRevealBlock: 5, lastRevealBlock: 9 }));
    expect(await store.list()).toEqual([reveal(1, { firstRevealBlock: 5, lastRevealBlock: 9 })]);
  });

  it('removes by commit hash and ignores an unknown one', async () => {
    const store = new FileRevealStore(join(dir, 'reveals.json'));
    await store.save(reveal(1));
    await store.save(reveal(2));
    await store.remove(reveal(1).commitHash);
    await store.remove(reveal(9).commitHash);
    expect(await store.list()).toEqual([reveal(2)]);
  });

  it('serialises concurrent saves so that none is lost, and leaves no temporary file', async () => {
    const store = new FileRevealStore(join(dir, 'reveals.json'));
    await Promise.all(Array.from({ length: 20 }, (_, index) => store.save(reveal(index))));
    expect((await store.list()).map((r) => r.commitHash).sort()).toEqual(
      Array.from({ length: 20 }, (_, index) => reveal(index).commitHash).sort(),
    );
    expect(await readdir(dir)).toEqual(['reveals.json']);
  });

  it('refuses a file that is not a reveal store', async () => {
    const path = join(dir, 'reveals.json');
    await writeFile(path, JSON.stringify({ version: 1, reveals: [{ netuid: 'two' }] }));
    await expect(new FileRevealStore(path).list()).rejects.toThrow(RevealStoreError);
    await writeFile(path, '{ not json');
    await expect(new FileRevealStore(path).list()).rejects.toThrow(/not valid JSON/);
  });

  it('refuses to save a malformed reveal and keeps the file as it was', async () => {
    const path = join(dir, 'reveals.json');
    const store = new FileRevealStore(path);
    await store.save(reveal(1));
    const before = await readFile(path, 'utf8');
    await expect(store.save(reveal(2, { commitHash: 'not-a-hash' }))).rejects.toThrow(
      RevealStoreError,
    );
    expect(await readFile(path, 'utf8')).toBe(before);
  });
});
