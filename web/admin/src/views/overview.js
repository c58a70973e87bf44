// The overview: sales figures of a date range in a time zone, from GET /api/admin/analytics.
import { get } from '../api.js';
import { revenueChart } from '../chart.js';
import { clear, h, message, thumbnail } from '../dom.js';
import { browserTimeZone, lastDays, timeZones } from '../dates.js';
import { growth, integer, longDay, money } from '../format.js';
import { href } from '../router.js';

const kPresets = [7, 30, 90];
const kLowStock = 5;
const kStatuses = ['placed', 'paid', 'shipped', 'delivered', 'cancelled'];
const kCards = [
  { key: 'sales', label: 'Sales', format: money },
  { key: 'orders', label: 'Orders', format: integer },
  { key: 'averageOrderValue', label: 'Average order value', format: money },
  { key: 'unitsSold', label: 'Units sold', format: integer },
  { key: 'newCustomers', label: 'New customers', format: integer },
];

// Kept while the tab lives, so coming back to the overview shows the same range.
const state = { preset: 30, tz: browserTimeZone(), from: null, to: null };

function applyPreset(days) {
  state.preset = days;
  Object.assign(state, lastDays(days, state.tz));
}

export async function renderOverview(view, { onCleanup }) {
  if (!state.from) applyPreset(state.preset);
  let chart = null;
  onCleanup(() => chart?.destroy());

  const presetButtons = kPresets.map((days) => h('button', {
    type: 'button', class: 'button segment', testid: `preset-${days}`, 'aria-pressed': 'false',
    on: { click: () => { applyPreset(days); syncControls(); load(); } },
  }, `${days} days`));
  const from = h('input', { type: 'date', id: 'range-from', testid: 'range-from', required: true });
  const to = h('input', { type: 'date', id: 'range-to', testid: 'range-to', required: true });
  const tz = h('select', { id: 'range-tz', testid: 'tz-select' },
    timeZones().map((zone) => h('option', { value: zone }, zone)));
  const onDates = () => {
    if (!from.value || !to.value) return;
    state.preset = null;
    state.from = from.value;
    state.to = to.value;
    syncControls();
    load();
  };
  from.addEventListener('change', onDates);
  to.addEventListener('change', onDates);
  tz.addEventListener('change', () => {
    state.tz = tz.value;
    if (state.preset) applyPreset(state.preset); // "last N days" ends today in the new zone
    syncControls();
    load();
  });

  function syncControls() {
    from.value = state.from;
    to.value = state.to;
    from.max = state.to;
    to.min = state.from;
    tz.value = state.tz;
    presetButtons.forEach((b, i) => b.setAttribute('aria-pressed', String(kPresets[i] === state.preset)));
  }

  const status = h('div', { class: 'status-line', testid: 'overview-status' });
  const body = h('div', { class: 'overview-body' });
  const root = h('section', { class: 'overview', testid: 'overview', dataset: { state: 'loading' } },
    h('div', { class: 'view-head' },
      h('h1', {}, 'Overview'),
      h('form', { class: 'range', 'aria-label': 'Date range', on: { submit: (e) => e.preventDefault() } },
        h('div', { class: 'segments', role: 'group', 'aria-label': 'Preset ranges' }, presetButtons),
        h('div', { class: 'field inline' }, h('label', { for: 'range-from' }, 'From'), from),
        h('div', { class: 'field inline' }, h('label', { for: 'range-to' }, 'To'), to),
        h('div', { class: 'field inline' }, h('label', { for: 'range-tz' }, 'Time zone'), tz))),
    status,
    body);
  view.append(root);
  syncControls();

  let generation = 0;
  async function load() {
    const mine = ++generation;
    root.dataset.state = 'loading';
    root.setAttribute('aria-busy', 'true');
    clear(status, h('span', { class: 'muted' }, 'Loading…'));
    try {
      const data = await get('/api/admin/analytics',
        { from: state.from, to: state.to, tz: state.tz, lowStock: kLowStock });
      if (mine !== generation || !view.isConnected) return; // superseded, or the user moved on
      chart?.destroy();
      chart = null;
      clear(status);
      drawAnalytics(data);
      root.dataset.state = 'ready';
    } catch (error) {
      if (mine !== generation) return;
      const details = error.errors.map((e) => `${e.field}: ${e.message}`).join('; ');
      clear(status, message('error', details ? `${error.message} (${details})` : error.message));
      root.dataset.state = 'error';
    } finally {
      if (mine === generation) root.removeAttribute('aria-busy');
    }
  }

  function drawAnalytics(data) {
    const canvas = h('canvas', { testid: 'revenue-chart', role: 'img', dataset: { days: String(data.daily?.length ?? 0) },
      'aria-label': `Daily revenue and orders from ${data.range.from} to ${data.range.to}` });
    clear(body,
      h('p', { class: 'muted range-caption', testid: 'range-caption' },
        `${longDay(data.range.from)} – ${longDay(data.range.to)} (${data.range.days} days, ${data.range.tz})`,
        data.previous ? ` · compared with ${longDay(data.previous.from)} – ${longDay(data.previous.to)}` : ''),
      h('div', { class: 'cards' }, kCards.map((card) => summaryCard(card, data))),
      h('section', { class: 'panel chart-panel' },
        h('h2', {}, 'Daily revenue and orders'),
        h('div', { class: 'chart-box' }, canvas)),
      h('div', { class: 'panels' },
        topProducts(data.topProducts ?? []),
        h('div', { class: 'panel-stack' },
          ordersByStatus(data.ordersByStatus ?? {}),
          lowStock(data.lowStock ?? []))));
    chart = revenueChart(canvas, data.daily ?? []);
  }

  await load();
}

