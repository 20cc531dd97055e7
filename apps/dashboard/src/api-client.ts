import type { Static, TSchema } from '@sinclair/typebox';
import { type TypeCheck, TypeCompiler } from '@sinclair/typebox/compiler';
import { Value } from '@sinclair/typebox/value';
import {
  ApiErrorBodySchema,
  type JobDetail,
  JobDetailSchema,
  type JobList,
  JobListSchema,
  type JobStatus,
  type JobSummary,
  JobSummarySchema,
  LeaderboardSchema,
  type MinerRank,
  type ValidatorStatus,
  ValidatorStatusSchema,
} from './api-schemas.js';
import { ApiResponseError, DashboardError } from './errors.js';

/** Largest JSON answer read (a job with tens of thousands of verdicts), bytes. */
export const MAX_JSON_BYTES = 32 * 1024 * 1024;
/** Largest structure file read (a few hundred thousand atoms), bytes. */
export const MAX_STRUCTURE_BYTES = 64 * 1024 * 1024;
/** How long a request may take before it is given up, ms. */
export const REQUEST_TIMEOUT_MS = 30_000;

/** What the submit form sends (`POST /api/jobs`). */
export interface SubmitJobRequest {
  readonly pdbId?: string;
  readonly pdb?: string;
  readonly params?: Readonly<Record<string, string | number | readonly string[]>>;
  readonly priority?: number;
}

/** Options of {@link ApiClient}. */
export interface ApiClientOptions {
  /** Where the validator is, e.g. `http://127.0.0.1:8093/` (the page's own origin by default). */
  readonly baseUrl: string;
  /** The bearer token to send, read at each request (it may be typed in later). */
  readonly token: () => string | null;
  readonly fetch?: typeof fetch;
}

/**
 * Reads a response body as text, giving up (and cancelling the stream) once it is over
 * `maxBytes`, so a hostile or broken server cannot make the page allocate without bound.
 * @throws {DashboardError} API_BAD_RESPONSE when the body is too large.
 */
export async function readTextLimited(
  response: Response,
  maxBytes: number,
  path: string,
): Promise<string> {
  const declared = Number(response.headers.get('content-length') ?? Number.NaN);
  const tooLarge = () =>
    new DashboardError(
      'API_BAD_RESPONSE',
      `the answer to ${path} is over ${Math.round(maxBytes / 1024 / 1024)} MiB`,
      { details: { path, maxBytes } },
    );
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge();
  }
  if (response.body === null) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = '';
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
  return text + decoder.decode();
}

// Compiled once per schema: a compiled check of a large job is several times faster than
// interpreting the schema on every poll (see the benchmark).
const checkers = new WeakMap<TSchema, TypeCheck<TSchema>>();
function checkerOf<T extends TSchema>(schema: T): TypeCheck<T> {
  let check = checkers.get(schema);
  if (check === undefined) {
    check = TypeCompiler.Compile(schema);
    checkers.set(schema, check);
  }
  return check as TypeCheck<T>;
}

/**
 * Checks a parsed answer against its schema.
 * @throws {DashboardError} API_BAD_RESPONSE naming the first field that does not fit.
 */
export function checkAnswer<T extends TSchema>(schema: T, value: unknown, path: string): Static<T> {
  const check = checkerOf(schema);
  if (check.Check(value)) return value;
  const first = check.Errors(value).First();
  const where = first === undefined ? '' : ` at ${first.path || '/'}: ${first.message}`;
  throw new DashboardError(
    'API_BAD_RESPONSE',
    `the validator's answer to ${path} is not what this dashboard reads${where}; are the dashboard and the validator from the same release?`,
    { details: { path, field: first?.path } },
  );
}

/**
 * The validator's HTTP API as the dashboard uses it: every answer is size-limited, parsed and
 * checked against its schema; error answers become {@link ApiResponseError}s carrying the
 * validator's code and the request field it names.
 */
export class ApiClient {
  readonly #baseUrl: string;
  readonly #token: () => string | null;
  readonly #fetch: typeof fetch;

