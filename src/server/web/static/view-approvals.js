/** Approvals waiting across runs, each as a decision card with its evidence; live as runs reach or pass them. */
import { api, enc } from './api.js';
import { approvalCard } from './approval.js';
import { add, fill, h } from './dom.js';
import { subscribe } from './live.js';
import { whoAmI } from './session.js';
import { debounce, empty, errorView } from './ui.js';

export async function render(outlet) {
  const me = await whoAmI().catch(() => undefined);
  const box = h('div', { id: 'approvals', 'aria-live': 'polite' });
  add(outlet, h('h1', { tabindex: '-1' }, 'Approvals'), box);
  const load = async () => {
    try {
      const { approvals } = await api('GET', '/api/approvals?status=pending');
      // The run beside each approval: its plan name, and its evaluation when the approval carries no evidence.
      const details = await Promise.all(
        approvals.map((a) => api('GET', `/api/runs/${enc(a.runId)}`).catch(() => undefined)),
      );
      // Keep a card someone is typing a comment into.
      const typing = box.contains(document.activeElement) && document.activeElement?.tagName === 'TEXTAREA';
      if (typing) return;
      fill(
        box,
        approvals.length
          ? approvals.map((a, i) =>
              approvalCard(a, {
                run: details[i]?.run,
                steps: details[i]?.steps,
                me,
                onDecided: () => setTimeout(() => void load(), 300),
              }),
            )
          : empty(
              'Nothing waits for a decision.',
              'Runs that reach an approval step appear here (and in Slack, when it is set up), e.g. ',
              h('code', {}, 'pipewright run examples/penguins.yaml'),
              '.',
            ),
      );
    } catch (e) {
      fill(box, errorView(e));
    }
  };
  await load();
  const refresh = debounce(() => void load(), 300);
  return subscribe(
    (e) =>
      (e.type === 'step.waiting' || e.type === 'approval.decided' || e.type === 'run.waiting') && refresh(),
  );
}
