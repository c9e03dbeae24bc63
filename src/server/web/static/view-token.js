/** The token page: paste a token (kept in this browser only), see whose it is, forget it. */
import { token } from './api.js';
import { add, h } from './dom.js';
import { rerender } from './router.js';
import { forgetMe, whoAmI } from './session.js';
import { errorView } from './ui.js';

export async function render(outlet, ctx, onChange) {
  const state = h('p', { id: 'token-state', role: 'status' });
  const input = h('input', {
    id: 'token-input',
    type: 'password',
    autocomplete: 'off',
    spellcheck: 'false',
    placeholder: 'paste a token',
  });
  const form = h(
    'form',
    { id: 'token-form', class: 'token-form', 'aria-label': 'Token settings' },
    h('label', { for: 'token-input' }, 'API token'),
    input,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'submit', class: 'primary' }, 'Save token'),
      h('button', { type: 'button', id: 'token-clear', class: 'quiet' }, 'Forget'),
    ),
  );
  const show = async () => {
    if (!token.get()) {
      state.replaceChildren('No token saved in this browser yet.');
      return;
    }
    try {
      const me = await whoAmI();
      state.replaceChildren(`Token saved: ${me.name} (${me.role}).`);
    } catch (e) {
      state.replaceChildren(errorView(e));
    }
  };
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    if (!input.value.trim()) return;
    token.set(input.value);
    input.value = '';
    forgetMe();
    onChange();
    void show().then(() => {
      // Back to the page that asked for the token, drawn again now that there is one.
      const back = ctx.query.get('next');
      if (back) {
        history.replaceState(null, '', back);
        rerender();
      }
    });
  });
  form.querySelector('#token-clear').addEventListener('click', () => {
    token.clear();
    forgetMe();
    onChange();
    void show();
  });
  add(
    outlet,
    h('h1', { tabindex: '-1' }, 'API token'),
    ctx.query.get('next')
      ? h('p', { class: 'notice' }, 'The console needs a token to read runs, models and approvals.')
      : null,
    form,
    state,
    h(
      'div',
      { id: 'token-help', class: 'help' },
      h('p', {}, 'Create a token on the server machine and paste it above:'),
      h('pre', {}, 'pipewright token create --role approver --name me'),
      h(
        'p',
        {},
        'It is kept in this browser only (localStorage) and sent as ',
        h('code', {}, 'Authorization: Bearer …'),
        '. A viewer token reads everything; operator starts runs and rolls models back; approver also decides approvals.',
      ),
    ),
  );
  await show();
}
