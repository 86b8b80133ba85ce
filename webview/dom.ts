/**
 * DOM building without HTML strings. Trace content is hostile model output: every string goes in
 * through textContent or an attribute value, never innerHTML, and no `href` is ever built from it.
 */
import { isCssVariableName } from '../src/protocol/messages';

export { formatDuration } from './duration';

type Child = Node | string | null | undefined | false;

export interface Props {
  className?: string;
  text?: string;
  attrs?: Record<string, string | number | boolean | undefined>;
  on?: Partial<{ [K in keyof HTMLElementEventMap]: (e: HTMLElementEventMap[K]) => void }>;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, props?: Props, children?: Child[]): HTMLElementTagNameMap[K];
export function el(tag: string, props?: Props, children?: Child[]): HTMLElement;
export function el(tag: string, props: Props = {}, children: Child[] = []): HTMLElement {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.text !== undefined) node.textContent = props.text;
  for (const [k, v] of Object.entries(props.attrs ?? {})) {
    if (v === undefined || v === false) continue;
    node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const [type, fn] of Object.entries(props.on ?? {})) node.addEventListener(type, fn as EventListener);
  for (const c of children) if (c !== null && c !== undefined && c !== false) node.append(c);
  return node;
}

/** A codicon glyph (font from dist/codicons). Names come from our code, never from traces. */
export function codicon(name: string, label?: string): HTMLElement {
  const i = el('span', { className: `codicon codicon-${name}` });
  if (label) { i.setAttribute('role', 'img'); i.setAttribute('aria-label', label); } else i.setAttribute('aria-hidden', 'true');
  return i;
}

/**
 * A labelled button of the trace editor's toolbar. A narrow toolbar hides the label and shows the
 * icon only (trace-editor.css, `.toolbar-button-label`): the button keeps the label as its name.
 */
export function toolbarButton(icon: string, label: string, props: Props & { className?: string }): HTMLButtonElement {
  return el('button', {
    ...props,
    className: ['button button-secondary toolbar-button', props.className].filter(Boolean).join(' '),
    attrs: { type: 'button', ...props.attrs, 'aria-label': label },
  }, [codicon(icon), el('span', { className: 'toolbar-button-label', text: label })]);
}

/**
 * A step with an error status that the host does not count as failing: the user declined or
 * interrupted it (src/core/detect/user-stop.ts).
 */
export const STOPPED_BY_USER = 'stopped by the user';
export const STOPPED_BY_USER_TIP = 'The user declined or interrupted this step: its error status is kept as recorded, but it is not a failure';

/** Whether a step shows as stopped by the user: an error status the host did not judge failing. */
export function isStoppedByUser(status: string, failed: boolean): boolean {
  return !failed && status === 'error';
}

/** The step list's status icon for a step the user stopped. */
export function stoppedByUserIcon(): HTMLElement {
  const icon = codicon('circle-slash', STOPPED_BY_USER);
  icon.title = STOPPED_BY_USER_TIP;
  return icon;
}

export const REDACTED_STEP = 'redacted: not checked';
export const REDACTED_STEP_TIP = 'Its output or call is a redaction placeholder: the detectors could not check it, whatever status the trace gives it';

/** The step list's status icon for a step whose output or call is a redaction placeholder. */
export function redactedIcon(): HTMLElement {
  const icon = codicon('eye-closed', REDACTED_STEP);
  icon.title = REDACTED_STEP_TIP;
  return icon;
}

export function clear(node: Element): void {
  node.replaceChildren();
}

/** `var(--x)` for a colour the host validated as a CSS variable name. */
export function cssVar(name: string): string {
  return isCssVariableName(name) ? `var(${name})` : 'var(--vscode-charts-red)';
}

export const KIND_ICONS: Record<string, string> = {
  agent: 'hubot', llm: 'sparkle', tool: 'tools', retrieval: 'search', message: 'comment', system: 'gear', other: 'circle-outline',
};
