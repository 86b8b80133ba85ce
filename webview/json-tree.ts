/**
 * A collapsible JSON tree built from DOM nodes (<details>/<summary>), keys and values as text.
 * Large arrays and objects show the first entries and a count, so a 10 MB tool result cannot
 * freeze the pane.
 */
import { el } from './dom';
import { preview } from './json-preview';

const MAX_ENTRIES = 200;
const MAX_STRING = 5000;
/** The longest text `jsonInText` parses (1M characters: about 5 ms of JSON.parse). */
const JSON_IN_TEXT_MAX = 1_000_000;

export interface JsonTreeOptions {
  /** Where `value` is (a StepPath); each node's path extends it with its key or index. */
  path?: (string | number)[];
  /** Draws the value at `path` instead of the tree (a text that crossed shortened), or null for the usual node. */
  leaf?: (path: (string | number)[], value: unknown) => HTMLElement | null;
}

export function jsonTree(value: unknown, openDepth = 1, options: JsonTreeOptions = {}): HTMLElement {
  return el('div', { className: 'json-tree', attrs: { role: 'group' } }, [node(undefined, value, 0, openDepth, options.path ?? [], options.leaf)]);
}

function node(key: string | undefined, value: unknown, depth: number, openDepth: number, path: (string | number)[], leaf: JsonTreeOptions['leaf']): HTMLElement {
  const keyEl = key === undefined ? null : el('span', { className: 'json-key', text: `${key}: ` });
  const custom = leaf?.(path, value);
  if (custom) return el('div', { className: 'json-row' }, [keyEl, custom]);
  if (value !== null && typeof value === 'object') {
    const isArray = Array.isArray(value);
    const entries = isArray ? (value as unknown[]).map((v, i) => [String(i), v, i] as const) : Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, v, k] as const);
    const summaryText = isArray ? `Array(${entries.length})` : `{${entries.length} ${entries.length === 1 ? 'key' : 'keys'}}`;
    if (entries.length === 0) return el('div', { className: 'json-row' }, [keyEl, el('span', { className: 'json-punct', text: isArray ? '[]' : '{}' })]);
    const details = el('details', { className: 'json-node' }, [
      el('summary', {}, [keyEl, el('span', { className: 'json-punct', text: summaryText }), el('span', { className: 'json-preview', text: preview(value) })]),
    ]);
    if (depth < openDepth) details.open = true;
    // Children are built when first opened: deep payloads cost nothing until looked at.
    let built = false;
    const build = (): void => {
      if (built) return;
      built = true;
      const body = el('div', { className: 'json-children' });
      for (const [k, v, step] of entries.slice(0, MAX_ENTRIES)) body.append(node(k, v, depth + 1, openDepth, leaf ? [...path, step] : path, leaf));
      if (entries.length > MAX_ENTRIES) body.append(el('div', { className: 'json-more', text: `… ${entries.length - MAX_ENTRIES} more (see Raw JSON)` }));
      details.append(body);
    };
    if (details.open) build();
    details.addEventListener('toggle', build);
    return details;
  }
  return el('div', { className: 'json-row' }, [keyEl, scalar(value)]);
}

/**
 * A string leaf; `fullLength` when `v` is only the beginning of a longer string. A string of
 * several lines (a command's output, a page's text) shows as its lines, in a block, not as one
 * quoted line of "\n" escapes.
 */
export function jsonString(v: string, fullLength = v.length): HTMLElement {
  const shown = fullLength > MAX_STRING || fullLength > v.length ? `${v.slice(0, MAX_STRING)}… (${fullLength} chars)` : v;
  if (shown.includes('\n')) return el('span', { className: 'json-string json-lines', text: shown, attrs: { title: `a string of ${fullLength.toLocaleString('en-US')} characters, shown as its lines` } });
  return el('span', { className: 'json-string', text: JSON.stringify(shown) });
}

/**
 * The value a string holds when it is a JSON object or array (a tool that answers in JSON text,
 * a JSON-RPC reply), else undefined. Only texts that look like one are parsed.
 */
export function jsonInText(text: string): object | undefined {
  // A text of megabytes (a whole page fetched with Show more) stays text: parsing it at each redraw would be felt.
  if (text.length > JSON_IN_TEXT_MAX) return undefined;
  const t = text.trim();
  const open = t[0];
  const close = t[t.length - 1];
  if (!((open === '{' && close === '}') || (open === '[' && close === ']'))) return undefined;
  try {
    const v: unknown = JSON.parse(t);
    return v !== null && typeof v === 'object' ? v : undefined;
  } catch {
    return undefined;
  }
}

function scalar(v: unknown): HTMLElement {
  if (typeof v === 'string') return jsonString(v);
  if (typeof v === 'number') return el('span', { className: 'json-number', text: String(v) });
  if (typeof v === 'boolean') return el('span', { className: 'json-boolean', text: String(v) });
  if (v === null) return el('span', { className: 'json-null', text: 'null' });
  return el('span', { className: 'json-null', text: String(v) });
}