function summaryCard({ key, label, format }, data) {
  const value = data.summary?.[key] ?? 0;
  const compared = data.growth != null && key in data.growth; // the server compares some figures only
  const change = compared ? data.growth[key] : null;
  const direction = change === null ? 'none' : change > 0 ? 'up' : change < 0 ? 'down' : 'flat';
  let caption = ' vs previous period';
  if (!compared) caption = '';
  else if (change === null) caption = ' no orders in the previous period';
  const arrow = { up: '▲', down: '▼', flat: '■', none: '' }[direction];
  return h('section', { class: 'card', testid: `card-${key}`, dataset: { value: String(value) } },
    h('h2', { class: 'card-label' }, label),
    h('p', { class: 'card-value', testid: `card-${key}-value` }, format(value)),
    h('p', { class: ['growth', direction], testid: `card-${key}-growth`,
             dataset: { value: change === null ? '' : String(change) } },
      arrow ? h('span', { 'aria-hidden': 'true' }, `${arrow} `) : null,
      growth(change),
      caption ? h('span', { class: 'muted' }, caption) : h('span', { class: 'sr-only' }, 'not compared')));
}

function topProducts(products) {
  const rows = products.map((p) => h('tr', { testid: 'top-product-row', dataset: { id: p._id } },
    h('td', { class: 'cell-thumb' }, thumbnail(p.image)),
    h('td', { testid: 'top-product-name' }, h('a', { href: href(`/products/${encodeURIComponent(p._id)}`) }, p.name)),
    h('td', { class: 'num', testid: 'top-product-units' }, integer(p.unitsSold)),
    h('td', { class: 'num', testid: 'top-product-sales' }, money(p.sales))));
  return h('section', { class: 'panel', testid: 'top-products' },
    h('h2', {}, 'Top products'),
    rows.length === 0
      ? h('p', { class: 'muted' }, 'No sales in this period.')
      : h('div', { class: 'table-wrap' }, h('table', { class: 'table' },
        h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Picture')),
          h('th', { scope: 'col' }, 'Product'), h('th', { scope: 'col', class: 'num' }, 'Units'),
          h('th', { scope: 'col', class: 'num' }, 'Sales'))),
        h('tbody', {}, rows))));
}

function ordersByStatus(counts) {
  const total = kStatuses.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
  return h('section', { class: 'panel' },
    h('h2', {}, 'Orders by status'),
    h('ul', { class: 'status-list', testid: 'orders-by-status' }, kStatuses.map((s) => {
      const n = counts[s] ?? 0;
      const bar = h('span', { class: ['bar', `status-${s}`] });
      bar.style.width = `${total ? Math.round((n / total) * 100) : 0}%`;
      return h('li', { testid: `status-count-${s}`, dataset: { value: String(n) } },
        h('a', { href: href('/orders', { status: s }) }, h('span', { class: ['badge', `status-${s}`] }, s)),
        h('span', { class: 'bar-track' }, bar),
        h('span', { class: 'num', testid: `status-count-${s}-value` }, integer(n)));
    })));
}

function lowStock(items) {
  return h('section', { class: 'panel', testid: 'low-stock' },
    h('h2', {}, `Low stock (${kLowStock} or fewer)`),
    items.length === 0
      ? h('p', { class: 'muted' }, 'Every product has stock.')
      : h('ul', { class: 'low-stock-list' }, items.map((p) => h('li', { testid: 'low-stock-item', dataset: { id: p._id } },
        h('a', { href: href(`/products/${encodeURIComponent(p._id)}`) }, p.name),
        h('span', { class: ['badge', p.stock === 0 ? 'sold-out' : 'low'] },
          p.stock === 0 ? 'sold out' : `${integer(p.stock)} left`)))));
}
