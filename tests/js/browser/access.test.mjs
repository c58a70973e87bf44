// Who gets into /admin: a customer is refused and signed out; an admin's session survives a reload
// through the refresh cookie, lives in memory only, and ends with "Sign out".
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import {
  api, kDesktop, launchBrowser, openPage, signIn, signInAsAdmin, startSeededShop, text, waitReady,
} from './fixture.mjs';

describe('admin access', { timeout: 240000 }, () => {
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

  it('refuses a customer with a clear message and signs them out', { timeout: 60000 }, async () => {
    const { shop, customers } = seeded;
    const tab = await openPage(chromium.browser, shop.url, { viewport: kDesktop });
    try {
      const { page } = tab;
      const who = customers[0];
      await signIn(page, shop.url, who.email, who.password);
      await page.waitForSelector('[data-testid="login-error"]:not([hidden])');
      assert.equal(await text(page, '[data-testid="login-error"]'), 'This account is not an administrator');
      assert.equal(await page.$('[data-testid="logout"]'), null, 'no way in');
      // The refused session was ended on the server: a reload finds no session to restore.
      const cookies = await page.browserContext().cookies();
      assert.ok(!cookies.some((c) => c.name === 'refreshToken' && c.value), `refresh cookie cleared: ${JSON.stringify(cookies)}`);
      await page.reload({ waitUntil: 'domcontentloaded' });
      await page.waitForSelector('[data-testid="login-form"]');
      assert.equal(await page.$('[data-testid="logout"]'), null);

      // A wrong password gets the server's words.
      await page.type('[data-testid="login-email"]', seeded.admin.email);
      await page.type('[data-testid="login-password"]', 'not-the-password');
      await page.click('[data-testid="login-submit"]');
      await page.waitForSelector('[data-testid="login-error"]:not([hidden])');
      assert.equal(await text(page, '[data-testid="login-error"]'), 'Invalid email or password');
      tab.problems.assertNone('/admin refusing a customer');
    } finally {
      await tab.close();
    }
  });

  it('keeps the admin signed in across a reload without storing the token, and signs out', { timeout: 60000 }, async () => {
    const { shop } = seeded;
    const tab = await openPage(chromium.browser, shop.url, { viewport: kDesktop });
    try {
      const { page } = tab;
      await signInAsAdmin(page, shop.url);
      await waitReady(page, 'overview');
      assert.equal(await text(page, '[data-testid="signed-in-as"]'), seeded.admin.email);
      const stored = await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length,
                                                 cookie: document.cookie }));
      assert.deepEqual(stored, { local: 0, session: 0, cookie: '' }, 'nothing readable by scripts is stored');

      // A reload restores the session from the httpOnly refresh cookie, on the route it was on.
      await page.evaluate(() => { location.hash = '#/orders'; });
      await waitReady(page, 'orders');
      const refreshed = page.waitForResponse((r) => r.url().endsWith('/api/users/refresh'));
      await page.reload({ waitUntil: 'domcontentloaded' });
      assert.equal((await refreshed).status(), 200);
      await waitReady(page, 'orders');
      assert.ok(await page.$('[data-testid="logout"]'));

      await page.click('[data-testid="logout"]');
      await page.waitForSelector('[data-testid="login-form"]');
      assert.match(await text(page, '[data-testid="login-notice"]'), /signed out/i);
      await page.reload({ waitUntil: 'domcontentloaded' });
      await page.waitForSelector('[data-testid="login-form"]');
      assert.equal(await page.$('[data-testid="logout"]'), null, 'signed out for good');
      tab.problems.assertNone('/admin session');
    } finally {
      await tab.close();
    }
  });

  it('renews an access token the server no longer accepts, once, and carries on', { timeout: 60000 }, async () => {
    const { shop } = seeded;
    const tab = await openPage(chromium.browser, shop.url, { viewport: kDesktop });
    try {
      const { page } = tab;
      await signInAsAdmin(page, shop.url);
      await waitReady(page, 'overview');
      await page.evaluate(() => { location.hash = '#/orders'; });
      await waitReady(page, 'orders');
      // The next list request gets a 401 as if the token had expired: the app refreshes and retries once.
      tab.answerOnce((r) => new URL(r.url()).pathname === '/api/orders', {
        status: 401, contentType: 'application/json', body: '{"message":"Not authorized, token expired"}' });
      const seen = [];
      const onResponse = (r) => {
        const path = new URL(r.url()).pathname;
        if (path.startsWith('/api/')) seen.push(`${r.request().method()} ${path} ${r.status()}`);
      };
      page.on('response', onResponse);
      await page.select('[data-testid="status-filter"]', 'paid');
      await page.waitForFunction(() => location.hash.includes('status=paid'));
      await waitReady(page, 'orders');
      page.off('response', onResponse);
      assert.deepEqual(seen, ['GET /api/orders 401', 'POST /api/users/refresh 200', 'GET /api/orders 200']);
      const paid = await api(shop.url, 'GET', '/api/orders?status=paid', { token: seeded.admin.token });
      assert.equal((await page.$$('[data-testid="order-row"]')).length, paid.body.length);
      assert.ok(await page.$('[data-testid="logout"]'), 'still signed in');
      tab.problems.assertNone('/admin renewing a token');
    } finally {
      await tab.close();
    }
  });
});
