import {
  Chart,
  Legend,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  ScatterController,
  Tooltip,
} from 'chart.js';

// Loaded on demand by the job page: the jobs list never downloads the charting library.
// Only the parts the charts use are registered, which keeps the chunk small.
Chart.register(
  LineController,
  ScatterController,
  LineElement,
  PointElement,
  LinearScale,
  Legend,
  Tooltip,
);

export { Chart };
