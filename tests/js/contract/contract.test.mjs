// Contract tests from docs/openapi.json, in the manner of Schemathesis: for every operation of
// the document, requests generated from its parameter and body schemas (valid ones, and invalid
// ones the schemas refuse) are sent to a real shopd without credentials, as a customer and as an
// admin, and every answer is checked against the document: no 5xx, a documented status, a
// documented Content-Type, a JSON body that validates against the documented schema, the
// documented required headers, and no 2xx for a request the document says is invalid.
//
//   node --test tests/js/contract/
//
// Environment: CONTRACT_EXAMPLES (requests per operation, 20), CONTRACT_SEED (20261202),
// CONTRACT_OPERATIONS (a regular expression on operationIds: only those), CONTRACT_SPEC_FILE
// (check this file instead of the server's /openapi.json), CONTRACT_ALLOW_MISSING=1 (skip
// operations the server does not route yet, instead of failing), CONTRACT_DEBUG=1 (print every
// request and answer), SHOPD_BIN (build/shopd).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';

import { startShopd, repoRoot } from '../support/shopd.mjs';
import { SchemaArbitraries, flatten, fromText } from './arbitraries.mjs';
import { closeConnections, curlFor, multipart, png, send } from './http.mjs';
import {
  coerceHeader, deref, escapePointer, isJsonType, listOperations, makeValidator, matchMediaType,
  resolvePointer,
} from './openapi.mjs';

const env = process.env;
const EXAMPLES = Number.parseInt(env.CONTRACT_EXAMPLES ?? '20', 10);
const SEED = Number.parseInt(env.CONTRACT_SEED ?? '20261202', 10);
const ONLY = env.CONTRACT_OPERATIONS ? new RegExp(env.CONTRACT_OPERATIONS) : null;
const ALLOW_MISSING = env.CONTRACT_ALLOW_MISSING === '1';
const NEGATIVE_SHARE = 0.35; // of the examples, those made invalid on purpose

const JSON_T = 'application/json';
const FORM_T = 'application/x-www-form-urlencoded';
const MULTI_T = 'multipart/form-data';

// ---------- the run's state ----------
let shop;
let doc;
let validator;
let specSource = '';
const accounts = {}; // customer, other, admin, cookieUser: {email, password, token, id}
let refreshCookie = null; // the cookie user's current refresh token
const pools = {
  products: [], // seeded products (PUT, PATCH, reads, carts)
  fixture: null, // a product with plenty of stock for checkouts; never edited or deleted
  created: [], // products created by the run (deleted first)
  orders: [], // orders of the customer and of the admin
  otherOrders: [], // orders of another customer
  media: [],
  docsFiles: [],
  adminFiles: [],
  categories: [],
  words: [],
  etags: [],
  dates: [],
};
const failures = [];
const stats = new Map(); // operationId → {statuses: Map, requests, skipped}
let requests = 0;
let setupRequests = 0;
const started = Date.now();

const FILES = {
  png: png(8, 6),
  wide: png(300, 120, [20, 90, 200]),
  empty: Buffer.alloc(0),
  text: Buffer.from('this is not a picture\n'),
  truncated: png(16, 16).subarray(0, 40),
};
const fileArbitrary = () => fc.constantFrom('png', 'png', 'png', 'wide', 'empty', 'text', 'truncated')
  .map((k) => FILES[k]);

// ---------- HTTP helpers ----------
// A request of the test's own (setup), not one of the examples.
async function call(method, path, { token, body, json, headers = {} } = {}) {
  const h = { ...headers };
  if (token) h.Authorization = `Bearer ${token}`;
  let payload = body;
  if (json !== undefined) {
    h['Content-Type'] = JSON_T;
    payload = JSON.stringify(json);
  }
  setupRequests++;
  const res = await send(shop.url, { method, path, headers: h, body: payload });
  try {
    res.json = res.text ? JSON.parse(res.text) : null;
  } catch {
    res.json = null;
  }
  return res;
}

function cookieFrom(res) {
  const set = [res.headers['set-cookie'] ?? []].flat().find((c) => c.startsWith('refreshToken='));
  if (!set) return undefined;
  const value = set.slice('refreshToken='.length).split(';')[0];
  return value || null;
}

async function register(name, email, password) {
  const res = await call('POST', '/api/users/register', { json: { name, email, password } });
  if (res.status !== 201) throw new Error(`register ${email}: ${res.status} ${res.text}`);
  return { email, password, token: res.json.accessToken, id: res.json.id, cookie: cookieFrom(res) };
}

