/**
 * Traces whose producer replaced content with redaction placeholders ("[REDACTED_ARGUMENTS len=153
 * sha=…]", as in the Codex CLI rollouts of the shared corpus): the detectors do not judge a
 * placeholder, and promotion does not learn one.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AnnotationDocument } from '../../../src/core/annotations/schema';
import { openaiSft, stepwise } from '../../../src/core/export/encode';
import { inferMissingTools } from '../../../src/core/export/infer-tools';
import { prepareTrajectory } from '../../../src/core/export/prepare';
import { loadTraceFromBytes } from '../../../src/core/load';
import type { Step, Trace } from '../../../src/core/model/schema';
import { countRedacted, holdsRedactedOutput } from '../../../src/core/model/redaction';
import { promote } from '../../../src/core/training-set/promote';
import { detect, StreamDetector } from '../../../src/core/detect';
import { DocumentLoader, type DocumentEvent } from '../../../src/core/engine/worker/document-load';
import { DEFAULT_TAXONOMY } from '../../../src/host/analysis/core-api';
import { TraceFile } from '../../../src/host/editor/trace-file';
import { inspectCommand } from '../../../src/cli/commands/inspect';
import { reportCommand } from '../../../src/cli/commands/report';
import { analysisOutcome } from '../../../src/core/analysis/outcome';
import { failuresText, summarize, type FailureWords } from '../../../src/host/views/summary';
import { sharedPath } from '../../support/shared';

/** Weather in two cities: llm-1 calls get_weather("San Fran"), which fails; llm-2 calls it again right; llm-3 answers. */
const SMALL = readFileSync(resolve(__dirname, '../../fixtures/export/small.jsonl'), 'utf8');
const REPLY = '[REDACTED_TEXT len=24 sha=0b7d11c3]';
const ARGS = '[REDACTED_ARGUMENTS len=25 sha=5f1c0a2e]';
const NO_ANNOTATIONS = { version: 1, errors: [], reviewed: [], corrections: [] } as unknown as AnnotationDocument;

const replyRedacted = SMALL.replaceAll('"content":"SF is 18C. NYC is sunny."', `"content":"${REPLY}"`);
/** llm-2's call (and tool-2's record of it) with its arguments redacted too. */
const callRedacted = replyRedacted.replaceAll('"arguments":{"city":"San Francisco"}', `"arguments":"${ARGS}"`);

function traceOf(text: string): Trace {
  return loadTraceFromBytes('redacted.trace.jsonl', Buffer.from(text)).traces[0];
}

function assistantWeights(records: ReturnType<typeof openaiSft>): number[][] {
  return records.map((r) => (r.record.messages as { role: string; weight?: number }[]).filter((m) => m.role === 'assistant').map((m) => m.weight!));
}

