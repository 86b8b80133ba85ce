/**
 * The trace worker's Detector Report jobs (src/core/engine/worker/jobs.ts), run in process: the
 * files under a folder as the CLI walks them, and the evaluation of chunks of files, which added
 * up (mergeEvaluations) give the figures `agent-trace eval-detectors` computes over the same
 * files, with the line of every step they name. On three TRAIL traces with their human labels.
 */
import { strict as assert } from 'node:assert';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { forEachCorpusTrace, type CorpusTrace } from '../../../src/core/corpus';
import { evaluateDetectors } from '../../../src/core/detector-eval';
import { mergeEvaluations } from '../../../src/core/detector-eval/merge';
import { stepLineKey, workerJobs } from '../../../src/core/engine/worker/jobs';
import { DEFAULT_TAXONOMY } from '../../../src/core/taxonomy';

const GAIA = resolve(__dirname, '..', '..', '..', '..', 'shared', 'traces', 'trail', 'GAIA');
const IDS = ['0ebe673d64647ec44c370638b82d3c78', 'a96c6811716c0473b86a23321db79c34', 'e491d73ca2fd8a2a6f8984feb1c408a3'];

describe('engine: the trace worker\'s Detector Report jobs', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'atd-detector-jobs-'));
    for (const kind of ['traces', 'annotations']) {
      mkdirSync(join(dir, 'GAIA', kind), { recursive: true });
      for (const id of IDS) cpSync(join(GAIA, kind, `${id}.json`), join(dir, 'GAIA', kind, `${id}.json`));
    }
    writeFileSync(join(dir, 'notes.json'), '{"not": "a trace"}');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('chunks added up give the CLI\'s figures, with the line and name of each step they name', () => {
    const { files, problems } = workerJobs.traceFilesUnder({ folders: [dir] });
    assert.deepEqual(problems, []);
    assert.equal(files.length, 7, 'three traces, three label files and notes.json: the walk does not sniff');
    const params = { taxonomy: 'default', maxBytes: 1 << 26, maxExamples: 1000 };
    const parts = [workerJobs.evaluateDetectors({ ...params, paths: files.slice(0, 3) }), workerJobs.evaluateDetectors({ ...params, paths: files.slice(3) })];
    assert.equal(parts.reduce((n, p) => n + p.traces, 0), 3);
    const skipped = parts.flatMap((p) => p.skipped);
    assert.equal(skipped.length, 4, 'the label files and notes.json are skipped');
    assert.ok(skipped.every((s) => s.reason.length > 0 && !s.reason.startsWith(s.file)), 'each with its reason');

    const traces: CorpusTrace[] = [];
    forEachCorpusTrace([dir], { taxonomy: DEFAULT_TAXONOMY }, (t) => traces.push(t));
    const expected = evaluateDetectors(traces, { taxonomy: DEFAULT_TAXONOMY });
    assert.ok(expected.judgements.labels > 0);
    assert.deepEqual(mergeEvaluations(parts.map((p) => p.evaluation)), expected);

    const steps = Object.assign({}, ...parts.map((p) => p.steps)) as Record<string, { line?: number; name: string }>;
    const located = new Map(traces.flatMap((t) => t.trace.steps.map((s) => [stepLineKey(t.file, t.traceIndex, s.id), { line: s.location?.line, name: s.toolCall?.name ?? s.name }])));
    const named = [...expected.rules, ...expected.categories].flatMap((f) => Object.values(f.examples).flat());
    assert.ok(named.length > 0);
    for (const a of named) {
      const key = stepLineKey(a.file, a.traceIndex, a.stepId);
      assert.ok(located.get(key)?.line, `${a.stepId} in ${a.file} has a line`);
      assert.deepEqual(steps[key], located.get(key), `the line and name of ${a.stepId} in ${a.file}`);
    }
  });

  it('a file over the size limit is skipped with the setting that changes it', () => {
    const r = workerJobs.evaluateDetectors({ paths: [join(dir, 'GAIA', 'traces', `${IDS[0]}.json`)], taxonomy: 'default', maxBytes: 10, maxExamples: 5 });
    assert.equal(r.traces, 0);
    assert.match(r.skipped[0]?.reason ?? '', /agentTraceDebugger\.maxFileSizeMB/);
  });
});