async function login(email, password) {
  const res = await call('POST', '/api/users/login', { json: { email, password } });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${res.text}`);
  return { email, password, token: res.json.accessToken, id: res.json.id, cookie: cookieFrom(res) };
}

async function placeOrderFor(account, productId = pools.fixture, quantity = 1) {
  await call('POST', '/api/cart/add', { token: account.token, json: { productId, quantity } });
  const res = await call('POST', '/api/orders', { token: account.token, json: {} });
  if (res.status !== 201) throw new Error(`placing an order: ${res.status} ${res.text}`);
  return res.json.order._id;
}

// The HTML's references to files under prefix ("/docs/x.js", "x.js", "./x.js").
function assetsOf(html, prefix) {
  const names = new Set();
  for (const m of html.matchAll(/(?:src|href)\s*=\s*["']([^"']+)["']/g)) {
    let ref = m[1].split(/[?#]/)[0];
    if (/^[a-z]+:/i.test(ref)) continue;
    if (ref.startsWith(`${prefix}/`)) ref = ref.slice(prefix.length + 1);
    else if (ref.startsWith('./')) ref = ref.slice(2);
    else if (ref.startsWith('/')) continue;
    if (/^[A-Za-z0-9._-]+$/.test(ref)) names.add(ref);
  }
  return [...names];
}

// ---------- setup ----------
async function setUp() {
  shop = await startShopd({ env: { RATE_LIMIT_MAX: '0', AUTH_RATE_LIMIT_MAX: '0' } });
  shop.run(['seed-demo', '--products', '20']);
  accounts.admin = { email: 'admin@contract.test', password: 'admin-pass-123' };
  shop.run(['create-admin', '--email', accounts.admin.email, '--password', accounts.admin.password]);
  Object.assign(accounts.admin, await login(accounts.admin.email, accounts.admin.password));
  accounts.customer = await register('Contract Customer', 'customer@contract.test', 'customer-pass-1');
  accounts.other = await register('Other Customer', 'other@contract.test', 'other-pass-123');
  accounts.cookieUser = await register('Cookie User', 'cookie@contract.test', 'cookie-pass-123');
  refreshCookie = accounts.cookieUser.cookie;

  const fixture = await call('POST', '/api/products', {
    token: accounts.admin.token,
    json: { name: 'Contract fixture', description: 'Stock for checkouts.', price: 1.5, category: 'Contract', stock: 1000000 },
  });
  if (fixture.status !== 201) throw new Error(`fixture product: ${fixture.status} ${fixture.text}`);
  pools.fixture = fixture.json.product._id;

  const list = await call('GET', '/api/products?limit=100');
  for (const p of list.json.products) {
    if (p._id === pools.fixture) continue;
    pools.products.push(p._id);
    for (const url of [p.image, p.images?.list].filter(Boolean)) {
      const file = url.split('/').pop();
      if (!pools.media.includes(file)) pools.media.push(file);
    }
    pools.words.push(p.name.split(' ')[1] ?? p.name);
  }
  pools.categories = (await call('GET', '/api/products/categories')).json.map((c) => c.category);

  // A cart with a line, and orders of two customers (the other's are 404 to the first).
  for (let i = 0; i < 4; i++) pools.orders.push(await placeOrderFor(accounts.customer));
  for (let i = 0; i < 2; i++) pools.otherOrders.push(await placeOrderFor(accounts.other));
  pools.orders.push(await placeOrderFor(accounts.admin));
  await call('POST', '/api/cart/add', { token: accounts.customer.token, json: { productId: pools.products[0], quantity: 1 } });

  const today = new Date();
  for (let d = 0; d < 60; d += 3) pools.dates.push(new Date(today - d * 86400000).toISOString().slice(0, 10));

  for (const [prefix, pool] of [['/docs', pools.docsFiles], ['/admin', pools.adminFiles]]) {
    const page = await call('GET', prefix);
    if (page.status === 200) pool.push(...assetsOf(page.text, prefix));
  }

  // The document: the server's own, unless a file is named.
  if (env.CONTRACT_SPEC_FILE) {
    doc = JSON.parse(readFileSync(env.CONTRACT_SPEC_FILE, 'utf8'));
    specSource = env.CONTRACT_SPEC_FILE;
  } else {
    const served = await call('GET', '/openapi.json');
    if (served.status === 200) {
      doc = served.json;
      specSource = 'GET /openapi.json';
      const onDisk = readFileSync(join(repoRoot, 'docs', 'openapi.json'), 'utf8');
      if (JSON.stringify(JSON.parse(onDisk)) !== JSON.stringify(doc)) {
        specSource += ', which differs from docs/openapi.json: rebuild shopd, or set CONTRACT_SPEC_FILE=docs/openapi.json';
      }
    } else if (ALLOW_MISSING) {
      const file = join(repoRoot, 'docs', 'openapi.json');
      doc = JSON.parse(readFileSync(file, 'utf8'));
      specSource = `docs/openapi.json (GET /openapi.json answered ${served.status})`;
    } else {
      throw new Error(`GET /openapi.json answered ${served.status}; set CONTRACT_SPEC_FILE or CONTRACT_ALLOW_MISSING=1`);
    }
  }
  validator = makeValidator(doc);
}

async function tearDown() {
  closeConnections();
  if (shop) await shop.stop();
}

// ---------- generation ----------
function callersFor(op) {
  const schemes = op.security.flatMap((s) => Object.keys(s));
  if (schemes.includes('refreshCookie')) return ['cookie', 'cookie', 'cookie', 'cookie', 'none', 'bogusCookie'];
  const bearer = op.security.find((s) => s.bearerAuth);
  if (!bearer) return ['anonymous', 'anonymous', 'customer', 'admin'];
  if (bearer.bearerAuth.includes('admin')) return ['admin', 'admin', 'admin', 'admin', 'customer', 'customer', 'anonymous', 'bogus'];
  return ['customer', 'customer', 'customer', 'customer', 'admin', 'admin', 'anonymous', 'bogus'];
}

// A value of a pool as it is when the example is drawn (pools grow and shrink during the run);
// an id that names nothing once the pool is empty.
const NO_SUCH_ID = '000000000000000000000000';
const lazyPool = (get, fallback = NO_SUCH_ID) => fc.nat({ max: 1 << 20 }).map((i) => {
  const pool = get();
  return pool.length ? pool[i % pool.length] : fallback;
});

// Real values for names the generator would only guess (ids of seeded documents, files).
function hintsFor(op) {
  return (name, schema, where) => {
    const pool = (get) => (get().length ? lazyPool(get) : null);
    if (where === 'path' && name === 'id') {
      if (op.path.startsWith('/api/products')) {
        return op.method === 'DELETE' ? pool(() => (pools.created.length ? pools.created : pools.products)) : pool(() => pools.products);
      }
      if (op.path.startsWith('/api/orders')) return pool(() => [...pools.orders, ...pools.otherOrders]);
    }
    if (name === 'productId') return pool(() => [...pools.products, pools.fixture]);
    if (where === 'body' && name === 'quantity') return fc.integer({ min: schema.minimum ?? 1, max: 3 });
    if (where === 'path' && name === 'file') {
      if (op.path.startsWith('/media')) return pool(() => pools.media);
      if (op.path.startsWith('/docs')) return pool(() => pools.docsFiles);
      if (op.path.startsWith('/admin')) return pool(() => pools.adminFiles);
    }
    if (where === 'query') {
      if (name === 'category') return pool(() => pools.categories);
      if (name === 'search') return pool(() => pools.words);
      if (name === 'from' || name === 'to') return pool(() => pools.dates);
      if (name === 'tz') return fc.constantFrom('UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham');
    }
    if (where === 'header') {
      if (name === 'If-None-Match') return fc.oneof(fc.constant('*'), pool(() => pools.etags) ?? fc.constant('*'));
      if (name === 'Idempotency-Key') return fc.constantFrom('contract-key-1', 'contract-key-2');
    }
    if (where === 'body' && op.id === 'loginUser') {
      const known = [accounts.customer, accounts.admin];
      if (name === 'email') return fc.constantFrom(...known.map((a) => a.email));
      if (name === 'password') return fc.constantFrom(...known.map((a) => a.password));
    }
    // From placed, the moves that can succeed (and one that cannot).
    if (where === 'body' && op.id === 'setOrderStatus' && name === 'status') return fc.constantFrom('paid', 'cancelled', 'shipped');
    return null;
  };
}

// Whole bodies that reach the 2xx path (a login needs an email and its password together).
function knownBodies(op) {
  if (op.id === 'loginUser') {
    return fc.constantFrom(...[accounts.customer, accounts.admin].map(({ email, password }) => ({ email, password })));
  }
  if (op.id === 'registerUser') {
    return fc.constant({ name: 'Second Account', email: accounts.customer.email, password: 'another-pass-1' });
  }
  if (op.id === 'updateProfile') return fc.record({ name: fc.constantFrom('Renamed Customer', 'Ada King') });
  return null;
}

function caseArbitrary(op) {
  const gen = new SchemaArbitraries(doc, { hint: hintsFor(op), file: fileArbitrary });
  const params = {};
  for (const p of op.parameters) {
    const arb = gen.valid(p.schema, { name: p.name, where: p.in });
    params[`${p.in}:${p.name}`] = p.required ? arb : fc.option(arb, { freq: 2, nil: undefined });
  }
  const rb = op.operation.requestBody ? deref(doc, op.operation.requestBody) : null;
  let body = fc.constant(null);
  if (rb) {
    const choices = Object.entries(rb.content).map(([type, media]) => {
      const generated = gen.valid(media.schema, { where: 'body' });
      const known = type !== MULTI_T ? knownBodies(op) : null;
      return fc.record({
        type: fc.constant(type),
        value: known ? fc.oneof({ weight: 3, arbitrary: generated }, { weight: 1, arbitrary: known }) : generated,
      });
    });
    body = fc.oneof(...choices);
    if (!rb.required) body = fc.option(body, { freq: 4, nil: null });
  }
  return fc.record({
    caller: fc.noBias(fc.constantFrom(...callersFor(op))),
    negative: fc.noBias(fc.integer({ min: 0, max: 99 })).map((n) => n < NEGATIVE_SHARE * 100),
    params: fc.record(params),
    body,
  });
}

// The ways to make this request invalid according to the document.
function mutationsFor(op, c) {
  const out = [];
  const isInvalid = (schema, value) => validator.validateValue(schema, value) !== null;
  for (const p of op.parameters) {
    const key = `${p.in}:${p.name}`;
    const candidates = new SchemaArbitraries(doc).invalidValues(p.schema, 'text');
    // A path segment that names no document, or another path altogether once resolved.
    if (p.in === 'path') candidates.push({ value: '..', why: 'a dot segment' }, { value: 'x'.repeat(300), why: 'a long segment' });
    for (const { value, why } of candidates) {
      const text = String(value);
      if (p.in === 'path' && text === '') continue; // an empty segment is another route
      if (!isInvalid(p.schema, fromText(text, p.schema, doc))) continue;
      out.push({ why: `${p.in} ${p.name}: ${why}`, apply: (x) => { x.params[key] = text; } });
    }
  }
  const rb = op.operation.requestBody ? deref(doc, op.operation.requestBody) : null;
  if (!rb) return out;
  if (rb.required) out.push({ why: 'no body', apply: (x) => { x.body = null; } });
  out.push({ why: 'Content-Type text/plain', apply: (x) => { x.body = { type: 'text/plain', value: 'hello' }; } });
  if (rb.content[JSON_T]) out.push({ why: 'malformed JSON', apply: (x) => { x.body = { type: JSON_T, raw: '{"name": ' }; } });
  if (!c.body) return out;
  const { type } = c.body;
  const schema = flatten(doc, rb.content[type].schema);
  const wire = type === JSON_T ? 'json' : 'text';
  const visit = (s, path, depth) => {
    for (const name of s.required ?? []) {
      out.push({ why: `body ${[...path, name].join('.')}: missing`, apply: (x) => { delete dig(x.body.value, path)[name]; } });
    }
    for (const [name, propSchema] of Object.entries(s.properties ?? {})) {
      const ps = flatten(doc, propSchema);
      if (ps.format === 'binary') continue;
      for (const { value, why } of new SchemaArbitraries(doc).invalidValues(propSchema, wire)) {
        const sent = wire === 'json' ? value : String(value);
        const seen = wire === 'json' ? sent : fromText(sent, propSchema, doc);
        if (!isInvalid(propSchema, seen)) continue;
        out.push({ why: `body ${[...path, name].join('.')}: ${why}`, apply: (x) => { dig(x.body.value, path)[name] = sent; } });
      }
      // One level into nested objects that the example has (a shipping address).
      const nested = [ps, ...(ps.oneOf ?? ps.anyOf ?? []).map((b) => flatten(doc, b))].find((b) => b.properties);
      if (depth === 0 && nested && wire === 'json' && dig(c.body.value, [...path, name]) !== undefined &&
          typeof dig(c.body.value, [...path, name]) === 'object' && dig(c.body.value, [...path, name]) !== null) {
        visit(nested, [...path, name], depth + 1);
      }
    }
    if (s.additionalProperties === false && path.length === 0) {
      out.push({ why: 'body: an undocumented member', apply: (x) => { x.body.value.unexpected = 'x'; } });
    }
  };
  if (c.body.value && typeof c.body.value === 'object') visit(schema, [], 0);
  return out;
}

function dig(obj, path) {
  let node = obj;
  for (const k of path) node = node?.[k];
  return node;
}

// A generated case → the request to send.
function buildRequest(op, c) {
  let path = op.path;
  const query = new URLSearchParams();
  const headers = {};
  for (const p of op.parameters) {
    const v = c.params[`${p.in}:${p.name}`];
    if (v === undefined) continue;
    if (p.in === 'path') path = path.replace(`{${p.name}}`, encodeURIComponent(String(v)));
    else if (p.in === 'query') query.append(p.name, String(v));
    else if (p.in === 'header') headers[p.name] = String(v);
  }
  const qs = query.toString();
  if (qs) path += `?${qs}`;
  const token = { customer: accounts.customer.token, admin: accounts.admin.token, bogus: 'not-a-token' }[c.caller];
  if (token) headers.Authorization = `Bearer ${token}`;
  if (c.caller === 'cookie' && refreshCookie) headers.Cookie = `refreshToken=${refreshCookie}`;
  if (c.caller === 'bogusCookie') headers.Cookie = `refreshToken=${'0'.repeat(64)}`;
  let body;
  if (c.body) {
    const { type, value, raw } = c.body;
    if (raw !== undefined || type === 'text/plain') {
      headers['Content-Type'] = type;
      body = raw ?? String(value);
    } else if (type === JSON_T) {
      headers['Content-Type'] = JSON_T;
      body = JSON.stringify(value);
    } else if (type === FORM_T) {
      headers['Content-Type'] = FORM_T;
      const form = new URLSearchParams();
      for (const [k, v] of Object.entries(value ?? {})) if (v !== undefined && v !== null) form.append(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
      body = form.toString();
    } else if (type === MULTI_T) {
      const fields = {};
      const files = {};
      for (const [k, v] of Object.entries(value ?? {})) {
        if (v === undefined || v === null) continue;
        if (Buffer.isBuffer(v)) files[k] = { data: v, filename: 'upload.png', type: 'image/png' };
        else fields[k] = typeof v === 'object' ? JSON.stringify(v) : String(v);
      }
      const m = multipart(fields, files);
      headers['Content-Type'] = m.contentType;
      body = m.body;
    }
  }
  return { method: op.method, path, headers, body };
}

// State an example needs to reach its 2xx path (a cart line to remove, a cart to check out).
async function prepare(op, c) {
  const account = { customer: accounts.customer, admin: accounts.admin }[c.caller];
  if (account && op.id === 'placeOrder') {
    await call('POST', '/api/cart/add', { token: account.token, json: { productId: pools.fixture, quantity: 1 } });
  }
  if (account && ['removeFromCart', 'removeFromCartById', 'updateCartItem'].includes(op.id)) {
    const id = c.params['path:productId'] ?? c.body?.value?.productId;
    if (typeof id === 'string' && (pools.products.includes(id) || id === pools.fixture)) {
      await call('POST', '/api/cart/add', { token: account.token, json: { productId: id, quantity: 1 } });
    }
  }
  if (c.caller === 'cookie' && !refreshCookie) {
    refreshCookie = (await login(accounts.cookieUser.email, accounts.cookieUser.password)).cookie;
  }
}

// What an answer teaches about the shop (new ids, rotated cookies); a created product must be
// readable at once, a deleted one gone at once.
async function learn(op, c, res) {
  if (c.caller === 'cookie') {
    const cookie = cookieFrom(res);
    if (cookie !== undefined) refreshCookie = cookie;
  }
  if (res.status === 201 && op.id === 'placeOrder' && res.json?.order?._id) pools.orders.push(res.json.order._id);
  if (res.status === 201 && op.id === 'createProduct' && res.json?.product?._id) {
    pools.created.push(res.json.product._id);
    await followUp(op, c, 'getProduct', `/api/products/${res.json.product._id}`, 200, 'a created product cannot be read');
  }
  if (res.status === 200 && op.id === 'deleteProduct') {
    const id = decodeURIComponent(c.request.path.split('/')[3].split('?')[0]);
    pools.created = pools.created.filter((x) => x !== id);
    pools.products = pools.products.filter((x) => x !== id);
    await followUp(op, c, 'getProduct', `/api/products/${encodeURIComponent(id)}`, 404, 'a deleted product can still be read');
  }
  const etag = res.headers.etag;
  if (etag && !pools.etags.includes(etag)) pools.etags = [etag, ...pools.etags].slice(0, 5);
}

async function followUp(op, c, readId, path, want, problem) {
  const read = listOperations(doc).find((o) => o.id === readId);
  const req = { method: 'GET', path, headers: {} };
  const res = await send(shop.url, req);
  setupRequests++;
  const problems = read ? check(read, { caller: 'anonymous' }, req, res) : [];
  if (res.status !== want) problems.push({ kind: 'stateful', detail: `${problem}: GET ${path} answered ${res.status} after ${op.id}` });
  record(read ?? op, c, req, res, problems, c.index ?? 0);
}

// ---------- checks ----------
function responseFor(op, status) {
  const responses = op.operation.responses ?? {};
  const key = [String(status), `${String(status)[0]}XX`, 'default'].find((k) => responses[k]);
  if (!key) return null;
  let node = responses[key];
  let pointer = `${op.pointer}/responses/${escapePointer(key)}`;
  while (node.$ref) {
    pointer = node.$ref;
    node = resolvePointer(doc, node.$ref);
  }
  return { key, node, pointer };
}

function check(op, c, req, res) {
  const found = [];
  const fail = (kind, detail) => found.push({ kind, detail });
  if (res.status >= 500) fail('server error', `status ${res.status}`);
  const documented = responseFor(op, res.status);
  if (!documented) {
    fail('undocumented status', `status ${res.status} is not among ${Object.keys(op.operation.responses).join(', ')}`);
  } else {
    const { node, pointer } = documented;
    const content = node.content ?? {};
    const type = res.headers['content-type'];
    const hasBody = res.body.length > 0 && req.method !== 'HEAD';
    if (!Object.keys(content).length) {
      if (hasBody) fail('undocumented body', `${res.status} has a body (${type}) but the document gives none`);
    } else if (!type) {
      fail('content type', `${res.status} has no Content-Type; the document says ${Object.keys(content).join(', ')}`);
    } else {
      const key = matchMediaType(type, Object.keys(content));
      if (!key) {
        fail('content type', `Content-Type ${type} is not among ${Object.keys(content).join(', ')}`);
      } else if (content[key].schema) {
        const schemaPointer = `${pointer}/content/${escapePointer(key)}/schema`;
        if (isJsonType(key)) {
          let data;
          try {
            data = JSON.parse(res.text);
          } catch (e) {
            fail('invalid JSON', e.message);
          }
          if (data !== undefined) {
            const errors = validator.validate(schemaPointer, data);
            if (errors) fail('schema', errors.slice(0, 8).join('\n'));
          }
        } else if (key.startsWith('text/')) {
          const errors = validator.validate(schemaPointer, res.text);
          if (errors) fail('schema', errors.slice(0, 8).join('\n'));
        }
      }
    }
    for (const [name, raw] of Object.entries(node.headers ?? {})) {
      if (name.toLowerCase() === 'content-type') continue;
      const h = deref(doc, raw);
      const value = res.headers[name.toLowerCase()];
      if (value === undefined) {
        if (h.required) fail('missing header', `${res.status} lacks the required header ${name}`);
        continue;
      }
      for (const v of [value].flat()) {
        const errors = h.schema ? validator.validateValue(h.schema, coerceHeader(v, deref(doc, h.schema))) : null;
        if (errors) fail('header value', `${name}: ${JSON.stringify(v)}: ${errors.join('; ')}`);
      }
    }
  }
  const ok = res.status >= 200 && res.status < 300;
  if (c.negative && c.mutation && ok) fail('invalid request accepted', `${c.mutation} was answered ${res.status}`);
  // The document's security must hold: no 2xx without the credentials it asks for.
  const bearer = op.security.find((x) => x.bearerAuth);
  const cookieOnly = op.security.length > 0 && op.security.every((x) => x.refreshCookie);
  if (ok && bearer && !op.security.some((x) => Object.keys(x).length === 0)) {
    if (c.caller === 'anonymous' || c.caller === 'bogus') fail('auth ignored', `answered ${res.status} to a caller ${c.caller === 'bogus' ? 'with an invalid token' : 'without a token'}`);
    if (c.caller === 'customer' && bearer.bearerAuth.includes('admin')) fail('auth ignored', `an admin operation answered ${res.status} to a customer`);
  }
  if (ok && cookieOnly && (c.caller === 'none' || c.caller === 'bogusCookie')) fail('auth ignored', `answered ${res.status} without a valid refresh cookie`);
  return found;
}

function redact(name, value) {
  if (name.toLowerCase() === 'authorization') {
    const who = Object.entries(accounts).find(([, a]) => value === `Bearer ${a.token}`)?.[0];
    return who ? `Bearer $${who.toUpperCase()}_TOKEN` : value;
  }
  if (name.toLowerCase() === 'cookie' && value.includes(refreshCookie ?? '\0')) return 'refreshToken=$REFRESH_TOKEN';
  return value;
}

function record(op, c, req, res, problems, index) {
  for (const p of problems) {
    failures.push({
      ...p,
      op: op.id,
      where: `${op.method} ${op.path}`,
      example: index,
      caller: c.caller,
      mutation: c.mutation ?? null,
      status: res?.status,
      request: `${req.method} ${req.path}`,
      body: req.body === undefined ? '' : (Buffer.isBuffer(req.body) ? `<${req.body.length} bytes>` : String(req.body).slice(0, 300)),
      response: res ? res.text.slice(0, 400) : '',
      curl: curlFor(shop.url, req, redact),
    });
  }
}

function stat(op) {
  let s = stats.get(op.id);
  if (!s) {
    s = { op, statuses: new Map(), requests: 0, skipped: null };
    stats.set(op.id, s);
  }
  return s;
}

function opSeed(opId) {
  let h = SEED >>> 0;
  for (const ch of opId) h = (Math.imul(h ^ ch.charCodeAt(0), 16777619) >>> 0);
  return h;
}

// Does the server route this operation? OPTIONS on the path lists its methods in Allow.
async function probe(op) {
  let path = op.path;
  for (const p of op.parameters.filter((x) => x.in === 'path')) {
    const sample = fc.sample(new SchemaArbitraries(doc, { hint: hintsFor(op) }).valid(p.schema, { name: p.name, where: 'path' }), { seed: 1, numRuns: 1 })[0];
    path = path.replace(`{${p.name}}`, encodeURIComponent(String(sample)));
  }
  const res = await call('OPTIONS', path);
  if (res.status === 404) return { routed: false, allow: [], path };
  const allow = String(res.headers.allow ?? '').split(',').map((m) => m.trim()).filter(Boolean);
  return { routed: allow.includes(op.method), allow, path };
}

async function runOperation(op) {
  const s = stat(op);
  const arb = caseArbitrary(op);
  const seed = opSeed(op.id);
  let negatives = 0; // invalid examples go round the ways to be invalid, so each gets its turn
  for (let i = 0; i < EXAMPLES; i++) {
    const c = fc.sample(arb, { seed: (seed + i) | 0, numRuns: 1 })[0];
    c.seed = (seed + i) | 0;
    c.index = i;
    if (c.negative) {
      const options = mutationsFor(op, c);
      if (options.length) {
        const m = options[(seed + negatives++) % options.length];
        m.apply(c);
        c.mutation = m.why;
      } else {
        c.negative = false;
      }
    }
    await prepare(op, c);
    const req = buildRequest(op, c);
    c.request = req;
    let res;
    try {
      res = await send(shop.url, req);
    } catch (e) {
      record(op, c, req, null, [{ kind: 'transport', detail: e.message }], i);
      continue;
    }
    requests++;
    s.requests++;
    s.statuses.set(res.status, (s.statuses.get(res.status) ?? 0) + 1);
    try {
      res.json = res.text && isJsonType(res.headers['content-type']) ? JSON.parse(res.text) : null;
    } catch {
      res.json = null;
    }
    if (env.CONTRACT_DEBUG) {
      const sent = Buffer.isBuffer(req.body) ? `<${req.body.length} bytes>` : String(req.body ?? '').slice(0, 160);
      console.log(`${op.id} #${i} as ${c.caller}, ${c.mutation ?? 'valid'}: ${req.method} ${req.path} ${req.headers['Content-Type'] ?? ''} ${sent} -> ${res.status} ${res.text.slice(0, 160)}`);
    }
    record(op, c, req, res, check(op, c, req, res), i);
    await learn(op, c, res);
  }
}

