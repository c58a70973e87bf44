// What the browser tests share: Debian's Chromium through puppeteer-core, pages that fail the test
// on any request off the shopd loopback address, console error or CSP violation, a seeded shop,
// and screenshots under ${SHOPD_ARTIFACTS:-build/artifacts}/screenshots/.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import puppeteer from 'puppeteer-core';
import { admin, api, customer, repoRoot, startShopd } from '../support/shopd.mjs';

export { api, repoRoot };

export const kAdminEmail = 'admin@shop.test';
export const kAdminPassword = 'admin-pass-123';
export const kDesktop = { width: 1280, height: 800 };
export const kPhone = { width: 375, height: 667, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };
export const kTestImage = join(repoRoot, 'fuzz', 'corpus', 'fuzz_image', 'tiny.png');

const kChromiumArgs = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage',
  '--disable-default-apps', '--disable-extensions', '--no-default-browser-check', '--lang=en-US',
  '--font-render-hinting=none',
];

export const artifactsDir = resolve(repoRoot, process.env.SHOPD_ARTIFACTS || join('build', 'artifacts'));

// The failures a page collected, kept per page so a test can name them.
class Problems {
  constructor() {
    this.list = [];
  }

  add(text) {
    this.list.push(text);
  }

  assertNone(what = 'the page') {
    if (this.list.length) throw new Error(`${what} had problems:\n  ${this.list.join('\n  ')}`);
  }
}

// Chromium headless with a fresh profile; close() also removes the profile.
export async function launchBrowser() {
  const profile = mkdtempSync(join(tmpdir(), 'shopd-chromium-'));
  let browser;
  try {
    browser = await puppeteer.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      headless: true,
      args: [...kChromiumArgs, `--user-data-dir=${profile}`],
      timeout: 30000,
      protocolTimeout: 60000,
      defaultViewport: kDesktop,
    });
  } catch (error) {
    rmSync(profile, { recursive: true, force: true });
    throw error;
  }
  // If the test process ends without close() (a crash, a cancelled run), take Chromium and its profile along.
  const onExit = () => {
    try {
      browser.process()?.kill('SIGKILL');
    } catch {
      // already gone
    }
    rmSync(profile, { recursive: true, force: true });
  };
  process.on('exit', onExit);
  const close = async () => {
    try {
      await Promise.race([browser.close(), new Promise((r) => setTimeout(r, 10000))]);
    } finally {
      process.off('exit', onExit);
      onExit();
    }
  };
  return { browser, close };
}

// A page in a fresh browser context (its own cookies) that reports what a user must never see:
// requests leaving the shopd loopback address, console errors, CSP violations, failed assets.
// API answers of 4xx (a 401 before sign-in, a 403 for a customer) are the app's business, not a problem.
export async function openPage(browser, shopUrl, { viewport = kDesktop, timezone, reducedMotion = true } = {}) {
  const context = await browser.createBrowserContext();
  const page = await context.newPage();
  const problems = new Problems();
  const shop = new URL(shopUrl);
  page.setDefaultTimeout(15000);
  page.setDefaultNavigationTimeout(20000);
  await page.setViewport(viewport);
  if (timezone) await page.emulateTimezone(timezone);
  if (reducedMotion) await page.emulateMediaFeatures([{ name: 'prefers-reduced-motion', value: 'reduce' }]);

  // Canned answers a test wants instead of the server's: [{match(request) → bool, response}], each used once.
  const cannedAnswers = [];
  await page.setRequestInterception(true);
  page.on('request', (request) => {
    if (request.isInterceptResolutionHandled()) return;
    const url = new URL(request.url());
    if (url.protocol === 'data:' || url.protocol === 'blob:') return request.continue();
    if (url.host !== shop.host || url.protocol !== shop.protocol) {
      problems.add(`request off the shop's address: ${request.method()} ${request.url()}`);
      return request.abort('blockedbyclient');
    }
    const canned = cannedAnswers.findIndex((c) => c.match(request));
    if (canned >= 0) return request.respond(cannedAnswers.splice(canned, 1)[0].response);
    return request.continue();
  });
  page.on('requestfailed', (request) => {
    const reason = request.failure()?.errorText ?? 'failed';
    if (reason === 'net::ERR_ABORTED' && new URL(request.url()).pathname.startsWith('/media/')) return; // lazy image dropped
    if (reason !== 'net::ERR_BLOCKED_BY_CLIENT') problems.add(`request failed: ${request.url()} (${reason})`);
  });
  page.on('response', (response) => {
    const url = new URL(response.url());
    if (response.status() >= 400 && !url.pathname.startsWith('/api/')) {
      problems.add(`HTTP ${response.status()} for ${response.url()}`);
    }
  });
  page.on('console', (msg) => {
    const text = msg.text();
    if (/Refused to|Content Security Policy/i.test(text)) problems.add(`CSP: ${text}`);
    else if (msg.type() === 'error') {
      const where = msg.location()?.url ?? '';
      const apiAnswer = /^Failed to load resource: the server responded with a status of 4\d\d/.test(text) &&
        where && new URL(where).pathname.startsWith('/api/');
      if (!apiAnswer) problems.add(`console error: ${text}${where ? ` (${where})` : ''}`);
    }
  });
  page.on('pageerror', (error) => problems.add(`uncaught: ${error.message}`));
  await page.exposeFunction('__reportCspViolation', (text) => problems.add(`CSP violation: ${text}`));
  await page.evaluateOnNewDocument(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__reportCspViolation(`${e.violatedDirective} blocked ${e.blockedURI || 'inline'} at ${e.sourceFile}:${e.lineNumber}`);
    });
  });
  const close = async () => {
    try {
      await context.close();
    } catch {
      // the browser may be gone already
    }
  };
  const answerOnce = (match, response) => cannedAnswers.push({ match, response });
  return { page, problems, close, answerOnce };
}

