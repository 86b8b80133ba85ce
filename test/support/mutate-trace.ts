/**
 * Hostile mutations of real trace files, for the fuzz test (test/unit/core/fuzz.test.ts) and for
 * ad-hoc attack runs. A mutation is plain data (so fast-check can shrink and print it); applying
 * it is deterministic. Structure-aware mutations replace one JSON value deep inside a document
 * or a JSONL line, which is what reaches the importers' field accesses; byte mutations exercise
 * the parsers and the decoder.
 */
import fc from 'fast-check';
import { analyzeBytes } from '../../src/core/analyze';
import { formatProblem, isUserInputError } from '../../src/core/util/problems';

/** Values that importers must survive wherever a field is expected. */
export const HOSTILE_VALUES: readonly unknown[] = [
  null, 0, -1, 1e308, 2 ** 53 + 2, '', 'x', true, [], {}, [null], { '': null },
  '\u001b]0;pwned\u0007\u001b[2J', 'line\nbreak', '__proto__', 'constructor', 'x'.repeat(5000),
  { __proto__: null, constructor: 'c' },
];

/** Text spliced in at a byte position. */
export const HOSTILE_SNIPPETS: readonly string[] = [
  'null', '{}', '[]', ',', '"', '\n', '\r\n', '\n\n{"type":"step"}\n', '\u0000', '\uFEFF', '\\u0000', '}}}}', '1e999',
  '{"id":null,"spanId":null,"parent_id":{}}', '[{"role":null,"content":null}]',
];

export type Mutation =
  | { kind: 'truncate'; at: number }
  | { kind: 'setByte'; at: number; value: number }
  | { kind: 'deleteRange'; at: number; length: number }
  | { kind: 'duplicateRange'; at: number; length: number }
  | { kind: 'insert'; at: number; snippet: number }
  | { kind: 'replaceValue'; at: number; value: number }
  | { kind: 'replaceContainer'; at: number; value: number }
  | { kind: 'deleteValue'; at: number }
  | { kind: 'nest'; at: number; depth: number };

/** Positions are fractions of the file (or of the value count), so one mutation fits any file. */
const fraction = fc.integer({ min: 0, max: 999_999 }).map((n) => n / 1_000_000);
export const mutationArb: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('truncate' as const), at: fraction }),
  fc.record({ kind: fc.constant('setByte' as const), at: fraction, value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('deleteRange' as const), at: fraction, length: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ kind: fc.constant('duplicateRange' as const), at: fraction, length: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fraction, snippet: fc.nat(HOSTILE_SNIPPETS.length - 1) }),
  fc.record({ kind: fc.constant('replaceValue' as const), at: fraction, value: fc.nat(HOSTILE_VALUES.length - 1) }),
  fc.record({ kind: fc.constant('replaceValue' as const), at: fraction, value: fc.nat(HOSTILE_VALUES.length - 1) }),
  fc.record({ kind: fc.constant('replaceContainer' as const), at: fraction, value: fc.nat(HOSTILE_VALUES.length - 1) }),
  fc.record({ kind: fc.constant('replaceContainer' as const), at: fraction, value: fc.nat(HOSTILE_VALUES.length - 1) }),
  fc.record({ kind: fc.constant('deleteValue' as const), at: fraction }),
  fc.record({ kind: fc.constant('nest' as const), at: fraction, depth: fc.constantFrom(3, 600, 20_000) }),
);

const enc = new TextEncoder();
const dec = new TextDecoder();

export function applyMutations(bytes: Uint8Array, mutations: readonly Mutation[]): Uint8Array {
  return mutations.reduce(applyMutation, bytes);
}

export function applyMutation(bytes: Uint8Array, m: Mutation): Uint8Array {
  const pos = Math.min(bytes.length, Math.floor(m.at * bytes.length));
  switch (m.kind) {
    case 'truncate': return bytes.slice(0, pos);
    // A copy: Buffer.slice would share memory and corrupt the corpus file for later runs.
    case 'setByte': { const out = new Uint8Array(bytes); if (pos < out.length) out[pos] = m.value; return out; }
    case 'deleteRange': return concat(bytes.subarray(0, pos), bytes.subarray(Math.min(bytes.length, pos + m.length)));
    case 'duplicateRange': return concat(bytes.subarray(0, pos + m.length), bytes.subarray(pos));
    case 'insert': return concat(bytes.subarray(0, pos), enc.encode(HOSTILE_SNIPPETS[m.snippet]), bytes.subarray(pos));
    case 'replaceValue': return mutateValue(bytes, m.at, () => ({ replace: HOSTILE_VALUES[m.value] }));
    case 'replaceContainer': return mutateValue(bytes, m.at, () => ({ replace: HOSTILE_VALUES[m.value] }), true);
    case 'deleteValue': return mutateValue(bytes, m.at, () => 'delete');
    case 'nest': return mutateValue(bytes, m.at, (old) => ({ replace: nested(old, m.depth) }));
  }
}

function nested(inner: unknown, depth: number): unknown {
  let v = inner;
  for (let i = 0; i < depth; i++) v = i % 2 ? [v] : { a: v };
  return v;
}

type Edit = { replace: unknown } | 'delete';

/**
 * Replace or delete the n-th value (pre-order) of the JSON document, or of one JSONL line chosen by
 * `at`. Files that are not JSON are returned unchanged (byte mutations cover them).
 */