function templateMatches(template, path) {
  const re = new RegExp(`^${template.split(/\{[^}]+\}/).map((x) => x.replace(/[.*+?^$()|[\]\\]/g, '\\$&')).join('[^/]+')}$`);
  return re.test(path.split('?')[0]);
}

function phaseOf(op) {
  if (op.method === 'DELETE' || op.id === 'logoutUser') return 3; // destroys what others use
  if (op.method === 'GET') return 2; // reads, after the writes made more to read
  return 1;
}

function summary() {
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  const all = [...stats.values()];
  const checked = all.filter((s) => !s.skipped);
  const skipped = all.filter((s) => s.skipped);
  const lines = [];
  lines.push(`contract: ${all.length} operations from ${specSource} (${checked.length} checked${
    skipped.length ? `, ${skipped.length} skipped: ${skipped.map((s) => `${s.op.id} (${s.skipped})`).join(', ')}` : ''}), ` +
    `${requests} requests (+${setupRequests} for setup) in ${seconds} s; seed ${SEED}, ${EXAMPLES} examples per operation`);
  for (const s of checked) {
    const statuses = [...s.statuses.entries()].sort((a, b) => a[0] - b[0]).map(([k, v]) => `${k}×${v}`).join(' ');
    const reached = [...s.statuses.keys()].some((k) => k >= 200 && k < 300 || k === 304);
    lines.push(`  ${s.op.id.padEnd(20)} ${`${s.op.method} ${s.op.path}`.padEnd(38)} ${statuses}${reached ? '' : '   (no 2xx reached)'}`);
  }
  const kinds = new Map();
  for (const f of failures) kinds.set(f.kind, (kinds.get(f.kind) ?? 0) + 1);
  lines.push(`failures: ${failures.length}${failures.length ? ` (${[...kinds].map(([k, v]) => `${k}: ${v}`).join(', ')})` : ''}`);
  return lines.join('\n');
}

