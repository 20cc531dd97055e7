import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RedisServerHandle, startRedisServer } from '@fold/devkit';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { jobLayout } from '../src/job-layout.js';
import { createJob, defaultSettings } from '../src/job-lifecycle.js';
import { Validator } from '../src/validator.js';
import { fileLogger, mirrorEntryText, TOKEN, testConfig } from './helpers.js';

// The HTTP API against a real Redis and real preparations with gmx (1L2Y, one fixed
// configuration, cached in .fixtures after the first run).

let redis: RedisServerHandle;
let dir: string;
let validator: Validator;
let base: string;

const systemParams = {
  forceField: 'charmm27',
  water: 'tip3p',
  box: 'dodecahedron',
  boxDistanceNm: 1.0,
  ionConcentrationMolar: 0.1,
  temperatureK: 300,
  pressureBar: 1,
  stages: ['md'],
  mdSteps: 200,
} as const;

async function api(
  method: string,
  path: string,
  options: { body?: unknown; raw?: string; token?: string | null; type?: string } = {},
): Promise<{ status: number; body: Record<string, unknown>; text: string; type: string | null }> {
  const headers: Record<string, string> = {};
  if (options.token !== null) headers.authorization = `Bearer ${options.token ?? TOKEN}`;
  let payload: string | undefined;
  if (options.raw !== undefined || options.body !== undefined) {
    headers['content-type'] = options.type ?? 'application/json';
    payload = options.raw ?? JSON.stringify(options.body);
  }
  const response = await fetch(`${base}${path}`, { method, headers, body: payload });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // not JSON (a structure, metrics)
  }
  return { status: response.status, body, text, type: response.headers.get('content-type') };
}

const prepare = () =>
  validator.tasks['prepare-jobs']?.({
    task: 'prepare-jobs',
    data: {},
    scheduledAtMs: Date.now(),
    signal: new AbortController().signal,
  });

beforeAll(async () => {
  redis = await startRedisServer();
  dir = await mkdtemp(join(tmpdir(), 'fold-validator-api-'));
  await mkdir(join(dir, 'static'));
  await writeFile(join(dir, 'static', 'index.html'), '<h1>fold dashboard</h1>');
  const config = testConfig({
    workDir: join(dir, 'work'),
    redisUrl: redis.url,
    staticDir: join(dir, 'static'),
    apiMaxUploadBytes: 1024 * 1024,
    queueSize: 0,
  });
  validator = await Validator.start(config, {
    logger: fileLogger(join(dir, 'validator.log')),
    runTasks: false,
  });
  const address = validator.apiAddress;
  if (address === null) throw new Error('no API');
  base = `http://127.0.0.1:${address.port}`;
});

