import type { ChartConfiguration, ChartDataset, Chart as ChartType, TooltipItem } from 'chart.js';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { ChartPoint, TimeAxis } from '../series.js';

/** One series of a {@link TimeChart}. */
export interface TimeChartSeries {
  readonly label: string;
  readonly points: readonly ChartPoint[];
  readonly color: string;
  /** `stepped`: a value that holds until the next point (the best so far). */
  readonly style: 'line' | 'stepped' | 'points';
}

/** Props of {@link TimeChart}. */
export interface TimeChartProps {
  readonly title: string;
  readonly axis: TimeAxis;
  readonly yLabel: string;
  readonly series: readonly TimeChartSeries[];
  readonly formatY: (y: number) => string;
  /** Shown instead of the chart while no series has a point. */
  readonly emptyText: string;
  readonly testId: string;
}

type Dataset = ChartDataset<'line', ChartPoint[]>;

function datasetOf(series: TimeChartSeries): Dataset {
  return {
    label: series.label,
    data: [...series.points],
    borderColor: series.color,
    backgroundColor: series.color,
    showLine: series.style !== 'points',
    stepped: series.style === 'stepped' ? 'after' : false,
    pointRadius: series.style === 'stepped' ? 0 : 3,
    pointHoverRadius: 5,
    borderWidth: series.style === 'stepped' ? 2.5 : 1.5,
    tension: 0,
  };
}

/**
 * A chart of series over a job's time axis (Chart.js, loaded on first use). The chart is built
 * once and updated in place when new data comes, so polling does not redraw it from scratch.
 * The figure carries `data-points` (points drawn) for tests and tools.
 */
export function TimeChart(props: TimeChartProps) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const chart = useRef<ChartType<'line', ChartPoint[]> | null>(null);
  const latest = useRef(props);
  latest.current = props;
  const [failure, setFailure] = useState<string | null>(null);
  const total = props.series.reduce((sum, s) => sum + s.points.length, 0);
  const empty = total === 0;

  useEffect(() => {
    if (empty) return;
    let disposed = false;
    import('./chart-library.js').then(
      ({ Chart }) => {
        if (disposed || canvas.current === null) return;
        const p = latest.current;
        const config: ChartConfiguration<'line', ChartPoint[]> = {
          type: 'line',
          data: { datasets: p.series.map(datasetOf) },
          options: {
            animation: false,
            responsive: true,
            maintainAspectRatio: false,
            interaction: { mode: 'nearest', intersect: false },
            scales: {
              // The whole life of the job, so a late first result reads as late.
              x: {
                type: 'linear',
                min: 0,
                max: p.axis.end,
                title: { display: true, text: p.axis.label },
              },
              // Chart.js picks tick steps and their precision; formatY is for exact values.
              y: { type: 'linear', title: { display: true, text: p.yLabel } },
            },
            plugins: {
              legend: { position: 'bottom' },
              tooltip: {
                callbacks: {
                  label: (item: TooltipItem<'line'>) => {
                    const point = item.raw as ChartPoint;
                    const step = point.step === null ? '' : `, step ${point.step}`;
                    return `${item.dataset.label}: ${latest.current.formatY(point.y)} (uid ${point.uid}${step})`;
                  },
                },
              },
            },
          },
        };
        chart.current = new Chart(canvas.current, config);
      },
      (error: unknown) => setFailure(`the charting library did not load: ${String(error)}`),
    );
    return () => {
      disposed = true;
      chart.current?.destroy();
      chart.current = null;
    };
  }, [empty]);

  useEffect(() => {
    const c = chart.current;
    if (c === null) return;
    c.data.datasets = props.series.map(datasetOf);
    const x = c.options.scales?.x;
    if (x !== undefined) {
      x.max = props.axis.end;
      if (x.title !== undefined) x.title.text = props.axis.label;
    }
    c.update('none');
  }, [props.series, props.axis]);

  return (
    <figure class="chart" data-testid={props.testId} data-points={total}>
      <figcaption>{props.title}</figcaption>
      {failure !== null ? (
        <p class="error">{failure}</p>
      ) : empty ? (
        <p class="muted chart-empty">{props.emptyText}</p>
      ) : (
        <div class="chart-box">
          <canvas ref={canvas} role="img" aria-label={props.title} />
        </div>
      )}
    </figure>
  );
}
