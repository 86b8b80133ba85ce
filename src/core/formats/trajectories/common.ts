/**
 * Helpers shared by the agent-trajectory importers (SWE-agent, OpenHands, tau-bench, ToolBench...).
 * Everything here is a single linear pass or O(1): trajectory files can be large.
 */
import type { JsonPath } from '../../json/locate';
import type { SourceFile } from '../../json/source-file';
import type { StepError, ToolCall } from '../../model/schema';
import { UserInputError, jsonPathToString } from '../../util/problems';
import { baseName, isObject, str } from '../importer';
import { tryParseJson } from '../../json/depth';
import { commandProgram } from '../shell-exit';

/** Shared with the chat importers; defined in ../importer. */
export { baseName, str };

export type Json = Record<string, unknown>;

/** A finite number, also from a numeric string (producers disagree on types). */
export function num(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && v.trim() !== '' && Number.isFinite(Number(v))) return Number(v);
  return undefined;
}

/** Booleans written as true/false or "True"/"False" strings. */
export function bool(v: unknown): boolean | undefined {
  if (typeof v === 'boolean') return v;
  if (typeof v === 'string') {
    const t = v.trim().toLowerCase();
    if (t === 'true') return true;
    if (t === 'false') return false;
  }
  return undefined;
}

/** Tool-call arguments: parsed when they are a JSON string, else kept as written. */
export function parseArguments(v: unknown): unknown {
  if (typeof v !== 'string') return v ?? {};
  const t = v.trim();
  if (!(t.startsWith('{') || t.startsWith('['))) return v;
  return tryParseJson(t)?.value ?? v;
}

/** Shorten text for a step name (names are one line in the tree). */
export function oneLine(text: string, max = 60): string {
  const first = text.trim().split(/\r?\n/, 1)[0] ?? '';
  return first.length > max ? `${first.slice(0, max - 1)}…` : first;
}

/**
 * A shell command's step: named by the program it is run for (`cd /testbed && find . -name x`
 * is a find, not a cd: a newer mini-swe-agent run had 62 of its 63 commands named "cd"). These
 * steps have no ids of their own, and a derived id hashes the name (step-ids.ts): where the name
 * differs from the command's first word, what they were named by before, that word stays what
 * the id hashes (`fingerprintName`), so tags made against them still bind.
 */
export function commandStepName(command: string, fallback: string): { name: string; fingerprintName?: string } {
  const before = oneLine(command.split(/\s/, 1)[0] || fallback, 40);
  const name = oneLine(commandProgram(command) ?? fallback, 40);
  return name === before ? { name } : { name, fingerprintName: before };
}

/**
 * The last lines of a command's output, for the message of its failure: where a failing command
 * says why (pip's "ERROR: No matching distribution found for erfa", a test run's summary). Whole
 * lines, joined with " / ", at most about `max` characters; empty for no output.
 */
export function outputTail(text: string, max = 300): string {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  const kept: string[] = [];
  let length = 0;
  for (let i = lines.length - 1; i >= 0 && length < max; i--) {
    const line = lines[i].length > max ? `…${lines[i].slice(-(max - 1))}` : lines[i];
    kept.unshift(line);
    length += line.length + 3;
  }
  return kept.join(' / ');
}

/** Throw a located "this file is broken" error naming the JSON path. */
export function fail(file: SourceFile, path: JsonPath, message: string): never {
  throw new UserInputError({ file: file.path, path: jsonPathToString(path), message });
}

/** Throw the one-line refusal for a file that is recognised but is not a trace. */
export function refuse(file: SourceFile, message: string): never {
  throw new UserInputError({ file: file.path, message });
}

/** The JSON records of a JSONL file (or of a one-line JSON document), cheap for sniffers. */
export function firstJsonlRecord(file: SourceFile): unknown {
  if (file.isZip || file.firstChar !== '{' || !file.looksLikeJsonl()) return undefined;
  return file.jsonl.records[0]?.value;
}

/** OpenAI-style tool calls (`{id, function: {name, arguments}}` or flat `{id, name, arguments}`). */
export function toToolCalls(v: unknown): ToolCall[] | undefined {
  if (!Array.isArray(v) || v.length === 0) return undefined;
  const out: ToolCall[] = [];
  for (const c of v) {
    if (!isObject(c)) continue;
    const fn = isObject(c.function) ? c.function : c;
    const name = str(fn.name);
    if (!name) continue;
    out.push({ ...(str(c.id) ? { id: str(c.id) } : {}), name, arguments: parseArguments(fn.arguments) });
  }
  return out.length ? out : undefined;
}

/** Chat content as text: strings as-is, content-part arrays joined (images named, not inlined). */
export function contentText(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) {
    const parts: string[] = [];
    for (const p of v) {
      if (typeof p === 'string') parts.push(p);
      else if (isObject(p) && typeof p.text === 'string') parts.push(p.text);
      else if (isObject(p) && typeof p.type === 'string') parts.push(`[${p.type}]`);
    }
    return parts.join('\n');
  }
  if (isObject(v) && typeof v.text === 'string') return v.text;
  try { return JSON.stringify(v); } catch { return String(v); }
}

const TRACEBACK = /Traceback \(most recent call last\):/;

/**
 * A Python traceback in an observation or exit message: the error is its last
 * `Type: message` line; the whole text is kept as the stack. Undefined when there is none.
 */
export function tracebackError(text: string | undefined | null): StepError | undefined {
  if (!text) return undefined;
  const at = text.search(TRACEBACK);
  if (at < 0) return undefined;
  const stack = text.slice(at);
  const lines = stack.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  // The exception line is the last one that looks like `SomeError: message` (or a bare name).
  for (let i = lines.length - 1; i > 0; i--) {
    const m = /^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Failure)\b)(?::\s*(.*))?$/.exec(lines[i]);
    if (m) return { type: m[1], message: m[2] ? `${m[1]}: ${m[2]}` : m[1], stack };
  }
  return { message: lines[lines.length - 1] ?? 'Python traceback', stack };
}

const lenientCache = new WeakMap<SourceFile, { value: unknown; replaced: number } | null>();

/**
 * JSON as Python's `json.dump` writes it: bare `NaN`/`Infinity` outside strings become null
 * (strict JSON.parse rejects them). One pass over the text; cached per file. Null when the text
 * is not JSON even then.
 */
export function lenientJson(file: SourceFile): { value: unknown; replaced: number } | null {
  const strict = file.json;
  if (strict !== undefined) return { value: strict, replaced: 0 };
  const cached = lenientCache.get(file);
  if (cached !== undefined) return cached;
  const text = file.text;
  const parts: string[] = [];
  let from = 0;
  let replaced = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x4e || c === 0x49 || c === 0x2d) { // N, I, -
      const word = /^(?:NaN|-?Infinity)/.exec(text.slice(i, i + 9));
      if (word) {
        parts.push(text.slice(from, i), 'null');
        i += word[0].length - 1;
        from = i + 1;
        replaced++;
      }
    }
  }
  let result: { value: unknown; replaced: number } | null = null;
  if (replaced > 0) {
    parts.push(text.slice(from));
    const parsed = tryParseJson(parts.join(''));
    result = parsed ? { value: parsed.value, replaced } : null;
  }
  lenientCache.set(file, result);
  return result;
}
