/**
 * Every real trace of ../shared/traces, promoted the way a user would (with and without a
 * correction and a tag), in both set formats plus ShareGPT: each promotion either writes files
 * that `agent-trace validate` passes with zero errors, or refuses up front with a specific reason.
 * One `it` per file, so a failure names the file. Sets and sidecars live in a temp folder that is
 * removed afterwards; nothing is written into ../shared.
 *
 * Per trace, two promotions: the plain trace in one set format and the annotated one in the other,
 * with ShareGPT (which does not depend on the set format) beside each. Which format goes with which
 * variant alternates from file to file (and from the first run of a file to its last), so the
 * corpus tries every encoder with every variant: all four per trace took 30 s of CPU, a fifth of
 * the unit tests', on the 2-core test machine. The plain trace is promoted with "include failed
 * runs" (a failed run alone would be refused, leaving the encoders untried); the annotated one
 * without, as most users promote.
 *
 * No chat-template rendering here: a template's refusal is only ever a warning, so it cannot
 * change an outcome, and rendering every example twice was 40% of this test's time. Rendering is
 * covered by validate.test.ts and by promote.test.ts's real TRAIL trace.
 */
import { strict as assert } from 'node:assert';
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { addTag, emptyDocument, saveSidecar, setCorrection, type AnnotationDocument } from '../../../src/core/annotations';
import { assistantOutput, modelSteps } from '../../../src/core/export/conversation';
import { loadTraceFile } from '../../../src/core/load';
import type { Trace } from '../../../src/core/model/schema';
import { promote } from '../../../src/core/training-set/promote';
import { validateFile } from '../../../src/core/validate';
import { isUserInputError, formatProblem } from '../../../src/core/util/problems';
import { sharedPath } from '../../support/shared';

const ROOT = sharedPath('traces');
const files: string[] = [];
const walk = (dir: string): void => {
  for (const n of readdirSync(dir).sort()) {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) walk(p);
    else files.push(p);
  }
};
walk(ROOT);

/** Folders whose traces must promote with zero validation errors (when they have a model turn). */
const MUST_PASS = /^(trail|tau-bench|swe-agent|mini-swe-agent|swebench-bash-only-mini-swe-agent-gemini3pro|openhands|inspect-ai|openai-agents-sdk-traces|langfuse|anthropic-managed-agents-recordings|any-agent-genai-spans)\//;

type Variant = 'plain' | 'annotated';
/** Rendering through chat templates off (see above). */
const NO_TEMPLATES = { templates: [] };

type Promotion = { variant: Variant; format: 'openai' | 'trl'; sharegpt: boolean; includeFailed: boolean };
/** Two ways of promoting a trace that, taken in turn, try each encoder with each variant. */
const PROMOTIONS: readonly (readonly Promotion[])[] = [
  [
    { variant: 'plain', format: 'openai', sharegpt: true, includeFailed: true },
    { variant: 'annotated', format: 'trl', sharegpt: true, includeFailed: false },
  ],
  [
    { variant: 'plain', format: 'trl', sharegpt: true, includeFailed: true },
    { variant: 'annotated', format: 'openai', sharegpt: true, includeFailed: false },
  ],
];

/** A correction on the first model turn (same calls, amended text) and a tag on the first failed step. */
function annotate(trace: Trace): AnnotationDocument {
  const traceIndex = trace.source.indexInFile;
  let doc = emptyDocument({ path: trace.source.path, sha256: trace.source.sha256 });
  const first = modelSteps(trace).find((s) => (assistantOutput(s)?.content ?? '').trim() || assistantOutput(s)?.toolCalls?.length)!;
  const out = assistantOutput(first)!;
  doc = setCorrection(doc, { location: first.sourceId ?? first.id, traceIndex }, {
    role: 'assistant',
    content: `${out.content ?? ''}\n(corrected by a reviewer)`.trim(),
    ...(out.toolCalls?.length ? { tool_calls: out.toolCalls.map((c) => ({ ...(c.id ? { id: c.id } : {}), type: 'function' as const, function: { name: c.name, arguments: typeof c.arguments === 'string' ? c.arguments : JSON.stringify(c.arguments ?? {}) } })) } : {}),
  }).doc;
  const failed = trace.steps.find((s) => s.status === 'error') ?? modelSteps(trace).at(-1)!;
  return addTag(doc, { location: failed.sourceId ?? failed.id, traceIndex, category: 'ORCH.WRONG_TOOL' }).doc;
}

interface Row { file: string; trace: number; variant: string; outcome: string; errors: string[] }

