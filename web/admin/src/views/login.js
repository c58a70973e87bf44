// The sign-in screen. Non-administrators are signed out again and told why.
import { clear, h } from '../dom.js';
import { login } from '../session.js';

export function renderLogin(root, { notice, onSignedIn }) {
  const email = h('input', { id: 'login-email', name: 'email', type: 'email', autocomplete: 'username',
                             required: true, maxlength: '254', testid: 'login-email' });
  const password = h('input', { id: 'login-password', name: 'password', type: 'password',
                                autocomplete: 'current-password', required: true, maxlength: '128',
                                testid: 'login-password' });
  const submit = h('button', { type: 'submit', class: 'button primary', testid: 'login-submit' }, 'Sign in');
  const error = h('p', { class: 'flash error', role: 'alert', testid: 'login-error', hidden: true });
  const info = h('p', { class: 'flash info', role: 'status', testid: 'login-notice', hidden: !notice }, notice ?? '');

  const form = h('form', { class: 'login-card', testid: 'login-form', novalidate: true }, 
    h('h1', {}, h('span', { class: 'logo', 'aria-hidden': 'true' }), 'shopd admin'),
    h('p', { class: 'muted' }, 'Sign in with an administrator account.'),
    info,
    h('div', { class: 'field' }, h('label', { for: 'login-email' }, 'Email'), email),
    h('div', { class: 'field' }, h('label', { for: 'login-password' }, 'Password'), password),
    error,
    submit);

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    info.hidden = true;
    if (!email.value.trim() || !password.value) {
      error.textContent = 'Enter your email and password.';
      error.hidden = false;
      return;
    }
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      await login(email.value.trim(), password.value);
      onSignedIn();
    } catch (e) {
      error.textContent = e.message;
      error.hidden = false;
      password.value = '';
      password.focus();
    } finally {
      submit.disabled = false;
      form.removeAttribute('aria-busy');
    }
  });

  clear(root, h('main', { class: 'login' }, form));
  email.focus();
}
