// Hash routes: #/, #/orders?status=paid&page=2, #/orders/ID, #/products, #/products/new, #/products/ID.
// (The server has no files behind other /admin/ paths, so the route lives in the hash.)

export function currentRoute() {
  const raw = location.hash.replace(/^#\/?/, '');
  const [pathPart, queryPart = ''] = raw.split('?');
  const segments = pathPart.split('/').filter(Boolean).map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  });
  return { segments, query: new URLSearchParams(queryPart) };
}

export function href(path, query = {}) {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return `#${path}${text ? `?${text}` : ''}`;
}

export function navigate(path, query) {
  const target = href(path, query);
  if (location.hash === target) window.dispatchEvent(new HashChangeEvent('hashchange'));
  else location.hash = target;
}

// A message carried to the next view (e.g. "Product created" after the editor navigates away).
let flashText = null;
export function setFlash(text) {
  flashText = text;
}
export function takeFlash() {
  const text = flashText;
  flashText = null;
  return text;
}