function failureReport(max = 40) {
  const seen = new Map();
  for (const f of failures) {
    const key = `${f.kind}|${f.op}|${f.status}|${f.detail.split('\n')[0]}`;
    if (!seen.has(key)) seen.set(key, { ...f, count: 0 });
    seen.get(key).count++;
  }
  const unique = [...seen.values()];
  const lines = unique.slice(0, max).map((f) => [
    `- [${f.kind}] ${f.op} (${f.where}), example ${f.example}${f.count > 1 ? ` and ${f.count - 1} more like it` : ''}, as ${f.caller}${f.mutation ? `, invalid on purpose: ${f.mutation}` : ''}`,
    `  request: ${f.request}${f.body ? `  body: ${f.body}` : ''}`,
    `  status ${f.status}: ${f.response}`,
    `  ${f.detail.split('\n').join('\n  ')}`,
    `  reproduce: ${env.CONTRACT_SPEC_FILE ? `CONTRACT_SPEC_FILE=${env.CONTRACT_SPEC_FILE} ` : ''}CONTRACT_SEED=${SEED} CONTRACT_EXAMPLES=${f.example + 1} CONTRACT_OPERATIONS='^${f.op}$' node --test tests/js/contract/`,
    `  ${f.curl}`,
  ].join('\n'));
  if (unique.length > max) lines.push(`... and ${unique.length - max} more distinct failures`);
  return lines.join('\n');
}

