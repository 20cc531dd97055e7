import { Fragment } from 'preact';
import { useEffect, useMemo, useState } from 'preact/hooks';
import {
  type JobDetail,
  type JobStatus,
  LIVE_JOB_STATUSES,
  type VerdictDetail,
} from './api-schemas.js';
import { TimeChart, type TimeChartSeries } from './charts/time-chart.js';
import { DownloadButton } from './download-button.js';
import { ErrorNotice } from './error-notice.js';
import {
  formatDuration,
  formatEnergy,
  formatInteger,
  formatNm,
  formatTime,
  shortHotkey,
} from './format.js';
import { energySeries, structureSeries } from './series.js';
import { useServices, useToken } from './services.js';
import { StatusBadge } from './status-badge.js';
import { StructureViewer } from './structure-viewer.js';
import { usePolled } from './use-polled.js';
import { detailOf, measurementRows, readVerdictDetails } from './verdict-details.js';

/** How often a live job is refreshed, ms (an ended job is loaded once). */
const JOB_INTERVAL_MS = 5_000;

/** Colours of miners' series, by their order in the job (colour-blind-safe Okabe–Ito set). */
const MINER_COLORS = ['#0072B2', '#E69F00', '#009E73', '#CC79A7', '#56B4E9', '#D55E00', '#F0E442'];
const BEST_COLOR = '#111111';

const kj = (y: number) => `${Math.round(y).toLocaleString('en-US')}`;
const nm = (y: number) => y.toFixed(3);

function Charts(props: { readonly job: JobDetail; readonly nowMs: number }) {
  const { job, nowMs } = props;
  const energy = useMemo(() => energySeries(job, nowMs), [job, nowMs]);
  const structure = useMemo(() => structureSeries(job, nowMs), [job, nowMs]);
  const energyLines = useMemo(
    (): TimeChartSeries[] => [
      { label: 'best verified', points: energy.best, color: BEST_COLOR, style: 'stepped' },
      ...energy.miners.map(
        (m, i): TimeChartSeries => ({
          label: `uid ${m.uid} (${shortHotkey(m.hotkey)})`,
          points: m.points,
          color: MINER_COLORS[i % MINER_COLORS.length] ?? BEST_COLOR,
          style: 'points',
        }),
      ),
    ],
    [energy],
  );
  const rmsd = useMemo(
    (): TimeChartSeries[] => [
      {
        label: 'RMSD of the best frame',
        points: structure.rmsdNm,
        color: '#0072B2',
        style: 'line',
      },
    ],
    [structure],
  );
  const gyration = useMemo(
    (): TimeChartSeries[] => [
      {
        label: 'radius of gyration of the best frame',
        points: structure.radiusOfGyrationNm,
        color: '#009E73',
        style: 'line',
      },
    ],
    [structure],
  );
  return (
    <div class="charts">
      <TimeChart
        title="Potential energy: best verified, and each miner's verified results"
        axis={energy.axis}
        yLabel="potential energy (kJ/mol)"
        series={energyLines}
        formatY={kj}
        emptyText="No verified energy yet: the chart starts with the first verified result."
        testId="chart-energy"
      />
      <TimeChart
        title="C-alpha RMSD of the best frame to the starting structure"
        axis={structure.axis}
        yLabel="RMSD (nm)"
        series={rmsd}
        formatY={nm}
        emptyText="No verified frame yet."
        testId="chart-rmsd"
      />
      <TimeChart
        title="Radius of gyration of the best frame (protein heavy atoms)"
        axis={structure.axis}
        yLabel="radius of gyration (nm)"
        series={gyration}
        formatY={nm}
        emptyText="No verified frame yet."
        testId="chart-gyration"
      />
    </div>
  );
}

function Facts(props: { readonly job: JobDetail; readonly nowMs: number }) {
  const { job, nowMs } = props;
  const latest = job.structures.at(-1);
  const started = job.activatedAt ?? job.createdAt;
  return (
    <dl class="facts">
      <div>
        <dt>Best verified energy</dt>
        <dd data-testid="best-energy">
          {formatEnergy(job.best?.energyKjMol)}
          {job.best !== null && (
            <span class="muted small">
              {' '}
              uid {job.best.uid}, step {formatInteger(job.best.step)}
            </span>
          )}
        </dd>
      </div>
      <div>
        <dt>Minimised start</dt>
        <dd>{formatEnergy(job.system?.startEnergyKjMol)}</dd>
      </div>
      <div>
        <dt>RMSD / radius of gyration</dt>
        <dd>
          {formatNm(latest?.rmsdNm)} / {formatNm(latest?.radiusOfGyrationNm)}
        </dd>
      </div>
      <div>
        <dt>Atoms (protein / system)</dt>
        <dd>
          {formatInteger(job.system?.proteinAtomCount)} / {formatInteger(job.system?.atomCount)}
        </dd>
      </div>
      <div>
        <dt>Results verified / rejected</dt>
        <dd>
          {job.verifiedResults} / {job.rejectedResults}
        </dd>
      </div>
      <div>
        <dt>{job.endedAt === null ? 'Running for' : 'Ran for'}</dt>
        <dd>{formatDuration((job.endedAt ?? nowMs) - started)}</dd>
      </div>
    </dl>
  );
}

