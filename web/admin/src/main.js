// The admin dashboard: sign-in, then a shell with navigation and one view per hash route.
import { onSessionEnded } from './api.js';
import { clear, h } from './dom.js';
import { currentRoute } from './router.js';
import { logout, restore, session } from './session.js';
import { renderLogin } from './views/login.js';
import { renderOverview } from './views/overview.js';
import { renderOrders } from './views/orders.js';
import { renderOrder } from './views/order.js';
import { renderProducts } from './views/products.js';
import { renderProductEditor } from './views/product_editor.js';

const root = document.getElementById('app');
let shell = null; // {main, nav, links} while signed in
let cleanups = [];

const kNav = [
  { path: '/', label: 'Overview', match: (s) => s.length === 0 || s[0] === 'overview' },
  { path: '/orders', label: 'Orders', match: (s) => s[0] === 'orders' },
  { path: '/products', label: 'Products', match: (s) => s[0] === 'products' },
];

function pickView(segments) {
  const [area, id] = segments;
  if (segments.length === 0 || (area === 'overview' && !id)) return [renderOverview, 'Overview'];
  if (area === 'orders' && segments.length === 1) return [renderOrders, 'Orders'];
  if (area === 'orders' && segments.length === 2) return [renderOrder, 'Order'];
  if (area === 'products' && segments.length === 1) return [renderProducts, 'Products'];
  if (area === 'products' && segments.length === 2) return [renderProductEditor, 'Product'];
  return [renderNotFound, 'Not found'];
}

function renderNotFound(view) {
  view.append(h('h1', {}, 'Page not found'),
    h('p', {}, 'There is nothing at this address. ', h('a', { href: '#/' }, 'Back to the overview')));
}

function runCleanups() {
  for (const fn of cleanups) {
    try {
      fn();
    } catch {
      // a view's cleanup must not block the next view
    }
  }
  cleanups = [];
}

function showLogin(notice) {
  runCleanups();
  shell = null;
  document.title = 'Sign in · shopd admin';
  renderLogin(root, { notice, onSignedIn: showShell });
}

function setNavOpen(open) {
  shell.toggle.setAttribute('aria-expanded', String(open));
  shell.nav.classList.toggle('open', open);
}

function showShell() {
  const toggle = h('button', {
    type: 'button', class: 'nav-toggle', 'aria-expanded': 'false', 'aria-controls': 'nav',
    testid: 'nav-toggle', on: { click: () => setNavOpen(toggle.getAttribute('aria-expanded') !== 'true') },
  }, h('span', { class: 'burger', 'aria-hidden': 'true' }), h('span', { class: 'sr-only' }, 'Menu'));
  const links = kNav.map((item) => h('a', { href: `#${item.path}`, testid: `nav-${item.label.toLowerCase()}` }, item.label));
  const nav = h('nav', { id: 'nav', class: 'nav', 'aria-label': 'Main', testid: 'nav' },
    h('ul', {}, links.map((link) => h('li', {}, link))),
    h('p', { class: 'nav-links-out' }, h('a', { href: '/docs' }, 'API docs')));
  const main = h('main', { id: 'main', class: 'main', tabindex: '-1' });
  const signOut = h('button', {
    type: 'button', class: 'button ghost', testid: 'logout',
    on: { click: async () => { signOut.disabled = true; await logout(); showLogin('You are signed out.'); } },
  }, 'Sign out');
  clear(root,
    h('header', { class: 'topbar' }, toggle,
      h('a', { class: 'brand', href: '#/' }, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'shopd admin'),
      h('span', { class: 'who', testid: 'signed-in-as' }, session.user?.email ?? ''),
      signOut),
    h('div', { class: 'layout' }, nav, main));
  shell = { main, nav, links, toggle };
  renderRoute();
}

async function renderRoute() {
  if (!shell) return;
  runCleanups();
  setNavOpen(false);
  const { segments, query } = currentRoute();
  kNav.forEach((item, i) => {
    if (item.match(segments)) shell.links[i].setAttribute('aria-current', 'page');
    else shell.links[i].removeAttribute('aria-current');
  });
  const [render, title] = pickView(segments);
  document.title = `${title} · shopd admin`;
  // Each view draws into a fresh element: whatever an earlier view still awaits lands in a
  // detached node and is never seen.
  const view = h('div', { class: 'view' });
  shell.main.replaceChildren(view);
  try {
    await render(view, { segments, query, onCleanup: (fn) => cleanups.push(fn) });
  } catch (error) {
    if (view.isConnected) view.append(h('p', { class: 'flash error', role: 'alert', testid: 'error' }, error.message));
  }
}

window.addEventListener('hashchange', renderRoute);
onSessionEnded(() => {
  if (shell) showLogin('Your session has ended. Sign in again.');
});

(async () => {
  try {
    if (await restore()) showShell();
    else showLogin();
  } catch (error) {
    showLogin(error.message);
  }
})();