// ---------- the tests ----------
async function checkEveryOperation() {
  const ops = listOperations(doc).filter((op) => !ONLY || ONLY.test(op.id));
  assert.ok(ops.length > 0, 'no operations selected');
  // Methods the server takes on each documented path must be those the document lists.
  const byPath = new Map(); // concrete path probed → the methods in its Allow
  for (const op of ops) {
    const p = await probe(op);
    const s = stat(op);
    if (!p.routed) {
      s.skipped = 'not routed';
      if (!ALLOW_MISSING) {
        failures.push({ kind: 'missing route', detail: `the server does not route it (OPTIONS: ${p.allow.length ? `Allow: ${p.allow.join(', ')}` : '404'})`, op: op.id, where: `${op.method} ${op.path}`, example: 0, caller: '-', status: null, request: `OPTIONS ${op.path}`, body: '', response: '', curl: '' });
      }
      continue;
    }
    byPath.set(p.path, p.allow);
  }
  if (!ONLY) {
    for (const [path, allow] of byPath) {
      // Every documented path that matches (/api/products/categories is also /api/products/{id}).
      const documented = listOperations(doc).filter((o) => templateMatches(o.path, path)).map((o) => o.method);
      const served = allow.filter((m) => m !== 'OPTIONS' && !(m === 'HEAD' && allow.includes('GET')));
      const extra = served.filter((m) => !documented.includes(m));
      if (extra.length) failures.push({ kind: 'undocumented method', detail: `the server also takes ${extra.join(', ')} on ${path}`, op: path, where: path, example: 0, caller: '-', status: null, request: `OPTIONS ${path}`, body: '', response: `Allow: ${allow.join(', ')}`, curl: '' });
    }
  }
  const runnable = ops.filter((op) => !stat(op).skipped).sort((a, b) => phaseOf(a) - phaseOf(b));
  for (const op of runnable) await runOperation(op);
  console.log(summary());
  if (failures.length) {
    console.log(failureReport());
    assert.fail(`${failures.length} contract failures (seed ${SEED}); see the report above`);
  }
}

