import { readFileSync } from 'node:fs';
import { open, readFile, readlink, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { writeFileAtomic } from './atomic-write.js';
import { RunLockedError } from './errors.js';

/** Name of the lock file a runner keeps in its work directory. */
export const LOCK_FILE = '.fold-run.lock';

interface LockRecord {
  readonly pid: number;
  readonly bootId: string;
  readonly mdrunPid: number | null;
}

const held = new Set<string>();

function bootId(): string {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
  } catch {
    return 'unknown';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  // A zombie still answers signals, but it has finished; a container's init may never reap it.
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true; // no /proc: trust the signal check
  }
}

async function cwdOf(pid: number): Promise<string | null> {
  try {
    return await readlink(`/proc/${pid}/cwd`);
  } catch {
    return null;
  }
}

async function waitForExit(pid: number, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (!alive(pid)) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return !alive(pid);
}

function parseRecord(text: string): LockRecord | null {
  try {
    const value = JSON.parse(text) as Partial<LockRecord>;
    if (typeof value.pid !== 'number' || typeof value.bootId !== 'string') return null;
    return {
      pid: value.pid,
      bootId: value.bootId,
      mdrunPid: typeof value.mdrunPid === 'number' ? value.mdrunPid : null,
    };
  } catch {
    return null;
  }
}

/**
 * Exclusive use of a work directory by one runner. A lock left by a runner that died is taken
 * over; if that runner's mdrun outlived it (a parent killed with SIGKILL does not take its
 * children along), that mdrun is stopped first (SIGTERM, which makes it write a checkpoint, then
 * SIGKILL), so two mdrun processes never write the same files.
 */
export class WorkDirLock {
  private constructor(
    readonly workDir: string,
    readonly path: string,
    readonly bootId: string,
  ) {}

  /**
   * @throws {RunLockedError} when a live process (this one included) holds the directory.
   */
  static async acquire(workDir: string, options: { killGraceMs: number }): Promise<WorkDirLock> {
    const dir = resolve(workDir);
    if (held.has(dir)) throw new RunLockedError(dir, process.pid);
    held.add(dir);
    try {
      return await WorkDirLock.#take(dir, options);
    } catch (error) {
      held.delete(dir);
      throw error;
    }
  }

  static async #take(dir: string, options: { killGraceMs: number }): Promise<WorkDirLock> {
    const path = join(dir, LOCK_FILE);
    const boot = bootId();
    const mine: LockRecord = { pid: process.pid, bootId: boot, mdrunPid: null };
    try {
      const handle = await open(path, 'wx');
      await handle.writeFile(JSON.stringify(mine));
      await handle.close();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const previous = parseRecord(await readFile(path, 'utf8').catch(() => ''));
      if (previous && previous.bootId === boot) {
        if (previous.pid !== process.pid && alive(previous.pid))
          throw new RunLockedError(dir, previous.pid);
        if (
          previous.mdrunPid !== null &&
          alive(previous.mdrunPid) &&
          (await cwdOf(previous.mdrunPid)) === dir
        ) {
          process.kill(previous.mdrunPid, 'SIGTERM');
          if (!(await waitForExit(previous.mdrunPid, options.killGraceMs))) {
            process.kill(previous.mdrunPid, 'SIGKILL');
            await waitForExit(previous.mdrunPid, 5_000);
          }
        }
      }
      await writeFileAtomic(path, JSON.stringify(mine));
    }
    return new WorkDirLock(dir, path, boot);
  }

  /** Records the mdrun process now writing in the directory (or none). */
  async setMdrunPid(pid: number | null): Promise<void> {
    await writeFileAtomic(
      this.path,
      JSON.stringify({ pid: process.pid, bootId: this.bootId, mdrunPid: pid }),
    );
  }

  /** Gives the directory up. */
  async release(): Promise<void> {
    held.delete(this.workDir);
    await unlink(this.path).catch((error: NodeJS.ErrnoException) => {
      if (error.code !== 'ENOENT') throw error;
    });
  }
}