function Parameters(props: { readonly job: JobDetail }) {
  const { job } = props;
  const chosen = job.system?.hyperparameters ?? {};
  const rows = Object.entries({ ...job.params, ...chosen }).filter(
    ([key, value]) => key !== 'seed' && value !== null && value !== undefined && value !== '',
  );
  return (
    <section class="panel">
      <h2>Parameters</h2>
      <table class="kv" data-testid="parameters">
        <tbody>
          {rows.map(([key, value]) => (
            <tr key={key}>
              <th>{key}</th>
              <td>{Array.isArray(value) ? value.join(', ') : String(value)}</td>
            </tr>
          ))}
          {job.stages.length > 0 && (
            <tr>
              <th>stage steps</th>
              <td>
                {job.stages
                  .map((s) => `${s.name} ${s.nsteps === null ? '?' : formatInteger(s.nsteps)}`)
                  .join(' → ')}
              </td>
            </tr>
          )}
        </tbody>
      </table>
      {job.system !== null && <p class="muted small">{job.system.title}</p>}
    </section>
  );
}

function Miners(props: { readonly job: JobDetail }) {
  return (
    <section class="panel">
      <h2>Miners</h2>
      <table data-testid="job-miners">
        <thead>
          <tr>
            <th>uid</th>
            <th>hotkey</th>
            <th>state</th>
            <th>stage · step</th>
            <th class="num">simulated</th>
            <th class="num">speed</th>
            <th class="num">claimed best</th>
            <th class="num">verified best</th>
            <th class="num">accepted / rejected</th>
          </tr>
        </thead>
        <tbody>
          {props.job.minerDetails.map((m) => (
            <tr key={m.uid}>
              <td>{m.uid}</td>
              <td>
                <code title={m.hotkey}>{shortHotkey(m.hotkey)}</code>
              </td>
              <td>
                <StatusBadge status={m.state} reason={m.error} />
              </td>
              <td>
                {m.stage ?? '—'} · {formatInteger(m.step)}
              </td>
              <td class="num">
                {m.simulatedTimePs === null ? '—' : `${m.simulatedTimePs.toFixed(1)} ps`}
              </td>
              <td class="num">{m.nsPerDay === null ? '—' : `${m.nsPerDay.toFixed(1)} ns/day`}</td>
              <td class="num">{formatEnergy(m.claimedEnergyKjMol)}</td>
              <td class="num">{formatEnergy(m.verifiedEnergyKjMol)}</td>
              <td class="num">
                {m.accepted} / <span class={m.rejected > 0 ? 'rejected' : ''}>{m.rejected}</span>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {props.job.minerDetails.length === 0 && <p class="muted">No miner is assigned yet.</p>}
    </section>
  );
}

function VerdictReport(props: { readonly detail: VerdictDetail }) {
  const { detail } = props;
  return (
    <div class="report" data-testid="verdict-report">
      <ol class="checks">
        {detail.checks.map((c) => (
          <li
            key={c.name}
            class={c.skipped ? 'check-skipped' : c.ok ? 'check-ok' : 'check-failed'}
            title={`${c.ms} ms`}
          >
            {c.skipped ? '–' : c.ok ? '✓' : '✗'} {c.name}
          </li>
        ))}
      </ol>
      {detail.reasons.length > 0 && (
        <ul class="reasons">
          {detail.reasons.map((r) => (
            <li key={r.code}>
              <code>{r.code}</code> {r.message}
            </li>
          ))}
        </ul>
      )}
      <table class="kv">
        <tbody>
          {measurementRows(detail).map(([label, value]) => (
            <tr key={label}>
              <th>{label}</th>
              <td>{value}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Verdicts(props: { readonly job: JobDetail }) {
  const verdicts = [...props.job.verdicts].sort((a, b) => b.at - a.at);
  const { details, unreadable } = useMemo(
    () => readVerdictDetails(props.job.verdictDetails),
    [props.job.verdictDetails],
  );
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (key: string) =>
    setOpen((o) => {
      const next = new Set(o);
      if (!next.delete(key)) next.add(key);
      return next;
    });
  return (
    <section class="panel">
      <h2>Verdicts</h2>
      <table data-testid="verdicts">
        <thead>
          <tr>
            <th>when</th>
            <th>uid</th>
            <th>verdict</th>
            <th class="num">step</th>
            <th class="num">recomputed energy</th>
            <th>reason</th>
            <th />
          </tr>
        </thead>
        <tbody>
          {verdicts.map((v) => {
            const key = `${v.at}:${v.uid}:${v.step}`;
            const detail = detailOf(v, details);
            return (
              <Fragment key={key}>
                <tr data-testid="verdict-row" data-accepted={String(v.accepted)}>
                  <td class="small">{formatTime(v.at)}</td>
                  <td title={v.hotkey}>{v.uid}</td>
                  <td>
                    <StatusBadge status={v.accepted ? 'accepted' : 'rejected'} />
                  </td>
                  <td class="num">{formatInteger(v.step)}</td>
                  <td class="num">{formatEnergy(v.energyKjMol)}</td>
                  <td class="reason" data-testid="verdict-reason">
                    {v.reason ?? (v.accepted ? 'every check passed' : '—')}
                  </td>
                  <td>
                    {detail !== undefined && (
                      <button
                        type="button"
                        class="link"
                        aria-expanded={open.has(key)}
                        onClick={() => toggle(key)}
                      >
                        {open.has(key) ? 'hide checks' : 'checks'}
                      </button>
                    )}
                  </td>
                </tr>
                {detail !== undefined && open.has(key) && (
                  <tr>
                    <td colSpan={7}>
                      <VerdictReport detail={detail} />
                    </td>
                  </tr>
                )}
              </Fragment>
            );
          })}
        </tbody>
      </table>
      {verdicts.length === 0 && <p class="muted">No result has been judged yet.</p>}
      {unreadable > 0 && (
        <p class="muted small">
          {unreadable} verification reports are in a form this page does not read.
        </p>
      )}
    </section>
  );
}

/**
 * A job: its status and facts, energy over time, RMSD and radius of gyration of the best frames,
 * the best structure in 3D with downloads, its miners and the verdicts with their reasons.
 */
export function JobPage(props: { readonly jobId: string }) {
  const { api, now } = useServices();
  const token = useToken();
  const [intervalMs, setIntervalMs] = useState<number | null>(JOB_INTERVAL_MS);
  const polled = usePolled(
    () => api.job(props.jobId),
    `job:${props.jobId}:${token ?? ''}`,
    intervalMs,
  );
  const job = polled.data;
  const error = polled.error;
  const ended = job !== null && !LIVE_JOB_STATUSES.includes(job.status as JobStatus);
  // An ended job no longer changes: stop polling it (a new job id starts again).
  useEffect(() => setIntervalMs(ended ? null : JOB_INTERVAL_MS), [ended]);
  const nowMs = job === null ? 0 : now();

  if (job === null)
    return (
      <section>
        <p>
          <a href="#/jobs">← Jobs</a>
        </p>
        {error !== null ? (
          <ErrorNotice error={error} what={`job ${props.jobId}`} />
        ) : (
          <p class="muted">Loading job {props.jobId}…</p>
        )}
      </section>
    );
  return (
    <section data-testid="job-page" data-job-id={job.jobId}>
      <p>
        <a href="#/jobs">← Jobs</a>
      </p>
      <div class="page-head">
        <h1>
          {job.proteinId.toUpperCase()} <span class="muted">{job.jobId}</span>
        </h1>
        <StatusBadge status={job.status} reason={job.statusReason} />
      </div>
      {job.statusReason !== null && <p class="muted">{job.statusReason}</p>}
      {error !== null && <ErrorNotice error={error} what="the latest state" />}
      <Facts job={job} nowMs={nowMs} />
      <Charts job={job} nowMs={nowMs} />
      <div class="split">
        <section class="panel">
          {job.links.pdb === null ? (
            <p class="muted">
              No verified structure yet: it appears with the first verified result.
            </p>
          ) : (
            <>
              <StructureViewer
                pdbLink={job.links.pdb}
                version={`${job.best?.at ?? 0}:${job.best?.uid ?? ''}`}
              />
              <p class="downloads">
                <DownloadButton
                  link={job.links.pdb}
                  fileName={`${job.jobId}-best.pdb`}
                  label="Download PDB"
                />{' '}
                {job.links.gro !== null && (
                  <DownloadButton
                    link={job.links.gro}
                    fileName={`${job.jobId}-best.gro`}
                    label="Download GRO"
                  />
                )}
              </p>
            </>
          )}
        </section>
        <Parameters job={job} />
      </div>
      <Miners job={job} />
      <Verdicts job={job} />
    </section>
  );
}
