import { createLogUpdate } from 'log-update';
import { PHASE_TITLES, type PhaseRecord } from './phases.js';
import { describeChanges, formatDuration, type JobView, renderLive } from './view.js';

/** Shows a run's progress: start-up steps, phases and the job. */
export interface Reporter {
  /** A line about the start-up or the end. */
  step(message: string): void;
  phases(records: readonly PhaseRecord[]): void;
  job(view: JobView): void;
  /** Stops redrawing; what was shown last stays on screen. */
  close(): void;
}

/** A stream the reporter writes to (`process.stdout`, `process.stderr`). */
export type ReporterStream = NodeJS.WriteStream;

const REDRAW_MS = 250;
const STEP_LINES = 8;

/**
 * A live view for a terminal (redrawn in place: the phases, a table of miners with progress
 * bars, energies and verdicts), or plain lines of what changed when `stream` is not a terminal
 * (CI logs, files) or `live` is false. `title` opens the view.
 */
export function createReporter(
  stream: ReporterStream,
  title: string,
  options: { live?: boolean; now?: () => number } = {},
): Reporter {
  const now = options.now ?? Date.now;
  const live = options.live ?? stream.isTTY === true;
  return live ? liveReporter(stream, title, now) : plainReporter(stream, title, now);
}

function liveReporter(stream: ReporterStream, title: string, now: () => number): Reporter {
  const update = createLogUpdate(stream, { showCursor: true });
  const steps: string[] = [];
  let phases: readonly PhaseRecord[] = [];
  let view: JobView | undefined;
  const draw = () => {
    // The steps take a fixed number of lines: log-update redraws only the lines that changed
    // and does not move the ones below when lines are inserted above them.
    const recent = steps.slice(-STEP_LINES);
    const frame = renderLive({
      header: [title, ...recent, ...Array.from({ length: STEP_LINES - recent.length }, () => '')],
      phases,
      view,
      nowMs: now(),
    });
    // A line longer than the terminal wraps, and the next redraw would then erase too little.
    const width = Math.max(20, (stream.columns ?? 100) - 1);
    update(
      frame
        .split('\n')
        .map((line) => ([...line].length > width ? [...line].slice(0, width).join('') : line))
        .join('\n'),
    );
  };
  const timer = setInterval(draw, REDRAW_MS);
  timer.unref();
  draw();
  return {
    step(message) {
      steps.push(`  ${message}`);
      draw();
    },
    phases(records) {
      phases = records;
      draw();
    },
    job(next) {
      view = next;
    },
    close() {
      clearInterval(timer);
      draw();
      update.done();
    },
  };
}

function plainReporter(
  stream: { write(text: string): unknown },
  title: string,
  now: () => number,
): Reporter {
  const startedAt = now();
  const write = (line: string) => {
    const elapsed = Math.round((now() - startedAt) / 1000);
    const stamp = `${String(Math.floor(elapsed / 60)).padStart(2, '0')}:${String(elapsed % 60).padStart(2, '0')}`;
    stream.write(`[${stamp}] ${line}\n`);
  };
  stream.write(`${title}\n`);
  const announced = new Map<string, 'started' | 'ended'>();
  let view: JobView | undefined;
  return {
    step: write,
    phases(records) {
      for (const record of records) {
        const seen = announced.get(record.name);
        if (seen === undefined) {
          announced.set(record.name, 'started');
          write(`▸ ${record.name}: ${PHASE_TITLES[record.name]}`);
        }
        if (record.endedAtMs !== null && announced.get(record.name) !== 'ended') {
          announced.set(record.name, 'ended');
          write(`✔ ${record.name} in ${formatDuration(record.endedAtMs - record.startedAtMs)}`);
        }
      }
    },
    job(next) {
      for (const line of describeChanges(view, next)) write(line);
      view = next;
    },
    close() {},
  };
}
