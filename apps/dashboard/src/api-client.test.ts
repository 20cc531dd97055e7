import { describe, expect, it } from '@jest/globals';
import { jobDetail } from '../test/job-views.js';
import { ApiClient, MAX_JSON_BYTES, readTextLimited } from './api-client.js';
import { ApiResponseError, DashboardError } from './errors.js';

// The client's own logic (headers, limits, checks, error mapping) against answers made here;
// the end-to-end test runs it against a real validator.

type Handler = (url: URL, init: RequestInit) => Response;

function client(handler: Handler, token: string | null = null) {
  const calls: { url: URL; init: RequestInit }[] = [];
  const api = new ApiClient({
    baseUrl: 'http://validator.test/',
    token: () => token,
    fetch: async (input, init) => {
      const url = new URL(String(input));
      calls.push({ url, init: init ?? {} });
      return handler(url, init ?? {});
    },
  });
  return { api, calls };
}

const json = (value: unknown, status = 200) =>
  new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });

async function failure(promise: Promise<unknown>): Promise<DashboardError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof DashboardError) return error;
    throw error;
  }
  throw new Error('the call succeeded');
}

describe('ApiClient', () => {
  it('sends the bearer token when there is one', async () => {
    const { api, calls } = client(() => json({ jobs: [], total: 0 }), 'dev-token-0123456789');
    await api.listJobs({ status: 'active' });
    expect(new Headers(calls[0]?.init.headers).get('authorization')).toBe(
      'Bearer dev-token-0123456789',
    );
    expect(calls[0]?.url.href).toBe(
      'http://validator.test/api/jobs?status=active&limit=500&offset=0',
    );
  });

  it('sends no authorization header without a token', async () => {
    const { api, calls } = client(() => json({ jobs: [], total: 0 }));
    await api.listJobs({});
    expect(new Headers(calls[0]?.init.headers).has('authorization')).toBe(false);
  });

  it('returns a job that fits the schema', async () => {
    const job = jobDetail();
    const { api, calls } = client(() => json(job));
    await expect(api.job(job.jobId)).resolves.toEqual(job);
    expect(calls[0]?.url.pathname).toBe(`/api/jobs/${job.jobId}`);
  });

  it("turns the validator's error answer into an ApiResponseError with its field", async () => {
    const { api } = client(() =>
      json({ error: 'API_UNPROCESSABLE', message: 'no ATOM records', field: 'pdb' }, 422),
    );
    const error = await failure(api.submit({ pdb: 'nothing' }));
    expect(error).toBeInstanceOf(ApiResponseError);
    expect(error.code).toBe('API_REJECTED');
    expect((error as ApiResponseError).field).toBe('pdb');
    expect((error as ApiResponseError).apiCode).toBe('API_UNPROCESSABLE');
    expect(error.message).toBe('no ATOM records');
  });

  it('names a 401 API_UNAUTHORIZED', async () => {
    const { api } = client(() => json({ error: 'API_UNAUTHORIZED', message: 'a token' }, 401));
    expect((await failure(api.miners())).code).toBe('API_UNAUTHORIZED');
  });

  it('describes an error answer that is not JSON by its status', async () => {
    const { api } = client(() => new Response('<h1>Bad gateway</h1>', { status: 502 }));
    const error = await failure(api.status());
    expect(error.message).toBe('the validator answered 502 to /api/status');
  });

  it('refuses an answer that does not fit the schema, naming the field', async () => {
    const { api } = client(() => json({ jobs: [{ jobId: 7 }], total: 1 }));
    const error = await failure(api.listJobs({}));
    expect(error.code).toBe('API_BAD_RESPONSE');
    expect(error.message).toMatch(/\/jobs\/0/);
  });

  it('refuses an answer that is not JSON', async () => {
    const { api } = client(() => new Response('not json'));
    expect((await failure(api.miners())).code).toBe('API_BAD_RESPONSE');
  });

  it('reports a network failure as API_UNREACHABLE', async () => {
    const { api } = client(() => {
      throw new TypeError('fetch failed');
    });
    const error = await failure(api.miners());
    expect(error.code).toBe('API_UNREACHABLE');
    expect(error.message).toMatch(/fetch failed/);
  });

  it('fetches structures only from the API', async () => {
    const { api, calls } = client(() => new Response('ATOM'));
    await expect(api.structure('/api/jobs/o-1/best.pdb')).resolves.toBe('ATOM');
    expect((await failure(api.structure('https://elsewhere.test/x.pdb'))).code).toBe(
      'API_BAD_RESPONSE',
    );
    expect(calls).toHaveLength(1);
  });
});

describe('readTextLimited', () => {
  it('refuses a body whose declared length is over the limit without reading it', async () => {
    const response = new Response('x'.repeat(10), { headers: { 'content-length': '999999' } });
    await expect(readTextLimited(response, 100, '/x')).rejects.toThrow(/over/);
  });

  it('stops reading a streamed body once it passes the limit', async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(64 * 1024).fill(120));
      },
    });
    await expect(readTextLimited(new Response(stream), 1024 * 1024, '/x')).rejects.toThrow(
      /over 1 MiB/,
    );
    expect(pulled).toBeLessThan(40);
  });

  it('decodes UTF-8 split across chunks', async () => {
    const bytes = new TextEncoder().encode('énergie');
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(bytes.slice(0, 1));
        controller.enqueue(bytes.slice(1));
        controller.close();
      },
    });
    await expect(readTextLimited(new Response(stream), MAX_JSON_BYTES, '/x')).resolves.toBe(
      'énergie',
    );
  });
});
