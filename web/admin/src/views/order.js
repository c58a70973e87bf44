// One order: lines, buyer, address, total, and the status moves the server allows.
import { get, request } from '../api.js';
import { clear, confirmDialog, h, message, statusBadge, thumbnail } from '../dom.js';
import { dateTime, integer, lineTotal, money, shortId } from '../format.js';
import { href } from '../router.js';
import { buyerOf, kMoveLabels, kMoves, rememberBuyer } from '../orders_data.js';

export async function renderOrder(view, { segments }) {
  const id = segments[1];
  const notice = h('div', { class: 'notice-area' });
  const content = h('div', { testid: 'order-detail', dataset: { state: 'loading' } }, h('p', { class: 'muted' }, 'Loading…'));
  view.append(
    h('p', { class: 'crumbs' }, h('a', { href: href('/orders'), testid: 'back-to-orders' }, '← Orders')),
    notice, content);

  let order;
  try {
    order = await get(`/api/orders/${encodeURIComponent(id)}`);
  } catch (error) {
    content.replaceChildren(message('error', error.status === 404 ? 'This order does not exist.' : error.message));
    content.dataset.state = 'error';
    return;
  }
  rememberBuyer(order.user);
  draw();

  function draw() {
    const buyer = buyerOf(order);
    const address = order.shippingAddress;
    const actions = kMoves[order.status] ?? [];
    const buttons = actions.map((to) => h('button', {
      type: 'button',
      class: ['button', to === 'cancelled' ? 'danger' : 'primary'],
      testid: to === 'cancelled' ? 'cancel-order' : `status-action-${to}`,
      on: { click: () => move(to) },
    }, kMoveLabels[to]));

    const lines = (order.items ?? []).map((item) => h('tr', { testid: 'order-line' },
      h('td', { class: 'cell-thumb' }, thumbnail(item.product?.image)),
      h('td', {}, item.name ?? item.product?.name ?? '—'),
      h('td', { class: 'num' }, integer(item.quantity)),
      h('td', { class: 'num' }, money(item.priceAtPurchase)),
      h('td', { class: 'num' }, money(lineTotal(item.priceAtPurchase, item.quantity)))));

    clear(content,
      h('div', { class: 'view-head' },
        h('h1', {}, `Order ${shortId(order._id)} `, statusBadge(order.status, 'order-status')),
        h('div', { class: 'actions', testid: 'order-actions' },
          buttons.length ? buttons : h('span', { class: 'muted' }, `No further moves from ${order.status}.`))),
      h('div', { class: 'panels' },
        h('section', { class: 'panel' }, h('h2', {}, 'Customer'),
          h('dl', { class: 'facts' },
            h('dt', {}, 'Name'), h('dd', { testid: 'order-customer-name' }, buyer.name ?? '—'),
            h('dt', {}, 'Email'), h('dd', { testid: 'order-customer-email' }, buyer.email ?? '—'),
            h('dt', {}, 'Customer id'), h('dd', { class: 'mono' }, buyer._id ?? '—'))),
        h('section', { class: 'panel' }, h('h2', {}, 'Shipping address'),
          address
            ? h('address', { testid: 'order-address' },
              [address.name, address.line1, address.line2, [address.postalCode, address.city].filter(Boolean).join(' '),
                address.country].filter(Boolean).map((line) => h('span', { class: 'line' }, line)))
            : h('p', { class: 'muted' }, 'No shipping address given.')),
        h('section', { class: 'panel' }, h('h2', {}, 'Order'),
          h('dl', { class: 'facts' },
            h('dt', {}, 'Id'), h('dd', { class: 'mono', testid: 'order-id' }, order._id),
            h('dt', {}, 'Placed'), h('dd', {}, dateTime(order.createdAt)),
            h('dt', {}, 'Last change'), h('dd', {}, dateTime(order.updatedAt)),
            h('dt', {}, 'Total'), h('dd', { testid: 'order-total' }, money(order.totalAmount))))),
      h('section', { class: 'panel' }, h('h2', {}, 'Lines'),
        h('div', { class: 'table-wrap' }, h('table', { class: 'table', testid: 'order-lines' },
          h('thead', {}, h('tr', {},
            h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Picture')), h('th', { scope: 'col' }, 'Product'),
            h('th', { scope: 'col', class: 'num' }, 'Quantity'), h('th', { scope: 'col', class: 'num' }, 'Unit price'),
            h('th', { scope: 'col', class: 'num' }, 'Line total'))),
          h('tbody', {}, lines),
          h('tfoot', {}, h('tr', {}, h('th', { scope: 'row', colspan: '4', class: 'num' }, 'Total'),
            h('td', { class: 'num strong' }, money(order.totalAmount))))))));
    content.dataset.state = 'ready';
    content.dataset.status = order.status;
  }

  async function move(to) {
    if (to === 'cancelled') {
      const sure = await confirmDialog('Cancel this order? Its items go back into stock. This cannot be undone.',
        { confirmLabel: 'Cancel order', cancelLabel: 'Keep the order' });
      if (!sure) return;
    }
    content.querySelectorAll('[data-testid="order-actions"] button').forEach((b) => { b.disabled = true; });
    clear(notice);
    try {
      const { body } = to === 'cancelled'
        ? await request('POST', `/api/orders/${encodeURIComponent(order._id)}/cancel`)
        : await request('PATCH', `/api/orders/${encodeURIComponent(order._id)}/status`, { json: { status: to } });
      order = body?.order ?? body;
      draw();
      clear(notice, message('ok', to === 'cancelled' ? 'The order is cancelled; its items are back in stock.'
        : `The order is now ${order.status}.`));
    } catch (error) {
      clear(notice, message('error', error.message));
      content.querySelectorAll('[data-testid="order-actions"] button').forEach((b) => { b.disabled = false; });
    }
  }
}
