/** The keyboard shortcut sheet (`?`), a modal <dialog>: Escape closes it natively. */
import { el } from './dom';

export const SHORTCUTS: [string, string][] = [
  ['j / ↓', 'Next step'],
  ['k / ↑', 'Previous step'],
  ['n', 'Next failure (an error, a finding, a tag or an imported label)'],
  ['p', 'Previous failure'],
  ['] / [', 'Next / previous step like this one: the same tool\'s next call, the same model\'s next reply'],
  ['Home / End', 'First / last step'],
  ['f', 'Follow a growing trace file: keep its newest step selected (scrolling up stops; End resumes)'],
  ['← / →', 'Collapse / expand (← on a leaf goes to the parent)'],
  ['Enter', 'Focus the step details'],
  ['/', 'Search step content (as you type; "k of n" counts the matches)'],
  ['Enter / Shift+Enter', 'In search: next / previous match'],
  ['t', 'Tag the selected step with a failure category'],
  ['c', 'Confirm the step\'s first unreviewed finding'],
  ['x', 'Reject the step\'s first unreviewed finding (a false alarm)'],
  ['r', 'Mark the step reviewed, fine (again to unmark)'],
  ['e', 'Correct the step\'s model output'],
  ['Ctrl+Enter', 'In the correction editor: save'],
  ['+ / − / 0', 'In the timeline: zoom in / out / reset'],
  ['Ctrl+wheel, drag', 'In the timeline: zoom, pan'],
  ['← / →', 'On the step column\'s edge (Tab to it): narrower / wider; Shift for bigger steps, Enter for automatic'],
  ['?', 'Show this sheet'],
  ['Escape', 'Close this sheet or a dialog; leave search'],
];

export function createShortcutSheet(): HTMLDialogElement {
  const rows = SHORTCUTS.map(([k, v]) => el('tr', {}, [el('th', { attrs: { scope: 'row' } }, k.split(' / ').flatMap((key, i) => [i ? ' / ' : '', el('kbd', { text: key })])), el('td', { text: v })]));
  const close = el('vscode-button', { text: 'Close', attrs: { secondary: true } });
  const dialog = el('dialog', { className: 'shortcut-sheet', attrs: { 'aria-labelledby': 'shortcut-title' } }, [
    el('h2', { text: 'Keyboard shortcuts', attrs: { id: 'shortcut-title' } }),
    el('table', {}, [el('tbody', {}, rows)]),
    el('div', { className: 'dialog-actions' }, [close]),
  ]);
  close.addEventListener('click', () => dialog.close());
  return dialog;
}
