/**
 * JSON-Schema checks of tool definitions and call arguments with ajv. Validators are compiled
 * once per tool per trace (a trace can hold thousands of calls to the same tool). Schemas come
 * from hostile files: compile errors are caught and reported, never thrown.
 */
import type { ValidateFunction } from 'ajv';
import type { ToolDefinition } from '../model/schema';
import { SchemaCache } from '../util/schema-cache';

/** One ajv for the process: building one costs ~100 ms. */
const schemas = new SchemaCache({ allErrors: false });

function compile(schema: object): ValidateFunction {
  const v = schemas.compile(schema);
  if (v instanceof Error) throw v;
  return v;
}

export class ToolSchemas {
  private readonly compiled = new Map<string, ValidateFunction | null>();
  private readonly defs = new Map<string, ToolDefinition>();
  /** Problems with the definitions themselves, in declaration order. */
  readonly definitionProblems: { tool: string; message: string }[] = [];

  constructor(tools: readonly ToolDefinition[]) {
    for (const t of tools) {
      if (this.defs.has(t.name)) {
        this.definitionProblems.push({ tool: t.name, message: `tool "${t.name}" is declared more than once` });
        continue;
      }
      this.defs.set(t.name, t);
      if (t.parameters === undefined || t.parameters === null) continue;
      if (typeof t.parameters !== 'object' || Array.isArray(t.parameters)) {
        this.definitionProblems.push({ tool: t.name, message: `tool "${t.name}" has parameters that are not a JSON Schema object` });
        this.compiled.set(t.name, null);
        continue;
      }
      try {
        this.compiled.set(t.name, compile(t.parameters as object));
      } catch (e) {
        this.definitionProblems.push({ tool: t.name, message: `tool "${t.name}" has an invalid parameters schema: ${(e as Error).message.slice(0, 200)}` });
        this.compiled.set(t.name, null);
      }
    }
  }

  get declared(): boolean {
    return this.defs.size > 0;
  }

  has(name: string): boolean {
    return this.defs.has(name);
  }

  /** Why the arguments break the tool's schema, or undefined when they fit (or there is no usable schema). */
  check(name: string, args: unknown): string | undefined {
    const validate = this.compiled.get(name);
    if (!validate) return undefined;
    if (validate(args)) return undefined;
    const e = validate.errors?.[0];
    if (!e) return 'arguments do not match the schema';
    const where = e.instancePath ? `${e.instancePath.slice(1).replace(/\//g, '.')} ` : '';
    const extra = e.keyword === 'additionalProperties' ? ` ("${(e.params as { additionalProperty?: string }).additionalProperty}")` : '';
    return `${where}${e.message ?? 'is invalid'}${extra}`;
  }
}
