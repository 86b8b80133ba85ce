/** Unified diffs in a step's text, line by line (webview/patch-text.ts), for the details' colours. */
import { strict as assert } from 'node:assert';
import { patchLineKinds } from '../../../webview/patch-text';

describe('webview: a unified diff in a text', () => {
  it('gives each line its kind: file headers, hunks, added, removed and context lines', () => {
    const text = [
      'diff --git a/x.py b/x.py', 'index 20edef5..5857437 100755', '--- a/x.py', '+++ b/x.py', '@@ -1,3 +1,3 @@',
      ' import os', '-def f(a) -> int', '+def f(a) -> int:', '     return a', '', 'diff --git a/y.py b/y.py', '--- a/y.py', '+++ b/y.py', '@@ -4 +4 @@', '-x = 1', '+x = 2',
    ].join('\n');
    assert.deepEqual(patchLineKinds(text), [
      'meta', 'meta', 'meta', 'meta', 'hunk', 'same', 'removed', 'added', 'same', 'same', 'meta', 'meta', 'meta', 'hunk', 'removed', 'added',
    ]);
  });

  it('reads a diff without a git header (--- then +++), after a line of prose', () => {
    assert.deepEqual(patchLineKinds('Here is the patch:\n--- a.txt\n+++ b.txt\n@@ -1 +1 @@\n-a\n+b'), ['meta', 'meta', 'meta', 'hunk', 'removed', 'added']);
  });

  it('is no diff without both a file header and a hunk', () => {
    assert.equal(patchLineKinds('- item one\n- item two\n+ plus'), undefined, 'a list');
    assert.equal(patchLineKinds('@@ -1 +1 @@\n-a\n+b'), undefined, 'a hunk with no file');
    assert.equal(patchLineKinds('--- a.txt\nnot the new file\n@@ -1 +1 @@'), undefined, '--- alone is a rule, not a header');
    assert.equal(patchLineKinds('diff --git a/x b/x\nBinary files differ'), undefined, 'no hunk to colour');
    assert.equal(patchLineKinds(''), undefined);
  });
});
