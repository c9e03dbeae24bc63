/** The page for a URL no view answers. */
import { add, h } from './dom.js';

export function notFound(outlet, path) {
  add(
    outlet,
    h('h1', { tabindex: '-1' }, 'Nothing here'),
    h(
      'p',
      {},
      `No page at "${path}". `,
      h('a', { href: '#/' }, 'Go to the overview'),
      ' or pick a page above.',
    ),
  );
}
