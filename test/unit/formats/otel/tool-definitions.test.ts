/**
 * `mayDefineTools` (semconv.ts) answers for readSemantics without reading the attributes: where it
 * says no, readSemantics finds no tool definition. The two-pass OTLP reader relies on it to skip
 * most spans' import in its first pass; a tool source added to readSemantics and not to it would
 * drop that tool from the run's header. Checked on every span of the shared corpus's OTel-family
 * traces and on one attribute set per source of definitions.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { mayDefineTools, readSemantics } from '../../../../src/core/formats/otel/semconv';
import { flattenAttributes, isNested } from '../../../../src/core/formats/otel/values';
import { keyValues } from '../../../../src/core/formats/otel/otlp';
import { isObject } from '../../../../src/core/formats/importer';
import { sharedFiles } from '../../../support/shared';

/** Every attribute map in a JSON value: OTLP key-value lists and plain maps under `attributes`/`span_attributes`. */
function attributeMaps(v: unknown, out: Record<string, unknown>[] = []): Record<string, unknown>[] {
  if (Array.isArray(v)) {
    for (const x of v) attributeMaps(x, out);
  } else if (isObject(v)) {
    for (const [k, x] of Object.entries(v)) {
      if (k === 'attributes' || k === 'span_attributes') {
        if (Array.isArray(x)) out.push(keyValues(x));
        else if (isObject(x)) out.push(isNested(x) ? flattenAttributes(x) : x);
      }
      attributeMaps(x, out);
    }
  }
  return out;
}

describe('formats: which span attributes may define tools', () => {
  it('one attribute set per source of definitions says yes, and readSemantics finds the tool', () => {
    const schema = JSON.stringify({ type: 'function', function: { name: 'search', parameters: { type: 'object' } } });
    const sets: Record<string, unknown>[] = [
      { 'llm.tools.0.tool.json_schema': schema },
      { 'gen_ai.tool.definitions': JSON.stringify([{ type: 'function', name: 'search', parameters: { type: 'object' } }]) },
      { 'ai.prompt.tools': [JSON.stringify({ type: 'function', name: 'search', parameters: { type: 'object' } })] },
      { 'openinference.span.kind': 'TOOL', 'tool.name': 'search', 'tool.description': 'Search the web' },
      { 'gen_ai.operation.name': 'execute_tool', 'gen_ai.tool.name': 'search', 'gen_ai.tool.description': 'Search the web' },
      { 'openinference.span.kind': 'TOOL', 'tool.name': 'search', 'tool.parameters': JSON.stringify({ q: { type: 'string' } }) },
    ];
    for (const attrs of sets) {
      assert.equal(mayDefineTools(attrs), true, JSON.stringify(attrs));
      assert.deepEqual(readSemantics({ ...attrs }, 'span').tools.map((t) => t.name), ['search'], JSON.stringify(attrs));
    }
  });

  it('where it says no, readSemantics finds no tool, on every span of the corpus\'s OTel-family traces', () => {
    const files = [...sharedFiles('openinference'), ...sharedFiles('any-agent-genai-spans'), ...sharedFiles('trail/GAIA/traces'), ...sharedFiles('trail/SWE Bench/traces')].filter((f) => f.endsWith('.json') || f.endsWith('.jsonl'));
    assert.ok(files.length > 10, `${files.length} files`);
    let spans = 0;
    let defining = 0;
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      const values = file.endsWith('.jsonl') ? text.split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as unknown) : [JSON.parse(text) as unknown];
      for (const attrs of values.flatMap((v) => attributeMaps(v))) {
        spans++;
        const tools = readSemantics({ ...attrs }, 'span').tools;
        if (mayDefineTools(attrs)) defining++;
        else assert.deepEqual(tools, [], `${file}: ${Object.keys(attrs).join(', ')}`);
      }
    }
    assert.ok(spans > 300 && defining > 0, `${spans} attribute sets, ${defining} that may define tools`);
  });
});
