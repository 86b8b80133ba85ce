/**
 * A unified diff in a step's text (`git diff`, a SWE-agent submission, a patch a tool returned):
 * each line's kind, so the details can colour it as VS Code colours a diff. Pure: unit-tested in
 * plain Node. A text is taken for a diff only when it has a file header (`diff --git`, or `--- `
 * followed by `+++ `) and a hunk header (`@@ -a,b +c,d @@`).
 */
export type PatchLineKind = 'meta' | 'hunk' | 'added' | 'removed' | 'same';

const HUNK = /^@@ -\d+(?:,\d+)? \+\d+(?:,\d+)? @@/;

/** The kind of each line of `text` (split at "\n"), or undefined when it is no unified diff. */
export function patchLineKinds(text: string): PatchLineKind[] | undefined {
  const lines = text.split('\n');
  let header = false;
  let hunk = false;
  for (let i = 0; i < lines.length && !(header && hunk); i++) {
    const l = lines[i];
    if (l.startsWith('diff --git ') || (l.startsWith('--- ') && lines[i + 1]?.startsWith('+++ '))) header = true;
    else if (HUNK.test(l)) hunk = header;
  }
  if (!header || !hunk) return undefined;
  let inHunk = false;
  return lines.map((l) => {
    if (HUNK.test(l)) { inHunk = true; return 'hunk'; }
    if (l.startsWith('diff --git ')) { inHunk = false; return 'meta'; }
    if (!inHunk) return 'meta';
    if (l.startsWith('+')) return 'added';
    if (l.startsWith('-')) return 'removed';
    return 'same';
  });
}