describe('redacted traces', () => {
  it('the detectors judge no placeholder as invalid arguments, and still judge arguments that are broken', () => {
    const rules = (text: string): string[] => detect(traceOf(text)).map((f) => `${f.stepId} ${f.rule}`);
    assert.ok(!rules(callRedacted).some((r) => r.endsWith('tool-args-json') || r.endsWith('tool-args-schema')), rules(callRedacted).join('\n'));
    const broken = replyRedacted.replaceAll('"arguments":{"city":"San Francisco"}', '"arguments":"[\\"San Francisco\\""');
    assert.ok(rules(broken).includes('llm-2 tool-args-json'), rules(broken).join('\n'));
  });

  it('calls redacted alike are not taken for the same call: no blind retry', () => {
    // Both calls fail; with their real arguments, the same, the second is a blind retry.
    const bothFail = SMALL.replaceAll('"arguments":{"city":"San Francisco"}', '"arguments":{"city":"San Fran"}')
      .replace('"status":"ok","toolCall":{"id":"c2"', '"status":"error","toolCall":{"id":"c2"')
      .replace('"output":{"value":"18C"}}', '"output":{"value":"unknown city: San Fran"},"error":{"message":"unknown city: San Fran"}}');
    const categories = (text: string): string[] => detect(traceOf(text)).map((f) => f.category);
    assert.ok(categories(bothFail).includes('ORCH.BLIND_RETRY'), categories(bothFail).join(', '));
    const redactedAlike = bothFail.replaceAll('"arguments":{"city":"San Fran"}', '"arguments":"[REDACTED]"');
    assert.ok(!categories(redactedAlike).includes('ORCH.BLIND_RETRY'), categories(redactedAlike).join(', '));
  });

  it('a turn that is a placeholder is context only (weight 0), gives no step labels, and is said so; corrected, it is learned', () => {
    const p = prepareTrajectory(traceOf(replyRedacted), NO_ANNOTATIONS, { sidecarFile: 's' });
    assert.deepEqual([...p.redacted], [['llm-3', REPLY]]);
    assert.deepEqual(assistantWeights(openaiSft(p)), [[1, 1, 0]]);
    assert.deepEqual(stepwise(p), []);
    const warning = p.warnings.find((w) => w.message.includes('redaction placeholder'));
    assert.equal(warning?.message, `1 assistant turn holds a redaction placeholder, not what the model wrote (step 5 ("llm-3"): "${REPLY}"): context only, neither learned nor labelled; correct a turn to learn it`);

    const corrected = { ...NO_ANNOTATIONS, corrections: [{ location: 'llm-3', output: { role: 'assistant', content: 'SF is 18C.' } }] } as unknown as AnnotationDocument;
    const q = prepareTrajectory(traceOf(replyRedacted), corrected, { sidecarFile: 's' });
    assert.deepEqual(assistantWeights(openaiSft(q)), [[1, 1, 1]]);
    assert.ok(!q.warnings.some((w) => w.message.includes('redaction placeholder')), q.warnings.map((w) => w.message).join('\n'));
  });

  it('a tool inferred from its calls takes no parameter from a placeholder', () => {
    const [header, ...steps] = callRedacted.split('\n');
    const { tools: _declared, ...undeclared } = JSON.parse(header) as Record<string, unknown>;
    const { inferred } = inferMissingTools(traceOf([JSON.stringify(undeclared), ...steps].join('\n')));
    assert.deepEqual(inferred.map((t) => [t.name, Object.keys((t.parameters as { properties: object }).properties)]), [['get_weather', ['city']]]);
  });

  it('promotion refuses a trace whose every turn is a placeholder, saying so and what to do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'atd-redacted-'));
    const trace = join(dir, 'redacted.trace.jsonl');
    writeFileSync(trace, callRedacted.replaceAll('"arguments":{"city":"San Fran"}', `"arguments":"${ARGS}"`));
    const outcome = await promote({ trace, set: join(dir, 'set') });
    assert.deepEqual(outcome.errors.map((e) => e.message), ['trace 0: no assistant turn is learnable: every turn holds a redaction placeholder, not what the model wrote; correct at least one to learn it']);
  });
});

