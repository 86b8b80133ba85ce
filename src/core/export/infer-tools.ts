/**
 * Tool definitions for calls the trace does not declare. Many recorders keep the calls but not
 * the tool list (SWE-agent and mini-swe-agent parse a `bash` call out of the text, OTel spans
 * rarely carry the offered tools), yet every training format needs each called tool declared
 * (V4) and the templates show the list to the model. The inferred definition has the argument
 * names the calls used, typed by the values seen, none required, no description: honest about
 * what is known and valid for every call the trace made.
 *
 * Never `"type": "null"`, alone or in a list: Hermes' template turns an unknown type name into a
 * `Union` of its characters and recurses until Python's RecursionError. A null beside other
 * types is `nullable` (how transformers' `get_json_schema` writes `Optional[int]`); a property
 * seen only as null has no type (transformers' `Any`). Arguments that are not an object are
 * typed under the key they are carried in (`argumentsObject`).
 */
import type { Step, ToolDefinition, Trace } from '../model/schema';
import { argumentsObject } from './tool-args';
import { isRedactionPlaceholder } from '../model/redaction';

function jsonType(v: unknown): string | undefined {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (['string', 'boolean', 'object'].includes(typeof v)) return typeof v;
  return undefined;
}

/** The JSON Schema type of a property from the types of its values (see the module comment on null). */
function propertyType(seen: ReadonlySet<string>): { type?: string | string[]; nullable?: true } {
  const t = [...seen].filter((x) => x !== 'null');
  if (!t.length) return {};
  return { type: t.length === 1 ? t[0] : t, ...(seen.has('null') ? { nullable: true as const } : {}) };
}

export function inferMissingTools(trace: Trace): { tools: ToolDefinition[]; inferred: ToolDefinition[] } {
  const inference = new ToolInference(trace.tools);
  inference.add(trace.steps);
  return inference.result();
}

/**
 * `inferMissingTools` over a run whose steps arrive in batches (a file read as a stream): `add`
 * the next steps; `result()` answers as `inferMissingTools` would for the steps so far.
 */
export class ToolInference {
  private readonly declared: Set<string>;
  private readonly props = new Map<string, Map<string, Set<string>>>();
  /** Bumped whenever `result()` would change: a new tool, argument or type. */
  changes = 0;

  constructor(private readonly tools: readonly ToolDefinition[]) {
    this.declared = new Set(tools.map((t) => t.name));
  }

  add(steps: readonly Pick<Step, 'input' | 'output'>[]): void {
    for (const s of steps) {
      for (const m of [...(s.input?.messages ?? []), ...(s.output?.messages ?? [])]) {
        for (const c of m.toolCalls ?? []) {
          if (this.declared.has(c.name)) continue;
          let p = this.props.get(c.name);
          if (!p) { this.props.set(c.name, (p = new Map())); this.changes++; }
          // A redaction placeholder tells the tool's name, not its parameters.
          if (isRedactionPlaceholder(c.arguments)) continue;
          for (const [k, v] of Object.entries(argumentsObject(c.arguments))) {
            const t = jsonType(v);
            let types = p.get(k);
            if (!types) { p.set(k, (types = new Set())); this.changes++; }
            if (t && !types.has(t)) { types.add(t); this.changes++; }
          }
        }
      }
    }
  }

  /** An inference that goes on from this one's calls independently (a run read again from a point). */
  copy(): ToolInference {
    const c = new ToolInference(this.tools);
    for (const [name, p] of this.props) c.props.set(name, new Map([...p].map(([k, types]) => [k, new Set(types)])));
    c.changes = this.changes;
    return c;
  }

  result(): { tools: ToolDefinition[]; inferred: ToolDefinition[] } {
    const inferred: ToolDefinition[] = [...this.props].map(([name, p]) => ({
      name,
      description: '',
      parameters: {
        type: 'object',
        // Hermes renders every parameter's description: give each an empty one.
        properties: Object.fromEntries([...p].map(([k, types]) => [k, { ...propertyType(types), description: '' }])),
      },
    }));
    return { tools: [...this.tools, ...inferred], inferred };
  }
}
