// Starts a real shopd for the JavaScript tests (contract/, browser/): the binary from SHOPD_BIN
// (default build/shopd), a fresh data folder, a free port on 127.0.0.1. Everything it starts is
// stopped by stop(), and by the process exit hook if a test forgets.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
export const shopdBin = resolve(process.env.SHOPD_BIN || join(repoRoot, 'build', 'shopd'));
// Signs the test servers' access tokens; only ever used on loopback.
export const jwtSecret = 'contract-and-browser-tests-secret-0123456789abcdef';

const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export function freePort() {
  return new Promise((ok, fail) => {
    const server = createServer();
    server.unref();
    server.on('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => ok(port));
    });
  });
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// {env, args}: extra environment variables (they win over the defaults) and extra arguments of
// `shopd serve`. Returns {url, port, dataDir, env, run(cliArgs), stop(), log()}.
export async function startShopd({ env = {}, args = [], startTimeoutMs = 15000 } = {}) {
  if (!existsSync(shopdBin)) throw new Error(`no shopd binary at ${shopdBin} (set SHOPD_BIN)`);
  const dataDir = mkdtempSync(join(tmpdir(), 'shopd-js-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const fullEnv = {
    PATH: process.env.PATH,
    HOME: process.env.HOME || dataDir,
    PORT: String(port),
    HOST: '127.0.0.1',
    DATABASE_URL: `sqlite://${join(dataDir, 'shopd.db')}`,
    MEDIA_DIR: join(dataDir, 'media'),
    PUBLIC_URL: url,
    CLIENT_URL: url,
    JWT_SECRET: jwtSecret,
    RATE_LIMIT_MAX: '0',
    AUTH_RATE_LIMIT_MAX: '0',
    LOG_LEVEL: 'warn',
    HOUSEKEEPING_INTERVAL: '0',
    ...env,
  };
  // A subcommand (migrate, create-admin, seed-demo, ...) on the same database and media folder.
  const run = (cliArgs) => {
    const r = spawnSync(shopdBin, cliArgs, { env: fullEnv, cwd: dataDir, encoding: 'utf8',
                                             timeout: 120000 });
    if (r.status !== 0) {
      throw new Error(`shopd ${cliArgs.join(' ')} exited ${r.status}: ${r.stderr}${r.stdout}`);
    }
    return r.stdout;
  };
  let output = '';
  const child = spawn(shopdBin, ['serve', ...args], { env: fullEnv, cwd: dataDir,
                                                      stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  let exited = null;
  const exitPromise = new Promise((r) => child.on('exit', (code, signal) => {
    exited = { code, signal };
    running.delete(child);
    r();
  }));
  const stop = async () => {
    if (!exited) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exitPromise;
      clearTimeout(timer);
    }
    rmSync(dataDir, { recursive: true, force: true });
  };
  const deadline = Date.now() + startTimeoutMs;
  for (;;) {
    if (exited) throw new Error(`shopd exited at start (${JSON.stringify(exited)}): ${output}`);
    try {
      const r = await fetch(`${url}/healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`shopd did not answer /healthz within ${startTimeoutMs} ms: ${output}`);
    }
    await sleep(50);
  }
  return { url, port, dataDir, env: fullEnv, run, stop, log: () => output };
}

// A small JSON client: api(url, method, path, {token, body, headers}) → {status, headers, body}.
export async function api(base, method, path, { token, body, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  let payload;
  if (body !== undefined) {
    h['Content-Type'] = 'application/json';
    payload = JSON.stringify(body);
  }
  const r = await fetch(base + path, { method, headers: h, body: payload });
  const text = await r.text();
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  return { status: r.status, headers: r.headers, body: json, text };
}

// Registers (or logs in) a customer and returns {token, user, email, password}.
export async function customer(base, name, email, password = 'customer-pass-1') {
  let r = await api(base, 'POST', '/api/users/register', { body: { name, email, password } });
  if (r.status === 409 || r.status === 400) {
    r = await api(base, 'POST', '/api/users/login', { body: { email, password } });
  }
  if (r.status !== 200 && r.status !== 201) {
    throw new Error(`cannot register ${email}: ${r.status} ${r.text}`);
  }
  return { token: r.body.accessToken, user: r.body, email, password };
}

// Creates an admin with the CLI on the server's database and logs in: {token, user, email, password}.
export async function admin(shop, email = 'admin@shop.test', password = 'admin-pass-123') {
  shop.run(['create-admin', '--email', email, '--password', password, '--name', 'Admin']);
  const r = await api(shop.url, 'POST', '/api/users/login', { body: { email, password } });
  if (r.status !== 200) throw new Error(`admin login failed: ${r.status} ${r.text}`);
  return { token: r.body.accessToken, user: r.body, email, password };
}