  constructor(options: ApiClientOptions) {
    this.#baseUrl = options.baseUrl;
    this.#token = options.token;
    this.#fetch = options.fetch ?? globalThis.fetch.bind(globalThis);
  }

  /** Jobs by status (all statuses, live first, without one). */
  async listJobs(query: {
    readonly status?: JobStatus | undefined;
    readonly limit?: number;
    readonly offset?: number;
  }): Promise<JobList> {
    const search = new URLSearchParams();
    if (query.status !== undefined) search.set('status', query.status);
    search.set('limit', String(query.limit ?? 500));
    search.set('offset', String(query.offset ?? 0));
    return this.#json(`/api/jobs?${search}`, JobListSchema);
  }

  /** A job in full: miners, energies, structures, verdicts. */
  async job(jobId: string): Promise<JobDetail> {
    return this.#json(`/api/jobs/${encodeURIComponent(jobId)}`, JobDetailSchema);
  }

  /** The leaderboard, best weight first. */
  async miners(): Promise<readonly MinerRank[]> {
    return (await this.#json('/api/miners', LeaderboardSchema)).miners;
  }

  /** What the validator does now. */
  async status(): Promise<ValidatorStatus> {
    return this.#json('/api/status', ValidatorStatusSchema);
  }

  /** The OpenAPI document (the submit form reads its choices and limits from it). */
  async openApi(): Promise<unknown> {
    const response = await this.#request('/openapi.json', { method: 'GET' });
    return this.#parse(
      await readTextLimited(response, MAX_JSON_BYTES, '/openapi.json'),
      '/openapi.json',
    );
  }

  /**
   * Submits a job; needs a token unless the validator lets anyone submit.
   * @throws {ApiResponseError} with `field` naming what the validator refused.
   */
  async submit(body: SubmitJobRequest): Promise<JobSummary> {
    return this.#json('/api/jobs', JobSummarySchema, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  }

  /** The best verified structure of a job as PDB or GRO text. */
  async structure(link: string): Promise<string> {
    if (!link.startsWith('/api/jobs/'))
      throw new DashboardError('API_BAD_RESPONSE', `unexpected structure link ${link}`, {
        details: { path: link },
      });
    const response = await this.#request(link, { method: 'GET' });
    return readTextLimited(response, MAX_STRUCTURE_BYTES, link);
  }

  async #json<T extends TSchema>(path: string, schema: T, init?: RequestInit): Promise<Static<T>> {
    const response = await this.#request(path, init ?? { method: 'GET' });
    const text = await readTextLimited(response, MAX_JSON_BYTES, path);
    return checkAnswer(schema, this.#parse(text, path), path);
  }

  #parse(text: string, path: string): unknown {
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new DashboardError('API_BAD_RESPONSE', `the answer to ${path} is not JSON`, {
        details: { path },
        cause: error,
      });
    }
  }

  async #request(path: string, init: RequestInit): Promise<Response> {
    const token = this.#token();
    const headers = new Headers(init.headers);
    if (token !== null) headers.set('authorization', `Bearer ${token}`);
    let response: Response;
    try {
      response = await this.#fetch(new URL(path.replace(/^\//, ''), this.#baseUrl), {
        ...init,
        headers,
        signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
      });
    } catch (error) {
      throw new DashboardError(
        'API_UNREACHABLE',
        `the validator did not answer ${path}: ${error instanceof Error ? error.message : String(error)}`,
        { details: { path }, cause: error },
      );
    }
    if (response.ok) return response;
    const text = await readTextLimited(response, 64 * 1024, path).catch(() => '');
    let body: unknown = null;
    try {
      body = JSON.parse(text);
    } catch {
      // Not the validator's JSON error (a proxy's page, say): the status says enough.
    }
    const known = Value.Check(ApiErrorBodySchema, body) ? body : null;
    throw new ApiResponseError({
      status: response.status,
      apiCode: known?.error ?? `HTTP_${response.status}`,
      message: known?.message ?? `the validator answered ${response.status} to ${path}`,
      field: known?.field,
      path,
    });
  }
}
