// /docs: Swagger UI renders shopd's own /openapi.json, offline, and "Try it out" works: a login
// authorizes the bearer scheme by itself, so the profile answers 200 straight after.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { kAdminEmail, kAdminPassword, kDesktop, launchBrowser, openPage, screenshot, startSeededShop } from './fixture.mjs';

// The element id of the operation block for METHOD PATH (Swagger UI names it after tag and operationId).
async function operationId(page, method, path) {
  const id = await page.evaluate((m, p) => {
    const block = [...document.querySelectorAll(`.opblock.opblock-${m}`)]
      .find((b) => b.querySelector(`.opblock-summary-path[data-path="${p}"]`));
    return block?.id ?? null;
  }, method, path);
  assert.ok(id, `Swagger UI shows ${method.toUpperCase()} ${path}`);
  return `[id="${id}"]`;
}

async function expand(page, block) {
  if (!(await page.$(`${block}.is-open`))) await page.click(`${block} .opblock-summary-control`);
  await page.waitForSelector(`${block} .try-out__btn`);
  const label = await page.$eval(`${block} .try-out__btn`, (b) => b.textContent.trim());
  if (/try it out/i.test(label)) await page.click(`${block} .try-out__btn`);
  await page.waitForSelector(`${block} .execute`);
}

async function execute(page, block) {
  await page.click(`${block} .execute`);
  await page.waitForSelector(`${block} .live-responses-table tr.response .response-col_status`, { timeout: 15000 });
  const status = await page.$eval(`${block} .live-responses-table tr.response .response-col_status`, (el) => el.textContent.trim());
  const body = await page.$eval(`${block} .live-responses-table tr.response .response-col_description`, (el) => el.textContent);
  return { status: Number.parseInt(status, 10), body };
}

describe('API docs page', { timeout: 180000 }, () => {
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

  it('renders the operations and runs login then profile with the token authorized automatically', { timeout: 90000 }, async () => {
    const { shop } = seeded;
    const tab = await openPage(chromium.browser, shop.url, { viewport: kDesktop });
    try {
      const { page } = tab;
      const documentAnswer = page.waitForResponse((r) => new URL(r.url()).pathname === '/docs');
      const spec = page.waitForResponse((r) => new URL(r.url()).pathname === '/openapi.json');
      await page.goto(`${shop.url}/docs`, { waitUntil: 'domcontentloaded' });
      const csp = (await documentAnswer).headers()['content-security-policy'] ?? '';
      assert.match(csp, /script-src 'self'/, `/docs is served with the CSP (got "${csp}")`);
      assert.equal((await spec).status(), 200);
      await page.waitForSelector('.opblock', { timeout: 20000 });
      const count = await page.$$eval('.opblock', (b) => b.length);
      assert.ok(count >= 10, `Swagger UI shows the operations (${count})`);
      assert.equal(await page.$('.validator, img[src*="validator"]'), null, 'no validator badge');
      await screenshot(page, 'docs');

      const login = await operationId(page, 'post', '/api/users/login');
      await expand(page, login);
      const json = `{"email": "${kAdminEmail}", "password": "${kAdminPassword}"}`;
      let textarea = await page.$(`${login} textarea.body-param__text`);
      if (!textarea) {
        await page.select(`${login} .body-param-content-type select`, 'application/json');
        textarea = await page.waitForSelector(`${login} textarea.body-param__text`);
      }
      await textarea.click();
      await page.keyboard.down('Control');
      await page.keyboard.press('KeyA');
      await page.keyboard.up('Control');
      await page.keyboard.press('Backspace');
      await textarea.type(json);
      const loggedIn = await execute(page, login);
      assert.equal(loggedIn.status, 200, loggedIn.body);
      assert.match(loggedIn.body, /accessToken/);

      // The interceptor authorized bearerAuth with the token (in memory only).
      await page.waitForFunction(() => Boolean(window.ui?.authSelectors.authorized().toJS().bearerAuth?.value));
      assert.equal(await page.evaluate(() => localStorage.length), 0);

      const profile = await operationId(page, 'get', '/api/users/profile');
      await expand(page, profile);
      const me = await execute(page, profile);
      assert.equal(me.status, 200, me.body);
      assert.match(me.body, new RegExp(kAdminEmail.replace('.', '\\.')));
      const curl = await page.$eval(`${profile} .curl`, (el) => el.textContent).catch(() => '');
      assert.match(curl, /Authorization: Bearer /);
      await (await page.$(profile)).scrollIntoView();
      await screenshot(page, 'docs-try-it-out');
      tab.problems.assertNone('/docs');
    } finally {
      await tab.close();
    }
  });
});
