// Products in the dashboard: create one with a picture, find it in the public catalog, edit it,
// delete another.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  api, kDesktop, kTestImage, launchBrowser, openPage, screenshot, signInAsAdmin, startSeededShop, text, waitReady,
} from './fixture.mjs';

const kName = 'Browser Test Desk Lamp';

async function searchCatalog(shopUrl, search) {
  const r = await api(shopUrl, 'GET', `/api/products?${new URLSearchParams({ search })}`);
  assert.equal(r.status, 200, r.text);
  return r.body;
}

async function fill(page, testid, value) {
  const input = await page.$(`[data-testid="${testid}"]`);
  await input.click({ clickCount: 3 });
  await input.evaluate((el) => { el.value = ''; });
  await input.type(String(value));
}

async function editorShows(page, message) {
  await page.waitForSelector('[data-testid="product-form"]');
  await page.waitForFunction((m) => document.querySelector('[data-testid="message"]')?.textContent.includes(m), {}, message);
}

describe('admin products', { timeout: 240000 }, () => {
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

  it('creates a product with a picture, the catalog finds it, and an edit changes only what was changed', { timeout: 90000 }, async () => {
    const { shop } = seeded;
    const tab = await openPage(chromium.browser, shop.url, { viewport: kDesktop });
    try {
      const { page } = tab;
      await signInAsAdmin(page, shop.url);
      await page.click('[data-testid="nav-products"]');
      await waitReady(page, 'products');
      await page.click('[data-testid="new-product"]');
      await page.waitForSelector('[data-testid="product-form"]');

      // A bad price is refused before anything is sent.
      await fill(page, 'product-name', kName);
      await fill(page, 'product-price', '12.345');
      await page.click('[data-testid="save-product"]');
      await page.waitForSelector('[data-testid="field-error-price"]:not([hidden])');
      assert.equal((await searchCatalog(shop.url, kName)).total, 0);

      await fill(page, 'product-description', 'A lamp made by the browser test.\nTwo lines.');
      await fill(page, 'product-price', '24.50');
      await fill(page, 'product-category', 'Home & Kitchen');
      await fill(page, 'product-stock', '7');
      const picker = await page.$('[data-testid="product-image"]');
      await picker.uploadFile(kTestImage);
      await page.waitForFunction(() => {
        const img = document.querySelector('[data-testid="image-preview"]');
        return img && !img.hidden && img.src.startsWith('blob:') && img.complete && img.naturalWidth > 0;
      });
      await screenshot(page, 'product-editor', { fullPage: true });
      await page.click('[data-testid="save-product"]');
      await editorShows(page, 'Product created successfully');

      const found = await searchCatalog(shop.url, kName);
      assert.equal(found.total, 1);
      const created = found.products[0];
      assert.equal(created.name, kName);
      assert.equal(created.price, 24.5);
      assert.equal(created.stock, 7);
      assert.equal(created.category, 'Home & Kitchen');
      assert.equal(created.description, 'A lamp made by the browser test.\nTwo lines.');
      assert.ok(created.image && created.image.startsWith(`${shop.url}/media/`), `picture stored: ${created.image}`);
      const picture = await fetch(created.image);
      assert.equal(picture.status, 200);
      assert.match(picture.headers.get('content-type'), /^image\/png/);
      assert.equal(await page.evaluate(() => location.hash), `#/products/${created._id}`);
      await page.waitForFunction((src) => {
        const img = document.querySelector('[data-testid="image-preview"]');
        return img && img.src === src && img.complete && img.naturalWidth > 0;
      }, {}, created.image);

      // Meanwhile a checkout changes the stock; the page's edit of the price must not put it back.
      const buyer = seeded.customers[0];
      assert.equal((await api(shop.url, 'POST', '/api/cart/add', { token: buyer.token,
        body: { productId: created._id, quantity: 2 } })).status, 200);
      assert.equal((await api(shop.url, 'POST', '/api/orders', { token: buyer.token, body: {} })).status, 201);
      await fill(page, 'product-price', '26.00');
      const sent = page.waitForRequest((r) => r.method() === 'PUT' && r.url().endsWith(`/api/products/${created._id}`));
      await page.click('[data-testid="save-product"]');
      const put = await sent;
      const body = put.postData() || (await put.fetchPostData()) || '';
      assert.match(body, /name="price"/);
      assert.doesNotMatch(body, /name="stock"|name="name"|name="image"/, 'only the changed field is sent');
      await editorShows(page, 'Product updated successfully');
      const edited = (await api(shop.url, 'GET', `/api/products/${created._id}`)).body;
      assert.equal(edited.price, 26);
      assert.equal(edited.stock, 5, 'the checkout\'s stock stays');
      assert.equal(edited.image, created.image, 'the picture stays');
      tab.problems.assertNone('/admin product editor');
    } finally {
      await tab.close();
    }
  });

  it('deletes a product after confirmation, from the list', { timeout: 60000 }, async () => {
    const { shop } = seeded;
    const victim = seeded.products[seeded.products.length - 1];
    const tab = await openPage(chromium.browser, shop.url, { viewport: kDesktop });
    try {
      const { page } = tab;
      await signInAsAdmin(page, shop.url);
      await page.click('[data-testid="nav-products"]');
      await waitReady(page, 'products');
      await page.type('[data-testid="product-search"]', victim.name);
      await page.click('[data-testid="product-search-submit"]');
      await page.waitForFunction(() => location.hash.includes('search='));
      await waitReady(page, 'products');
      const rows = await page.$$eval('[data-testid="product-row"]', (r) => r.map((x) => x.dataset.id));
      assert.ok(rows.includes(victim._id), 'the search shows the product');

      const row = `[data-testid="product-row"][data-id="${victim._id}"]`;
      await page.click(`${row} [data-testid="delete-product"]`);
      await page.waitForSelector('[data-testid="confirm-dialog"]');
      await page.click('[data-testid="confirm-ok"]');
      await page.waitForSelector('[data-testid="message"]');
      assert.match(await text(page, '[data-testid="message"]'), /deleted/i);
      await waitReady(page, 'products');
      assert.equal(await page.$(row), null);
      assert.equal((await api(shop.url, 'GET', `/api/products/${victim._id}`)).status, 404);
      assert.ok(!(await searchCatalog(shop.url, victim.name)).products.some((p) => p._id === victim._id));
      tab.problems.assertNone('/admin products');
    } finally {
      await tab.close();
    }
  });
});
