import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { lstat, open, realpath, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { BundleFile } from './codec.js';
import { BundleLimitError, BundleWriteError } from './errors.js';
import { checkFileName } from './file-names.js';

async function realDirectory(dir: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(dir);
  } catch (error) {
    throw new BundleWriteError(`Directory ${dir} does not exist`, {
      details: { file: dir },
      cause: error,
    });
  }
  const stat = await lstat(real);
  if (!stat.isDirectory()) {
    throw new BundleWriteError(`${dir} is not a directory`, { details: { file: dir } });
  }
  return real;
}

/** The path of an allowlisted name directly inside `dir`, refusing anything that would leave it. */
function pathInside(dir: string, name: string): string {
  checkFileName(name);
  const path = join(dir, name);
  if (dirname(path) !== dir || basename(path) !== name) {
    throw new BundleWriteError(
      `File name ${JSON.stringify(name)} would be written outside ${dir}`,
      {
        details: { file: name },
      },
    );
  }
  return path;
}

/**
 * Writes files into an existing directory, each under a temporary name in that directory first
 * (created exclusively, so an existing file or link there is never followed), synced, then
 * renamed over its final name, so that a reader never sees a partial file. Names are checked
 * against the allowlist again here; anything resolving outside `dir` is refused.
 * @returns the paths written, in the order of `files`.
 * @throws {BundleWriteError} when `dir` is not a directory or a path would leave it.
 * @throws {BundleFileNameError} for a name outside the allowlist.
 */
export async function writeBundleToDir(
  dir: string,
  files: readonly BundleFile[],
): Promise<string[]> {
  const real = await realDirectory(dir);
  const targets = files.map((file) => pathInside(real, file.name));
  const written: string[] = [];
  for (const [i, file] of files.entries()) {
    const target = targets[i] as string;
    const temp = join(real, `.${file.name}.${randomBytes(6).toString('hex')}.tmp`);
    const handle = await open(temp, 'wx', 0o644);
    try {
      await handle.writeFile(file.bytes);
      await handle.sync();
    } catch (error) {
      await handle.close();
      await unlink(temp).catch(() => undefined);
      throw error;
    }
    await handle.close();
    try {
      await rename(temp, target);
    } catch (error) {
      await unlink(temp).catch(() => undefined);
      throw new BundleWriteError(`Could not move ${file.name} into place in ${real}`, {
        details: { file: file.name },
        cause: error,
      });
    }
    written.push(target);
  }
  return written;
}

/**
 * Reads named regular files from a directory into bundle files, refusing names outside the
 * allowlist, links, and files larger than `maxFileBytes` (checked before reading).
 * @throws {BundleFileNameError} for a name outside the allowlist.
 * @throws {BundleWriteError} when a name is not a regular file in `dir`.
 * @throws {BundleLimitError} when a file is larger than `maxFileBytes`.
 */
export async function readBundleFiles(
  dir: string,
  names: readonly string[],
  maxFileBytes: number = Number.MAX_SAFE_INTEGER,
): Promise<BundleFile[]> {
  const real = await realDirectory(dir);
  const files: BundleFile[] = [];
  for (const name of names) {
    const path = pathInside(real, name);
    // O_NOFOLLOW: a link put in place of the file is refused rather than followed.
    const handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW).catch((error) => {
      throw new BundleWriteError(`Could not open ${name} in ${real} as a regular file`, {
        details: { file: name },
        cause: error,
      });
    });
    try {
      const stat = await handle.stat();
      if (!stat.isFile()) {
        throw new BundleWriteError(`${name} in ${real} is not a regular file`, {
          details: { file: name },
        });
      }
      if (stat.size > maxFileBytes) {
        throw new BundleLimitError(
          `${name} is ${stat.size} bytes, more than the limit of ${maxFileBytes}`,
          {
            details: { file: name, limit: maxFileBytes, actual: stat.size },
          },
        );
      }
      files.push({ name, bytes: await handle.readFile() });
    } finally {
      await handle.close();
    }
  }
  return files;
}
