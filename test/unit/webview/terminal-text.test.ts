import { strict as assert } from 'node:assert';
import { withoutTerminalEscapes } from '../../../webview/terminal-text';

describe('webview: text written for a terminal, shown without its escape sequences', () => {
  it("leaves out colours, bold and cursor moves, keeping the words (Claude Code's local command output)", () => {
    assert.equal(withoutTerminalEscapes('Kept model as \u001b[1mDefault (recommended)\u001b[22m'), 'Kept model as Default (recommended)');
    assert.equal(withoutTerminalEscapes('\u001b[31;1mFAILED\u001b[0m tests/x.py::test_a - AssertionError'), 'FAILED tests/x.py::test_a - AssertionError');
    assert.equal(withoutTerminalEscapes('50%\u001b[2K\u001b[1G100%'), '50%100%');
    assert.equal(withoutTerminalEscapes('\u001b]0;title\u0007prompt$ \u001b]8;;http://x\u001b\\link\u001b]8;;\u001b\\'), 'prompt$ link');
    assert.equal(withoutTerminalEscapes('a\u001bMb'), 'ab');
  });

  it('leaves out the start of a sequence where a shortened text ends, and keeps text without escapes as it is', () => {
    assert.equal(withoutTerminalEscapes('build \u001b[1;3'), 'build ');
    assert.equal(withoutTerminalEscapes('build \u001b'), 'build ');
    const plain = 'plain [1m text, no escape';
    assert.equal(withoutTerminalEscapes(plain), plain);
  });
});
