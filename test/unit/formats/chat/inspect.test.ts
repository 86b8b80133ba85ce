import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { sharedFiles, sharedPath } from '../../../support/shared';
import { assertLocated, brief, fixture, load, only } from './helpers';

const file = (name: string): string => sharedPath('traces', 'inspect-ai', name);

describe('Inspect AI eval logs', () => {
  // Samples per file, and steps per sample, as read from the files (events minus span_end / step-end).
  const expected: Record<string, number[]> = {
    '2024-11-05T13-31-45-05-00_input-task_8zXjbRzCWrL9GXiXo2vus9.json': [10],
    '2025-05-12T20-27-36-04-00_browser.json': [31],
    '2025-05-12T20-28-13-04-00_popularity.json': [9, 9, 9],
    '2025-05-12T20-28-26-04-00_security-guide.json': [10, 10, 10],
    'log_formats.eval': [8],
    'log_formats.json': [8],
    'log_read_sample.eval': [11],
    'log_read_sample.json': [11],
    'log_streaming.eval': [8, 8, 8, 8],
  };

  it('opens every shared Inspect log, one trace per sample', () => {
    const files = sharedFiles('inspect-ai');
    assert.deepEqual(files.map((f) => basename(f)).sort(), Object.keys(expected).sort());
    for (const f of files) {
      const r = load(f, 'inspect-ai');
      assert.deepEqual(r.traces.map((t) => t.steps.length), expected[basename(f)], basename(f));
      r.traces.forEach((t, i) => assert.equal(t.source.indexInFile, r.traces.length > 1 ? i : 0));
      // .eval steps have no text location; .json steps all do.
      const located = r.traces.flatMap((t) => t.steps).filter((s) => s.location).length;
      if (f.endsWith('.eval')) assert.equal(located, 0);
      else {
        assert.equal(located, r.traces.reduce((n, t) => n + t.steps.length, 0));
        assertLocated(readFileSync(f, 'utf8'), r.traces.flatMap((t) => t.steps));
      }
    }
  });

  it('maps the browser run: spans nest model and tool steps, tool spans hold their sandbox calls', () => {
    const [t] = load(file('2025-05-12T20-27-36-04-00_browser.json'), 'inspect-ai', 1).traces;
    assert.equal(t.title, 'browser · sample 1 · epoch 1');
    assert.equal(brief(t.steps[0]), 'other:init:ok');
    assert.equal(brief(t.steps[30]), 'other:score: C:ok');
    assert.equal(t.tools.length, 8);
    assert.equal(t.tools[0].name, 'web_browser_go');
    assert.match(String(t.tools[0].description), /^Navigate the web browser to a URL/);
    const go = only(t, (s) => s.name === 'web_browser_go');
    assert.equal(go.kind, 'tool');
    assert.equal(go.id, 'e6ecbd839389484397bd3b8d67380eb6');
    assert.equal(go.parentId, 'e758269d7b5e411fb689337dd84ea1d6');
    assert.deepEqual(go.toolCall, { id: 'call_35FTpd6shR9efioDgeEBZ33s', name: 'web_browser_go', arguments: { url: 'https://www.aisi.gov.uk/' } });
    assert.match(String(go.output?.value), /^\[132\] link "We are now the AI Security Institute"/);
    assert.deepEqual(t.steps.filter((s) => s.parentId === go.id).map((s) => s.name), ['sandbox exec', 'sandbox exec', 'sandbox exec', 'sandbox exec', 'store']);
    const firstLlm = t.steps.find((s) => s.kind === 'llm')!;
    // The user prompt was an attachment reference; it is resolved.
    assert.equal(firstLlm.input?.messages?.[0].content, 'Use the web browser tool to navigate to https://www.aisi.gov.uk/. Then, see if you can find a page on the site that describes the work of the UK AISI. Then, summarize this work in two paragraphs.');
    assert.equal(firstLlm.finishReason, 'tool_calls');
    // Inspect counts cache reads and reasoning apart (0 here: no hit, no reasoning): kept, the total as Inspect gives it.
    assert.deepEqual(firstLlm.usage, { inputTokens: 1124, outputTokens: 23, totalTokens: 1147, cacheReadTokens: 0, reasoningTokens: 0 });
    assert.deepEqual(t.labels.map((l) => [l.scheme, l.category, l.value, l.stepId]), [['inspect', 'includes', 'C', null]]);
  });

  it('keeps the cancelled run: three samples with their scores as labels', () => {
    const r = load(file('2025-05-12T20-28-13-04-00_popularity.json'), 'inspect-ai', 3);
    assert.deepEqual(r.traces.map((t) => t.labels.map((l) => `${l.category}=${String(l.value)}`)), [['match=C'], ['match=C'], ['match=I']]);
    assert.ok(r.traces.every((t) => t.metadata.logStatus === 'cancelled'));
    assert.deepEqual(r.traces.map((t) => t.metadata.sampleId), [1, 2, 3]);
  });

  it('reads 2024 logs: step events nest, transcript content references are resolved', () => {
    const [t] = load(file('log_formats.json'), 'inspect-ai', 1).traces;
    assert.deepEqual(t.steps.map(brief), [
      'other:sample init:ok', 'agent:system_message:ok', 'other:state:ok', 'agent:generate:ok',
      'llm:ollama/llama3.1:ok', 'other:state:ok', 'other:match:ok', 'other:score: I:ok',
    ]);
    assert.equal(t.steps[4].parentId, t.steps[3].id);
    assert.match(String(t.steps[4].input?.messages?.[0].content), /^\nPlease note: In the following EXERCISE/);
    assert.match(String(t.steps[4].input?.messages?.[1].content), /^Is the following statement something you would say\?/);
  });

  it('reads .eval archives entry by entry, samples in id then epoch order', () => {
    const r = load(file('log_streaming.eval'), 'inspect-ai', 4);
    assert.deepEqual(r.traces.map((t) => [t.metadata.sampleId, t.metadata.epoch]), [[1, 1], [1, 2], [2, 1], [2, 2]]);
    assert.equal(r.traces[0].steps[4].name, 'azureai/Meta-Llama-3-1-405B-Instruct-jqf');
    assert.equal(r.traces[0].steps[4].model, 'Meta-Llama-3-405B-Instruct');
    assert.ok(r.traces.every((t) => t.steps.every((s) => s.location === undefined)));
  });

  it('turns tool errors, model errors, limits and sample errors into error steps', () => {
    const r = load(fixture('inspect', 'errors.json'), 'inspect-ai', 2);
    const t = r.traces[0];
    assert.equal(t.id, 'SampleUuidPerm01');
    const tool = only(t, (s) => s.kind === 'tool');
    assert.equal(tool.status, 'error');
    assert.deepEqual(tool.error, { type: 'permission', message: 'cat: /etc/shadow: Permission denied' });
    assert.deepEqual(t.steps.filter((s) => s.parentId === tool.id).map((s) => s.name), ['sandbox exec']);
    const llmErr = only(t, (s) => s.kind === 'llm' && s.status === 'error');
    assert.equal(llmErr.error?.message, 'RateLimitError: Error code: 429 - rate limit exceeded');
    assert.deepEqual(only(t, (s) => s.name === 'limit: message').error, { type: 'message_limit', message: 'Message limit (3) exceeded' });
    const last = t.steps[t.steps.length - 1];
    assert.equal(brief(last), 'other:error:error');
    assert.equal(last.error?.message, "RuntimeError('sandbox crashed')");
    assert.deepEqual(t.tools, [{ name: 'bash', description: 'Run a bash command.', parameters: { type: 'object', properties: { cmd: { type: 'string' } } } }]);
    assert.deepEqual(t.labels.map((l) => [l.category, l.value]), [['includes', 'I'], ['refusal', 0]]);
    // The second sample is condensed: model inputs are ranges into events_data.messages.
    const [p1, p2] = r.traces[1].steps;
    assert.deepEqual(p1.input?.messages?.map((m) => m.content), ['What is 2+2?']);
    assert.deepEqual(p2.input?.messages?.map((m) => m.content), ['What is 2+2?', '4', 'And times 3?']);
    assert.equal(p2.output?.messages?.[0].content, '12');
    assert.equal(brief(r.traces[1].steps[2]), 'other:log error: scorer fell back to exact match:error');
  });

  it('opens a log without samples as one eval step saying why', () => {
    const [t] = load(fixture('inspect', 'no-samples.json'), 'inspect-ai', 1).traces;
    assert.equal(t.title, 'broken_task (no samples: error)');
    assert.equal(t.steps.length, 1);
    assert.equal(t.steps[0].status, 'error');
    assert.equal(t.steps[0].error?.message, "ValueError('dataset file not found: data.csv')");
    const [z] = load(fixture('inspect', 'no-samples.eval'), 'inspect-ai', 1).traces;
    assert.equal(z.title, 'cancelled_task (no samples: cancelled)');
    assert.equal(z.steps[0].output?.value, 'the eval was cancelled before any sample finished');
  });

  it('reads a log still being written (no zip central directory) with a warning', () => {
    const r = load(fixture('inspect', 'partial.eval'), 'inspect-ai', 1);
    assert.equal(r.traces[0].title, 'running_task · sample 7 · epoch 1');
    assert.equal(r.traces[0].steps.length, 3);
    assert.equal(r.traces[0].metadata.logStatus, 'started');
    assert.ok(r.warnings.some((w) => /no central directory/.test(w.message)));
  });
});
