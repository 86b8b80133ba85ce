/**
 * Trace text is hostile: OSC/CSI escape sequences in a step name, an error or a label must reach
 * the terminal as visible escapes, never as commands (window title, screen clear, hyperlinks,
 * overwritten lines). Every command's output goes through one helper, so this is checked on what
 * main() would print.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { main } from '../../../src/cli/main';
import { printableOutput } from '../../../src/cli/output';

const OSC_TITLE = '\u001b]0;pwned\u0007';
const CLEAR = '\u001b[2J\u001b[H';
const C1_CSI = '\u009b31m';
const HYPERLINK = '\u001b]8;;https://evil.example\u001b\\click\u001b]8;;\u001b\\';
const CARRIAGE = 'ok\rFAKE';
const BIDI = 'abc\u202edcba';

/** Control characters (C0 but the line feed, DEL, C1) and bidi overrides. */
// eslint-disable-next-line no-control-regex -- finding them is the point
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

describe('CLI output of hostile trace text', () => {
  const dir = mkdtempSync(join(tmpdir(), 'agent-trace-escapes-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const header = { type: 'trace', format: 'agent-trace/v1', id: 'run-1', title: `demo ${OSC_TITLE}` };
  const steps = [
    { type: 'step', id: 'a', kind: 'agent', name: `root ${CLEAR}` },
    { type: 'step', id: 'b', parentId: 'a', kind: 'tool', name: `search ${C1_CSI} ${BIDI}`, status: 'error', error: { message: `HTTP 504 gateway timeout ${HYPERLINK} ${CARRIAGE}` } },
    { type: 'step', id: 'c', parentId: `nope ${OSC_TITLE}${'x'.repeat(3000)}`, kind: 'llm', name: 'think' },
  ];
  const file = join(dir, 'hostile.trace.jsonl');
  writeFileSync(file, [header, ...steps].map((l) => JSON.stringify(l)).join('\n'));

  for (const args of [['inspect', file], ['inspect', file, '--json'], ['report', dir], ['report', dir, '--json']]) {
    it(`${args.filter((a) => a !== file && a !== dir).join(' ')} prints no control character from the trace`, async () => {
      const out = printableOutput(await main(args));
      for (const [stream, text] of Object.entries(out)) {
        const m = UNSAFE.exec(text);
        assert.equal(m, null, `${stream} holds U+${m?.[0].charCodeAt(0).toString(16).padStart(4, '0')} near ${JSON.stringify(text.slice(Math.max(0, (m?.index ?? 0) - 40), (m?.index ?? 0) + 10))}`);
      }
      if (args.includes('--json')) JSON.parse(out.stdout);
    });
  }

  it('shows the escapes visibly, and caps quoted trace text in warnings', async () => {
    const out = printableOutput(await main(['inspect', file]));
    assert.match(out.stdout, /search \\u009b31m abc\\u202edcba/);
    const warning = out.stderr.split('\n').find((l) => /names parent/.test(l));
    assert.ok(warning, out.stderr);
    assert.match(warning, /\\u001b\]0;pwned\\u0007/);
    assert.ok(warning.length < 400, `${warning.length} characters`);
  });
});
