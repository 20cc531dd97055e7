import { useEffect, useState } from 'preact/hooks';
import { formatInteger, shortHotkey } from './format.js';
import { JobPage } from './job-page.js';
import { JobsPage } from './jobs-page.js';
import { MinersPage } from './miners-page.js';
import { parseRoute, type Route } from './route.js';
import { useServices, useToken } from './services.js';
import { SubmitPage } from './submit-page.js';
import { TokenControl } from './token-control.js';
import { usePolled } from './use-polled.js';

/** How often the header's validator status is refreshed, ms. */
const STATUS_INTERVAL_MS = 5_000;

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = () => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}

function ValidatorLine() {
  const { api } = useServices();
  const token = useToken();
  const status = usePolled(() => api.status(), `status:${token ?? ''}`, STATUS_INTERVAL_MS);
  if (status.data === null)
    return (
      <span class="muted">
        {status.error === null ? 'connecting…' : 'validator status unavailable'}
      </span>
    );
  const { validator, jobs } = status.data;
  const live =
    (jobs.counts.pending ?? 0) + (jobs.counts.preparing ?? 0) + (jobs.counts.active ?? 0);
  return (
    <span class="validator-line" data-testid="validator-line">
      validator <code title={validator.hotkey}>{shortHotkey(validator.hotkey)}</code>
      {validator.netuid !== null && <> · netuid {validator.netuid}</>}
      {validator.blockNumber !== null && <> · block {formatInteger(validator.blockNumber)}</>} ·{' '}
      {live} live jobs
      {validator.dryRun && <span class="badge badge-dry-run">dry run</span>}
    </span>
  );
}

/** The dashboard: a header with navigation, the validator's status and the token, then a page. */
export function App() {
  const route = useRoute();
  const here = route.page === 'job' ? 'jobs' : route.page;
  return (
    <>
      <header class="top">
        <a class="brand" href="#/jobs">
          fold <span>research dashboard</span>
        </a>
        <nav>
          <a href="#/jobs" aria-current={here === 'jobs' ? 'page' : undefined}>
            Jobs
          </a>
          <a href="#/submit" aria-current={here === 'submit' ? 'page' : undefined}>
            Submit
          </a>
          <a href="#/miners" aria-current={here === 'miners' ? 'page' : undefined}>
            Miners
          </a>
        </nav>
        <ValidatorLine />
        <TokenControl />
      </header>
      <main>
        {route.page === 'jobs' && <JobsPage filters={route.filters} />}
        {route.page === 'job' && <JobPage jobId={route.jobId} />}
        {route.page === 'submit' && <SubmitPage />}
        {route.page === 'miners' && <MinersPage />}
        {route.page === 'not-found' && (
          <section>
            <h1>Page not found</h1>
            <p>
              Nothing is at <code>{route.hash}</code>. <a href="#/jobs">Back to the jobs</a>.
            </p>
          </section>
        )}
      </main>
    </>
  );
}
