// The API client: every call goes to the same origin. The access token lives in this module's
// memory only (never in storage); the refresh token is the httpOnly cookie the server set, sent
// only to /api/users. A 401 is retried once after a refresh; renewal also runs before expiry.

export class ApiError extends Error {
  constructor(status, body) {
    const text = body && typeof body === 'object' && typeof body.message === 'string' ? body.message : null;
    super(text || (status ? `Request failed (HTTP ${status})` : 'The server cannot be reached'));
    this.status = status;
    this.errors = Array.isArray(body?.errors) ? body.errors : [];
  }
}

let accessToken = null;
let refreshing = null; // the refresh in flight: refresh tokens rotate, so never two at once
let renewTimer = null;
let sessionEndedHandler = () => {};

export function onSessionEnded(handler) {
  sessionEndedHandler = handler;
}

export function setAccessToken(token) {
  accessToken = token || null;
  clearTimeout(renewTimer);
  renewTimer = null;
  const expiresAt = token ? tokenExpiry(token) : null;
  if (expiresAt) {
    // Renew a minute before expiry (at least 10 s from now); a failure ends the session.
    const delay = Math.max(10_000, expiresAt - Date.now() - 60_000);
    renewTimer = setTimeout(() => refreshSession().catch(() => endSession()), Math.min(delay, 2 ** 31 - 1));
  }
}

export const hasAccessToken = () => accessToken !== null;

function tokenExpiry(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const { exp } = JSON.parse(atob(payload));
    return Number.isFinite(exp) ? exp * 1000 : null;
  } catch {
    return null;
  }
}

function endSession() {
  setAccessToken(null);
  sessionEndedHandler();
}

async function readBody(response) {
  const type = response.headers.get('content-type') || '';
  if (response.status === 204 || response.status === 304) return null;
  const text = await response.text();
  if (!type.includes('json')) return text;
  try {
    return text ? JSON.parse(text) : null;
  } catch {
    return null;
  }
}

async function send(method, url, { headers = {}, body } = {}) {
  try {
    return await fetch(url, { method, headers: { Accept: 'application/json', ...headers }, body,
                              credentials: 'same-origin', cache: 'no-cache' });
  } catch {
    throw new ApiError(0, { message: 'The server cannot be reached. Check the connection and try again.' });
  }
}

// POST /api/users/refresh with the cookie; resolves to the new access token.
export function refreshSession() {
  if (!refreshing) {
    refreshing = (async () => {
      const response = await send('POST', '/api/users/refresh');
      const body = await readBody(response);
      if (!response.ok || typeof body?.accessToken !== 'string') {
        setAccessToken(null);
        throw new ApiError(response.status, body);
      }
      setAccessToken(body.accessToken);
      return body.accessToken;
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

export function withQuery(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

// request('GET', '/api/orders', {query, json, form, auth}) → {status, headers, body}; throws ApiError.
// form is a multipartBody() result.
export async function request(method, path, { query, json, form, auth = true } = {}) {
  const url = withQuery(path, query);
  const attempt = async () => {
    const headers = {};
    let body;
    if (json !== undefined) {
      headers['Content-Type'] = 'application/json';
      body = JSON.stringify(json);
    } else if (form !== undefined) {
      headers['Content-Type'] = form.contentType; // from multipartBody()
      body = form.body;
    }
    if (auth && accessToken) headers.Authorization = `Bearer ${accessToken}`;
    return send(method, url, { headers, body });
  };
  let response = await attempt();
  if (response.status === 401 && auth) {
    try {
      await refreshSession();
    } catch {
      endSession();
      throw new ApiError(401, { message: 'Your session has ended. Sign in again.' });
    }
    response = await attempt();
  }
  const body = await readBody(response);
  if (!response.ok) {
    if (response.status === 401 && auth) endSession();
    throw new ApiError(response.status, body);
  }
  return { status: response.status, headers: response.headers, body };
}

export const get = async (path, query) => (await request('GET', path, { query })).body;