describe('promoting every real trace of ../shared/traces', function () {
  // A guard against a hang, not a performance assertion: the largest file promotes 8 times.
  this.timeout(300_000);
  const rows: Row[] = [];
  const work = mkdtempSync(join(tmpdir(), 'atd-real-'));
  let n = 0;

  after(() => rmSync(work, { recursive: true, force: true }));

  /** Promote one trace of `file` the ways of `turn`; every outcome is a row, its validation errors in `errors`. */
  async function promoteEveryWay(file: string, rel: string, trace: Trace, index: number, multi: boolean, turn: number): Promise<Row[]> {
    const traceIndex = multi ? index : undefined;
    if (modelSteps(trace).length === 0) {
      const r = await promote({ trace: file, set: join(work, `none-${n++}`), traceIndex }).catch((e: unknown) => e);
      assert.ok(isUserInputError(r), `${rel} #${index}: a trace without a model turn is refused as a user error`);
      assert.match(r.problems.map(formatProblem).join('; '), /has no model turn/, rel);
      return [{ file: rel, trace: index, variant: '-', outcome: 'refused: the trace has no model turn', errors: [] }];
    }
    const sidecars: Record<Variant, string> = { plain: join(work, `sidecar-${n}-plain.annotations.json`), annotated: join(work, `sidecar-${n}-annotated.annotations.json`) };
    saveSidecar(sidecars.plain, emptyDocument());
    saveSidecar(sidecars.annotated, annotate(trace));
    const out: Row[] = [];
    for (const { variant, format, sharegpt, includeFailed } of PROMOTIONS[turn % PROMOTIONS.length]) {
      const set = join(work, `set-${n++}`);
      const result = await promote({ trace: file, annotations: sidecars[variant], set, format, sharegpt, includeFailed, traceIndex, ...NO_TEMPLATES });
      const row: Row = { file: rel, trace: index, variant: `${variant}/${format}`, outcome: '', errors: [] };
      out.push(row);
      if (result.errors.length) {
        row.errors = result.errors.map(formatProblem);
        row.outcome = `REFUSED: ${row.errors[0]}`;
        assert.equal(existsSync(set), false, `${rel} #${index} ${row.variant}: a refused promotion creates nothing`);
        continue;
      }
      const added = result.result!.added;
      const written = Object.entries(added).filter(([, k]) => k > 0).map(([f, k]) => `${f.replace('.jsonl', '')} ${k}`);
      for (const f of ['sft', 'preference', 'stepwise', 'sharegpt']) {
        const path = join(set, `${f}.jsonl`);
        if (!existsSync(path) || added[`${f}.jsonl` as keyof typeof added] === 0) continue;
        // What `agent-trace validate` counts as errors (it prints the warnings and exits 0).
        row.errors.push(...validateFile(path, NO_TEMPLATES).problems.filter((p) => p.severity === 'error').map(formatProblem));
      }
      row.outcome = `${written.join(', ')}${row.errors.length ? `; ${row.errors.length} ERRORS: ${row.errors[0]}` : ''}`;
      rmSync(set, { recursive: true, force: true });
    }
    return out;
  }

  files.forEach((file, fileNumber) => {
    const rel = relative(ROOT, file);
    it(rel, async () => {
      let traces: Trace[];
      try {
        traces = loadTraceFile(file).traces;
      } catch (e) {
        // Label files, READMEs, verdict files: not traces, refused as a user error (never a crash).
        assert.ok(isUserInputError(e), `${rel}: ${e instanceof Error ? e.message : String(e)}`);
        return;
      }
      // The first and the last run of a multi-run file (each promotion loads the whole file again).
      const picks = [...new Set([0, traces.length - 1])];
      const fileRows: Row[] = [];
      for (const [k, ti] of picks.entries()) {
        const trace = traces[ti];
        fileRows.push(...await promoteEveryWay(file, rel, trace, trace.source.indexInFile ?? ti, traces.length > 1, fileNumber + k));
      }
      rows.push(...fileRows);
      const failures = fileRows.filter((r) => r.errors.length && (MUST_PASS.test(r.file) || !r.outcome.startsWith('REFUSED')));
      assert.deepEqual(failures.map((r) => `#${r.trace} ${r.variant}: ${r.errors.slice(0, 3).join(' | ')}`), []);
    });
  });

  it('exercised the corpus: TRAIL\'s nine traces each wrote examples, and over 100 promotions did', () => {
    const wrote = rows.filter((r) => /sft \d/.test(r.outcome));
    assert.equal(new Set(wrote.filter((r) => r.file.startsWith('trail/')).map((r) => r.file)).size, 9);
    assert.ok(wrote.length > 100, `${wrote.length} promotions wrote SFT examples`);
    // Taken in turn, the two ways tried every encoder with every variant on real traces.
    assert.deepEqual([...new Set(wrote.map((r) => r.variant))].sort(), ['annotated/openai', 'annotated/trl', 'plain/openai', 'plain/trl']);
  });
});
