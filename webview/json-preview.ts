/**
 * A closed JSON node's one-line preview (json-tree.ts). Pure: unit-tested in plain Node.
 */

/** About how many characters a closed node's preview runs to. */
const PREVIEW_CHARS = 100;
const PREVIEW_STRING = 40;

/**
 * A closed object's or array's first entries on its summary line (`origin: "JFK", date:
 * "2024-05-20", …`), nested ones as {…} and […], so a list of records can be skimmed without
 * opening each one. Stops at about PREVIEW_CHARS characters; hidden while the node is open.
 */
export function preview(value: object): string {
  const isArray = Array.isArray(value);
  const parts: string[] = [];
  let length = 0;
  let more = false;
  for (const key in value) {
    if (length > PREVIEW_CHARS) { more = true; break; }
    const item = `${isArray ? '' : `${key}: `}${previewValue((value as Record<string, unknown>)[key])}`;
    parts.push(item);
    length += item.length + 2;
  }
  return `${isArray ? '[' : '{'}${parts.join(', ')}${more ? ', …' : ''}${isArray ? ']' : '}'}`;
}

function previewValue(v: unknown): string {
  if (typeof v === 'string') return JSON.stringify(v.length > PREVIEW_STRING ? `${v.slice(0, PREVIEW_STRING)}…` : v);
  if (Array.isArray(v)) return v.length === 0 ? '[]' : '[…]';
  if (v !== null && typeof v === 'object') return Object.keys(v).length === 0 ? '{}' : '{…}';
  return String(v);
}
