import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import type { RedisServerHandle } from '@fold/devkit';
import {
  type AxonTarget,
  Dendrite,
  encodeBundleBase64,
  FoldAssign,
  FoldProgress,
} from '@fold/synapse';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import msgpack from 'msgpack-lite';
import { jobLayout } from '../src/job-files.js';
import type { Miner } from '../src/miner.js';
import {
  assignRequest,
  cleanup,
  devKeys,
  type Fixture,
  jobFixture,
  scratchDir,
  stageParams,
  startMiner,
  startRedis,
  testSettings,
  waitFor,
} from './support.js';

let redis: RedisServerHandle;
let workDir: string;
let miner: Miner;
let fixture: Fixture;
let keys: Awaited<ReturnType<typeof devKeys>>;
let alice: Dendrite;
let target: AxonTarget;

const MAX_INPUT_BYTES = 1024 * 1024;
const GOOD_STEPS = 600;

/**
 * An HTTP proxy in front of the axon that can rewrite a request's headers on the way, and keeps
 * the last request it forwarded so that it can be sent again as it was (a replay).
 */
class TamperingProxy {
  rewrite: (headers: IncomingHttpHeaders) => IncomingHttpHeaders = (h) => h;
  last: { path: string; headers: IncomingHttpHeaders; body: Buffer } | undefined;
  readonly server: Server;

  constructor(private readonly axonPort: number) {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const headers = this.rewrite({ ...req.headers });
        this.last = { path: req.url ?? '/', headers, body };
        this.send(req.url ?? '/', headers, body).then(
          ({ status, headers: answer, body: answerBody }) => {
            res.writeHead(status, answer);
            res.end(answerBody);
          },
          () => res.destroy(),
        );
      });
    });
  }

  send(
    path: string,
    headers: IncomingHttpHeaders,
    body: Buffer,
  ): Promise<{ status: number; headers: IncomingHttpHeaders; body: Buffer }> {
    return new Promise((resolve, reject) => {
      const forward = request(
        { host: '127.0.0.1', port: this.axonPort, method: 'POST', path, headers },
        (answer) => {
          const chunks: Buffer[] = [];
          answer.on('data', (c: Buffer) => chunks.push(c));
          answer.on('end', () =>
            resolve({
              status: answer.statusCode ?? 0,
              headers: answer.headers,
              body: Buffer.concat(chunks),
            }),
          );
        },
      );
      forward.on('error', reject);
      forward.end(body);
    });
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    return (this.server.address() as AddressInfo).port;
  }
}

/** A bundle written by hand, so that it can hold what the encoder refuses. */
function rawBundleBase64(files: { name: string; bytes: Buffer }[]): string {
  const entries = files.map((f) => [
    f.name,
    f.bytes.length,
    createHash('sha256').update(f.bytes).digest(),
    1,
    f.bytes,
  ]);
  return msgpack.encode(['fold-bundle', 1, entries]).toString('base64');
}

async function stepOf(jobId: string): Promise<{ state: string; step: number }> {
  const result = await alice.call(target, FoldProgress, { jobs: { [jobId]: '' } });
  if (!result.ok) throw result.error;
  const report = result.response.progress[jobId];
  if (report === undefined) throw new Error(`${jobId} unknown`);
  return { state: report.state, step: report.step };
}

beforeAll(async () => {
  [redis, fixture, keys] = await Promise.all([startRedis(), jobFixture(), devKeys()]);
  workDir = await scratchDir('hostile');
  miner = await startMiner({
    ...testSettings(redis.url, workDir),
    devAllow: [keys.alice.address],
    maxInputBytes: MAX_INPUT_BYTES,
    maxQueuedJobs: 4,
  });
  target = miner.axonInfo as AxonTarget;
  alice = new Dendrite({ keypair: keys.alice.pair });
  const assigned = await alice.call(
    target,
    FoldAssign,
    assignRequest(fixture, 'good', stageParams(fixture.spec, { nvt: GOOD_STEPS })),
    { timeoutMs: 30_000 },
  );
  if (!assigned.ok || !assigned.response.accepted) throw new Error('the good job was refused');
  await waitFor('the good job to run', async () =>
    (await stepOf('good')).state === 'running' ? true : undefined,
  );
}, 180_000);