afterAll(async () => {
  await validator?.stop();
  await redis?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('authentication', () => {
  it('answers health checks without a token', async () => {
    expect(await api('GET', '/api/health', { token: null })).toMatchObject({
      status: 200,
      body: { ok: true },
    });
  });

  it('refuses requests without a token or with a wrong one', async () => {
    const none = await api('GET', '/api/jobs', { token: null });
    expect(none).toMatchObject({ status: 401, body: { error: 'API_UNAUTHORIZED' } });
    const wrong = await api('POST', '/api/jobs', {
      token: 'not-the-token-at-all',
      body: { pdbId: '1l2y' },
    });
    expect(wrong.status).toBe(401);
  });
});

describe('bad submissions get a 4xx naming the field', () => {
  const cases: [
    string,
    { body?: unknown; raw?: string; type?: string },
    number,
    string,
    string | undefined,
  ][] = [
    ['neither id nor file', { body: {} }, 400, 'API_BAD_REQUEST', 'pdbId'],
    ['a malformed PDB id', { body: { pdbId: '1l2' } }, 400, 'API_BAD_REQUEST', 'pdbId'],
    [
      'an unknown field',
      { body: { pdbId: '1l2y', colour: 'red' } },
      400,
      'API_BAD_REQUEST',
      'colour',
    ],
    [
      'a temperature that is not a number',
      { body: { pdbId: '1l2y', params: { temperatureK: '300' } } },
      400,
      'API_BAD_REQUEST',
      'params.temperatureK',
    ],
    [
      'a temperature out of range',
      { body: { pdbId: '1l2y', params: { temperatureK: 1000 } } },
      400,
      'API_BAD_REQUEST',
      'params.temperatureK',
    ],
    [
      'an unknown force field',
      { body: { pdbId: '1l2y', params: { forceField: 'oplsaa' } } },
      400,
      'API_BAD_REQUEST',
      'params.forceField',
    ],
    [
      'a priority out of range',
      { body: { pdbId: '1l2y', priority: 10 } },
      400,
      'API_BAD_REQUEST',
      'priority',
    ],
    [
      'an entry the validator cannot fetch',
      { body: { pdbId: '9zzz' } },
      422,
      'API_UNPROCESSABLE',
      'pdbId',
    ],
    [
      'a file that is not PDB',
      { body: { pdb: 'hello, this is not a structure\n' } },
      422,
      'API_UNPROCESSABLE',
      'pdb',
    ],
    ['a body that is not JSON', { raw: '{"pdbId": ' }, 400, 'API_BAD_REQUEST', 'body'],
    [
      'a body over the upload limit',
      { body: { pdb: 'A'.repeat(1100 * 1024) } },
      413,
      'API_PAYLOAD_TOO_LARGE',
      'body',
    ],
    [
      'another media type',
      { raw: 'pdbId=1l2y', type: 'application/x-www-form-urlencoded' },
      415,
      'API_UNSUPPORTED_MEDIA_TYPE',
      undefined,
    ],
  ];
  it.each(cases)('refuses %s', async (_what, request, status, error, field) => {
    const answer = await api('POST', '/api/jobs', request);
    expect(answer.status).toBe(status);
    expect(answer.body.error).toBe(error);
    expect(answer.body.field).toBe(field);
    expect(typeof answer.body.message).toBe('string');
  });

  it('says why an uploaded structure is unusable', async () => {
    const text = await mirrorEntryText('1l2y');
    const truncated = text.slice(0, text.indexOf('\nEND'));
    const answer = await api('POST', '/api/jobs', { body: { pdb: truncated } });
    expect(answer).toMatchObject({ status: 422, body: { field: 'pdb' } });
    expect(answer.body.message).toMatch(/END/);
  });

  it('leaves no job behind', async () => {
    expect((await api('GET', '/api/jobs')).body).toMatchObject({ jobs: [], total: 0 });
  });
});

describe('submit, poll, cancel', () => {
  let byId: string;
  let byUpload: string;

  it('accepts a job by PDB id with its parameters', async () => {
    const answer = await api('POST', '/api/jobs', {
      body: { pdbId: '1L2Y', params: systemParams, priority: 7 },
    });
    expect(answer.status).toBe(202);
    expect(answer.body).toMatchObject({
      proteinId: '1l2y',
      status: 'pending',
      source: 'organic',
      priority: 7,
    });
    byId = String(answer.body.jobId);
    expect(byId).toMatch(/^o-[0-9a-f]{16}$/);
    expect(answer.body.params).toMatchObject({
      forceField: 'charmm27',
      stages: 'md',
      mdSteps: 200,
    });
  });

  it('accepts an uploaded structure and keeps it under a name of its own', async () => {
    const answer = await api('POST', '/api/jobs', {
      body: { pdb: await mirrorEntryText('1l2y'), params: systemParams },
    });
    expect(answer.status).toBe(202);
    byUpload = String(answer.body.jobId);
    expect(answer.body).toMatchObject({ proteinId: '1l2y', priority: 5, params: { upload: true } });
    const stored = jobLayout(join(dir, 'work'), byUpload).uploadPath;
    expect(await readFile(stored, 'utf8')).toBe(await mirrorEntryText('1l2y'));
  });

  let restrained: string;
  it('accepts a job of restrained stages only (it fails at preparation: nothing to verify)', async () => {
    const answer = await api('POST', '/api/jobs', {
      body: { pdbId: '1l2y', params: { ...systemParams, stages: ['nvt'], nvtSteps: 200 } },
    });
    expect(answer.status).toBe(202);
    restrained = String(answer.body.jobId);
  });

  it('prepares organic jobs before sampled ones, and they become active', async () => {
    const context = validator.context;
    const synthetic = await createJob(context, {
      jobId: 'f0-1l2y',
      settings: {
        ...defaultSettings(context, '1l2y', 'f0-1l2y'),
        ...systemParams,
        stages: ['md'],
      },
      source: 'synthetic',
    });
    expect(synthetic.priority).toBe(0);
    await prepare();
    const jobs = await Promise.all(
      [byId, byUpload, 'f0-1l2y'].map(async (id) => (await api('GET', `/api/jobs/${id}`)).body),
    );
    for (const job of jobs) expect(job.status).toBe('active');
    const activated = jobs.map((j) => Number(j.activatedAt));
    expect(activated[0]).toBeLessThan(activated[2] as number);
    expect(activated[1]).toBeLessThan(activated[2] as number);
  }, 600_000);

  it('fails a job whose frames cannot be verified, saying why', async () => {
    const { body } = await api('GET', `/api/jobs/${restrained}`);
    expect(body.status).toBe('failed');
    expect(body.statusReason).toMatch(/cannot be verified/);
  });

  it('shows a job in full: system, stages, miners, energies, structures, verdicts', async () => {
    const { status, body } = await api('GET', `/api/jobs/${byId}`);
    expect(status).toBe(200);
    expect(body.system).toMatchObject({
      hyperparameters: {
        forceField: 'charmm27',
        water: 'tip3p',
        box: 'dodecahedron',
        temperatureK: 300,
      },
      proteinAtomCount: expect.any(Number),
    });
    expect(body.stages).toEqual([{ name: 'md', nsteps: 200 }]);
    expect(body).toMatchObject({
      minerDetails: [],
      best: null,
      energy: { best: [], verified: [] },
      structures: [],
      verdicts: [],
      verdictDetails: [],
      links: { self: `/api/jobs/${byId}`, pdb: null, gro: null },
    });
  });

  it('lists jobs by status, highest priority first', async () => {
    const { body } = await api('GET', '/api/jobs?status=active&limit=10');
    expect((body.jobs as { jobId: string }[]).map((j) => j.jobId)).toEqual([
      byId,
      byUpload,
      'f0-1l2y',
    ]);
    expect(body.total).toBe(3);
    const page = await api('GET', '/api/jobs?limit=1&offset=1');
    expect((page.body.jobs as { jobId: string }[]).map((j) => j.jobId)).toEqual([byUpload]);
    expect((await api('GET', '/api/jobs?limit=0')).body).toMatchObject({
      error: 'API_BAD_REQUEST',
      field: 'limit',
    });
  });

  it('has no structure to download before a verified result', async () => {
    expect(await api('GET', `/api/jobs/${byId}/best.pdb`)).toMatchObject({
      status: 404,
      body: { error: 'API_NOT_FOUND' },
    });
    expect((await api('GET', '/api/jobs/o-0000000000000000')).status).toBe(404);
    expect((await api('GET', '/api/jobs/..%2F..%2Fetc')).body).toMatchObject({
      error: 'API_BAD_REQUEST',
      field: 'jobId',
    });
  });

  it('cancels a job once', async () => {
    const answer = await api('DELETE', `/api/jobs/${byUpload}`);
    expect(answer).toMatchObject({
      status: 202,
      body: { status: 'cancelled', statusReason: 'cancelled through the API' },
    });
    expect((await api('DELETE', `/api/jobs/${byUpload}`)).status).toBe(409);
  });

  it('reports status, the leaderboard and metrics', async () => {
    const status = await api('GET', '/api/status');
    expect(status.body).toMatchObject({
      validator: { hotkey: validator.context.hotkey, dryRun: true },
      jobs: { counts: { active: 2, cancelled: 1, failed: 1 } },
      pendingVerifications: 0,
      lastWeights: null,
    });
    expect((await api('GET', '/api/miners')).body).toEqual({ miners: [] });
    const metrics = await api('GET', '/metrics', { token: null });
    expect(metrics.status).toBe(200);
    expect(metrics.text).toContain('fold_validator_api_requests_total');
  });
});

describe('Prometheus metrics', () => {
  /** Every series of the README's metrics table, with its type. */
  const documented: [string, string][] = [
    ['fold_validator_jobs', 'gauge'],
    ['fold_validator_jobs_ended_total', 'counter'],
    ['fold_validator_queries_total', 'counter'],
    ['fold_validator_bytes_total', 'counter'],
    ['fold_validator_verifications_total', 'counter'],
    ['fold_validator_verification_seconds', 'histogram'],
    ['fold_validator_progress_round_seconds', 'histogram'],
    ['fold_validator_weights_total', 'counter'],
    ['fold_validator_api_requests_total', 'counter'],
  ];

  const metricsText = async () => {
    const answer = await api('GET', '/metrics', { token: null });
    expect(answer.status).toBe(200);
    return answer.text;
  };

  /** The value of one sample line, `name{labels} value`, or undefined without it. */
  const sample = (text: string, series: string): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${series} `));
    return line === undefined ? undefined : Number(line.slice(series.length + 1));
  };

  it('serves the Prometheus text format without a token', async () => {
    const answer = await api('GET', '/metrics', { token: null });
    expect(answer.status).toBe(200);
    expect(answer.type).toMatch(/^text\/plain; version=0\.0\.4/);
  });

  it.each(documented)('documents %s with a HELP line and its %s TYPE', async (name, type) => {
    const lines = (await metricsText()).split('\n');
    const help = lines.find((l) => l.startsWith(`# HELP ${name} `));
    expect(help?.length).toBeGreaterThan(`# HELP ${name} `.length);
    expect(lines).toContain(`# TYPE ${name} ${type}`);
  });

  it('names only series of its own', async () => {
    const names = (await metricsText())
      .split('\n')
      .filter((l) => l.startsWith('# TYPE '))
      .map((l) => l.split(' ')[2]);
    expect(names.sort()).toEqual(documented.map(([name]) => name).sort());
  });

  it('counts the jobs that ended, by final status', async () => {
    const text = await metricsText();
    expect(sample(text, 'fold_validator_jobs_ended_total{status="cancelled"}')).toBe(1);
    expect(sample(text, 'fold_validator_jobs_ended_total{status="failed"}')).toBe(1);
  });

  it('counts API requests by route and status', async () => {
    const text = await metricsText();
    expect(
      sample(text, 'fold_validator_api_requests_total{route="/api/status",status="200"}'),
    ).toBe(1);
    expect(
      sample(text, 'fold_validator_api_requests_total{route="/api/jobs",status="401"}'),
    ).toBeGreaterThanOrEqual(2);
  });

  it('has no verification or weights samples before any claim or score', async () => {
    const text = await metricsText();
    expect(text).not.toMatch(/^fold_validator_verifications_total\{/m);
    expect(text).not.toMatch(/^fold_validator_weights_total\{/m);
    expect(sample(text, 'fold_validator_verification_seconds_count')).toBe(0);
  });

  describe('after a progress round', () => {
    beforeAll(async () => {
      await validator.tasks['progress-round']?.({
        task: 'progress-round',
        data: {},
        scheduledAtMs: Date.now(),
        signal: new AbortController().signal,
      });
    }, 120_000);

    it('sets the jobs gauge for every status', async () => {
      const text = await metricsText();
      expect(sample(text, 'fold_validator_jobs{status="active"}')).toBe(2);
      expect(sample(text, 'fold_validator_jobs{status="cancelled"}')).toBe(1);
      expect(sample(text, 'fold_validator_jobs{status="failed"}')).toBe(1);
      expect(sample(text, 'fold_validator_jobs{status="pending"}')).toBe(0);
    });

    it('observes the round duration', async () => {
      expect(sample(await metricsText(), 'fold_validator_progress_round_seconds_count')).toBe(1);
    });

    it('counts one failed assignment call per active job to the unreachable miner', async () => {
      const calls = (await metricsText())
        .split('\n')
        .filter((l) => l.startsWith('fold_validator_queries_total{synapse="FoldAssign",'));
      expect(calls.length).toBeGreaterThan(0);
      expect(calls.join('\n')).not.toContain('outcome="ok"');
      expect(calls.reduce((sum, l) => sum + Number(l.split(' ').pop()), 0)).toBe(2);
    });

    it('counts the bytes of those calls by direction: none reached or came from the unreachable miner', async () => {
      const text = await metricsText();
      const series = (direction: string) =>
        `fold_validator_bytes_total{synapse="FoldAssign",direction="${direction}"}`;
      expect(sample(text, series('sent'))).toBe(0);
      expect(sample(text, series('received'))).toBe(0);
    });
  });
});

describe('documents and files', () => {
  it('serves its OpenAPI document', async () => {
    const { status, body } = await api('GET', '/openapi.json', { token: null });
    expect(status).toBe(200);
    expect(body.openapi).toBe('3.0.3');
    const paths = Object.keys(body.paths as object);
    for (const path of [
      '/api/jobs',
      '/api/jobs/{jobId}',
      '/api/jobs/{jobId}/best.pdb',
      '/api/miners',
      '/api/status',
    ])
      expect(paths).toContain(path);
    expect(JSON.stringify(body.paths)).toContain('temperatureK');
  });

  it('serves the static directory at /', async () => {
    const answer = await api('GET', '/', { token: null });
    expect(answer.status).toBe(200);
    expect(answer.text).toContain('fold dashboard');
    expect(existsSync(join(dir, 'static', 'index.html'))).toBe(true);
  });
});
