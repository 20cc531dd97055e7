import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import fastifyStatic from '@fastify/static';
import fastifySwagger from '@fastify/swagger';
import { JOB_STATUSES, type JobStatus, type ValidatorJob } from '@fold/job-store';
import { type Static, type TSchema, Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { ValidatorContext } from '../context.js';
import { ApiError, type ValidatorError } from '../errors.js';
import { jobLayout } from '../job-layout.js';
import { endJob, LIVE_JOB_STATUSES } from '../job-lifecycle.js';
import { readPreparedJob } from '../preparation.js';
import { type SubmitJobBody, SubmitJobSchema, submitJob } from './submission.js';
import { jobDetailView, jobSummaryView, leaderboardView } from './views.js';

/** What the API shows about the validator itself. */
export interface ApiInfo {
  readonly version: string;
  readonly netuid: number | null;
  readonly chainEndpoint: string | null;
  readonly startedAt: number;
  /** The chain's best block now, or null without a chain. */
  readonly blockNumber: () => Promise<number | null>;
}

const ErrorSchema = Type.Object(
  {
    error: Type.String({ description: 'an error code such as API_BAD_REQUEST' }),
    message: Type.String(),
    field: Type.Optional(Type.String({ description: 'the request field that was wrong' })),
  },
  { $id: 'Error' },
);
const JobIdParams = Type.Object(
  { jobId: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$' }) },
  { additionalProperties: false },
);
const ListQuery = Type.Object(
  {
    status: Type.Optional(Type.Unsafe<JobStatus>({ type: 'string', enum: [...JOB_STATUSES] })),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
    offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 })),
  },
  { additionalProperties: false },
);
const Loose = (description: string) => Type.Object({}, { additionalProperties: true, description });
const errors = {
  400: ErrorSchema,
  401: ErrorSchema,
  404: ErrorSchema,
  413: ErrorSchema,
  415: ErrorSchema,
  422: ErrorSchema,
};

function fieldOf(error: FastifyError): string | undefined {
  const first = error.validation?.[0];
  if (first === undefined) return undefined;
  const params = first.params as { missingProperty?: string; additionalProperty?: string };
  const path = first.instancePath.split('/').filter(Boolean);
  if (params.missingProperty !== undefined) path.push(params.missingProperty);
  if (params.additionalProperty !== undefined) path.push(params.additionalProperty);
  return path.length === 0 ? error.validationContext : path.join('.');
}

