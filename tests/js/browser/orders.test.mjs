// Orders in the dashboard: the list and its filter, an order's detail, status moves and a cancel,
// each checked through the API afterwards.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  api, kDesktop, launchBrowser, openPage, screenshot, signInAsAdmin, startSeededShop, text, waitReady,
} from './fixture.mjs';

const waitForImages = (page) => page.waitForFunction(() => [...document.images].every((i) => i.complete), { timeout: 10000 });

async function rowsOf(page) {
  return page.$$eval('[data-testid="order-row"]', (rows) => rows.map((r) => ({ id: r.dataset.id, status: r.dataset.status })));
}

async function openOrder(page, shopUrl, id) {
  await page.goto(`${shopUrl}/admin#/orders/${id}`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('[data-testid="logout"]');
  await waitReady(page, 'order-detail');
}

describe('admin orders', { timeout: 240000 }, () => {
  let seeded;
  let chromium;

  before(async () => {
    seeded = await startSeededShop();
    chromium = await launchBrowser();
  }, { timeout: 120000 });

  after(async () => {
    await chromium?.close();
    await seeded?.shop.stop();
  }, { timeout: 30000 });

  it('lists orders, filters them by status and pages through them', { timeout: 60000 }, async () => {
    const { shop, admin } = seeded;
    const tab = await openPage(chromium.browser, shop.url, { viewport: kDesktop });
    try {
      const { page } = tab;
      await signInAsAdmin(page, shop.url);
      await page.click('[data-testid="nav-orders"]');
      await waitReady(page, 'orders');
      const all = await api(shop.url, 'GET', '/api/orders?page=1&limit=20', { token: admin.token });
      assert.deepEqual((await rowsOf(page)).map((r) => r.id), all.body.map((o) => o._id));
      assert.match(await text(page, '[data-testid="page-info"]'), new RegExp(`${all.headers.get('x-total-count')} orders`));
      await screenshot(page, 'orders', { fullPage: true });

      await page.select('[data-testid="status-filter"]', 'paid');
      await page.waitForFunction(() => location.hash.includes('status=paid'));
      await waitReady(page, 'orders');
      const paid = await api(shop.url, 'GET', '/api/orders?status=paid&page=1&limit=20', { token: admin.token });
      const rows = await rowsOf(page);
      assert.ok(rows.length > 0);
      assert.deepEqual(rows.map((r) => r.id), paid.body.map((o) => o._id));
      assert.ok(rows.every((r) => r.status === 'paid'));

      // Pages of four: page 2 holds what the API gives for page 2, and the last page has no "next".
      await page.evaluate(() => { location.hash = '#/orders?limit=4'; });
      await page.waitForFunction(() => location.hash === '#/orders?limit=4');
      await waitReady(page, 'orders');
      const total = Number(all.headers.get('x-total-count'));
      assert.match(await text(page, '[data-testid="page-info"]'), new RegExp(`Page 1 of ${Math.ceil(total / 4)}`));
      await page.click('[data-testid="page-next"]');
      await page.waitForFunction(() => location.hash.includes('page=2'));
      await waitReady(page, 'orders');
      const second = await api(shop.url, 'GET', '/api/orders?page=2&limit=4', { token: admin.token });
      assert.deepEqual((await rowsOf(page)).map((r) => r.id), second.body.map((o) => o._id));
      assert.equal(await page.$eval('[data-testid="page-prev"]', (b) => b.disabled), false);
      tab.problems.assertNone('/admin orders');
    } finally {
      await tab.close();
    }
  });

  it('moves an order placed → paid → shipped, and the API sees each move', { timeout: 60000 }, async () => {
    const { shop, admin, orders } = seeded;
    const placed = await api(shop.url, 'GET', '/api/orders?status=placed', { token: admin.token });
    const order = placed.body.at(-1);
    assert.ok(order, 'a placed order to work on');
    const tab = await openPage(chromium.browser, shop.url, { viewport: kDesktop });
    try {
      const { page } = tab;
      await signInAsAdmin(page, shop.url);
      await page.click('[data-testid="nav-orders"]');
      await waitReady(page, 'orders');
      await page.select('[data-testid="status-filter"]', 'placed');
      await page.waitForFunction(() => location.hash.includes('status=placed'));
      await waitReady(page, 'orders');
      await page.click(`[data-testid="order-row"][data-id="${order._id}"] [data-testid="order-link"]`);
      await waitReady(page, 'order-detail');
      assert.equal(await text(page, '[data-testid="order-status"]'), 'placed');
      const buyer = orders.find((o) => o._id === order._id).buyer;
      assert.equal(await text(page, '[data-testid="order-customer-email"]'), buyer.email);
      assert.equal(await text(page, '[data-testid="order-id"]'), order._id);
      assert.equal((await page.$$('[data-testid="order-line"]')).length, order.items.length);
      await waitForImages(page);
      await screenshot(page, 'order-detail', { fullPage: true });

      for (const next of ['paid', 'shipped']) {
        await page.click(`[data-testid="status-action-${next}"]`);
        await page.waitForFunction((s) => document.querySelector('[data-testid="order-detail"]')?.dataset.status === s, {}, next);
        assert.match(await text(page, '[data-testid="message"]'), new RegExp(next));
        const seen = await api(shop.url, 'GET', `/api/orders/${order._id}`, { token: admin.token });
        assert.equal(seen.status, 200);
        assert.equal(seen.body.status, next, `the API sees ${next}`);
      }
      // From shipped only delivery is offered; cancelling is not.
      assert.ok(await page.$('[data-testid="status-action-delivered"]'));
      assert.equal(await page.$('[data-testid="cancel-order"]'), null);
      tab.problems.assertNone('/admin order detail');
    } finally {
      await tab.close();
    }
  });

  it('cancels an order after confirmation, gives the stock back, and shows the server refusing a stale move', { timeout: 60000 }, async () => {
    const { shop, admin } = seeded;
    const placed = await api(shop.url, 'GET', '/api/orders?status=placed', { token: admin.token });
    const [order, other] = placed.body;
    assert.ok(order && other, 'two placed orders');
    const line = order.items[0];
    const stockBefore = (await api(shop.url, 'GET', `/api/products/${line.product._id}`)).body.stock;
    const tab = await openPage(chromium.browser, shop.url, { viewport: kDesktop });
    try {
      const { page } = tab;
      await signInAsAdmin(page, shop.url);
      await openOrder(page, shop.url, order._id);

      // Keeping the order changes nothing.
      await page.click('[data-testid="cancel-order"]');
      await page.waitForSelector('[data-testid="confirm-dialog"]');
      await page.click('[data-testid="confirm-cancel"]');
      await page.waitForSelector('[data-testid="confirm-dialog"]', { hidden: true });
      assert.equal((await api(shop.url, 'GET', `/api/orders/${order._id}`, { token: admin.token })).body.status, 'placed');

      await page.click('[data-testid="cancel-order"]');
      await page.waitForSelector('[data-testid="confirm-dialog"]');
      await page.click('[data-testid="confirm-ok"]');
      await page.waitForFunction(() => document.querySelector('[data-testid="order-detail"]')?.dataset.status === 'cancelled');
      const seen = await api(shop.url, 'GET', `/api/orders/${order._id}`, { token: admin.token });
      assert.equal(seen.body.status, 'cancelled');
      const stockAfter = (await api(shop.url, 'GET', `/api/products/${line.product._id}`)).body.stock;
      const units = order.items.filter((i) => i.product._id === line.product._id).reduce((n, i) => n + i.quantity, 0);
      assert.equal(stockAfter, stockBefore + units, 'stock given back');
      assert.equal((await page.$$('[data-testid="order-actions"] button')).length, 0, 'no moves from cancelled');

      // Someone else moves the other order meanwhile: the page's move is refused with the server's message.
      await openOrder(page, shop.url, other._id);
      const moved = await api(shop.url, 'PATCH', `/api/orders/${other._id}/status`, { token: admin.token, body: { status: 'paid' } });
      assert.equal(moved.status, 200);
      await page.click('[data-testid="status-action-paid"]');
      await page.waitForSelector('[data-testid="error"]');
      const refusal = await api(shop.url, 'PATCH', `/api/orders/${other._id}/status`, { token: admin.token, body: { status: 'paid' } });
      assert.equal(refusal.status, 409);
      assert.equal(await text(page, '[data-testid="error"]'), refusal.body.message);
      tab.problems.assertNone('/admin order cancel');
    } finally {
      await tab.close();
    }
  });
});
