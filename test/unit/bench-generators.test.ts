/**
 * The generators behind `npm run bench` (test/support/bench-traces.ts): each of the three shapes
 * opens with the real importer as the run it describes (step count, tree, failures, content), the
 * streamed file is byte for byte the in-memory text, and a seed gives the same run every time.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTraceFromBytes } from '../../src/core/load';
import { findingsFor } from '../../src/core/review';
import { DEFAULT_TAXONOMY } from '../../src/core/taxonomy';
import type { Step } from '../../src/core/model/schema';
import {
  BENCH_FILE_NAMES, BENCH_FORMATS, BENCH_RUN_SPANS, BENCH_SEARCH_TERM, benchRunTraceId, benchSteps, benchTraceModel, benchTraceText, isLoopTurn, isRateLimitTurn, isTimeoutTurn, isToolErrorTurn, writeBenchTrace,
} from '../support/bench-traces';

// 1,333 turns: every planted failure (a timeout every 53 turns, a rate limit every 409 from 100, the loop at
// 500-503, the search phrase at 421) and four runs of otlp-runs. 10,000 steps took 2.5 times as long.
const STEPS = 4_000;
const EXPECTED_FORMAT = { jsonl: 'agent-trace-jsonl', otlp: 'otlp-json', 'otlp-ended': 'otlp-json', 'otlp-lines': 'otlp-json', 'otlp-runs': 'otlp-json', trail: 'trail' } as const;

describe('bench trace generators (npm run bench)', () => {
  for (const format of BENCH_FORMATS) {
    it(`${format}: ${STEPS} steps open with the ${EXPECTED_FORMAT[format]} importer as the generated run`, () => {
      const text = benchTraceText(format, STEPS);
      // A run of 4,000 steps = 1 root + 1,333 turns of (agent, llm, tool); otlp-runs: runs of 1,000 = 1 + 333 turns.
      const runSteps = format === 'otlp-runs' ? BENCH_RUN_SPANS : STEPS;
      const turns = (runSteps - 1) / 3;
      const failingTurns = { tool: 0, llm: 0 };
      for (let k = 0; k < turns; k++) {
        if (isTimeoutTurn(k) || isToolErrorTurn(k)) failingTurns.tool++;
        if (isRateLimitTurn(k)) failingTurns.llm++;
      }
      if (format === 'otlp-lines' || format === 'otlp-runs') {
        // A request per line, of 512 spans but the last.
        const lines = text.split('\n').filter((l) => l !== '');
        const counts = lines.map((l) => (JSON.parse(l) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] }).resourceSpans[0].scopeSpans[0].spans.length);
        assert.equal(counts.reduce((a, b) => a + b, 0), STEPS);
        assert.ok(counts.slice(0, -1).every((n) => n === 512), counts.join(','));
      }
      if (format === 'otlp-ended') {
        // Each span as it ends: a turn's calls before the turn, the root last.
        const spans = (JSON.parse(text) as { resourceSpans: { scopeSpans: { spans: { spanId: string; parentSpanId?: string }[] }[] }[] }).resourceSpans[0].scopeSpans[0].spans;
        assert.ok(spans[0].parentSpanId !== undefined && spans[spans.length - 1].parentSpanId === undefined);
        const at = new Map(spans.map((sp, i) => [sp.spanId, i]));
        assert.ok(spans.every((sp, i) => sp.parentSpanId === undefined || at.get(sp.parentSpanId)! > i), 'every parent after its children');
      }
      const loaded = loadTraceFromBytes(join('/bench', BENCH_FILE_NAMES[format](STEPS)), new TextEncoder().encode(text));
      assert.equal(loaded.format, EXPECTED_FORMAT[format]);
      assert.deepEqual(loaded.warnings, []);
      if (format === 'otlp-runs') {
        // Runs one after another, each its own trace, its spans as they end (its root last).
        assert.deepEqual(loaded.traces.map((t) => [t.source.traceKey, t.steps.length]), Array.from({ length: STEPS / BENCH_RUN_SPANS }, (_, run) => [benchRunTraceId(run), BENCH_RUN_SPANS]));
        const lines = text.split('\n').filter((l) => l !== '');
        const lastOfRun0 = lines.findIndex((l) => l.includes(benchRunTraceId(1)));
        assert.ok(lines[lastOfRun0].indexOf(benchRunTraceId(0)) < lines[lastOfRun0].indexOf(benchRunTraceId(1)), 'run 0 ends where run 1 begins');
      } else {
        assert.equal(loaded.traces.length, 1);
      }
      const steps = loaded.traces[0].steps;
      assert.equal(steps.length, runSteps);
      const count = (kind: string, status?: string): number => steps.filter((s) => s.kind === kind && (status === undefined || s.status === status)).length;
      assert.deepEqual([count('agent'), count('llm'), count('tool')], [1 + turns, turns, turns]);
      assert.equal(count('tool', 'error'), failingTurns.tool);
      assert.equal(count('llm', 'error'), failingTurns.llm);
      // The tree: the root, its turns, each turn's model call and tool call.
      assert.deepEqual([...new Set(steps.map((s) => s.depth))].sort(), [0, 1, 2]);
      assert.equal(steps[3].parentId, steps[1].id);
      // Content: 1-2 KB messages, tool arguments as objects, errors with their type.
      const llm = steps[2];
      const said = llm.output?.messages?.[0];
      assert.equal(said?.role, 'assistant');
      assert.ok((said?.content ?? '').length >= 1024 && (said?.content ?? '').length <= 2300, `assistant message of ${said?.content?.length} characters`);
      assert.equal(said?.toolCalls?.[0]?.name, 'web_search');
      assert.equal(typeof steps[3].toolCall?.arguments, 'object');
      assert.equal(steps[3].toolCall?.name, 'web_search');
      const timeout = steps.find((s) => s.error?.type === 'TimeoutError');
      assert.match(timeout?.error?.message ?? '', /timed out after 30s/);
      // Planted at turn 421 of each 1,000: runs of 333 turns have none (the bench searches JSONL only).
      assert.equal(steps.some((s) => JSON.stringify(s.output ?? '').includes(BENCH_SEARCH_TERM)), turns > 421, 'the search phrase is in the run');
      // The detectors see the planted failures, the repeat loop among them.
      const findings = findingsFor(loaded.traces[0], DEFAULT_TAXONOMY);
      const loops = findings.filter((f) => f.category === 'ORCH.REPEAT_LOOP').length;
      let loopRuns = 0;
      for (let k = 0; k < turns; k++) if (isLoopTurn(k) && !isLoopTurn(k - 1)) loopRuns++;
      assert.equal(loops, loopRuns);
      assert.ok(findings.some((f) => f.category === 'TOOL.TIMEOUT'));
    });
  }

  it('streams to a file exactly the in-memory text, the same for the same seed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-gen-'));
    try {
      for (const format of BENCH_FORMATS) {
        const path = join(dir, BENCH_FILE_NAMES[format](700));
        const bytes = await writeBenchTrace(path, format, 700, 3);
        const written = readFileSync(path, 'utf8');
        assert.equal(written, benchTraceText(format, 700, 3));
        assert.equal(bytes, Buffer.byteLength(written));
        assert.notEqual(benchTraceText(format, 700, 4), written);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds the same run as a model (for sizes whose file does not open) as the JSONL importer does', () => {
    const loaded = loadTraceFromBytes('/bench/model.trace.jsonl', new TextEncoder().encode(benchTraceText('jsonl', 2000))).traces[0];
    const model = benchTraceModel(2000);
    assert.equal(model.steps.length, loaded.steps.length);
    const shape = (s: Step): unknown => ({ ...s, location: undefined, attributes: undefined, usage: undefined });
    model.steps.forEach((s, i) => assert.deepEqual(shape(s), shape(loaded.steps[i]), `step ${i}`));
    assert.deepEqual(findingsFor(model, DEFAULT_TAXONOMY).map((f) => [f.stepId, f.category]), findingsFor(loaded, DEFAULT_TAXONOMY).map((f) => [f.stepId, f.category]));
  });

  it('counts steps exactly, whatever the size', () => {
    for (const n of [1, 2, 3, 4, 5, 101]) assert.equal([...benchSteps(n)].length, n);
  });
});
