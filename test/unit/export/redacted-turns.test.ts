/**
 * Traces whose producer replaced content with redaction placeholders ("[REDACTED_ARGUMENTS len=153
 * sha=…]", as in the Codex CLI rollouts of the shared corpus): the detectors do not judge a
 * placeholder, and promotion does not learn one.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { AnnotationDocument } from '../../../src/core/annotations/schema';
import { detect } from '../../../src/core/detect';
import { openaiSft, stepwise } from '../../../src/core/export/encode';
import { inferMissingTools } from '../../../src/core/export/infer-tools';
import { prepareTrajectory } from '../../../src/core/export/prepare';
import { loadTraceFromBytes } from '../../../src/core/load';
import type { Trace } from '../../../src/core/model/schema';
import { promote } from '../../../src/core/training-set/promote';

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
