import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { readBundleFiles, writeBundleToDir } from './bundle-fs.js';
import { BundleFileNameError, BundleLimitError, BundleWriteError } from './errors.js';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'fold-synapse-fs-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const bytes = (s: string) => new TextEncoder().encode(s);

describe('writeBundleToDir', () => {
  it('writes each file under its name and leaves no temporary file behind', async () => {
    const dir = await mkdtemp(join(root, 'write-'));
    const paths = await writeBundleToDir(dir, [
      { name: 'em.gro', bytes: bytes('frame') },
      { name: 'topol.top', bytes: bytes('topology') },
    ]);
    expect(paths).toEqual([join(dir, 'em.gro'), join(dir, 'topol.top')]);
    expect((await readdir(dir)).sort()).toEqual(['em.gro', 'topol.top']);
    expect(await readFile(join(dir, 'topol.top'), 'utf8')).toBe('topology');
  });

  it('replaces a link planted under a file name instead of writing through it', async () => {
    const dir = await mkdtemp(join(root, 'link-'));
    const outside = join(root, 'outside.gro');
    await writeFile(outside, 'untouched');
    await symlink(outside, join(dir, 'em.gro'));
    await writeBundleToDir(dir, [{ name: 'em.gro', bytes: bytes('new') }]);
    expect(await readFile(outside, 'utf8')).toBe('untouched');
    expect(await readFile(join(dir, 'em.gro'), 'utf8')).toBe('new');
  });

  it('refuses traversal and absolute names before writing anything', async () => {
    const dir = await mkdtemp(join(root, 'refuse-'));
    for (const name of ['../escape.gro', '/tmp/escape.gro']) {
      await expect(
        writeBundleToDir(dir, [
          { name: 'ok.gro', bytes: bytes('x') },
          { name, bytes: bytes('x') },
        ]),
      ).rejects.toThrow(BundleFileNameError);
    }
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a target that is not a directory', async () => {
    const file = join(root, 'plain.gro');
    await writeFile(file, 'x');
    await expect(writeBundleToDir(file, [])).rejects.toThrow(BundleWriteError);
    await expect(writeBundleToDir(join(root, 'missing'), [])).rejects.toThrow(BundleWriteError);
  });
});

describe('readBundleFiles', () => {
  it('reads named files and refuses links, directories and oversized files', async () => {
    const dir = await mkdtemp(join(root, 'read-'));
    await writeFile(join(dir, 'nvt.log'), 'log text');
    await symlink(join(dir, 'nvt.log'), join(dir, 'link.log'));
    await mkdir(join(dir, 'sub.gro'));
    const [file] = await readBundleFiles(dir, ['nvt.log']);
    expect(file?.name).toBe('nvt.log');
    expect(Buffer.from(file?.bytes ?? []).toString()).toBe('log text');
    await expect(readBundleFiles(dir, ['link.log'])).rejects.toThrow(BundleWriteError);
    await expect(readBundleFiles(dir, ['sub.gro'])).rejects.toThrow(BundleWriteError);
    await expect(readBundleFiles(dir, ['nvt.log'], 3)).rejects.toThrow(BundleLimitError);
    await expect(readBundleFiles(dir, ['../x.log'])).rejects.toThrow(BundleFileNameError);
  });
});
