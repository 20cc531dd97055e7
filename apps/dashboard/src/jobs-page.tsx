import { JOB_STATUSES, type JobSummary } from './api-schemas.js';
import { ErrorNotice } from './error-notice.js';
import { formatEnergy, formatTime } from './format.js';
import { filterJobs, parametersLine } from './job-list.js';
import { type JobFilters, routeHref } from './route.js';
import { useServices, useToken } from './services.js';
import { StatusBadge } from './status-badge.js';
import { usePolled } from './use-polled.js';

/** How often the list is refreshed, ms. */
const LIST_INTERVAL_MS = 5_000;
/** Most jobs fetched per status filter (the API's page limit). */
const LIST_LIMIT = 500;

// Filters replace the address instead of adding to the history: Back leaves the list.
function go(filters: JobFilters): void {
  window.location.replace(routeHref({ page: 'jobs', filters }));
}

function JobRow(props: { readonly job: JobSummary }) {
  const { job } = props;
  const href = routeHref({ page: 'job', jobId: job.jobId });
  return (
    <tr data-testid="job-row" data-job-id={job.jobId}>
      <td>
        <a href={href}>
          <strong>{job.proteinId.toUpperCase()}</strong>
        </a>
        <div class="muted small">
          <a href={href}>{job.jobId}</a> · {job.source}
          {job.priority !== 5 && <> · priority {job.priority}</>}
        </div>
      </td>
      <td>
        <StatusBadge status={job.status} reason={job.statusReason} />
      </td>
      <td class="small">{parametersLine(job.params) || <span class="muted">to be chosen</span>}</td>
      <td class="num" title="running / finished / assigned">
        {job.miners.running} / {job.miners.finished} / {job.miners.total}
      </td>
      <td class="num">
        {formatEnergy(job.bestEnergyKjMol)}
        {job.bestUid !== null && <div class="muted small">uid {job.bestUid}</div>}
      </td>
      <td class="num">
        {job.verifiedResults}
        {job.rejectedResults > 0 && (
          <span class="rejected" title="rejected results">
            {' '}
            / {job.rejectedResults} rejected
          </span>
        )}
      </td>
      <td class="small">{formatTime(job.createdAt)}</td>
    </tr>
  );
}

/** The jobs list: status, protein, parameters, miners, best verified energy; filters. */
export function JobsPage(props: { readonly filters: JobFilters }) {
  const { api } = useServices();
  const token = useToken();
  const { filters } = props;
  const list = usePolled(
    () => api.listJobs({ status: filters.status ?? undefined, limit: LIST_LIMIT }),
    `jobs:${filters.status ?? ''}:${token ?? ''}`,
    LIST_INTERVAL_MS,
  );
  const shown = list.data === null ? [] : filterJobs(list.data.jobs, filters);

  return (
    <section>
      <div class="page-head">
        <h1>Jobs</h1>
        <a class="button" href="#/submit">
          Submit a protein
        </a>
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter jobs">
        <label>
          Status
          <select
            name="status"
            value={filters.status ?? ''}
            onChange={(e) => {
              const value = e.currentTarget.value;
              go({
                ...filters,
                status: (JOB_STATUSES as readonly string[]).includes(value)
                  ? (value as JobFilters['status'])
                  : null,
              });
            }}
          >
            <option value="">all</option>
            {JOB_STATUSES.map((s) => (
              <option value={s} key={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Source
          <select
            name="source"
            value={filters.source ?? ''}
            onChange={(e) => {
              const value = e.currentTarget.value;
              go({
                ...filters,
                source: value === 'organic' || value === 'synthetic' ? value : null,
              });
            }}
          >
            <option value="">all</option>
            <option value="organic">submitted (organic)</option>
            <option value="synthetic">sampled (synthetic)</option>
          </select>
        </label>
        <label>
          Protein or job id
          <input
            type="search"
            name="q"
            placeholder="e.g. 1l2y"
            value={filters.text}
            onInput={(e) => go({ ...filters, text: e.currentTarget.value })}
          />
        </label>
      </form>
      {list.error !== null && <ErrorNotice error={list.error} what="the jobs" />}
      {list.loading && <p class="muted">Loading jobs…</p>}
      {list.data !== null && (
        <>
          <p class="muted small" data-testid="jobs-count">
            {shown.length} shown of {list.data.total} jobs
            {list.data.total > list.data.jobs.length &&
              ` (the ${list.data.jobs.length} first are filtered here)`}
          </p>
          <table class="jobs">
            <thead>
              <tr>
                <th>Protein / job</th>
                <th>Status</th>
                <th>Parameters</th>
                <th class="num">Miners (run / done / all)</th>
                <th class="num">Best verified energy</th>
                <th class="num">Verified results</th>
                <th>Created</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((job) => (
                <JobRow job={job} key={job.jobId} />
              ))}
            </tbody>
          </table>
          {shown.length === 0 && (
            <p class="muted">
              No job matches. <a href="#/submit">Submit one</a>.
            </p>
          )}
        </>
      )}
    </section>
  );
}
