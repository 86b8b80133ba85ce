/**
 * The debugger holds a large run's steps without their payloads (issue 11: the engine's document
 * loader, as the trace editor reads): a launch reads the file as a stream, finds the failures as
 * it reads, and reads a step back whole from the file where one is shown whole. What the user sees
 * must not change: variables, the Debug Console and conditions, stops and failures are the same as
 * for the run loaded whole.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TraceDebugRuntime } from '../../../src/core/debug/runtime';
import { Group, stepScopes } from '../../../src/core/debug/variables';
import { loadTraceFile } from '../../../src/core/load';
import { findingsFor } from '../../../src/core/review';
import { DEFAULT_TAXONOMY } from '../../../src/core/taxonomy';
import { benchTraceText } from '../../support/bench-traces';
import { browserEvalLog } from '../../support/inspect-log';

/** A group as the Variables view would show it, expanded a few levels (the first items of a long list). */
function shown(value: unknown, depth = 3): unknown {
  if (!(value instanceof Group)) return value;
  if (depth === 0) return value.summary;
  return {
    summary: value.summary,
    named: value.named().map((e) => [e.name, shown(e.value, depth - 1), e.evaluateName]),
    items: value.indexed ? Array.from({ length: Math.min(5, value.indexed.length) }, (_, i) => {
      const e = value.indexed!.item(i);
      return [e.name, shown(e.value, depth - 1)];
    }) : [],
  };
}

function stops(rt: TraceDebugRuntime, filterId: string): number[] {
  const at: number[] = [];
  rt.on('stopped', (s) => at.push(s.position));
  rt.setExceptionFilters([{ filterId, condition: 'output != null' }]);
  rt.start(false);
  for (let k = 0; k < 50 && !rt.terminated; k++) rt.continue();
  return at;
}

describe('trace debugger: a large run held without its payloads', function () {
  // A guard against a hang, not a time budget.
  this.timeout(120_000);
  let dir: string;
  let file: string;
  let held: TraceDebugRuntime;
  let whole: TraceDebugRuntime;

  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'atd-held-debug-'));
    file = join(dir, 'large.trace.jsonl');
    // About 5.5 MB: over the 4 MB from which the loader streams agent-trace/v1 lines.
    writeFileSync(file, benchTraceText('jsonl', 4_000, 7));
    held = TraceDebugRuntime.launch({ trace: file }).runtime;
    const [trace] = loadTraceFile(file).traces;
    whole = new TraceDebugRuntime(trace, findingsFor(trace, DEFAULT_TAXONOMY), DEFAULT_TAXONOMY, file);
  });
  after(() => {
    held.dispose();
    whole.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it('holds the steps without their messages, arguments and results, with their usage', () => {
    assert.equal(held.length, whole.length);
    const llm = whole.index.steps.findIndex((s) => s.kind === 'llm' && s.usage !== undefined);
    assert.ok(llm >= 0);
    assert.equal(held.index.step(llm).input, undefined);
    assert.equal(held.index.step(llm).output, undefined);
    assert.deepEqual(held.index.step(llm).usage, whole.index.step(llm).usage);
    assert.deepEqual(held.wholeStep(llm), whole.index.step(llm));
  });

  it('finds the same failures, and stops at the same steps, conditions on payloads included', () => {
    for (let i = 0; i < whole.length; i++) assert.deepEqual(held.findingsAt(i), whole.findingsAt(i), `step ${i}`);
    const expected = stops(whole, 'all');
    assert.ok(expected.length >= 5, `a run with failures: ${expected.length}`);
    assert.deepEqual(stops(held, 'all'), expected);
  });

  it('shows the same variables, So far and Debug Console values at a model call and at failing and passing tool calls', () => {
    const steps = whole.index.steps;
    const positions = [
      steps.findIndex((s) => s.kind === 'llm' && s.index > 100),
      steps.findIndex((s) => s.kind === 'tool' && s.status === 'error'),
      steps.findIndex((s) => s.kind === 'tool' && s.status === 'ok' && s.index > 200),
    ];
    assert.ok(positions.every((p) => p > 0), positions.join(', '));
    for (const p of positions) {
      const heldScopes = stepScopes(held, p).map((s) => [s.name, shown(s.group)]);
      assert.deepEqual(heldScopes, stepScopes(whole, p).map((s) => [s.name, shown(s.group)]), `step ${p}`);
      assert.ok(heldScopes.some(([name]) => name === 'Input messages' || name === 'Tool call'), `step ${p} has payload scopes`);
      for (const expression of ['messages[-1].content', 'output', 'arguments', 'model', 'tool', 'usage.outputTokens', 'durationMs', 'findings.length', 'count(status == "error")', 'step.id']) {
        assert.deepEqual(held.evaluate(expression, p), whole.evaluate(expression, p), `${expression} at step ${p}`);
      }
    }
  });
});

describe('trace debugger: a large Inspect log, its samples held with their steps\' texts', function () {
  this.timeout(120_000);
  let dir: string;
  let file: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'atd-held-inspect-'));
    // 16 copies of the corpus's browser sample, each its own id (about 5.7 MB as Inspect indents it: streamed sample by sample).
    file = join(dir, 'browser.json');
    writeFileSync(file, browserEvalLog(16));
    assert.ok(statSync(file).size > 4 * 1024 * 1024);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('shows a sample\'s steps, variables and Debug Console values as for the log loaded whole', () => {
    const held = TraceDebugRuntime.launch({ trace: file, traceIndex: 9 }).runtime;
    const trace = loadTraceFile(file).traces[9];
    const whole = new TraceDebugRuntime(trace, findingsFor(trace, DEFAULT_TAXONOMY), DEFAULT_TAXONOMY, file);
    try {
      assert.equal(held.length, whole.length);
      const llm = whole.index.steps.findIndex((s) => s.kind === 'llm' && (s.input?.messages?.length ?? 0) > 0);
      const tool = whole.index.steps.findIndex((s) => s.kind === 'tool');
      assert.ok(llm >= 0 && tool >= 0);
      assert.equal(held.index.step(llm).input, undefined, 'held');
      assert.deepEqual(held.wholeStep(llm), whole.index.step(llm));
      for (const p of [llm, tool]) {
        assert.deepEqual(stepScopes(held, p).map((s) => [s.name, shown(s.group)]), stepScopes(whole, p).map((s) => [s.name, shown(s.group)]), `step ${p}`);
        for (const expression of ['messages[-1].content', 'output', 'arguments', 'model', 'tool']) {
          assert.deepEqual(held.evaluate(expression, p), whole.evaluate(expression, p), `${expression} at step ${p}`);
        }
      }
    } finally {
      held.dispose();
      whole.dispose();
    }
  });
});

