/**
 * The trace editor on a session the user stopped (src/core/detect/user-stop.ts): the calls the
 * user declined keep their recorded error status, but are not failing: not counted in the
 * header, not kept by "Failures only", not failures on the timeline, nor in the workspace
 * database's counts (the Agent Traces view).
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { DEFAULT_TAXONOMY } from '../../../src/host/analysis/core-api';
import { TraceFile } from '../../../src/host/editor/trace-file';
import { sharedPath } from '../../support/shared';
import { detect } from '../../../src/core/detect';
import { loadTraceFile } from '../../../src/core/load';
import { traceRecord } from '../../../src/core/workspace/trace-record';

describe('the trace editor on a session the user stopped', () => {
  // Claude Code: the user declined the first two calls (Bash, Glob), then the session ended.
  const path = sharedPath('traces', 'claude-code', 'short.jsonl');
  const session = TraceFile.fromBytes(path, readFileSync(path), { taxonomy: DEFAULT_TAXONOMY }).session(0);

  it('shows the declined calls with their error status, and as no failure', () => {
    const rows = session.rows({ traceIndex: 0, collapsed: [], failuresOnly: false, categories: [] }, 0, 100).rows;
    const declined = rows.filter((r) => r.status === 'error');
    assert.deepEqual(declined.map((r) => r.name), ['Bash', 'Glob']);
    assert.deepEqual(declined.map((r) => r.failing), [false, false]);
    assert.equal(session.summary().failureCount, 0);
    assert.equal(session.rows({ traceIndex: 0, collapsed: [], failuresOnly: true, categories: [] }, 0, 100).total, 0);
    const bars = session.timeline(-Infinity, Infinity, 1000).bars.filter((b) => b.status === 'error');
    assert.deepEqual(bars.map((b) => b.failing), [false, false]);
  });
});

describe('the workspace database on a session the user stopped', () => {
  it('counts no failing step and no failed tool for the calls the user declined', () => {
    const path = sharedPath('traces', 'claude-code', 'short.jsonl');
    const [trace] = loadTraceFile(path).traces;
    const record = traceRecord(trace, detect(trace), { file: path, format: 'claude-code', traceKey: '0', traceIndex: 0, taxonomy: DEFAULT_TAXONOMY, annotations: null });
    assert.equal(record.failingSteps, 0);
    assert.deepEqual(record.tools.filter((t) => t.failures > 0), []);
  });
});
