// The overview shows what GET /api/admin/analytics answers, on a desktop and on a phone.
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  api, kDesktop, kPhone, launchBrowser, openPage, repoRoot, screenshot, signInAsAdmin, startSeededShop, waitReady,
} from './fixture.mjs';

const kCards = ['sales', 'orders', 'averageOrderValue', 'unitsSold', 'newCustomers'];
const kMoneyCards = new Set(['sales', 'averageOrderValue']);
const kStatuses = ['placed', 'paid', 'shipped', 'delivered', 'cancelled'];

const usd = new Intl.NumberFormat('en-US', { style: 'currency', currency: 'USD' });
const count = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

function todayIn(tz) {
  return new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' })
    .format(new Date());
}

function addDays(isoDate, days) {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

const waitForImages = (page) => page.waitForFunction(() => [...document.images].every((i) => i.complete), { timeout: 10000 });

// Reads the range the page shows, asks the API for the same, and compares every figure.
async function assertOverviewMatchesApi(page, shop, token) {
  const from = await page.$eval('[data-testid="range-from"]', (el) => el.value);
  const to = await page.$eval('[data-testid="range-to"]', (el) => el.value);
  const tz = await page.$eval('[data-testid="tz-select"]', (el) => el.value);
  const query = new URLSearchParams({ from, to, tz, lowStock: '5' });
  const answer = await api(shop.url, 'GET', `/api/admin/analytics?${query}`, { token });
  assert.equal(answer.status, 200, answer.text);
  const data = answer.body;
  assert.deepEqual({ from: data.range.from, to: data.range.to, tz: data.range.tz }, { from, to, tz });

  const shown = await page.evaluate((cards, statuses) => {
    const get = (id) => document.querySelector(`[data-testid="${id}"]`);
    return {
      cards: Object.fromEntries(cards.map((key) => [key, {
        value: get(`card-${key}`).dataset.value,
        text: get(`card-${key}-value`).textContent.trim(),
        growth: get(`card-${key}-growth`).dataset.value,
        growthText: get(`card-${key}-growth`).textContent.trim(),
      }])),
      statuses: Object.fromEntries(statuses.map((s) => [s, {
        value: get(`status-count-${s}`).dataset.value,
        text: get(`status-count-${s}-value`).textContent.trim(),
      }])),
      topNames: [...document.querySelectorAll('[data-testid="top-product-name"]')].map((el) => el.textContent.trim()),
      topUnits: [...document.querySelectorAll('[data-testid="top-product-units"]')].map((el) => el.textContent.trim()),
      lowStock: [...document.querySelectorAll('[data-testid="low-stock-item"]')].map((el) => el.dataset.id),
      chartDays: get('revenue-chart').dataset.days,
      chartSize: [get('revenue-chart').width, get('revenue-chart').height],
    };
  }, kCards, kStatuses);

  for (const key of kCards) {
    const value = data.summary[key];
    assert.equal(Number(shown.cards[key].value), value, `card ${key}`);
    assert.equal(shown.cards[key].text, kMoneyCards.has(key) ? usd.format(value) : count.format(value), `card ${key} text`);
    const change = data.growth?.[key] ?? null;
    if (change === null) {
      assert.equal(shown.cards[key].growth, '', `growth ${key}`);
      assert.match(shown.cards[key].growthText, /—/, `growth ${key} text`);
    } else {
      assert.equal(Number(shown.cards[key].growth), change, `growth ${key}`);
      assert.ok(shown.cards[key].growthText.includes(`${Math.abs(change).toFixed(1)}%`), `growth ${key} text`);
    }
  }
  for (const s of kStatuses) {
    assert.equal(Number(shown.statuses[s].value), data.ordersByStatus[s] ?? 0, `orders ${s}`);
    assert.equal(shown.statuses[s].text, count.format(data.ordersByStatus[s] ?? 0), `orders ${s} text`);
  }
  assert.deepEqual(shown.topNames, data.topProducts.map((p) => p.name), 'top products');
  assert.deepEqual(shown.topUnits, data.topProducts.map((p) => count.format(p.unitsSold)), 'top product units');
  assert.deepEqual(shown.lowStock, data.lowStock.map((p) => p._id), 'low stock');
  assert.equal(Number(shown.chartDays), data.daily.length, 'chart days');
  assert.ok(shown.chartSize[0] > 100 && shown.chartSize[1] > 100, `chart drawn ${shown.chartSize}`);
  return data;
}

describe('admin overview', { timeout: 240000 }, () => {
  let seeded;
  let chromium;

  before(async () => {
    // Orders over the past 90 days too, so that the growth figures and the chart have something to show.
    seeded = await startSeededShop({ demoOrders: 120 });
    chromium = await launchBrowser();
  }, { timeout: 120000 });

  after(async () => {
    await chromium?.close();
    await seeded?.shop.stop();
  }, { timeout: 30000 });

  it('shows the figures GET /api/admin/analytics answers for the same range and time zone', { timeout: 90000 }, async () => {
    const { shop, admin } = seeded;
    const tab = await openPage(chromium.browser, shop.url, { viewport: kDesktop, timezone: 'Europe/Berlin' });
    try {
      const { page } = tab;
      const documentAnswer = page.waitForResponse((r) => new URL(r.url()).pathname === '/admin');
      await signInAsAdmin(page, shop.url);
      const csp = (await documentAnswer).headers()['content-security-policy'] ?? '';
      assert.match(csp, /script-src 'self'/, `/admin is served with the CSP (got "${csp}")`);
      await waitReady(page, 'overview');

      // The default: the last 30 days ending today in the browser's zone.
      assert.equal(await page.$eval('[data-testid="tz-select"]', (el) => el.value), 'Europe/Berlin');
      const to = todayIn('Europe/Berlin');
      assert.equal(await page.$eval('[data-testid="range-to"]', (el) => el.value), to);
      assert.equal(await page.$eval('[data-testid="range-from"]', (el) => el.value), addDays(to, -29));
      const data = await assertOverviewMatchesApi(page, shop, admin.token);
      assert.ok(data.summary.orders >= 9, `the seeded orders count (${data.summary.orders})`);
      assert.ok(data.topProducts.length > 0);
      assert.ok(kCards.some((key) => data.growth?.[key] !== null && data.growth?.[key] !== undefined),
        'some growth figure to show');

      await waitForImages(page);
      await screenshot(page, 'overview-desktop', { fullPage: true });
      if (process.env.SHOPD_README_SCREENSHOT === '1') {
        const file = join(repoRoot, 'docs', 'images', 'dashboard.png');
        mkdirSync(dirname(file), { recursive: true });
        await page.evaluate(() => window.scrollTo(0, 0));
        await page.screenshot({ path: file, clip: { x: 0, y: 0, ...kDesktop } });
      }

      // Another preset and another zone: the page asks again and still agrees with the API.
      await page.click('[data-testid="preset-7"]');
      await waitReady(page, 'overview');
      await page.select('[data-testid="tz-select"]', 'UTC');
      await waitReady(page, 'overview');
      assert.equal(await page.$eval('[data-testid="range-to"]', (el) => el.value), todayIn('UTC'));
      assert.equal(await page.$eval('[data-testid="range-from"]', (el) => el.value), addDays(todayIn('UTC'), -6));
      await assertOverviewMatchesApi(page, shop, admin.token);

      tab.problems.assertNone('/admin overview');
    } finally {
      await tab.close();
    }
  });

  it('fits a phone screen (375×667) without sideways scrolling of the page, with a collapsible menu', { timeout: 90000 }, async () => {
    const { shop } = seeded;
    const tab = await openPage(chromium.browser, shop.url, { viewport: kPhone });
    try {
      const { page } = tab;
      await signInAsAdmin(page, shop.url);
      await waitReady(page, 'overview');
      await waitForImages(page);
      // On a phone, content wider than the screen also widens the layout viewport (innerWidth), so
      // the page is measured against the device's 375 px, not against innerWidth.
      const overflow = () => page.evaluate(() => ({
        page: document.documentElement.scrollWidth, body: document.body.scrollWidth, layout: window.innerWidth,
        viewport: 375,
      }));
      const assertFits = (widths, what) => assert.ok(widths.page <= widths.viewport && widths.body <= widths.viewport &&
        widths.layout === widths.viewport, `${what} ${JSON.stringify(widths)}`);
      const widths = await overflow();
      assertFits(widths, 'overview');
      for (const id of ['card-sales', 'card-newCustomers', 'revenue-chart', 'top-products', 'orders-by-status']) {
        const box = await (await page.$(`[data-testid="${id}"]`)).boundingBox();
        assert.ok(box && box.x >= 0 && box.x + box.width <= widths.viewport + 0.5, `${id} inside the screen: ${JSON.stringify(box)}`);
      }
      await screenshot(page, 'overview-phone', { fullPage: true });

      // The menu is folded away until the toggle opens it.
      assert.equal(await page.$eval('[data-testid="nav"]', (el) => el.checkVisibility()), false, 'menu folded');
      await page.click('[data-testid="nav-toggle"]');
      assert.equal(await page.$eval('[data-testid="nav-toggle"]', (el) => el.getAttribute('aria-expanded')), 'true');
      assert.equal(await page.$eval('[data-testid="nav"]', (el) => el.checkVisibility()), true, 'menu open');
      await page.click('[data-testid="nav-orders"]');
      await waitReady(page, 'orders');
      assert.equal(await page.$eval('[data-testid="nav"]', (el) => el.checkVisibility()), false, 'menu folds after a choice');
      assertFits(await overflow(), 'orders');
      for (const [hash, testid] of [['#/products', 'products'], ['#/orders?status=placed', 'orders']]) {
        await page.evaluate((h) => { location.hash = h; }, hash);
        await page.waitForFunction((h) => location.hash === h, {}, hash);
        await waitReady(page, testid);
        await waitForImages(page);
        assertFits(await overflow(), hash);
        if (testid === 'products') {
          const thumb = await (await page.$('[data-testid="product-row"] img.thumb')).boundingBox();
          assert.equal(Math.round(thumb.width), 40, 'list pictures keep their size in the narrow table');
        }
      }
      await page.click('[data-testid="order-link"]');
      await waitReady(page, 'order-detail');
      assertFits(await overflow(), 'order detail');
      await page.evaluate(() => { location.hash = '#/products/new'; });
      await page.waitForSelector('[data-testid="product-form"]');
      assertFits(await overflow(), 'product editor');

      tab.problems.assertNone('/admin on a phone');
    } finally {
      await tab.close();
    }
  });
});
