import { JOB_STATUSES, type JobStatus } from './api-schemas.js';

// Pages are addressed by the URL fragment (`#/jobs/o-1a2b`), so the validator serves one static
// index.html and every page can be bookmarked and reloaded.

/** Filters of the jobs list, kept in the address so a filtered list can be shared. */
export interface JobFilters {
  readonly status: JobStatus | null;
  /** Text a job's id or protein must contain (case-insensitive). */
  readonly text: string;
  readonly source: 'organic' | 'synthetic' | null;
}

/** A page of the dashboard. */
export type Route =
  | { readonly page: 'jobs'; readonly filters: JobFilters }
  | { readonly page: 'job'; readonly jobId: string }
  | { readonly page: 'submit' }
  | { readonly page: 'miners' }
  | { readonly page: 'not-found'; readonly hash: string };

const JOB_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const MAX_FILTER_TEXT = 64;

/** No filter. */
export const NO_FILTERS: JobFilters = { status: null, text: '', source: null };

/** The page an address fragment names. Pure. */
export function parseRoute(hash: string): Route {
  const body = hash.startsWith('#') ? hash.slice(1) : hash;
  const queryAt = body.indexOf('?');
  const path = (queryAt < 0 ? body : body.slice(0, queryAt)).replace(/\/+$/, '');
  const query = new URLSearchParams(queryAt < 0 ? '' : body.slice(queryAt + 1));
  if (path === '' || path === '/jobs') {
    const status = query.get('status');
    const source = query.get('source');
    return {
      page: 'jobs',
      filters: {
        status: (JOB_STATUSES as readonly string[]).includes(status ?? '')
          ? (status as JobStatus)
          : null,
        text: (query.get('q') ?? '').slice(0, MAX_FILTER_TEXT),
        source: source === 'organic' || source === 'synthetic' ? source : null,
      },
    };
  }
  const job = /^\/jobs\/([^/]+)$/.exec(path);
  if (job !== null) {
    const jobId = decodeURIComponent(job[1] ?? '');
    if (JOB_ID.test(jobId)) return { page: 'job', jobId };
  }
  if (path === '/submit') return { page: 'submit' };
  if (path === '/miners') return { page: 'miners' };
  return { page: 'not-found', hash };
}

/** The address fragment of a page (the inverse of {@link parseRoute}). Pure. */
export function routeHref(route: Route): string {
  switch (route.page) {
    case 'jobs': {
      const query = new URLSearchParams();
      if (route.filters.status !== null) query.set('status', route.filters.status);
      if (route.filters.text !== '') query.set('q', route.filters.text);
      if (route.filters.source !== null) query.set('source', route.filters.source);
      const text = query.toString();
      return `#/jobs${text === '' ? '' : `?${text}`}`;
    }
    case 'job':
      return `#/jobs/${encodeURIComponent(route.jobId)}`;
    case 'submit':
      return '#/submit';
    case 'miners':
      return '#/miners';
    case 'not-found':
      return route.hash;
  }
}
