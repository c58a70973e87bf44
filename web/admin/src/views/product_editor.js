// Create or edit a product (multipart POST /api/products, PUT /api/products/:id) with a picture.
// An edit sends only the fields that changed: the server writes only what it is sent, so an edit
// never overwrites a stock that checkouts changed meanwhile.
import { get, request } from '../api.js';
import { clear, confirmDialog, h, message } from '../dom.js';
import { multipartBody } from '../multipart.js';
import { href, navigate, setFlash, takeFlash } from '../router.js';

const kFields = [
  { name: 'name', label: 'Name', attrs: { type: 'text', required: true, maxlength: '200' } },
  { name: 'description', label: 'Description', tag: 'textarea', attrs: { rows: '5', maxlength: '10000' } },
  { name: 'price', label: 'Price (USD)', attrs: { type: 'text', inputmode: 'decimal', required: true,
    pattern: '\\d{1,8}([.]\\d{1,2})?', placeholder: '19.99' }, hint: 'Up to two decimals, e.g. 19.99.' },
  { name: 'category', label: 'Category', attrs: { type: 'text', required: true, maxlength: '100', list: 'category-list' } },
  { name: 'stock', label: 'Stock', attrs: { type: 'number', required: true, min: '0', max: '1000000', step: '1',
    inputmode: 'numeric' } },
];
const kImageTypes = 'image/jpeg,image/png,image/webp';

const asText = (value) => (value === null || value === undefined ? '' : String(value));

// What a field of the stored product shows: prices with their cents ("16.00"), the rest as is.
const shown = (product, name) => (name === 'price' && product?.price !== undefined && product?.price !== null
  ? Number(product.price).toFixed(2) : asText(product?.[name]).replace(/\r\n?/g, '\n'));

