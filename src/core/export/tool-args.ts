/**
 * Tool-call arguments against the tool's JSON Schema (ajv), for corrections in the editor and
 * for validator rule V4.
 */
import type { ErrorObject } from 'ajv';
import { SchemaCache } from '../util/schema-cache';
import { excessiveNestingOffset, tooDeepMessage } from '../json/depth';

// All errors, unlike the detectors' instance: the correction editor lists every problem.
const schemas = new SchemaCache({ allErrors: true });

export interface ArgProblem {
  /** JSON pointer inside the arguments (`/city`), '' for the whole value. */
  pointer: string;
  message: string;
}

/** Parse string arguments (OpenAI's encoding); objects pass through. */
export function parseArguments(args: unknown): { value: unknown } | { error: string } {
  if (typeof args !== 'string') return { value: args ?? {} };
  if (args.trim() === '') return { value: {} };
  // Arguments come from the trace: nested beyond the cap, every later walk would overflow.
  if (excessiveNestingOffset(args) !== -1) return { error: `arguments are ${tooDeepMessage()}` };
  try {
    return { value: JSON.parse(args) };
  } catch (e) {
    return { error: `arguments are not valid JSON (${(e as Error).message})` };
  }
}

/** Problems with a call's arguments; an empty list when they are valid (or no schema is known). */
export function checkArguments(args: unknown, schema: unknown): ArgProblem[] {
  const parsed = parseArguments(args);
  if ('error' in parsed) return [{ pointer: '', message: parsed.error }];
  if (parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
    return [{ pointer: '', message: `arguments must be a JSON object, found ${Array.isArray(parsed.value) ? 'an array' : typeof parsed.value}` }];
  }
  if (!schema || typeof schema !== 'object') return [];
  const v = schemas.compile(schema as object);
  if (v instanceof Error) return [{ pointer: '', message: `the tool's parameters are not a valid JSON Schema (${v.message})` }];
  if (v(parsed.value)) return [];
  return (v.errors ?? []).map(describe);
}

function describe(e: ErrorObject): ArgProblem {
  const at = e.instancePath || '';
  switch (e.keyword) {
    case 'required': return { pointer: at, message: `missing required argument "${(e.params as { missingProperty: string }).missingProperty}"` };
    case 'additionalProperties': return { pointer: at, message: `unexpected argument "${(e.params as { additionalProperty: string }).additionalProperty}"` };
    default: return { pointer: at, message: `${at ? `"${at.slice(1)}" ` : ''}${e.message ?? 'is invalid'}` };
  }
}