// Checks that random examples reach only by luck: each sends a known request and checks the
// answer against the document like any other.
async function checkOne(opId, c, req) {
  const op = listOperations(doc).find((o) => o.id === opId);
  assert.ok(op, `no operation ${opId} in the document`);
  const res = await send(shop.url, req);
  requests++;
  try {
    res.json = res.text && isJsonType(res.headers['content-type']) ? JSON.parse(res.text) : null;
  } catch {
    res.json = null;
  }
  const problems = check(op, c, req, res);
  if (problems.length) {
    record(op, c, req, res, problems, 0);
    assert.fail(`${opId}: ${problems.map((p) => `[${p.kind}] ${p.detail}`).join('; ')}\n${curlFor(shop.url, req, redact)}`);
  }
  return res;
}

const bearer = (who) => ({ Authorization: `Bearer ${accounts[who].token}` });

describe('shopd against docs/openapi.json', () => {
  before(setUp, { timeout: 120000 });
  after(tearDown);

  test('every operation answers as the OpenAPI document says', { timeout: 240000 }, checkEveryOperation);

  test('a matching If-None-Match gets the documented 304', async () => {
    const id = pools.fixture;
    const first = await checkOne('getProduct', { caller: 'anonymous' }, { method: 'GET', path: `/api/products/${id}`, headers: {} });
    assert.equal(first.status, 200);
    const again = await checkOne('getProduct', { caller: 'anonymous' }, { method: 'GET', path: `/api/products/${id}`, headers: { 'If-None-Match': first.headers.etag } });
    assert.equal(again.status, 304);
    assert.equal(again.body.length, 0);
  });

  test('an Idempotency-Key replays the first answer, as documented', async () => {
    const key = `contract-replay-${SEED}`;
    await call('POST', '/api/cart/add', { token: accounts.customer.token, json: { productId: pools.fixture, quantity: 2 } });
    const req = { method: 'POST', path: '/api/orders', headers: { ...bearer('customer'), 'Content-Type': JSON_T, 'Idempotency-Key': key }, body: '{}' };
    const first = await checkOne('placeOrder', { caller: 'customer' }, req);
    assert.equal(first.status, 201);
    const replay = await checkOne('placeOrder', { caller: 'customer' }, req);
    assert.equal(replay.status, 201);
    assert.equal(replay.headers['idempotent-replayed'], 'true');
    assert.equal(replay.text, first.text);
    const other = await checkOne('placeOrder', { caller: 'customer' }, { ...req, body: '{"shippingAddress":null}' });
    assert.equal(other.status, 409);
  });

  test('an oversize body gets the documented 413', async () => {
    const big = JSON.stringify({ productId: pools.fixture, padding: 'x'.repeat(1100 * 1024) });
    const res = await checkOne('addToCart', { caller: 'customer' }, { method: 'POST', path: '/api/cart/add', headers: { ...bearer('customer'), 'Content-Type': JSON_T }, body: big });
    assert.equal(res.status, 413);
  });

  test('rate limits answer the documented 429 with Retry-After and RateLimit-*', async () => {
    const limited = await startShopd({ env: { RATE_LIMIT_MAX: '3', AUTH_RATE_LIMIT_MAX: '2' } });
    try {
      const ops = listOperations(doc);
      const run = async (opId, req) => {
        const op = ops.find((o) => o.id === opId);
        const res = await send(limited.url, req);
        requests++;
        const problems = check(op, { caller: 'anonymous' }, req, res);
        assert.deepEqual(problems, [], `${opId} ${res.status}: ${JSON.stringify(problems)}`);
        return res;
      };
      const statuses = [];
      for (let i = 0; i < 4; i++) statuses.push((await run('listCategories', { method: 'GET', path: '/api/products/categories', headers: {} })).status);
      assert.deepEqual(statuses, [200, 200, 200, 429]);
      // The login budget is its own (and the global one has its own window per address: a fresh server).
      const logins = await startShopd({ env: { RATE_LIMIT_MAX: '0', AUTH_RATE_LIMIT_MAX: '2' } });
      try {
        const body = JSON.stringify({ email: 'nobody@contract.test', password: 'wrong-password' });
        const seen = [];
        for (let i = 0; i < 3; i++) {
          const req = { method: 'POST', path: '/api/users/login', headers: { 'Content-Type': JSON_T }, body };
          const res = await send(logins.url, req);
          requests++;
          const problems = check(ops.find((o) => o.id === 'loginUser'), { caller: 'anonymous' }, req, res);
          assert.deepEqual(problems, [], `loginUser ${res.status}: ${JSON.stringify(problems)}`);
          seen.push(res.status);
        }
        assert.deepEqual(seen, [401, 401, 429]);
      } finally {
        await logins.stop();
      }
    } finally {
      await limited.stop();
    }
  });
});
