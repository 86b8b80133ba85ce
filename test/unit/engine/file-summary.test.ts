/**
 * `summarizeTraceFile` (what `agent-trace inspect` and `report` read) says of a file what the whole
 * import and the detectors say: its format, runs, steps (what a summary keeps of each), findings,
 * labels and warnings; and refuses what the whole import refuses, with the same problems. Checked
 * on every file of the shared corpus (read whole, as files under 4 MB are) and on generated traces
 * of every shape read as a stream, including a collector's file whose first trace grows after it
 * was sent (the loader reads it again: a reset).
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { analyzeFile, detectOptionsFor } from '../../../src/core/analyze';
import { summarizeTraceFile, type SummaryOptions } from '../../../src/core/engine/file-summary';
import { DEFAULT_TAXONOMY } from '../../../src/core/taxonomy';
import { isUserInputError } from '../../../src/core/util/problems';
import type { Step } from '../../../src/core/model/schema';
import { BENCH_FORMATS, BENCH_TRACE_ID, benchTraceText } from '../../support/bench-traces';
import { otlpLines } from '../../support/otlp-lines';
import { jsonView } from '../../support/convert-compare';
import { sharedFiles } from '../../support/shared';

/** What a summary keeps of a whole step. */
function kept(s: Step): unknown {
  return jsonView({ id: s.id, parentId: s.parentId, index: s.index, kind: s.kind, name: s.name, sourceId: s.sourceId, toolCall: s.toolCall ? { name: s.toolCall.name } : undefined, usage: s.usage });
}

function assertLikeWholeImport(path: string, options: Partial<SummaryOptions> = {}): void {
  let whole: ReturnType<typeof analyzeFile> | undefined;
  let refusal: unknown;
  try {
    whole = analyzeFile(path, detectOptionsFor(DEFAULT_TAXONOMY));
  } catch (e) {
    refusal = e;
  }
  if (!whole) {
    if (!isUserInputError(refusal)) throw refusal;
    const { problems } = refusal;
    assert.throws(() => summarizeTraceFile(path, { taxonomy: 'default', ...options }), (e: unknown) => {
      assert.ok(isUserInputError(e), String(e));
      assert.deepEqual(e.problems, problems);
      return true;
    });
    return;
  }
  const summary = summarizeTraceFile(path, { taxonomy: 'default', ...options });
  assert.equal(summary.format, whole.format);
  assert.deepEqual(summary.warnings.map((w) => JSON.stringify(w)).sort(), whole.warnings.map((w) => JSON.stringify(w)).sort(), 'warnings');
  assert.equal(summary.runs.length, whole.traces.length, 'runs');
  summary.runs.forEach(({ trace, findings }, run) => {
    const { steps, ...header } = whole!.analyses[run].trace;
    const { steps: summarySteps, ...summaryHeader } = trace;
    assert.deepEqual(jsonView(summaryHeader), jsonView(header), `run ${run}'s header`);
    assert.equal(summarySteps.length, steps.length, `run ${run}'s steps`);
    assert.deepEqual(summarySteps.map((s) => jsonView(s)), steps.map(kept), `run ${run}'s steps`);
    assert.deepEqual(jsonView(findings), jsonView(whole!.analyses[run].findings), `run ${run}'s findings`);
  });
}

describe('engine: a trace file summarized as the CLI reads it', function () {
  this.timeout(60_000);
  const dir = mkdtempSync(join(tmpdir(), 'atd-summary-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  describe('each shared corpus file, as the whole import reads it', () => {
    for (const path of sharedFiles('.', (n) => !/^(README\.md|SOURCES\.tsv)$/.test(n))) {
      it(path.slice(path.indexOf('traces')), () => assertLikeWholeImport(path));
    }
  });

  describe('generated traces read as a stream', () => {
    for (const format of BENCH_FORMATS) {
      it(format, () => {
        const path = join(dir, `bench.${format}.${format.startsWith('otlp-') || format === 'jsonl' ? 'jsonl' : 'json'}`);
        writeFileSync(path, benchTraceText(format, 3_000));
        assertLikeWholeImport(path, { streamFromBytes: 0, chunkSize: 64 * 1024 });
      });
    }

    it('a collector\'s file whose first trace gets a span after the next trace began (read again: a reset)', () => {
      const traceLine = (k: number): string => otlpLines(benchTraceText('otlp', 25, k + 1).split(BENCH_TRACE_ID).join(`${String(k + 1).padStart(4, '0')}${'ab'.repeat(14)}`), 1000, true).trimEnd();
      const first = JSON.parse(traceLine(0)) as { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };
      const straggler = structuredClone(first);
      straggler.resourceSpans[0].scopeSpans[0].spans = first.resourceSpans[0].scopeSpans[0].spans.splice(3, 1);
      const path = join(dir, 'grown.jsonl');
      writeFileSync(path, `${[JSON.stringify(first), traceLine(1), JSON.stringify(straggler), traceLine(2)].join('\n')}\n`);
      assertLikeWholeImport(path, { streamFromBytes: 0, chunkSize: 4096 });
    });
  });
});
