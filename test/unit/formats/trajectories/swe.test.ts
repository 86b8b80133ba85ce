import { strict as assert } from 'node:assert';
import { detect } from '../../../../src/core/detect';
import { sharedFiles, sharedPath } from '../../../support/shared';
import { assertRefused, errorSteps, load } from './helpers';

describe('SWE-agent .traj importer', () => {
  // Steps = history before the first model turn + 2 per trajectory entry + the exit step.
  const expected: Record<string, number> = {
    '6e44b9__sweagenttestrepo-1c2844.traj': 2 + 2 * 5 + 1,
    'i_got_id_demo.traj': 2 + 2 * 21 + 1,
    'marshmallow-code__marshmallow-1867.traj': 2 + 2 * 13 + 1,
    'replay__marshmallow-code__marshmallow-1867__default__t-0.20__p-0.95__c-2.00__install-1___install_from_source__marshmallow-code__marshmallow-1867.traj': 2 + 2 * 14 + 1,
    'swe-agent__test-repo-i1.traj': 3 + 2 * 5 + 1,
    'warmup.traj': 2 + 2 * 7 + 1,
  };
  const files = sharedFiles('swe-agent', (n) => n.endsWith('.traj'));
  it('finds every shared .traj', () => assert.equal(files.length, Object.keys(expected).length));
  for (const f of files) {
    const name = f.split('/').pop()!;
    it(`opens ${name}`, () => {
      const t = load(f, 'swe-agent').traces[0];
      assert.equal(t.steps.length, expected[name]);
      assert.equal(t.steps[0].kind, 'system');
      assert.equal(t.steps[t.steps.length - 1].name, 'exit: submitted');
      assert.equal(t.steps[t.steps.length - 1].status, 'ok');
    });
  }
  it('pairs each decision with its command and observation', () => {
    const t = load(sharedPath('traces', 'swe-agent', '6e44b9__sweagenttestrepo-1c2844.traj'), 'swe-agent').traces[0];
    const [llm, tool] = [t.steps[2], t.steps[3]];
    assert.equal(llm.kind, 'llm');
    assert.equal(tool.kind, 'tool');
    assert.equal(tool.name, 'find_file');
    // Function calling: the call as the model made it in history (name, arguments, id).
    assert.deepEqual(tool.toolCall, { id: 'call_fJuazlMUN5fQDQ73G6XSpYpx', name: 'find_file', arguments: { file_name: 'missing_colon.py' } });
    assert.match(String(tool.output?.value), /^Found 1 matches for "missing_colon.py"/);
    assert.equal(t.steps[t.steps.length - 2].name, 'submit');
  });
  it('refuses all_preds.jsonl with one line', () => {
    assertRefused(sharedPath('traces', 'swe-agent', 'all_preds.jsonl'), /predictions.*not a trace/);
  });
});

