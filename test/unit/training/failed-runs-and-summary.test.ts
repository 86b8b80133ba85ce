/**
 * Issue 8: promotion follows how the run ended (failed runs are no demonstrations unless asked),
 * warnings are summarised by kind, the data card counts each error once, and every step number a
 * person reads counts from 1 as the trace editor does.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promoteCommand } from '../../../src/cli/commands/promote';
import { inspectCommand } from '../../../src/cli/commands/inspect';
import { promote } from '../../../src/core/training-set/promote';
import { summariseWarnings } from '../../../src/core/training-set/warning-summary';
import { runOutcome } from '../../../src/core/export/run-outcome';
import type { Trace } from '../../../src/core/model/schema';
import { PROJECT_ROOT, sharedPath } from '../../support/shared';

const RESEARCH = resolve(PROJECT_ROOT, 'examples/research-agent.trace.jsonl');
const lines = (p: string): string[] => readFileSync(p, 'utf8').split('\n').filter(Boolean);

describe('promotion and how the run ended', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'atd-failed-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('a tau-bench episode with reward 0 is no demonstration; --include-failed trains on it', async function () {
    this.timeout(120_000);
    const tau = sharedPath('traces', 'tau-bench', 'gpt-4o-airline.json');
    const refused = await promoteCommand({ trace: tau, traceIndex: 0, set: join(dir, 'a'), format: 'trl' });
    assert.equal(refused.exitCode, 2);
    assert.match(refused.stderr.join('\n'), /nothing to promote: the run failed and has no corrected or judged turn .*--include-failed/);
    assert.match(refused.stderr.join('\n'), /trace 0: a failed run \(tau-bench reward 0\)/);
    const included = await promoteCommand({ trace: tau, traceIndex: 0, set: join(dir, 'b'), format: 'trl', includeFailed: true });
    assert.equal(included.exitCode, 0, included.stderr.join('\n'));
    assert.match(included.stdout[0], /sft\.jsonl \+\d+/);
  });

  it('a corrected turn of a failed run still makes a preference pair and step labels, and no SFT line', async () => {
    const trace = join(dir, 'research.jsonl');
    writeFileSync(trace, readFileSync(RESEARCH));
    writeFileSync(`${trace}.annotations.json`, JSON.stringify({ version: 1, errors: [], reviewed: [], corrections: [{ location: 's12', output: { role: 'assistant', content: 'I could not verify the amounts; here is what the German source says.' } }] }));
    const out = await promote({ trace, set: join(dir, 'set'), format: 'openai', templates: [] });
    assert.deepEqual(out.errors, []);
    assert.deepEqual(out.result!.added, { 'sft.jsonl': 0, 'preference.jsonl': 1, 'stepwise.jsonl': 1, 'sharegpt.jsonl': 0 });
    assert.deepEqual(out.failedRuns, [0]);
    assert.ok(out.warnings.some((w) => /trace 0: a failed run \(the run ended in an error at step 1 \("s1"\): StepLimitExceeded/.test(w.message)));
  });

  it('a file of several runs promotes those with a model turn and names the runs it skipped (embedding calls)', async function () {
    this.timeout(120_000);
    const spans = sharedPath('traces', 'openinference', 'vercel-ai-sdk-v6-spans', 'all-spans.json');
    const out = await promote({ trace: spans, set: join(dir, 'set'), format: 'openai', templates: [] });
    assert.deepEqual(out.errors, []);
    assert.equal(out.result!.added['sft.jsonl'], 8);
    assert.ok(out.warnings.some((w) => w.message === '2 of 10 runs have no model turn and were skipped: 9 ("Vercel AI SDK spans: ai.embed.doEmbed"), 10 ("Vercel AI SDK spans: ai.embed")'), out.warnings.map((w) => w.message).join('\n'));
    // One run alone without a model turn is still refused, saying why.
    const embed = await promote({ trace: spans, traceIndex: 9, set: join(dir, 'one'), format: 'openai', templates: [] }).catch((e: Error) => e);
    assert.match(embed instanceof Error ? embed.message : JSON.stringify(embed.errors), /the trace has no model turn/);
  });

  it('the data card counts each error once (two blind retries are 2, not one per file)', async () => {
    const set = join(dir, 'set');
    const out = await promote({ trace: RESEARCH, set, format: 'trl', sharegpt: true, templates: [], includeFailed: true });
    assert.deepEqual(out.errors, []);
    const readme = readFileSync(join(set, 'README.md'), 'utf8');
    assert.match(readme, /\| ORCH\.BLIND_RETRY \| 2 \|/);
    assert.match(readme, /An error on a \*\*tool step\*\* marks the model turn that made that call only when its category blames the call/);
    assert.ok(lines(join(set, 'manifest.jsonl')).length > 2);
  });
});

describe('runOutcome', () => {
  const trace = (labels: object[], extra: Partial<Trace> = {}): Trace => ({ id: 't', title: 't', source: { format: 'x', path: 'p', sha256: 's' }, startTime: null, tools: [], steps: [], labels, metadata: {}, ...extra }) as Trace;
  const label = (scheme: string, category: string, value?: unknown) => ({ stepId: null, scheme, category, origin: 'inline', ...(value !== undefined ? { value } : {}) });
  it('reads verdicts, rewards, scores and grades', () => {
    assert.deepEqual(runOutcome(trace([label('tau-bench', 'reward', 0), label('tau-bench', 'failed', 0)])).reasons, ['tau-bench reward 0']);
    assert.equal(runOutcome(trace([label('tau-bench', 'reward', 1)])).failed, false);
    assert.equal(runOutcome(trace([label('swe-bench', 'unresolved', false)])).failed, true);
    assert.equal(runOutcome(trace([label('inspect', 'match', 'I')])).failed, true);
    assert.equal(runOutcome(trace([label('inspect', 'match', 'C')])).failed, false);
    assert.equal(runOutcome(trace([label('mast', 'Step repetition', 2)])).failed, true);
    assert.equal(runOutcome(trace([]), ).failed, false);
    assert.equal(runOutcome(trace([], { metadata: { is_correct: false } })).failed, true);
  });
});

describe('warnings summarised by kind', () => {
  it('groups messages that differ only in quoted text, numbers and parentheses', () => {
    const w = (message: string) => ({ file: 'f.json', message });
    const kinds = summariseWarnings([
      w('the trace does not declare the tool "a"; its definition in the examples is inferred from its calls (parameters: x)'),
      w('trace 3: step 4 ("s4") is a model call with no recorded output (no text, no tool call); it is not a turn'),
      w('the trace does not declare the tool "b"; its definition in the examples is inferred from its calls (parameters: y, z)'),
      w('trace 12: step 40 ("s40") is a model call with no recorded output (no text, no tool call); it is not a turn'),
      w('trace 12: step 41 ("s41") is a model call with no recorded output (no text, no tool call); it is not a turn'),
    ]);
    assert.deepEqual(kinds.map((k) => k.count), [3, 2]);
    assert.equal(kinds[0].first.message, 'trace 3: step 4 ("s4") is a model call with no recorded output (no text, no tool call); it is not a turn');
  });

  it('the CLI prints one line per kind, and every warning with --verbose', async function () {
    this.timeout(120_000);
    const dir = mkdtempSync(join(tmpdir(), 'atd-warn-'));
    try {
      const trace = sharedPath('traces', 'tau-bench', 'MockAirlineDomainEnv-few_shot.jsonl');
      const brief = await promoteCommand({ trace, set: join(dir, 'a'), format: 'trl' });
      assert.equal(brief.exitCode, 0, brief.stderr.join('\n'));
      const total = Number(/^(\d+) warnings of (\d+) kinds?, one line per kind; --verbose lists them all$/.exec(brief.stderr.at(-1)!)![1]);
      assert.ok(brief.stderr.length < 10 && total > 50, brief.stderr.join('\n'));
      const verbose = await promoteCommand({ trace, set: join(dir, 'b'), format: 'trl', verbose: true });
      assert.equal(verbose.stderr.length, total);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('step numbers count from 1, as the trace editor shows them', () => {
  it('agent-trace inspect and the blind-retry evidence name the step the editor calls "step 5"', () => {
    const r = inspectCommand({ file: RESEARCH, json: false });
    const out = r.stdout.join('\n');
    // s5 (the first fetch_url) is the 5th step: the editor shows "step 5".
    assert.match(out, /#5 fetch_url\s+TOOL\.TIMEOUT/);
    assert.match(out, /#6 recover\s+ORCH\.BLIND_RETRY\s+blind-retry\s+repeats the call to fetch_url that failed at step 5 /);
  });
});