afterAll(async () => {
  alice?.close();
  await miner?.stop();
  await redis?.stop();
  await cleanup(workDir);
});

describe('hostile requests against a miner running a job', () => {
  it('refuses a caller that is not an allowed validator with 403', async () => {
    const eve = new Dendrite({ keypair: keys.eve.pair });
    try {
      const result = await eve.call(
        target,
        FoldAssign,
        assignRequest(fixture, 'eve-job', stageParams(fixture.spec, { nvt: 10 })),
        { timeoutMs: 30_000 },
      );
      expect(result.ok).toBe(false);
      expect(result.statusCode).toBe(403);
      expect(result.statusMessage).toMatch(/development allowlist/);
      const progress = await eve.call(target, FoldProgress, { jobs: { good: '' } });
      expect(progress.statusCode).toBe(403);
    } finally {
      eve.close();
    }
  });

  it('refuses a request whose signature was tampered with (401), and a replayed one (401)', async () => {
    const proxy = new TamperingProxy(target.port);
    const port = await proxy.listen();
    const viaProxy = new Dendrite({ keypair: keys.alice.pair });
    try {
      proxy.rewrite = (headers) => {
        const signature = String(headers.bt_header_dendrite_signature);
        const flipped = signature.endsWith('0')
          ? `${signature.slice(0, -1)}1`
          : `${signature.slice(0, -1)}0`;
        return { ...headers, bt_header_dendrite_signature: flipped };
      };
      const tampered = await viaProxy.call({ ...target, port }, FoldProgress, {
        jobs: { good: '' },
      });
      expect(tampered.statusCode).toBe(401);

      proxy.rewrite = (headers) => headers;
      const honest = await viaProxy.call({ ...target, port }, FoldProgress, { jobs: { good: '' } });
      expect(honest.statusCode).toBe(200);
      const last = proxy.last;
      if (last === undefined) throw new Error('nothing forwarded');
      const replay = await proxy.send(last.path, last.headers, last.body);
      expect(replay.status).toBe(401);
    } finally {
      viaProxy.close();
      proxy.server.close();
    }
  });

  it('refuses an input bundle above its size limit with 413', async () => {
    // Random bytes do not compress: the bundle stays above the limit.
    const noise = Buffer.alloc(MAX_INPUT_BYTES + 64 * 1024);
    for (let i = 0; i < noise.length; i += 4)
      noise.writeUInt32LE((Math.random() * 2 ** 32) >>> 0, i);
    const request = {
      ...assignRequest(fixture, 'too-big', stageParams(fixture.spec, { nvt: 10 })),
      input_bundle: encodeBundleBase64([...fixture.files, { name: 'noise.itp', bytes: noise }]),
    };
    const result = await alice.call(target, FoldAssign, request, { timeoutMs: 30_000 });
    expect(result.statusCode).toBe(413);
  });

  it('refuses file names that climb out of the job directory (422), and writes nothing', async () => {
    for (const name of ['../escape.gro', '/tmp/escape.gro', '..', 'sub/dir.itp', '.hidden.itp']) {
      const request = {
        ...assignRequest(fixture, 'traversal', stageParams(fixture.spec, { nvt: 10 })),
        input_bundle: rawBundleBase64([{ name, bytes: Buffer.from('x\n') }]),
      };
      const result = await alice.call(target, FoldAssign, request, { timeoutMs: 30_000 });
      expect(result.statusCode).toBe(422);
    }
    expect(existsSync(join(dirname(workDir), 'escape.gro'))).toBe(false);
    expect(existsSync(join(workDir, 'escape.gro'))).toBe(false);
    expect(await readdir(join(workDir, 'jobs'))).toEqual([`${keys.alice.address}.good`]);
  });

  it('refuses a topology that includes a file outside the job, and inputs that are not inputs', async () => {
    const top = fixture.files.find((f) => f.name.endsWith('.top'));
    if (top === undefined) throw new Error('no topology');
    const evilTop = Buffer.concat([
      Buffer.from('#include "/etc/passwd"\n'),
      Buffer.from(top.bytes),
    ]);
    const cases = [
      fixture.files.map((f) => (f === top ? { name: f.name, bytes: evilTop } : f)),
      [...fixture.files, { name: 'state.cpt', bytes: Buffer.from('checkpoint') }],
      fixture.files.filter((f) => !f.name.endsWith('.gro')),
    ];
    for (const [i, files] of cases.entries()) {
      const request = {
        ...assignRequest(fixture, `bad-input-${i}`, stageParams(fixture.spec, { nvt: 10 })),
        input_bundle: encodeBundleBase64(files),
      };
      const result = await alice.call(target, FoldAssign, request, { timeoutMs: 30_000 });
      if (!result.ok) throw result.error;
      expect(result.response).toMatchObject({ accepted: false, reject_reason: 'invalid_input' });
    }
  });

  it('refuses a stage without an end, and a job already past its deadline', async () => {
    const params = stageParams(fixture.spec, { nvt: 10 });
    const { nsteps: _nsteps, ...endless } = params.nvt ?? {};
    const result = await alice.call(
      target,
      FoldAssign,
      assignRequest(fixture, 'endless', { nvt: endless }),
      { timeoutMs: 30_000 },
    );
    if (!result.ok) throw result.error;
    expect(result.response.reject_reason).toBe('invalid_input');
    const late = await alice.call(
      target,
      FoldAssign,
      assignRequest(fixture, 'late', params, { deadlineMs: -1_000 }),
      { timeoutMs: 30_000 },
    );
    if (!late.ok) throw late.error;
    expect(late.response.reject_reason).toBe('deadline_passed');
  });

  it('keeps running the good job through all of it, to its exact last step', async () => {
    const before = await stepOf('good');
    expect(before.state).toMatch(/running|finished/);
    const done = await waitFor(
      'the good job to finish',
      async () => {
        const now = await stepOf('good');
        if (now.state === 'failed') throw new Error('the good job failed');
        return now.state === 'finished' ? now : undefined;
      },
      180_000,
      500,
    );
    expect(done.step).toBe(GOOD_STEPS);
    const log = await readFile(
      join(jobLayout(workDir, `${keys.alice.address}.good`).runDir, 'nvt.log'),
      'utf8',
    );
    expect(log).toMatch(/Finished mdrun/);
  }, 200_000);
});

describe('a job that GROMACS refuses', () => {
  it('ends failed with the reason GROMACS gave, and frees its slot', async () => {
    const params = stageParams(fixture.spec, { nvt: 10 });
    // Two coupling groups but one time constant and one temperature: grompp refuses it.
    const broken = {
      nvt: { ...params.nvt, 'tc-grps': 'Protein Non-Protein', 'tau-t': 0.1, 'ref-t': 300 },
    };
    const assigned = await alice.call(
      target,
      FoldAssign,
      assignRequest(fixture, 'broken', broken),
      {
        timeoutMs: 30_000,
      },
    );
    if (!assigned.ok) throw assigned.error;
    expect(assigned.response.accepted).toBe(true);
    const failed = await waitFor(
      'the broken job to fail',
      async () => {
        const result = await alice.call(target, FoldProgress, { jobs: { broken: '' } });
        if (!result.ok) throw result.error;
        const report = result.response.progress.broken;
        return report?.state === 'failed'
          ? { report, free: result.response.free_slots }
          : undefined;
      },
      120_000,
      500,
    );
    expect(failed.report.error).toMatch(/grompp .*Invalid T coupling input: 2 groups, 1 ref-t/);
    expect(failed.free).toBe(5);
  }, 150_000);
});