function mutateValue(bytes: Uint8Array, at: number, edit: (old: unknown) => Edit, containersOnly = false): Uint8Array {
  const text = dec.decode(bytes);
  const whole = tryParse(text);
  if (whole !== undefined) return enc.encode(serialize(editNth(whole.value, at, edit, containersOnly)));
  const lines = text.split('\n');
  const candidates = lines.map((l, i) => [i, tryParse(l)] as const).filter(([, p]) => p !== undefined);
  if (candidates.length === 0) return bytes;
  const [lineNo, parsed] = candidates[Math.min(candidates.length - 1, Math.floor(at * candidates.length))];
  // Reuse the fraction inside the line so one number picks both the line and the value.
  const inner = (at * candidates.length) % 1;
  lines[lineNo] = serialize(editNth(parsed!.value, inner, edit, containersOnly));
  return enc.encode(lines.join('\n'));
}

function tryParse(text: string): { value: unknown } | undefined {
  try { return { value: JSON.parse(text) as unknown }; } catch { return undefined; }
}

/** Serialize without recursion, so a deeply nested mutation can be written at all. */
function serialize(value: unknown): string {
  const out: string[] = [];
  const stack: (unknown | { close: string })[] = [value];
  const CLOSE = Symbol('close');
  while (stack.length) {
    const item = stack.pop();
    if (item && typeof item === 'object' && CLOSE in item) { out.push((item as unknown as Record<symbol, string>)[CLOSE]); continue; }
    if (Array.isArray(item)) {
      out.push('[');
      stack.push({ [CLOSE]: ']' });
      for (let i = item.length - 1; i >= 0; i--) { stack.push(item[i]); if (i > 0) stack.push({ [CLOSE]: ',' }); }
    } else if (item && typeof item === 'object') {
      out.push('{');
      stack.push({ [CLOSE]: '}' });
      const keys = Object.keys(item);
      for (let i = keys.length - 1; i >= 0; i--) {
        stack.push((item as Record<string, unknown>)[keys[i]]);
        stack.push({ [CLOSE]: `${JSON.stringify(keys[i])}:` });
        if (i > 0) stack.push({ [CLOSE]: ',' });
      }
    } else {
      out.push(item === undefined ? 'null' : JSON.stringify(item));
    }
  }
  return out.join('');
}

/**
 * Apply an edit to the value at position `at` (a fraction of the value count), or of the count
 * of arrays and objects: those hold the fields importers navigate, so breaking them finds more.
 */
function editNth(root: unknown, at: number, edit: (old: unknown) => Edit, containersOnly: boolean): unknown {
  const slots: { parent: Record<string, unknown> | unknown[]; key: string | number }[] = [];
  const stack: unknown[] = [root];
  while (stack.length) {
    const v = stack.pop();
    if (Array.isArray(v)) v.forEach((c, i) => { slots.push({ parent: v, key: i }); stack.push(c); });
    else if (v && typeof v === 'object') for (const [k, c] of Object.entries(v)) { slots.push({ parent: v as Record<string, unknown>, key: k }); stack.push(c); }
  }
  const candidates = containersOnly ? slots.filter(({ parent, key }) => typeof (parent as Record<string | number, unknown>)[key] === 'object') : slots;
  if (candidates.length === 0) { const e = edit(root); return e === 'delete' ? null : e.replace; }
  const { parent, key } = candidates[Math.min(candidates.length - 1, Math.floor(at * candidates.length))];
  const e = edit((parent as Record<string | number, unknown>)[key]);
  if (e === 'delete') {
    if (Array.isArray(parent)) parent.splice(key as number, 1);
    else delete parent[key as string];
  } else {
    (parent as Record<string | number, unknown>)[key] = e.replace;
  }
  return root;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Longest a warning or error line may be: trace text is quoted with a cap, never dumped. */
export const MAX_MESSAGE_LENGTH = 1000;

/**
 * What loading a hostile file may do: open (every warning a clean one-liner naming the file), or
 * refuse with a user-input error whose every line is clean. Returns what went wrong, or undefined.
 */
export function loadOutcomeProblem(path: string, bytes: Uint8Array): string | undefined {
  let lines: string[];
  try {
    const result = analyzeBytes(path, bytes);
    lines = result.warnings.map(formatProblem);
    // Serializing the model is what the editor does next: it must not overflow either.
    JSON.stringify(result.traces);
  } catch (e) {
    if (!isUserInputError(e)) return `threw ${e instanceof Error ? e.stack ?? e.message : String(e)}`;
    lines = e.problems.map(formatProblem);
  }
  for (const line of lines) {
    if (!line.startsWith(path)) return `message does not name the file: ${line.slice(0, 300)}`;
    // eslint-disable-next-line no-control-regex -- a control character in a message is the failure
    if (/[\u0000-\u001f\u007f-\u009f]/.test(line)) return `message holds a control character or line break: ${JSON.stringify(line.slice(0, 300))}`;
    if (line.length > MAX_MESSAGE_LENGTH) return `message of ${line.length} characters: ${line.slice(0, 300)}`;
    if (/\n\s+at /.test(line)) return `message holds a stack trace: ${line.slice(0, 300)}`;
  }
  return undefined;
}
