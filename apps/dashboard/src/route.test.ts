import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { JOB_STATUSES } from './api-schemas.js';
import { type JobFilters, NO_FILTERS, parseRoute, type Route, routeHref } from './route.js';

describe('parseRoute', () => {
  it('reads an empty fragment as the unfiltered jobs list', () => {
    expect(parseRoute('')).toEqual({ page: 'jobs', filters: NO_FILTERS });
    expect(parseRoute('#/')).toEqual({ page: 'jobs', filters: NO_FILTERS });
  });

  it('reads the list filters from the query', () => {
    expect(parseRoute('#/jobs?status=active&q=1l2y&source=organic')).toEqual({
      page: 'jobs',
      filters: { status: 'active', text: '1l2y', source: 'organic' },
    });
  });

  it('ignores a status or source that does not exist', () => {
    expect(parseRoute('#/jobs?status=exploded&source=alien')).toEqual({
      page: 'jobs',
      filters: NO_FILTERS,
    });
  });

  it('cuts filter text at 64 characters', () => {
    const route = parseRoute(`#/jobs?q=${'a'.repeat(500)}`);
    expect(route.page === 'jobs' && route.filters.text.length).toBe(64);
  });

  it('reads a job page by id', () => {
    expect(parseRoute('#/jobs/o-1a2b3c')).toEqual({ page: 'job', jobId: 'o-1a2b3c' });
  });

  it('refuses a job id with characters a job id never has', () => {
    expect(parseRoute('#/jobs/..%2F..%2Fetc').page).toBe('not-found');
    expect(parseRoute('#/jobs/a%20b').page).toBe('not-found');
  });

  it('reads the submit and miners pages, and names anything else not found', () => {
    expect(parseRoute('#/submit')).toEqual({ page: 'submit' });
    expect(parseRoute('#/miners/')).toEqual({ page: 'miners' });
    expect(parseRoute('#/nowhere')).toEqual({ page: 'not-found', hash: '#/nowhere' });
  });
});

describe('routeHref', () => {
  const filters: fc.Arbitrary<JobFilters> = fc.record({
    status: fc.constantFrom(null, ...JOB_STATUSES),
    text: fc.string({ maxLength: 64 }),
    source: fc.constantFrom(null, 'organic' as const, 'synthetic' as const),
  });
  const routes: fc.Arbitrary<Route> = fc.oneof(
    filters.map((f): Route => ({ page: 'jobs', filters: f })),
    fc
      .stringMatching(/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/)
      .map((jobId): Route => ({ page: 'job', jobId })),
    fc.constant<Route>({ page: 'submit' }),
    fc.constant<Route>({ page: 'miners' }),
  );

  it('writes a fragment that parseRoute reads back as the same page', () => {
    fc.assert(fc.property(routes, (route) => expect(parseRoute(routeHref(route))).toEqual(route)));
  });

  it('leaves empty filters out of the address', () => {
    expect(routeHref({ page: 'jobs', filters: NO_FILTERS })).toBe('#/jobs');
  });
});
