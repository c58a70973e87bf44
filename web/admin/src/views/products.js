// Products: search, paging, and delete (GET /api/products?search=&page=&limit=).
import { request } from '../api.js';
import { confirmDialog, h, message, thumbnail } from '../dom.js';
import { integer, money } from '../format.js';
import { href, navigate, setFlash, takeFlash } from '../router.js';

const kLimit = 20;

const limitOf = (query) => Math.min(100, Math.max(1, Number.parseInt(query.get('limit') ?? '', 10) || kLimit));

export async function renderProducts(view, { query }) {
  const search = (query.get('search') ?? '').slice(0, 200);
  const page = Math.max(1, Number.parseInt(query.get('page') ?? '1', 10) || 1);
  const limit = limitOf(query);
  const keep = limit === kLimit ? undefined : limit; // carried in the links only when not the default
  const flash = takeFlash();

  const input = h('input', { type: 'search', id: 'product-search', name: 'search', testid: 'product-search',
                             maxlength: '200', value: search, placeholder: 'Name contains…' });
  const form = h('form', { class: 'search', role: 'search', testid: 'product-search-form' },
    h('label', { for: 'product-search', class: 'sr-only' }, 'Search products by name'),
    input,
    h('button', { type: 'submit', class: 'button', testid: 'product-search-submit' }, 'Search'));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    navigate('/products', { search: input.value.trim(), page: 1, limit: keep });
  });

  const notice = h('div', { class: 'notice-area' }, flash ? message('ok', flash) : null);
  const content = h('div', { class: 'list-body', testid: 'products', dataset: { state: 'loading' } },
    h('p', { class: 'muted' }, 'Loading…'));
  view.append(
    h('div', { class: 'view-head' }, h('h1', {}, 'Products'),
      h('div', { class: 'toolbar' }, form,
        h('a', { class: 'button primary', href: href('/products/new'), testid: 'new-product' }, 'New product'))),
    notice, content);

  let data;
  try {
    ({ body: data } = await request('GET', '/api/products', { query: { search, page, limit } }));
  } catch (error) {
    content.replaceChildren(message('error', error.message));
    content.dataset.state = 'error';
    return;
  }
  const products = data.products ?? [];
  const pages = Math.max(1, data.totalPages ?? 1);

  const rows = products.map((p) => {
    const edit = href(`/products/${encodeURIComponent(p._id)}`);
    const remove = h('button', { type: 'button', class: 'button danger small', testid: 'delete-product',
      'aria-label': `Delete ${p.name}`, on: { click: () => removeProduct(p) } }, 'Delete');
    return h('tr', { testid: 'product-row', dataset: { id: p._id } },
      h('td', { class: 'cell-thumb' }, thumbnail(p.images?.list ?? p.image)),
      h('td', { 'data-label': 'Name' }, h('a', { href: edit, testid: 'product-link' }, p.name)),
      h('td', { 'data-label': 'Category' }, p.category),
      h('td', { 'data-label': 'Price', class: 'num' }, money(p.price)),
      h('td', { 'data-label': 'Stock', class: ['num', p.stock === 0 ? 'warn' : null] }, integer(p.stock)),
      h('td', { class: 'row-actions' },
        h('a', { class: 'button small', href: edit, testid: 'edit-product', 'aria-label': `Edit ${p.name}` }, 'Edit'),
        remove));
  });

  async function removeProduct(product) {
    if (!await confirmDialog(`Delete “${product.name}”? It disappears from the catalog and from every cart.`)) return;
    try {
      const { body } = await request('DELETE', `/api/products/${encodeURIComponent(product._id)}`);
      setFlash(body?.message ?? 'Product deleted');
      navigate('/products', { search, page: products.length === 1 && page > 1 ? page - 1 : page, limit: keep });
    } catch (error) {
      notice.replaceChildren(message('error', error.message));
    }
  }

  const prev = h('button', { type: 'button', class: 'button', testid: 'page-prev', disabled: page <= 1,
    on: { click: () => navigate('/products', { search, page: page - 1, limit: keep }) } }, '← Previous');
  const next = h('button', { type: 'button', class: 'button', testid: 'page-next', disabled: page >= pages,
    on: { click: () => navigate('/products', { search, page: page + 1, limit: keep }) } }, 'Next →');

  content.replaceChildren(
    products.length === 0
      ? h('p', { class: 'muted', testid: 'products-empty' }, search ? `No product name contains “${search}”.` : 'No products yet.')
      : h('div', { class: 'table-wrap' }, h('table', { class: 'table', testid: 'products-table' },
        h('thead', {}, h('tr', {},
          h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Picture')),
          ['Name', 'Category', 'Price', 'Stock'].map((t) =>
            h('th', { scope: 'col', class: t === 'Price' || t === 'Stock' ? 'num' : null }, t)),
          h('th', { scope: 'col' }, h('span', { class: 'sr-only' }, 'Actions')))),
        h('tbody', {}, rows))),
    h('div', { class: 'pager' }, prev,
      h('span', { testid: 'page-info' }, `Page ${integer(page)} of ${integer(pages)} · ${integer(data.total ?? 0)} products`),
      next));
  content.dataset.state = 'ready';
}
