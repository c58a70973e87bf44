// Chart.js, with only the pieces the dashboard draws (esbuild drops the rest of the library).
import {
  BarController, BarElement, CategoryScale, Chart, Legend, LinearScale, LineController, LineElement,
  PointElement, Tooltip,
} from 'chart.js';
import { day, integer, money, moneyShort } from './format.js';

Chart.register(BarController, BarElement, CategoryScale, LinearScale, LineController, LineElement,
  PointElement, Tooltip, Legend);

const kRevenue = '#2f6fde';
const kOrders = '#e0712c';

// Daily revenue (bars, left axis) and orders (line, right axis).
export function revenueChart(canvas, daily) {
  const reduceMotion = window.matchMedia('(prefers-reduced-motion: reduce)').matches;
  return new Chart(canvas, {
    data: {
      labels: daily.map((d) => day(d.date)),
      datasets: [
        { type: 'bar', label: 'Revenue', data: daily.map((d) => d.sales), yAxisID: 'y',
          backgroundColor: kRevenue, borderRadius: 3, maxBarThickness: 28, order: 2 },
        { type: 'line', label: 'Orders', data: daily.map((d) => d.orders), yAxisID: 'orders',
          borderColor: kOrders, backgroundColor: kOrders, borderWidth: 2, pointRadius: daily.length > 60 ? 0 : 2,
          tension: 0.25, order: 1 },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: reduceMotion ? false : { duration: 300 },
      interaction: { mode: 'index', intersect: false },
      plugins: {
        legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 12, sort: (a, b) => a.datasetIndex - b.datasetIndex } },
        tooltip: {
          callbacks: {
            label: (ctx) => (ctx.dataset.yAxisID === 'y'
              ? `Revenue: ${money(ctx.parsed.y)}`
              : `Orders: ${integer(ctx.parsed.y)}`),
          },
        },
      },
      scales: {
        x: { grid: { display: false }, ticks: { maxRotation: 0, autoSkip: true, autoSkipPadding: 12 } },
        y: { beginAtZero: true, position: 'left', ticks: { callback: (v) => moneyShort(v) },
             title: { display: true, text: 'Revenue' } },
        orders: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false },
                  ticks: { precision: 0 }, title: { display: true, text: 'Orders' } },
      },
    },
  });
}
