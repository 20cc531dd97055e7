import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { groupMembers, isAlive, startServiceProcess } from './service-process.js';

// Real processes: a small Node script that logs JSON lines, optionally starts a child of its
// own (as fold-miner starts mdrun) and optionally ignores SIGTERM.

let dir: string;
let script: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'fold-service-process-'));
  script = join(dir, 'service.mjs');
  await writeFile(
    script,
    `import { spawn } from 'node:child_process';
const mode = process.argv[2];
if (mode === 'stubborn') process.on('SIGTERM', () => console.log(JSON.stringify({ msg: 'ignored' })));
else process.on('SIGTERM', () => { console.log(JSON.stringify({ msg: 'stopping' })); process.exit(0); });
let childPid = null;
if (mode === 'parent' || mode === 'stubborn') {
  // A child that outlives its parent unless its group is killed, as an mdrun does.
  const child = spawn(process.execPath, ['-e', 'process.on("SIGTERM", () => {}); setInterval(() => {}, 1000)'], { stdio: 'ignore' });
  childPid = child.pid;
}
console.log('not json');
console.log(JSON.stringify({ msg: 'started', childPid, secret: process.env.SERVICE_SECRET }));
setInterval(() => {}, 1000);
`,
  );
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('startServiceProcess', () => {
  it('collects the JSON lines of the log and passes the environment', async () => {
    const service = startServiceProcess({
      name: 'plain',
      script,
      args: ['plain'],
      env: { SERVICE_SECRET: 's3' },
      logPath: join(dir, 'plain.log'),
    });
    const started = await service.waitForRecord('start', (r) => r.msg === 'started', 10_000);
    expect(started.secret).toBe('s3');
    expect(await service.records()).toHaveLength(1);
    await service.stop();
    expect(service.exit).toEqual({ exitCode: 0, signal: null });
    expect((await service.records()).map((r) => r.msg)).toEqual(['started', 'stopping']);
  });

  it('runs the process in a group of its own', async () => {
    const service = startServiceProcess({
      name: 'group',
      script,
      args: ['plain'],
      env: {},
      logPath: join(dir, 'group.log'),
    });
    await service.waitForRecord('start', (r) => r.msg === 'started', 10_000);
    expect(groupMembers(service.pid)).toEqual([service.pid]);
    expect(groupMembers(process.pid)).not.toContain(service.pid);
    await service.stop();
  });

  it('stops what the process started along with it', async () => {
    const service = startServiceProcess({
      name: 'parent',
      script,
      args: ['parent'],
      env: {},
      logPath: join(dir, 'parent.log'),
    });
    const started = await service.waitForRecord('start', (r) => r.msg === 'started', 10_000);
    const childPid = started.childPid as number;
    expect(isAlive(childPid)).toBe(true);
    await service.stop();
    expect(isAlive(childPid)).toBe(false);
    expect(groupMembers(service.pid)).toEqual([]);
  });

  it('kills a process that ignores SIGTERM after the grace time', async () => {
    const service = startServiceProcess({
      name: 'stubborn',
      script,
      args: ['stubborn'],
      env: {},
      logPath: join(dir, 'stubborn.log'),
    });
    await service.waitForRecord('start', (r) => r.msg === 'started', 10_000);
    const started = Date.now();
    await service.stop(500);
    expect(service.exit?.signal).toBe('SIGKILL');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(groupMembers(service.pid)).toEqual([]);
  });

  it('kills the whole group at once, as a crash would', async () => {
    const service = startServiceProcess({
      name: 'crash',
      script,
      args: ['parent'],
      env: {},
      logPath: join(dir, 'crash.log'),
    });
    const started = await service.waitForRecord('start', (r) => r.msg === 'started', 10_000);
    await service.kill();
    expect(service.exit?.signal).toBe('SIGKILL');
    expect(isAlive(started.childPid as number)).toBe(false);
  });

  it('fails a wait when the process exits first, with its log', async () => {
    const service = startServiceProcess({
      name: 'early',
      script: join(dir, 'missing.mjs'),
      args: [],
      env: {},
      logPath: join(dir, 'early.log'),
    });
    await expect(service.waitForRecord('start', () => false, 10_000)).rejects.toMatchObject({
      code: 'PROCESS_EXITED',
    });
  });

  it('fails a wait that times out', async () => {
    const service = startServiceProcess({
      name: 'slow',
      script,
      args: ['plain'],
      env: {},
      logPath: join(dir, 'slow.log'),
    });
    await expect(service.waitForRecord('never', () => false, 300)).rejects.toMatchObject({
      code: 'NETWORK_TIMEOUT',
    });
    await service.stop();
  });

  it('stops waiting when the signal aborts', async () => {
    const service = startServiceProcess({
      name: 'aborted',
      script,
      args: ['plain'],
      env: {},
      logPath: join(dir, 'aborted.log'),
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort('SIGINT'), 200);
    await expect(
      service.waitForRecord('never', () => false, 10_000, controller.signal),
    ).rejects.toMatchObject({
      code: 'INTERRUPTED',
    });
    await service.stop();
  });
});