export async function renderProductEditor(view, { segments, onCleanup }) {
  const id = segments[1] === 'new' ? null : segments[1];
  const notice = h('div', { class: 'notice-area' });
  const flash = takeFlash();
  if (flash) notice.append(message('ok', flash));
  view.append(
    h('p', { class: 'crumbs' }, h('a', { href: href('/products'), testid: 'back-to-products' }, '← Products')),
    notice);

  let product = null;
  if (id) {
    try {
      product = await get(`/api/products/${encodeURIComponent(id)}`);
    } catch (error) {
      view.append(message('error', error.status === 404 ? 'This product does not exist.' : error.message));
      return;
    }
  }
  let categories = [];
  try {
    categories = await get('/api/products/categories');
  } catch {
    // the suggestions are a convenience only
  }

  const inputs = {};
  const errorsOut = {};
  const fieldRows = kFields.map((f) => {
    const inputId = `product-${f.name}`;
    const input = h(f.tag ?? 'input', { id: inputId, name: f.name, testid: inputId,
      'aria-describedby': `${inputId}-error${f.hint ? ` ${inputId}-hint` : ''}`, ...f.attrs });
    input.value = shown(product, f.name);
    inputs[f.name] = input;
    input.addEventListener('input', () => clearFieldError(f.name));
    errorsOut[f.name] = h('p', { id: `${inputId}-error`, class: 'field-error', testid: `field-error-${f.name}`, hidden: true });
    return h('div', { class: ['field', f.tag === 'textarea' ? 'wide' : null] },
      h('label', { for: inputId }, f.label),
      input,
      f.hint ? h('p', { id: `${inputId}-hint`, class: 'hint' }, f.hint) : null,
      errorsOut[f.name]);
  });

  // The picture: the stored one, or a preview of the chosen file (a blob: URL, revoked on change).
  let previewUrl = null;
  const revoke = () => {
    if (previewUrl) URL.revokeObjectURL(previewUrl);
    previewUrl = null;
  };
  onCleanup(revoke);
  const preview = h('img', { class: 'preview', alt: 'Product picture', testid: 'image-preview',
                             hidden: !product?.image, src: product?.image ?? undefined });
  const noPicture = h('p', { class: 'preview placeholder muted', hidden: Boolean(product?.image) }, 'No picture');
  const file = h('input', { type: 'file', id: 'product-image', name: 'image', accept: kImageTypes, testid: 'product-image',
                            'aria-describedby': 'product-image-error product-image-hint' });
  errorsOut.image = h('p', { id: 'product-image-error', class: 'field-error', testid: 'field-error-image', hidden: true });
  file.addEventListener('change', () => {
    clearFieldError('image');
    revoke();
    const chosen = file.files?.[0];
    if (chosen) {
      previewUrl = URL.createObjectURL(chosen);
      preview.src = previewUrl;
      preview.hidden = false;
      noPicture.hidden = true;
    } else if (product?.image) {
      preview.src = product.image;
    } else {
      preview.hidden = true;
      noPicture.hidden = false;
    }
  });

  const save = h('button', { type: 'submit', class: 'button primary', testid: 'save-product' },
    id ? 'Save changes' : 'Create product');
  const remove = id ? h('button', { type: 'button', class: 'button danger', testid: 'delete-product',
    on: { click: () => removeProduct() } }, 'Delete product') : null;

  const form = h('form', { class: 'editor', testid: 'product-form', novalidate: true },
    h('div', { class: 'editor-fields' }, fieldRows,
      h('datalist', { id: 'category-list' }, categories.map((c) => h('option', { value: c.category })))),
    h('div', { class: 'editor-picture' },
      h('div', { class: 'preview-box' }, preview, noPicture),
      h('div', { class: 'field' },
        h('label', { for: 'product-image' }, product?.image ? 'Replace the picture' : 'Picture'),
        file,
        h('p', { id: 'product-image-hint', class: 'hint' }, 'JPEG, PNG or WebP, up to 5 MB.'),
        errorsOut.image)),
    h('div', { class: 'form-actions' }, save, remove));

  view.append(h('h1', {}, id ? `Edit ${product.name}` : 'New product'), form);
  inputs.name.focus();

  function clearFieldError(name) {
    errorsOut[name].hidden = true;
    errorsOut[name].textContent = '';
    (name === 'image' ? file : inputs[name]).removeAttribute('aria-invalid');
  }

  function showFieldErrors(list) {
    for (const [name, out] of Object.entries(errorsOut)) {
      const found = list.filter((e) => e.field === name).map((e) => e.message);
      out.textContent = found.join('; ');
      out.hidden = found.length === 0;
      const target = name === 'image' ? file : inputs[name];
      if (found.length) target?.setAttribute('aria-invalid', 'true');
      else target?.removeAttribute('aria-invalid');
    }
  }

  // The browser's own checks, as field messages like the server's.
  function localErrors() {
    return Object.entries(inputs).filter(([, input]) => !input.checkValidity()).map(([field, input]) => ({
      field,
      message: input.validity.patternMismatch ? 'must be a number with at most two decimals' : input.validationMessage,
    }));
  }

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear(notice);
    const invalid = localErrors();
    showFieldErrors(invalid);
    if (invalid.length) {
      inputs[invalid[0].field].focus();
      return;
    }
    const fields = [];
    for (const f of kFields) {
      const value = f.name === 'description' ? inputs[f.name].value : inputs[f.name].value.trim();
      if (!product || value !== shown(product, f.name)) fields.push([f.name, value]);
    }
    const chosen = file.files?.[0];
    const body = multipartBody(fields, chosen ? { field: 'image', name: chosen.name, blob: chosen } : null);
    if (product && fields.length === 0 && !chosen) {
      notice.replaceChildren(message('ok', 'Nothing changed.'));
      return;
    }
    save.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      const { body: answer } = product
        ? await request('PUT', `/api/products/${encodeURIComponent(product._id)}`, { form: body })
        : await request('POST', '/api/products', { form: body });
      setFlash(answer?.message ?? 'Product saved');
      navigate(`/products/${encodeURIComponent(answer.product._id)}`);
    } catch (error) {
      showFieldErrors(error.errors);
      if (error.status === 415 || error.status === 413 || /image/i.test(error.message)) {
        showFieldErrors([...error.errors, { field: 'image', message: error.message }]);
      }
      notice.replaceChildren(message('error', error.message));
    } finally {
      save.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });

  async function removeProduct() {
    if (!await confirmDialog(`Delete “${product.name}”? It disappears from the catalog and from every cart.`)) return;
    try {
      const { body } = await request('DELETE', `/api/products/${encodeURIComponent(product._id)}`);
      setFlash(body?.message ?? 'Product deleted');
      navigate('/products');
    } catch (error) {
      notice.replaceChildren(message('error', error.message));
    }
  }
}
