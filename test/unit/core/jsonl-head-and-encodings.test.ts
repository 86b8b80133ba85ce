import { strict as assert } from 'node:assert';
import { loadTraceFromBytes } from '../../../src/core/load';
import { formatProblem } from '../../../src/core/util/problems';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const header = '{"type":"trace","format":"agent-trace/v1","id":"run-1","title":"démo"}';
const step = (id: string, parent?: string): string => JSON.stringify({ type: 'step', id, ...(parent ? { parentId: parent } : {}), kind: 'agent', name: `step ${id}` });
const lines = [header, step('a'), '{"type":"step", oops', step('b', 'a'), '{"type": broken}', step('c', 'a')];

function utf16(text: string, bigEndian: boolean, bom: boolean): Uint8Array {
  const out = new Uint8Array((text.length + (bom ? 1 : 0)) * 2);
  const units = [...(bom ? [0xfeff] : []), ...Array.from(text, (_c, i) => text.charCodeAt(i))];
  // Array.from over a string yields code points; index by UTF-16 unit instead.
  units.length = (bom ? 1 : 0) + text.length;
  for (let i = 0; i < text.length; i++) units[(bom ? 1 : 0) + i] = text.charCodeAt(i);
  units.forEach((u, i) => {
    out[2 * i + (bigEndian ? 0 : 1)] = u >> 8;
    out[2 * i + (bigEndian ? 1 : 0)] = u & 0xff;
  });
  return out;
}

describe('JSONL with bad lines near the top', () => {
  it('opens a trace with two bad lines among its first five, warning at exactly those lines', () => {
    const r = loadTraceFromBytes('two-bad.trace.jsonl', enc(lines.join('\n')));
    assert.deepEqual(r.traces[0].steps.map((s) => s.id), ['a', 'b', 'c']);
    assert.deepEqual(r.warnings.map((w) => w.line), [3, 5]);
    assert.ok(r.warnings.every((w) => /invalid JSON.*\(line skipped\)/.test(w.message)), r.warnings.map(formatProblem).join('\n'));
  });

  it('reads JSON lines whose first line is longer than the 64 KB the sniffers look at (an OTLP batch, a long header)', () => {
    const span = (i: number): unknown => ({ traceId: 't1', spanId: `s${i}`, name: `span ${i} ${'x'.repeat(300)}`, startTimeUnixNano: String(1e18 + i), endTimeUnixNano: String(1e18 + i + 1) });
    const request = (from: number, n: number): string => JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: n }, (_, k) => span(from + k)) }] }] });
    const first = request(0, 300);
    assert.ok(first.length > 65536);
    const otlp = loadTraceFromBytes('batches.jsonl', enc(`${first}\n${request(300, 2)}\n`));
    assert.equal(otlp.format, 'otlp-json');
    assert.equal(otlp.traces[0].steps.length, 302);
    const longHeader = JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: 'run-1', title: 'long', metadata: { notes: 'n'.repeat(70_000) } });
    const canonical = loadTraceFromBytes('long-header.trace.jsonl', enc([longHeader, step('a'), step('b', 'a')].join('\n')));
    assert.deepEqual(canonical.traces[0].steps.map((s) => s.id), ['a', 'b']);
  });

  it('opens when the first line is the bad one', () => {
    const r = loadTraceFromBytes('first-bad.trace.jsonl', enc(['{"type":"trace", oops', step('a'), '{"broken', step('b', 'a')].join('\n')));
    assert.deepEqual(r.traces[0].steps.map((s) => s.id), ['a', 'b']);
    assert.deepEqual(r.warnings.map((w) => w.line), [1, 3]);
  });
});

describe('UTF-16 trace files', () => {
  for (const [name, bigEndian, bom] of [['UTF-16 LE with BOM', false, true], ['UTF-16 BE with BOM', true, true], ['UTF-16 LE without BOM', false, false], ['UTF-16 BE without BOM', true, false]] as const) {
    it(`reads ${name}`, () => {
      const r = loadTraceFromBytes('utf16.trace.jsonl', utf16([header, step('a'), step('b', 'a')].join('\r\n'), bigEndian, bom));
      assert.equal(r.format, 'agent-trace-jsonl');
      assert.equal(r.traces[0].title, 'démo');
      assert.deepEqual(r.traces[0].steps.map((s) => s.id), ['a', 'b']);
      assert.equal(r.traces[0].steps[1].location?.line, 3);
    });
  }

  it('reads a UTF-16 JSON document (OpenAI messages)', () => {
    const r = loadTraceFromBytes('chat.json', utf16('{"messages":[{"role":"user","content":"hé"},{"role":"assistant","content":"ok"}]}', false, true));
    assert.equal(r.format, 'openai-chat');
  });
});
