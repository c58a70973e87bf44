// Swagger UI for shopd's own /openapi.json. Every request goes to this origin, with its cookies
// (the refresh cookie lives under /api/users); nothing is loaded from anywhere else.
// A successful login, register or refresh authorizes the bearer scheme with the token it returned,
// so "Try it out" on the protected routes works straight after (the token stays in this page's
// memory only: persistAuthorization is off).

/* global SwaggerUIBundle */

const kSchemeName = 'bearerAuth';
const kTokenRoutes = new Set(['/api/users/login', '/api/users/register', '/api/users/refresh']);

// Requests for another origin (a `servers` entry naming some other host) are sent here instead.
function toThisOrigin(url) {
  const target = new URL(url, window.location.href);
  if (target.origin === window.location.origin) return target.href;
  return `${window.location.origin}${target.pathname}${target.search}`;
}

function tokenOf(response) {
  let body = response.body ?? response.obj;
  if ((body === undefined || body === null || typeof body === 'string') && typeof response.text === 'string') {
    try {
      body = JSON.parse(response.text);
    } catch {
      return null;
    }
  }
  const token = body && typeof body === 'object' ? body.accessToken : null;
  return typeof token === 'string' && token.length > 0 ? token : null;
}

let ui = null;

function authorizeFrom(response) {
  try {
    if (!ui || !response.ok) return;
    const path = new URL(response.url, window.location.href).pathname.replace(/\/+$/, '');
    if (!kTokenRoutes.has(path)) return;
    const token = tokenOf(response);
    if (!token) return;
    if (!ui.preauthorizeApiKey(kSchemeName, token)) {
      // A document without the scheme: authorize it all the same, as an HTTP bearer scheme.
      ui.authActions.authorize({ [kSchemeName]: { name: kSchemeName, value: token,
                                                  schema: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } } });
    }
  } catch (error) {
    console.warn('could not authorize the returned token', error);
  }
}

function start() {
  const root = document.getElementById('swagger-ui');
  root.replaceChildren();
  ui = SwaggerUIBundle({
    url: '/openapi.json',
    domNode: root,
    presets: [SwaggerUIBundle.presets.apis],
    layout: 'BaseLayout',
    deepLinking: true,
    validatorUrl: null,
    persistAuthorization: false,
    displayRequestDuration: true,
    filter: true,
    tryItOutEnabled: false,
    withCredentials: false,
    requestInterceptor: (request) => {
      request.url = toThisOrigin(request.url);
      request.credentials = 'same-origin';
      return request;
    },
    responseInterceptor: (response) => {
      authorizeFrom(response);
      return response;
    },
  });
  window.ui = ui; // for the browser tests and the curious
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