describe('redacted steps are counted as not checked', () => {
  /** llm-2 and tool-2 (the call's arguments) and llm-3 (the reply) hold placeholders. */
  const REDACTED_IDS = ['llm-2', 'tool-2', 'llm-3'];
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'atd-redacted-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('knows a step by its call or its output, not by its input', () => {
    const trace = traceOf(callRedacted);
    assert.deepEqual(trace.steps.filter(holdsRedactedOutput).map((s) => s.id), REDACTED_IDS);
    const inputOnly: Pick<Step, 'input' | 'output'> = { input: { messages: [{ role: 'user', content: '[REDACTED]' }] }, output: { value: 'fine' } };
    assert.equal(holdsRedactedOutput(inputOnly), false);
    assert.equal(holdsRedactedOutput({ output: { value: '<redacted>' } }), true);
    assert.equal(countRedacted(traceOf(SMALL).steps), 0);
  });

  it('the stream detector counts them whatever the batches, and its copy goes on from its count', () => {
    const trace = traceOf(callRedacted);
    const whole = new StreamDetector(trace);
    whole.add(trace.steps);
    assert.equal(whole.redactedSteps, 3);
    const inBatches = new StreamDetector(trace);
    for (const step of trace.steps) inBatches.add([step]);
    assert.equal(inBatches.redactedSteps, 3);
    const half = trace.steps.findIndex((s) => s.id === 'tool-2');
    const first = new StreamDetector(trace);
    first.add(trace.steps.slice(0, half));
    const copy = first.copy();
    copy.add(trace.steps.slice(half));
    assert.deepEqual([first.redactedSteps, copy.redactedSteps], [1, 3]);
  });

  for (const streamed of [false, true]) {
    it(`the editor's header says how many, from the document worker's count (${streamed ? 'streamed' : 'loaded whole'})`, () => {
      const path = join(dir, 'redacted.trace.jsonl');
      writeFileSync(path, callRedacted);
      const file = TraceFile.opening(path, { taxonomy: DEFAULT_TAXONOMY });
      const dones: DocumentEvent[] = [];
      new DocumentLoader({ path, taxonomy: 'default', siblings: false, streamFromBytes: streamed ? 0 : undefined, payloadsOnDemand: streamed }, (e) => {
        if (e.kind === 'done') dones.push(e);
        file.applyLoadEvent(e);
      }).open();
      file.flushGrowth();
      assert.deepEqual(dones.map((e) => e.kind === 'done' && [e.streamed, e.redactedAt?.map((places) => places.length)]), [[streamed, [3]]]);
      assert.equal(file.session(0).summary().redactedStepCount, 3);
      // Each such step's row says so (the step list shows it as not checked, not as a green tick).
      const view = { traceIndex: 0, collapsed: [], failuresOnly: false, categories: [] };
      const redactedRows = (f: TraceFile): string[] => f.session(0).rows(view, 0, 100).rows.filter((r) => r.redacted).map((r) => r.id);
      assert.deepEqual(redactedRows(file), REDACTED_IDS);
      // Loaded on the host (no worker), counted there.
      const onHost = TraceFile.fromBytes(path, Buffer.from(callRedacted), { taxonomy: DEFAULT_TAXONOMY });
      assert.equal(onHost.session(0).summary().redactedStepCount, 3);
      assert.deepEqual(redactedRows(onHost), REDACTED_IDS);
      assert.equal(TraceFile.fromBytes(path, Buffer.from(SMALL), { taxonomy: DEFAULT_TAXONOMY }).session(0).summary().redactedStepCount, undefined);
    });
  }

  it('the Agent Traces and Sessions views say so beside the failures, from the analysis worker\'s outcome', () => {
    // The words as src/host/views/failure-words.ts gives them in English.
    const words: FailureWords = {
      failures: (n) => (n === 0 ? 'no failures' : n === 1 ? '1 failure' : `${n} failures`),
      redacted: (n) => (n === 1 ? '1 step redacted, not checked' : `${n} steps redacted, not checked`),
    };
    const rowOf = (text: string): string => {
      const summary = summarize(analysisOutcome(join(dir, 'run.trace.jsonl'), Buffer.from(text), DEFAULT_TAXONOMY, false));
      assert.equal(summary.kind, 'ok');
      return summary.kind === 'ok' ? failuresText(summary, words) : '';
    };
    assert.equal(rowOf(SMALL), '1 failure');
    assert.equal(rowOf(callRedacted), '1 failure · 3 steps redacted, not checked');
    // A shared Codex CLI rollout published with its content replaced by placeholders.
    const rollout = readFileSync(sharedPath('traces', 'codex-cli', 'rollout-2026-02-23T12-40-23-019c8a4c-ed82-79a1-aa28-7738fc5ab61a.jsonl'), 'utf8');
    assert.equal(rowOf(rollout), '185 steps redacted, not checked');
  });

  it('`agent-trace inspect` and `report` say so', () => {
    const path = join(dir, 'redacted.trace.jsonl');
    writeFileSync(path, callRedacted);
    writeFileSync(join(dir, 'clean.trace.jsonl'), SMALL);
    const inspected = inspectCommand({ file: path, json: false });
    assert.ok(inspected.stdout.includes('  redacted: 3 steps hold a redaction placeholder for their call arguments or output, so were not checked'), inspected.stdout.join('\n'));
    assert.equal((JSON.parse(inspectCommand({ file: path, json: true }).stdout[0]) as { redactedSteps: number }).redactedSteps, 3);
    const reported = reportCommand({ paths: [dir], json: false });
    assert.ok(reported.stdout.includes('redacted: 3 steps in 1 file hold a redaction placeholder for their call arguments or output, so were not checked'), reported.stdout.join('\n'));
    const perFile = (JSON.parse(reportCommand({ paths: [dir], json: true }).stdout[0]) as { perFile: { file: string; redactedSteps: number }[] }).perFile;
    assert.deepEqual(perFile.map((r) => [r.file.endsWith('clean.trace.jsonl'), r.redactedSteps]).sort(), [[false, 3], [true, 0]]);
  });
});