function digest(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/**
 * The validator's HTTP API (fastify): researchers submit jobs and read results, a dashboard and
 * terminal UIs poll the status, Prometheus scrapes `/metrics`; the OpenAPI document of every
 * route is at `/openapi.json`. Requests under `/api/` need a bearer token (GET requests not
 * with `apiOpenRead`); bodies are limited (`apiMaxUploadBytes` for submissions, 64 KiB
 * otherwise) and validated against their schemas: a bad request gets a 4xx with
 * `{ error, message, field }`. With `staticDir`, that directory is served at `/`.
 */
export async function createApiServer(
  context: ValidatorContext,
  info: ApiInfo,
): Promise<FastifyInstance> {
  const { config } = context;
  const app = Fastify({ logger: false, bodyLimit: 64 * 1024, return503OnClosing: true });
  const strict = new Ajv({
    allErrors: false,
    strict: false,
    coerceTypes: false,
    useDefaults: true,
  });
  const coercing = new Ajv({
    allErrors: false,
    strict: false,
    coerceTypes: true,
    useDefaults: true,
  });
  app.setValidatorCompiler(({ schema, httpPart }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema as TSchema),
  );
  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'fold validator API',
        version: info.version,
        description:
          'Submit protein simulations to the fold network and read their results: jobs, miners, verified energies, structures, weights.',
      },
      components: {
        securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      },
      security: [{ bearer: [] }],
    },
  });
  app.addSchema(ErrorSchema);

  const tokens = config.apiTokens.map(digest);
  const authorised = (request: FastifyRequest): boolean => {
    const header = request.headers.authorization;
    if (header === undefined || !header.startsWith('Bearer ')) return false;
    const given = digest(header.slice('Bearer '.length).trim());
    return tokens.some((t) => timingSafeEqual(t, given));
  };
  app.addHook('onRequest', async (request) => {
    const path = request.url.split('?')[0] ?? '';
    if (!path.startsWith('/api/') || path === '/api/health') return;
    if (config.apiOpenRead && (request.method === 'GET' || request.method === 'HEAD')) return;
    if (!authorised(request)) {
      throw new ApiError(
        'API_UNAUTHORIZED',
        tokens.length === 0
          ? 'this validator has no API tokens configured (apiTokens)'
          : 'a valid bearer token is required (Authorization: Bearer <token>)',
      );
    }
  });
  app.addHook('onResponse', async (request, reply) => {
    context.metrics.apiRequests.inc({
      route: request.routeOptions.url ?? 'unknown',
      status: String(reply.statusCode),
    });
  });
  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (error instanceof ApiError) {
      const field = error.details.field;
      return reply.status(error.statusCode).send({
        error: error.code,
        message: error.message,
        ...(typeof field === 'string' ? { field } : {}),
      });
    }
    if (error.validation !== undefined) {
      const field = fieldOf(error);
      return reply.status(400).send({
        error: 'API_BAD_REQUEST',
        message: error.message,
        ...(field === undefined ? {} : { field }),
      });
    }
    const known: Record<string, [number, string]> = {
      FST_ERR_CTP_BODY_TOO_LARGE: [413, 'API_PAYLOAD_TOO_LARGE'],
      FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'API_UNSUPPORTED_MEDIA_TYPE'],
      FST_ERR_CTP_INVALID_JSON_BODY: [400, 'API_BAD_REQUEST'],
      FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'API_BAD_REQUEST'],
      FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'API_BAD_REQUEST'],
    };
    const mapped = known[error.code];
    if (mapped !== undefined) {
      return reply.status(mapped[0]).send({
        error: mapped[1],
        message: mapped[0] === 413 ? `the request body is over its limit` : error.message,
        ...(mapped[0] === 413 || mapped[1] === 'API_BAD_REQUEST' ? { field: 'body' } : {}),
      });
    }
    if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500) {
      return reply
        .status(error.statusCode)
        .send({ error: 'API_BAD_REQUEST', message: error.message });
    }
    context.logger.error(
      { event: 'api.error', url: request.url, err: error, code: (error as ValidatorError).code },
      `API request failed: ${error.message}`,
    );
    return reply.status(500).send({ error: 'API_INTERNAL', message: 'internal error' });
  });
  app.setNotFoundHandler((request, reply) =>
    reply.status(404).send({
      error: 'API_NOT_FOUND',
      message: `no route ${request.method} ${request.url.split('?')[0]}`,
    }),
  );

  const requireJob = async (jobId: string): Promise<ValidatorJob> => {
    const job = await context.jobs.get(jobId);
    if (job === undefined)
      throw new ApiError('API_NOT_FOUND', `no job ${jobId}`, { details: { field: 'jobId' } });
    return job;
  };

  app.get(
    '/api/health',
    {
      schema: {
        summary: 'Liveness',
        security: [],
        response: { 200: Type.Object({ ok: Type.Boolean() }) },
      },
    },
    async () => ({ ok: true }),
  );

  app.post<{ Body: SubmitJobBody }>(
    '/api/jobs',
    {
      bodyLimit: config.apiMaxUploadBytes,
      schema: {
        summary: 'Submit a job',
        description:
          'A PDB id (fetched by the validator) or the text of a PDB file, with optional parameters. The job is prepared (organic jobs before sampled ones), then assigned to miners.',
        body: SubmitJobSchema,
        response: { 202: Loose('the job: jobId, status, links'), ...errors },
      },
    },
    async (request, reply) => {
      const job = await submitJob(context, request.body);
      return reply.status(202).send({
        ...jobSummaryView(job),
        links: { self: `/api/jobs/${job.jobId}` },
      });
    },
  );

  app.get<{ Querystring: Static<typeof ListQuery> }>(
    '/api/jobs',
    {
      schema: {
        summary: 'List jobs',
        description:
          'Jobs by status (all statuses, live first, when none is given), highest priority first, then oldest.',
        querystring: ListQuery,
        response: { 200: Loose('{ jobs: JobSummary[], total }'), ...errors },
      },
    },
    async (request) => {
      const limit = request.query.limit ?? 100;
      const offset = request.query.offset ?? 0;
      const statuses: readonly JobStatus[] =
        request.query.status === undefined
          ? [...LIVE_JOB_STATUSES, 'finished', 'early-stopped', 'failed', 'cancelled']
          : [request.query.status];
      const counts = await context.jobs.counts();
      const total = statuses.reduce((sum, s) => sum + counts[s], 0);
      const jobs: ValidatorJob[] = [];
      let skip = offset;
      for (const status of statuses) {
        if (jobs.length >= limit) break;
        if (skip >= counts[status]) {
          skip -= counts[status];
          continue;
        }
        jobs.push(
          ...(await context.jobs.listByStatus(status, {
            offset: skip,
            limit: limit - jobs.length,
          })),
        );
        skip = 0;
      }
      return { jobs: jobs.map(jobSummaryView), total };
    },
  );

  app.get<{ Params: Static<typeof JobIdParams> }>(
    '/api/jobs/:jobId',
    {
      schema: {
        summary: 'A job in full',
        description:
          'Status, parameters, system, miners (stage, step, claimed and verified energies), best result, energy over time, RMSD and radius of gyration of the best frames over time, verdicts with reasons.',
        params: JobIdParams,
        response: { 200: Loose('JobDetail'), ...errors },
      },
    },
    async (request) => {
      const job = await requireJob(request.params.jobId);
      const spec =
        job.status === 'pending' || job.status === 'preparing'
          ? null
          : await readPreparedJob(config.workDir, job.jobId).catch(() => null);
      const [states, structures, verdictDetails, hasBest] = await Promise.all([
        context.state.minerStates(job.jobId),
        context.state.structureSeries(job.jobId),
        context.state.verdictDetails(job.jobId),
        stat(join(jobLayout(config.workDir, job.jobId).bestDir, 'best.gro')).then(
          () => true,
          () => false,
        ),
      ]);
      return jobDetailView({
        job,
        spec,
        states,
        structures,
        verdictDetails,
        hasBestStructure: hasBest,
      });
    },
  );

  app.delete<{ Params: Static<typeof JobIdParams> }>(
    '/api/jobs/:jobId',
    {
      schema: {
        summary: 'Cancel a job',
        params: JobIdParams,
        response: { 202: Loose('the job'), ...errors },
      },
    },
    async (request, reply) => {
      const job = await requireJob(request.params.jobId);
      if (!LIVE_JOB_STATUSES.includes(job.status as (typeof LIVE_JOB_STATUSES)[number]))
        throw new ApiError('API_CONFLICT', `job ${job.jobId} already ended (${job.status})`, {
          details: { field: 'jobId' },
        });
      await endJob(context, job.jobId, 'cancelled', 'cancelled through the API', {
        reasonForMiners: 'validator',
      });
      return reply.status(202).send(jobSummaryView(await requireJob(job.jobId)));
    },
  );

  for (const format of ['pdb', 'gro'] as const) {
    app.get<{ Params: Static<typeof JobIdParams> }>(
      `/api/jobs/:jobId/best.${format}`,
      {
        schema: {
          summary: `The best verified structure as ${format.toUpperCase()}`,
          params: JobIdParams,
          response: { 200: Type.String(), ...errors },
        },
      },
      async (request, reply) => {
        const job = await requireJob(request.params.jobId);
        const path = join(jobLayout(config.workDir, job.jobId).bestDir, `best.${format}`);
        const text = await readFile(path, 'utf8').catch(() => {
          throw new ApiError('API_NOT_FOUND', `job ${job.jobId} has no verified structure yet`, {
            details: { field: 'jobId' },
          });
        });
        return reply
          .type(format === 'pdb' ? 'chemical/x-pdb' : 'text/plain')
          .header('content-disposition', `attachment; filename="${job.jobId}-best.${format}"`)
          .send(text);
      },
    );
  }

  app.get(
    '/api/miners',
    {
      schema: {
        summary: 'Leaderboard',
        description:
          'Every miner with a score or a verdict: score, weight, last weight set, verified and rejected results.',
        response: { 200: Loose('{ miners: MinerRank[] }'), ...errors },
      },
    },
    async () => {
      const book = context.ledger.book;
      const [verdictCounts, lastWeights] = await Promise.all([
        context.state.verdictCounts(),
        context.state.lastWeights(),
      ]);
      return {
        miners: leaderboardView({
          scores: book.scores(),
          weights: book.weights(),
          hotkeyOf: (uid) => book.hotkeyOf(uid) ?? null,
          verdictCounts,
          lastWeights,
        }),
      };
    },
  );

  app.get(
    '/api/status',
    {
      schema: {
        summary: 'What the validator is doing now',
        description:
          'For terminal UIs and the dashboard: the validator, job counts, live jobs with their miners (stage, step, energies), pending verifications, recent verdicts, the last weights.',
        response: { 200: Loose('Status'), ...errors },
      },
    },
    async () => {
      const counts = await context.jobs.counts();
      const live: ValidatorJob[] = [];
      for (const status of LIVE_JOB_STATUSES)
        live.push(...(await context.jobs.listByStatus(status, { limit: 200 })));
      const states = await context.state.minerStatesOf(live.map((j) => j.jobId));
      const [claims, lastWeights, blockNumber] = await Promise.all([
        context.state.pendingClaims(),
        context.state.lastWeights(),
        info.blockNumber().catch(() => null),
      ]);
      const verdicts = live
        .flatMap((job) => job.verdicts.map((v) => ({ jobId: job.jobId, ...v })))
        .sort((a, b) => b.at - a.at)
        .slice(0, 50);
      return {
        validator: {
          hotkey: context.hotkey,
          version: info.version,
          netuid: info.netuid,
          chainEndpoint: info.chainEndpoint,
          dryRun: config.dryRun,
          startedAt: info.startedAt,
          uptimeMs: context.now() - info.startedAt,
          blockNumber,
        },
        jobs: {
          counts,
          live: live.map((job) => {
            const jobStates = states.get(job.jobId);
            return {
              ...jobSummaryView(job),
              miners: job.assignments.map((a) => {
                const report = jobStates?.get(a.uid)?.lastReport;
                return {
                  uid: a.uid,
                  hotkey: a.hotkey,
                  state: a.state,
                  stage: report?.stage ?? a.lastProgress?.stage ?? null,
                  step: report?.step ?? a.lastProgress?.step ?? null,
                  simulatedTimePs: report?.simulatedTimePs ?? null,
                  nsPerDay: report?.nsPerDay ?? null,
                  claimedEnergyKjMol: report?.bestEnergyKjMol ?? null,
                };
              }),
            };
          }),
        },
        pendingVerifications: claims.length,
        recentVerdicts: verdicts,
        lastWeights: lastWeights ?? null,
      };
    },
  );

  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', security: [], response: { 200: Type.String() } } },
    async (_request, reply) =>
      reply.type(context.metrics.contentType).send(await context.metrics.text()),
  );

  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  if (config.staticDir !== undefined) {
    await app.register(fastifyStatic, { root: config.staticDir, prefix: '/', wildcard: true });
  }
  await app.ready();
  return app;
}
