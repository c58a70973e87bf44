// Orders: the admin list (GET /api/orders?status=&page=&limit=, total in X-Total-Count).
import { request } from '../api.js';
import { append, h, message, statusBadge } from '../dom.js';
import { dateTime, integer, money, shortId } from '../format.js';
import { href, navigate, takeFlash } from '../router.js';
import { buyerOf, itemCount, kStatuses, rememberBuyer } from '../orders_data.js';

const kLimit = 20;

const limitOf = (query) => Math.min(100, Math.max(1, Number.parseInt(query.get('limit') ?? '', 10) || kLimit));

export async function renderOrders(view, { query }) {
  const status = kStatuses.includes(query.get('status')) ? query.get('status') : '';
  const page = Math.max(1, Number.parseInt(query.get('page') ?? '1', 10) || 1);
  const limit = limitOf(query);
  const keep = limit === kLimit ? undefined : limit; // carried in the links only when not the default
  const flash = takeFlash();

  const filter = h('select', { id: 'status-filter', testid: 'status-filter' },
    h('option', { value: '' }, 'All statuses'),
    kStatuses.map((s) => h('option', { value: s }, s[0].toUpperCase() + s.slice(1))));
  filter.value = status;
  filter.addEventListener('change', () => navigate('/orders', { status: filter.value, page: 1, limit: keep }));

  const content = h('div', { class: 'list-body', testid: 'orders', dataset: { state: 'loading' } },
    h('p', { class: 'muted' }, 'Loading…'));
  append(view, [
    h('div', { class: 'view-head' }, h('h1', {}, 'Orders'),
      h('div', { class: 'toolbar' }, h('div', { class: 'field inline' },
        h('label', { for: 'status-filter' }, 'Status'), filter))),
    flash ? message('ok', flash) : null,
    content]);

  let answer;
  try {
    answer = await request('GET', '/api/orders', { query: { status, page, limit } });
  } catch (error) {
    content.replaceChildren(message('error', error.message));
    content.dataset.state = 'error';
    return;
  }
  const orders = Array.isArray(answer.body) ? answer.body : [];
  const total = Number.parseInt(answer.headers.get('X-Total-Count') ?? '', 10);
  const known = Number.isFinite(total) ? total : orders.length;
  const pages = Math.max(1, Math.ceil(known / limit));
  orders.forEach((o) => rememberBuyer(o.user));

  const rows = orders.map((order) => {
    const buyer = buyerOf(order);
    const link = href(`/orders/${encodeURIComponent(order._id)}`);
    const row = h('tr', { testid: 'order-row', class: 'clickable', dataset: { id: order._id, status: order.status } },
      h('td', { 'data-label': 'Order' }, h('a', { href: link, testid: 'order-link' }, shortId(order._id))),
      h('td', { 'data-label': 'Placed' }, dateTime(order.createdAt)),
      h('td', { 'data-label': 'Customer' }, h('span', { class: 'stack' },
        h('span', {}, buyer.name ?? '—'), h('span', { class: 'muted small' }, buyer.email ?? ''))),
      h('td', { 'data-label': 'Items', class: 'num' }, integer(itemCount(order))),
      h('td', { 'data-label': 'Total', class: 'num' }, money(order.totalAmount)),
      h('td', { 'data-label': 'Status' }, statusBadge(order.status, 'order-row-status')));
    row.addEventListener('click', (event) => {
      if (!event.target.closest('a')) location.hash = link;
    });
    return row;
  });

  const prev = h('button', { type: 'button', class: 'button', testid: 'page-prev', disabled: page <= 1,
    on: { click: () => navigate('/orders', { status, page: page - 1, limit: keep }) } }, '← Previous');
  const next = h('button', { type: 'button', class: 'button', testid: 'page-next', disabled: page >= pages,
    on: { click: () => navigate('/orders', { status, page: page + 1, limit: keep }) } }, 'Next →');

  content.replaceChildren(
    orders.length === 0
      ? h('p', { class: 'muted', testid: 'orders-empty' }, status ? `No ${status} orders.` : 'No orders yet.')
      : h('div', { class: 'table-wrap' }, h('table', { class: 'table stack-on-phone', testid: 'orders-table' },
        h('thead', {}, h('tr', {}, ['Order', 'Placed', 'Customer', 'Items', 'Total', 'Status'].map((t) =>
          h('th', { scope: 'col', class: t === 'Items' || t === 'Total' ? 'num' : null }, t)))),
        h('tbody', {}, rows))),
    h('div', { class: 'pager' }, prev,
      h('span', { testid: 'page-info' }, `Page ${integer(page)} of ${integer(pages)} · ${integer(known)} orders`),
      next));
  content.dataset.state = 'ready';
}