export async function screenshot(page, name, { fullPage = false } = {}) {
  const file = join(artifactsDir, 'screenshots', `${name}.png`);
  mkdirSync(dirname(file), { recursive: true });
  await page.screenshot({ path: file, fullPage });
  return file;
}

// A seeded shop: 30 demo products, an admin, three customers with ten orders in various states;
// with demoOrders, also that many orders of demo customers spread over the past 90 days.
export async function startSeededShop({ demoOrders = 0 } = {}) {
  const shop = await startShopd();
  try {
    shop.run(['seed-demo', '--products', '30', ...(demoOrders ? ['--orders', String(demoOrders)] : [])]);
    const admin_ = await admin(shop, kAdminEmail, kAdminPassword);
    const seeded = await seedOrders(shop.url, admin_.token);
    return { shop, admin: admin_, ...seeded };
  } catch (error) {
    await shop.stop();
    throw error;
  }
}

async function must(answer, what, ...expected) {
  const r = await answer;
  if (!expected.includes(r.status)) throw new Error(`${what}: HTTP ${r.status} ${r.text}`);
  return r.body;
}

// Three customers place ten orders through the API; the admin pays, ships and delivers some, and
// one customer cancels one. Returns {customers, orders, products}.
export async function seedOrders(url, adminToken) {
  const list = await must(api(url, 'GET', '/api/products?limit=100&sort=oldest'), 'list products', 200);
  const products = list.products.filter((p) => p.stock >= 20);
  if (products.length < 6) throw new Error(`only ${products.length} demo products with stock`);
  const customers = [];
  for (const [i, name] of ['Ada Lovelace', 'Grace Hopper', 'Alan Turing'].entries()) {
    customers.push(await customer(url, name, `customer${i + 1}@shop.test`));
  }
  const orders = [];
  for (let n = 0; n < 10; n += 1) {
    const buyer = customers[n % 3];
    const lines = 1 + (n % 3);
    for (let l = 0; l < lines; l += 1) {
      const product = products[(n * 2 + l) % products.length];
      await must(api(url, 'POST', '/api/cart/add', { token: buyer.token,
        body: { productId: product._id, quantity: 1 + ((n + l) % 3) } }), 'add to cart', 200);
    }
    const placed = await must(api(url, 'POST', '/api/orders', { token: buyer.token, body: {
      shippingAddress: { name: buyer.user.name, line1: `${n + 1} Test Street`, city: 'Testville', postalCode: `1000${n}`,
                         country: 'GB' } } }), 'place order', 201);
    orders.push({ ...placed.order, buyer });
  }
  const move = (i, status) => must(api(url, 'PATCH', `/api/orders/${orders[i]._id}/status`,
    { token: adminToken, body: { status } }), `order ${i} → ${status}`, 200);
  for (const i of [0, 1, 2, 3, 4]) await move(i, 'paid');
  for (const i of [0, 1, 2]) await move(i, 'shipped');
  await move(0, 'delivered');
  await must(api(url, 'POST', `/api/orders/${orders[9]._id}/cancel`, { token: orders[9].buyer.token }), 'cancel', 200);
  return { customers, orders, products };
}

// Signs in on /admin through the form; resolves when the shell is shown.
export async function signIn(page, shopUrl, email = kAdminEmail, password = kAdminPassword) {
  await page.goto(`${shopUrl}/admin`, { waitUntil: 'domcontentloaded' });
  await page.waitForSelector('[data-testid="login-form"]');
  await page.type('[data-testid="login-email"]', email);
  await page.type('[data-testid="login-password"]', password);
  await page.click('[data-testid="login-submit"]');
}

export async function signInAsAdmin(page, shopUrl) {
  await signIn(page, shopUrl);
  await page.waitForSelector('[data-testid="logout"]');
}

// Waits for a view's data-state to leave "loading"; fails on "error" with the message shown.
export async function waitReady(page, testid) {
  const handle = await page.waitForSelector(`[data-testid="${testid}"]:not([data-state="loading"])`);
  const state = await handle.evaluate((el) => el.dataset.state);
  if (state !== 'ready') {
    const text = await page.$eval('[data-testid="error"]', (el) => el.textContent).catch(() => '(no message)');
    throw new Error(`${testid} ended in state ${state}: ${text}`);
  }
  return handle;
}

export const text = (page, selector) => page.$eval(selector, (el) => el.textContent.trim());
