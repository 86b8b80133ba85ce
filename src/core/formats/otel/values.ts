/**
 * Small value helpers shared by the span importers. Attribute values in these formats are often
 * JSON documents stored as strings, or numbers written as strings (TRAIL token counts), and all
 * of it is hostile model output: every helper tolerates any input and never throws.
 */
import { isObject } from '../importer';
import { tryParseJson } from '../../json/depth';
import { setOwn } from '../../util/own-keys';

/** Parse a string that looks like a JSON object or array; anything else comes back unchanged. */
export function maybeJson(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  const t = v.trimStart();
  if (t[0] !== '{' && t[0] !== '[') return v;
  return tryParseJson(v)?.value ?? v;
}

/** A finite number from a number or a numeric string, else undefined. */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isFinite(v) ? v : undefined;
  if (typeof v === 'string' && v.trim() !== '' && /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(v.trim())) return Number(v);
  return undefined;
}

/** A non-empty string, or undefined. Numbers are accepted because ids are sometimes numeric. */
export function str(v: unknown): string | undefined {
  if (typeof v === 'string') return v === '' ? undefined : v;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  return undefined;
}

/** Tool-call arguments: parsed when they are valid JSON, the raw string as written otherwise. */
export function toolArguments(v: unknown): unknown {
  if (typeof v !== 'string') return v ?? {};
  const parsed = tryParseJson(v);
  return parsed ? parsed.value : v;
}

/**
 * Turn a nested attribute object (Phoenix writes `{"llm": {"input_messages": [...]}}`) into the
 * flat dotted form the semantic conventions define (`llm.input_messages.0.message.role`). Arrays
 * of primitives stay arrays (they are legal OTel attribute values); arrays of objects get indices.
 */
export function flattenAttributes(obj: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const stack: [string, unknown][] = Object.entries(obj).reverse();
  while (stack.length) {
    const [key, value] = stack.pop()!;
    if (isObject(value) && Object.keys(value).length > 0) {
      const entries = Object.entries(value);
      for (let i = entries.length - 1; i >= 0; i--) stack.push([`${key}.${entries[i][0]}`, entries[i][1]]);
    } else if (Array.isArray(value) && value.some((x) => isObject(x))) {
      for (let i = value.length - 1; i >= 0; i--) stack.push([`${key}.${i}`, value[i]]);
    } else {
      setOwn(out, key, value);
    }
  }
  return out;
}

/** Whether an attribute map is nested (has object values) rather than flat and dotted. */
export function isNested(attrs: Record<string, unknown>): boolean {
  for (const k in attrs) if (isObject(attrs[k])) return true;
  return false;
}
