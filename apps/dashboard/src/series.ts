import type { JobDetail } from './api-schemas.js';

// The data the job page's charts draw, from a job's detail. Time runs from the job's activation
// in a unit that suits its length, so a 5-minute test job and a 24-hour job both read well.

/** The time axis of a job's charts. */
export interface TimeAxis {
  /** Time zero, ms since the epoch: when the job became active (or was created). */
  readonly originMs: number;
  readonly unit: 's' | 'min' | 'h' | 'd';
  readonly unitMs: number;
  /** Where the axis ends, in its unit (the job's end, or now while it runs). */
  readonly end: number;
  /** The axis title, e.g. `time since the job started (min)`. */
  readonly label: string;
}

/** One point of a chart: `x` in the axis unit, `y` in the series' unit. */
export interface ChartPoint {
  readonly x: number;
  readonly y: number;
  readonly uid: number;
  readonly step: number | null;
}

/** A miner's verified energies. */
export interface MinerSeries {
  readonly uid: number;
  readonly hotkey: string;
  readonly points: readonly ChartPoint[];
}

/** What the energy chart draws. */
export interface EnergySeries {
  readonly axis: TimeAxis;
  /** The best verified energy so far: one point per improvement, and one at the end. */
  readonly best: readonly ChartPoint[];
  readonly miners: readonly MinerSeries[];
}

/** What the structure charts draw: RMSD to the start and radius of gyration of the best frames. */
export interface StructureSeries {
  readonly axis: TimeAxis;
  readonly rmsdNm: readonly ChartPoint[];
  readonly radiusOfGyrationNm: readonly ChartPoint[];
}

const UNITS = [
  { unit: 's', unitMs: 1_000, upToMs: 3 * 60_000 },
  { unit: 'min', unitMs: 60_000, upToMs: 3 * 3_600_000 },
  { unit: 'h', unitMs: 3_600_000, upToMs: 3 * 86_400_000 },
  { unit: 'd', unitMs: 86_400_000, upToMs: Number.POSITIVE_INFINITY },
] as const;

/** The axis of a span of time: seconds up to 3 min, minutes up to 3 h, hours up to 3 days. Pure. */
export function timeAxis(originMs: number, endMs: number): TimeAxis {
  const span = Math.max(0, endMs - originMs);
  const choice = UNITS.find((u) => span <= u.upToMs) ?? UNITS[3];
  return {
    originMs,
    unit: choice.unit,
    unitMs: choice.unitMs,
    end: span / choice.unitMs,
    label: `time since the job started (${choice.unit})`,
  };
}

/** A moment on an axis. Pure. */
export function onAxis(axis: TimeAxis, atMs: number): number {
  return (atMs - axis.originMs) / axis.unitMs;
}

/** When a job's charts end: its end, or now while it runs (never before its last point). */
function endOf(job: JobDetail, nowMs: number): number {
  const last = Math.max(
    job.energy.verified.at(-1)?.at ?? 0,
    job.structures.at(-1)?.at ?? 0,
    job.energy.best.at(-1)?.at ?? 0,
  );
  return Math.max(job.endedAt ?? nowMs, last);
}

/** The time axis shared by a job's charts. Pure. */
export function jobTimeAxis(job: JobDetail, nowMs: number): TimeAxis {
  return timeAxis(job.activatedAt ?? job.createdAt, endOf(job, nowMs));
}

/** The energy chart's series: best verified energy over time, and each miner's. Pure. */
export function energySeries(job: JobDetail, nowMs: number): EnergySeries {
  const axis = jobTimeAxis(job, nowMs);
  const best: ChartPoint[] = job.energy.best.map((p) => ({
    x: onAxis(axis, p.at),
    y: p.energyKjMol,
    uid: p.uid,
    step: null,
  }));
  const last = best.at(-1);
  const end = onAxis(axis, endOf(job, nowMs));
  // The best holds until the next improvement: carry it to the end of the chart.
  if (last !== undefined && end > last.x) best.push({ ...last, x: end });

  const hotkeys = new Map(job.minerDetails.map((m) => [m.uid, m.hotkey]));
  const byUid = new Map<number, ChartPoint[]>();
  for (const v of job.energy.verified) {
    const points = byUid.get(v.uid) ?? [];
    points.push({ x: onAxis(axis, v.at), y: v.energyKjMol, uid: v.uid, step: v.step });
    byUid.set(v.uid, points);
  }
  const miners = [...byUid.entries()]
    .sort(([a], [b]) => a - b)
    .map(([uid, points]) => ({
      uid,
      hotkey: hotkeys.get(uid) ?? '',
      points: points.sort((a, b) => a.x - b.x),
    }));
  return { axis, best, miners };
}

/** The structure charts' series. Pure. */
export function structureSeries(job: JobDetail, nowMs: number): StructureSeries {
  const axis = jobTimeAxis(job, nowMs);
  const points = [...job.structures].sort((a, b) => a.at - b.at);
  return {
    axis,
    rmsdNm: points.map((p) => ({ x: onAxis(axis, p.at), y: p.rmsdNm, uid: p.uid, step: p.step })),
    radiusOfGyrationNm: points.map((p) => ({
      x: onAxis(axis, p.at),
      y: p.radiusOfGyrationNm,
      uid: p.uid,
      step: p.step,
    })),
  };
}
