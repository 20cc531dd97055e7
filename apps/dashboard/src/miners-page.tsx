import { ErrorNotice } from './error-notice.js';
import { formatShare, formatTime, shortHotkey } from './format.js';
import { useServices, useToken } from './services.js';
import { usePolled } from './use-polled.js';

/** How often the leaderboard is refreshed, ms. */
const MINERS_INTERVAL_MS = 10_000;

const LAST_MODE: Readonly<Record<string, string>> = {
  set: 'set on chain',
  commit: 'committed on chain',
  'dry-run': 'logged (dry run)',
};

/** The leaderboard: every miner with a score or a verdict, best weight first. */
export function MinersPage() {
  const { api } = useServices();
  const token = useToken();
  const miners = usePolled(() => api.miners(), `miners:${token ?? ''}`, MINERS_INTERVAL_MS);
  const status = usePolled(() => api.status(), `miners-status:${token ?? ''}`, MINERS_INTERVAL_MS);
  const last = status.data?.lastWeights ?? null;
  const lastTotal = last === null ? 0 : last.weights.reduce((sum, w) => sum + w, 0);

  return (
    <section>
      <div class="page-head">
        <h1>Miners</h1>
      </div>
      <p class="muted">
        Weights are what this validator would set now, from its scores (an exponential moving
        average of rewards per verified result).{' '}
        {last === null
          ? 'It has set no weights yet.'
          : `The "last set" column is the weights it last ${LAST_MODE[last.mode] ?? last.mode}${last.blockNumber === null ? '' : ` at block ${last.blockNumber}`}, ${formatTime(last.at)}.`}
      </p>
      {miners.error !== null && <ErrorNotice error={miners.error} what="the leaderboard" />}
      {miners.loading && <p class="muted">Loading the leaderboard…</p>}
      {miners.data !== null && (
        <table data-testid="leaderboard">
          <thead>
            <tr>
              <th class="num">#</th>
              <th>uid</th>
              <th>hotkey</th>
              <th>weight now</th>
              <th class="num">score</th>
              <th class="num">last set</th>
              <th class="num">verified results</th>
              <th class="num">rejected</th>
            </tr>
          </thead>
          <tbody>
            {miners.data.map((m, i) => {
              const total = m.accepted + m.rejected;
              return (
                <tr key={m.uid} data-testid="miner-row" data-uid={m.uid}>
                  <td class="num">{i + 1}</td>
                  <td>{m.uid}</td>
                  <td>
                    <code title={m.hotkey ?? undefined}>{shortHotkey(m.hotkey)}</code>
                  </td>
                  <td>
                    <div class="bar" title={formatShare(m.weight)}>
                      <span style={{ width: `${Math.min(100, m.weight * 100)}%` }} />
                    </div>
                    <span class="small" data-testid="miner-weight">
                      {formatShare(m.weight)}
                    </span>
                  </td>
                  <td class="num">{m.score.toFixed(4)}</td>
                  <td class="num">
                    {m.lastWeightU16 === null || lastTotal === 0
                      ? '—'
                      : formatShare(m.lastWeightU16 / lastTotal)}
                  </td>
                  <td class="num" data-testid="miner-accepted">
                    {m.accepted}
                  </td>
                  <td class="num" data-testid="miner-rejected">
                    <span class={m.rejected > 0 ? 'rejected' : ''}>{m.rejected}</span>
                    {total > 0 && m.rejected > 0 && (
                      <span class="muted small"> ({formatShare(m.rejected / total)})</span>
                    )}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {miners.data !== null && miners.data.length === 0 && (
        <p class="muted">No miner has a result yet.</p>
      )}
      <p class="muted small">
        Hotkeys are shortened; hover one to see it in full.
        {status.data !== null && <> Validator {shortHotkey(status.data.validator.hotkey)}.</>}
      </p>
    </section>
  );
}