describe('mini-swe-agent .traj.json importer', () => {
  it('opens the 1.1 trajectories with tool calls and failed commands', () => {
    const t = load(sharedPath('traces', 'mini-swe-agent', 'astropy__astropy-12907.traj.json'), 'mini-swe-agent').traces[0];
    assert.equal(t.steps.length, 130); // one step per message: 130 messages, the last one is the exit
    assert.equal(t.title, 'astropy__astropy-12907');
    assert.equal(t.steps[2].kind, 'llm');
    assert.equal(t.steps[2].output?.messages?.[0].toolCalls?.[0].id, 'call_00_KVNoGhlWmTJUowwDsUa74968');
    assert.equal(t.steps[3].kind, 'tool');
    assert.equal(t.steps[3].toolCall?.id, 'call_00_KVNoGhlWmTJUowwDsUa74968');
    assert.equal(t.steps[129].name, 'exit: Submitted');
    assert.ok(errorSteps(t).every((s) => s.kind === 'tool' && /^exit code -?\d+/.test(s.error!.message)));
    assert.equal(errorSteps(t).length, 15);
  });
  it('makes an exit status with a traceback a failed step', () => {
    const t = load(sharedPath('traces', 'mini-swe-agent', 'pvlib__pvlib-python-1072.traj.json'), 'mini-swe-agent').traces[0];
    const exit = t.steps[t.steps.length - 1];
    assert.equal(exit.name, 'exit: InternalServerError');
    assert.equal(exit.status, 'error');
    assert.match(exit.error!.message, /^litellm\.InternalServerError/);
    assert.match(exit.error!.stack!, /^Traceback \(most recent call last\)/);
  });
  it('takes a search that found nothing (grep exit 1, no output) as answered, not failed; a command that failed still is', () => {
    const t = load(sharedPath('traces', 'mini-swe-agent', 'marshmallow-code__marshmallow-1359.traj.json'), 'mini-swe-agent').traces[0];
    const searches = t.steps.filter((s) => s.kind === 'tool' && s.attributes.returncode === 1 && /^grep /.test(String((s.toolCall?.arguments as { command?: string }).command)));
    assert.equal(searches.length, 3);
    assert.deepEqual(searches.map((s) => [s.status, s.error]), [['ok', undefined], ['ok', undefined], ['ok', undefined]]);
    assert.ok(searches.every((s) => s.output?.value === '<returncode>1</returncode>\n<output>\n</output>'), 'the exit status is still in the output shown');
    assert.deepEqual(detect(t).filter((f) => searches.some((s) => s.id === f.stepId)), []);
    // The same run's script that raised is still a failure.
    assert.ok(errorSteps(t).some((s) => /^python /.test(String((s.toolCall?.arguments as { command?: string }).command)) && /^exit code 1: ModuleNotFoundError/.test(s.error!.message)));
  });
  it('a failed command without a traceback says what it printed last, not only its exit status', () => {
    const pip = load(sharedPath('traces', 'mini-swe-agent', 'astropy__astropy-12907.traj.json'), 'mini-swe-agent').traces[0];
    const install = pip.steps.find((s) => (s.toolCall?.arguments as { command?: string } | undefined)?.command === 'cd /testbed && pip install erfa 2>&1')!;
    assert.equal(install.error?.message, 'exit code 1: ERROR: Could not find a version that satisfies the requirement erfa (from versions: none) / ERROR: No matching distribution found for erfa');
    assert.deepEqual(detect(pip).filter((f) => f.stepId === install.id).map((f) => f.category), ['SYS.ENV_SETUP']);
    // A long output the run kept only the tail of (<warning>, <output_head>, <output_tail>): its last lines.
    const tests = load(sharedPath('traces', 'swebench-bash-only-mini-swe-agent-gemini3pro', 'astropy__astropy-13033', 'astropy__astropy-13033.traj.json'), 'mini-swe-agent').traces[0];
    const run = tests.steps.find((s) => s.status === 'error' && /^pytest /.test(String((s.toolCall?.arguments as { command?: string }).command)))!;
    assert.match(run.error!.message, /^exit code 1: FAILED .* 3 failed, 43 passed, 3 skipped in 0\.33s =+$/);
  });
  it('opens a bare message list (early local runs)', () => {
    const t = load(sharedPath('traces', 'mini-swe-agent', 'local.traj.json'), 'mini-swe-agent').traces[0];
    assert.equal(t.steps.length, 6);
    assert.deepEqual(t.steps[3].toolCall, { name: 'bash', arguments: { command: "echo 'hello world'" } });
  });
  it('attaches the SWE-bench verdict from report.json as a trace-level label', () => {
    const expected: Record<string, [number, boolean]> = {
      'astropy__astropy-12907': [43, true], 'astropy__astropy-13033': [67, false], 'django__django-10999': [39, false],
      'django__django-16667': [41, false], 'psf__requests-1142': [145, true],
    };
    const files = sharedFiles('swebench-bash-only-mini-swe-agent-gemini3pro', (n) => n.endsWith('.traj.json'));
    assert.equal(files.length, 5);
    for (const f of files) {
      const t = load(f, 'mini-swe-agent').traces[0];
      const [steps, resolved] = expected[t.title];
      assert.equal(t.steps.length, steps, t.title); // messages + the exit step taken from info
      assert.equal(t.steps[0].kind, 'system');
      assert.equal(t.steps[steps - 1].name, 'exit: Submitted');
      assert.equal(t.labels.length, 1);
      assert.deepEqual([t.labels[0].scheme, t.labels[0].category, t.labels[0].value, t.labels[0].stepId], ['swe-bench', resolved ? 'resolved' : 'unresolved', resolved, null]);
      assert.match(t.labels[0].origin, /report\.json$/);
    }
  });
  it('refuses the evaluation files with one line', () => {
    const dir = 'swebench-bash-only-mini-swe-agent-gemini3pro';
    for (const f of [...sharedFiles(dir, (n) => n === 'report.json' || n.endsWith('.md') || n === 'results_summary.json'), ...sharedFiles('mini-swe-agent', (n) => n.endsWith('.yaml'))]) {
      assertRefused(f, /SWE-bench evaluation report \(labels\), not a trace: open the \.traj\.json next to it/);
    }
  });
});
