// Small DOM helpers. Everything is built with createElement and text nodes (never innerHTML),
// so names and messages from the server can never become markup.

// h('a', {href: '#/', class: 'x', testid: 'y', on: {click}}, 'text', child, [more])
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === 'class') el.className = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
    else if (key === 'testid') el.dataset.testid = value;
    else if (key === 'dataset') Object.assign(el.dataset, value);
    else if (key === 'on') for (const [name, fn] of Object.entries(value)) el.addEventListener(name, fn);
    else if (key === 'style') throw new Error('inline styles are refused by the CSP; use a class');
    else if (key in kProperties) el[key] = value;
    else el.setAttribute(key, value === true ? '' : String(value));
  }
  append(el, children);
  return el;
}

// Set as properties, so that they mean the element's current state, not its default.
const kProperties = { value: 1, checked: 1, disabled: 1, hidden: 1, selected: 1, textContent: 1 };

export function append(parent, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

export function clear(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

// A message line: kind 'ok' (role=status) or 'error' (role=alert).
export function message(kind, text) {
  return h('p', {
    class: ['flash', kind],
    role: kind === 'error' ? 'alert' : 'status',
    testid: kind === 'error' ? 'error' : 'message',
  }, text);
}

// A modal confirmation built on <dialog>; resolves true when confirmed.
export function confirmDialog(text, { confirmLabel = 'Delete', cancelLabel = 'Keep it' } = {}) {
  return new Promise((resolve) => {
    const ok = h('button', { type: 'button', class: 'button danger', testid: 'confirm-ok' }, confirmLabel);
    const cancel = h('button', { type: 'button', class: 'button', testid: 'confirm-cancel' }, cancelLabel);
    const dialog = h('dialog', { class: 'confirm', testid: 'confirm-dialog', 'aria-labelledby': 'confirm-text' },
      h('p', { id: 'confirm-text' }, text),
      h('div', { class: 'actions' }, cancel, ok));
    let answer = false;
    ok.addEventListener('click', () => { answer = true; dialog.close(); });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => { dialog.remove(); resolve(answer); });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}

// A status pill, e.g. "paid".
export function statusBadge(status, testid) {
  return h('span', { class: ['badge', `status-${status}`], testid }, status);
}

// A product picture or a neutral placeholder of the same size.
export function thumbnail(url, size = 40) {
  if (!url) return h('span', { class: 'thumb placeholder', 'aria-hidden': 'true' });
  return h('img', { class: 'thumb', src: url, alt: '', width: size, height: size, decoding: 'async' });
}
