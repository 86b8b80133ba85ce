/**
 * A trace that changes on disk (TraceFile.reload): appended steps keep the rows before them, a
 * rewrite rebuilds, tags bind again by stable step id, the sidecar's next save carries the new
 * sha256, a half-written last line waits, and an unreadable version keeps what was shown.
 */
import { strict as assert } from 'node:assert';
import { sha256Hex } from '../../../src/core/util/hash';
import { DEFAULT_TAXONOMY } from '../../../src/core/taxonomy';
import { completeLines, TraceFile } from '../../../src/host/editor/trace-file';

const PATH = '/t/live.trace.jsonl';
const header = JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: 'run' });
const step = (id: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ type: 'step', id, kind: 'tool', name: `call ${id}`, ...extra });
const bytes = (...lines: string[]): Uint8Array => new TextEncoder().encode(lines.join('\n') + '\n');
const SIDECAR = JSON.stringify({ version: 1, errors: [{ location: 's2', category: 'TOOL.RUNTIME', impact: 'LOW', source: 'human' }] });

function open(content: Uint8Array): TraceFile {
  return TraceFile.fromBytes(PATH, content, { taxonomy: DEFAULT_TAXONOMY, readSidecar: () => SIDECAR });
}

const failingIds = (file: TraceFile): string[] => {
  const s = file.session(0);
  return s.steps.filter((_, i) => s.details(i, false).failing).map((x) => x.id);
};

describe('a trace that changes on disk', () => {
  it('appends steps written at the end, keeps the tags and stamps the new sha256 on the next save', () => {
    const file = open(bytes(header, step('s1'), step('s2')));
    const session = file.session(0);
    assert.deepEqual(failingIds(file), ['s2']);
    const grown = bytes(header, step('s1'), step('s2'), step('s3', { status: 'error', error: { message: 'boom' } }));
    const r = file.reload(grown);
    assert.deepEqual(r, { kind: 'appended', stepCounts: [3] });
    assert.equal(file.session(0), session, 'the same session, grown');
    assert.deepEqual(session.steps.map((s) => s.id), ['s1', 's2', 's3']);
    assert.deepEqual(failingIds(file), ['s2', 's3']);
    assert.equal(JSON.parse(file.annotations.textToSave()).trace.sha256, sha256Hex(grown));
  });

  it('after an append, every view (collapsed, filtered, plain) has the rows a fresh open gives it', () => {
    // A nested run: agent a1 holds t1, t2; agent a2 holds t3; the append adds t4 under a2 and a failing t5 at the top.
    const nested = (id: string, parentId: string | null, extra: Record<string, unknown> = {}): string => JSON.stringify({ type: 'step', id, kind: parentId ? 'tool' : 'agent', name: id, parentId, ...extra });
    const before = [header, nested('a1', null), nested('t1', 'a1'), nested('t2', 'a1', { status: 'error', error: { message: 'HTTP 503' } }), nested('a2', null), nested('t3', 'a2')];
    const after = [...before, nested('t4', 'a2', { status: 'error', error: { message: 'HTTP 429 Too Many Requests' } }), nested('a3', null, { status: 'error', error: { message: 'boom' } })];
    const views = [
      { traceIndex: 0, collapsed: [], failuresOnly: false, categories: [] },
      { traceIndex: 0, collapsed: [0], failuresOnly: false, categories: [] },
      { traceIndex: 0, collapsed: [3], failuresOnly: false, categories: [] },
      { traceIndex: 0, collapsed: [], failuresOnly: true, categories: [] },
    ];
    const ids = (file: TraceFile, v: (typeof views)[number]): string[] => file.session(0).rows(v, 0, 100).rows.map((r) => r.id);
    const file = open(bytes(...before));
    for (const v of views) ids(file, v); // cached
    assert.equal(file.reload(bytes(...after)).kind, 'appended');
    const fresh = open(bytes(...after));
    for (const v of views) assert.deepEqual(ids(file, v), ids(fresh, v), JSON.stringify(v));
    assert.deepEqual(ids(file, views[2]), ['a1', 't1', 't2', 'a2', 'a3'], 'the new step under a collapsed agent stays hidden');
  });

  it('rebuilds on a rewrite and binds the tags again by step id', () => {
    const file = open(bytes(header, step('s1'), step('s2'), step('s3')));
    file.session(0);
    const r = file.reload(bytes(header, step('s0'), step('s2'), step('s3')));
    assert.equal(r.kind, 'rewritten');
    assert.deepEqual(file.session(0).steps.map((s) => s.id), ['s0', 's2', 's3']);
    assert.deepEqual(failingIds(file), ['s2']);
    assert.equal(file.annotationStatus().orphanCount, 0);
  });

  it('keeps a tag whose step is gone in the sidecar and counts it as an orphan', () => {
    const file = open(bytes(header, step('s1'), step('s2')));
    file.session(0);
    file.reload(bytes(header, step('s1'), step('s9')));
    assert.deepEqual(failingIds(file), []);
    assert.equal(file.annotationStatus().orphanCount, 1);
    assert.equal(file.annotations.doc.errors.length, 1, 'the tag stays in the document');
  });

  it('waits for the rest of a half-written last line, without a warning', () => {
    const file = open(bytes(header, step('s1')));
    file.session(0);
    const torn = new TextEncoder().encode([header, step('s1'), step('s2'), step('s3').slice(0, 20)].join('\n'));
    const r = file.reload(torn);
    assert.deepEqual(r, { kind: 'appended', stepCounts: [2] });
    assert.deepEqual(file.warnings, []);
  });

  it('an unreadable version keeps the trace shown and says why', () => {
    const file = TraceFile.fromBytes('/t/doc.json', new TextEncoder().encode(JSON.stringify({ messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: 'yo' }] })), { taxonomy: DEFAULT_TAXONOMY });
    assert.equal(file.traces.length, 1);
    const r = file.reload(new TextEncoder().encode('{"messages": [{"role": "user", "content": "hi"'));
    assert.equal(r.kind, 'unreadable');
    assert.match((r as { problem: string }).problem, /doc\.json/);
    assert.equal(file.traces.length, 1);
  });

  it('unchanged bytes change nothing', () => {
    const content = bytes(header, step('s1'));
    const file = open(content);
    assert.deepEqual(file.reload(content), { kind: 'unchanged' });
  });

  it('completeLines keeps a whole last line without a newline and cuts a partial one', () => {
    const enc = (t: string): Uint8Array => new TextEncoder().encode(t);
    assert.equal(new TextDecoder().decode(completeLines(enc('{"a":1}\n{"b":2}'))), '{"a":1}\n{"b":2}');
    assert.equal(new TextDecoder().decode(completeLines(enc('{"a":1}\n{"b":'))), '{"a":1}\n');
    assert.equal(new TextDecoder().decode(completeLines(enc('{\n  "a": 1\n}'))), '{\n  "a": 1\n}');
  });
});
