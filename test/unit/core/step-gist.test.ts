/** A tool step's gist beside its name in the step list (src/core/analysis/step-gist.ts). */
import { strict as assert } from 'node:assert';
import { GIST_MAX, stepGist } from '../../../src/core/analysis/step-gist';

const call = (name: string, args: unknown) => ({ kind: 'tool' as const, toolCall: { name, arguments: args } });

describe('a step\'s gist', () => {
  it('tells what the call did: its command, file, pattern, URL or plain arguments', () => {
    const cases: [ReturnType<typeof call>, string | undefined][] = [
      [call('Bash', { command: 'git status --short', timeout: 30000 }), 'git status --short'],
      [call('bash', { command: 'cd /testbed && find . -name "*.py" | head' }), 'find . -name "*.py" | head'],
      [call('bash', { command: 'cd /testbed' }), 'cd /testbed'],
      [call('str_replace_editor', { command: 'create', path: '/workspace/game.py', file_text: 'import os' }), 'create /workspace/game.py'],
      [call('Bash', { command: 'ls', description: 'List files' }), 'ls'],
      [call('exec_command', { cmd: ['bash', '-lc', 'rg -n\n  "TODO"  src'] }), 'rg -n "TODO" src'],
      [call('Read', { file_path: '/repo/src/app.ts', limit: 40 }), '/repo/src/app.ts'],
      [call('Grep', { path: '/repo', pattern: 'def remove_column' }), 'def remove_column'],
      [call('WebFetch', { prompt: 'summarise', url: 'https://example.com/a' }), 'https://example.com/a'],
      [call('get_weather', { city: 'Paris', days: 3, detail: { hourly: true } }), 'city: Paris, days: 3'],
      [call('python', 'print(1)'), 'print(1)'],
      [call('read_file', { absolute_path: '/repo/src/math.ts' }), '/repo/src/math.ts'],
      [call('apply_patch', { input: '*** Begin Patch\n*** Update File: src/a.js\n@@\n- return 2;\n+ return 3;\n*** Add File: src/b.js\n+x\n*** End Patch' }), 'Update src/a.js, Add src/b.js'],
      [call('apply_patch', '*** Begin Patch\n*** Delete File: old.txt\n*** End Patch'), 'Delete old.txt'],
      [call('shell', { command: ['apply_patch', '*** Begin Patch\n*** Update File: README.md\n@@\n-a\n+b\n*** End Patch'] }), 'Update README.md'],
      [call('noop', {}), undefined],
      [call('exec_command', '[REDACTED_ARGUMENTS len=153 sha=23291271]'), undefined],
      [call('Bash', { command: '[REDACTED]' }), undefined],
      [call('noop', { items: [1, 2] }), undefined],
      [call('blank', { query: '   ' }), undefined],
    ];
    assert.deepEqual(cases.map(([s]) => stepGist(s)), cases.map(([, g]) => g));
  });

  it('tells a model reply by its first line of text', () => {
    const reply = (...messages: { content: string | null; toolCalls?: { name: string; arguments: unknown }[] }[]) => ({ kind: 'llm' as const, output: { messages: messages.map((m) => ({ role: 'assistant' as const, ...m })) } });
    assert.equal(stepGist(reply({ content: '\n### **Plan**\nThen the rest.' })), 'Plan');
    assert.equal(stepGist(reply({ content: '  Let me look at   the `_cstack` function.\nMore.' })), 'Let me look at the `_cstack` function.');
    assert.equal(stepGist(reply({ content: null, toolCalls: [{ name: 'get_weather', arguments: {} }] })), undefined, 'its calls are the rows after it');
    assert.equal(stepGist(reply({ content: '```' }, { content: 'Done.' })), 'Done.', 'a line of marks alone says nothing');
    assert.equal(stepGist(reply()), undefined);
    assert.equal(stepGist(reply({ content: '[REDACTED_TEXT len=86 sha=1a2b3c4d]' })), undefined, 'a redaction placeholder says nothing');
  });

  it('tells a message by its first line of text, unless its name has it already', () => {
    const message = (name: string, content: string) => ({ kind: 'message' as const, name, input: { messages: [{ role: 'user' as const, content }] } });
    assert.equal(stepGist(message('human', "What's the lowest price a house was sold for?\nIn Queen Anne.")), "What's the lowest price a house was sold for?");
    assert.equal(stepGist(message('user: mix phx.server doesnt seem to start', 'mix phx.server doesnt seem to start')), undefined, 'Claude Code names a prompt by its text');
    assert.equal(stepGist(message('user: mix phx.server doesnt seem…', 'mix phx.server doesnt seem to start at all, whatever I try')), undefined, 'also where the name is cut');
    assert.equal(stepGist(message('input', `${'─'.repeat(80)} Question Request ${'─'.repeat(80)}\nWhat is the low?`)), 'Question Request', "a rule's box-drawing lines are no text");
    assert.equal(stepGist({ kind: 'message', name: 'user', output: { messages: [{ role: 'user', content: 'From the output.' }] } }), 'From the output.');
    assert.equal(stepGist({ kind: 'agent', name: 'planner', input: { messages: [{ role: 'user', content: 'Plan it.' }] } }), undefined, 'an agent turn is named by its agent');
  });

  it('looks at the start of a long text only (the patterns never run over megabytes of trace text)', () => {
    // A trailing-marks pattern over a line of 200,000 spaces before its last letter took quadratic time.
    const spaces = ' '.repeat(200_000);
    assert.equal(stepGist({ kind: 'llm', output: { messages: [{ role: 'assistant', content: `a${spaces}b` }] } }), 'a');
    assert.equal(stepGist(call('Bash', { command: `${spaces}ls${spaces}-la` })), 'ls');
    assert.equal(stepGist(call('put', { key: 'k', value: 'v'.repeat(1_000_000) }))?.length, GIST_MAX);
  });

  it('is one line, at most GIST_MAX characters', () => {
    const long = stepGist(call('Bash', { command: `echo ${'x'.repeat(500)}` }))!;
    assert.equal(long.length, GIST_MAX);
    assert.ok(long.endsWith('…'));
    assert.equal(stepGist({ kind: 'tool' }), undefined);
  });
});
