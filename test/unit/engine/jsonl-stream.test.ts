/**
 * agent-trace/v1 JSON lines too large for one string, read as a stream by `loadTraceFile`
 * (src/core/engine/stream/jsonl-stream.ts): the same traces, warnings and refusals as the whole
 * import of a smaller file, whatever the file holds.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTraceFile, type LoadResult } from '../../../src/core/load';
import { loadCanonicalJsonlStream, looksLikeCanonicalJsonl } from '../../../src/core/engine/stream/jsonl-stream';
import { isUserInputError } from '../../../src/core/util/problems';
import { benchTraceText } from '../../support/bench-traces';
import { jsonView } from '../../support/convert-compare';
import { PROJECT_ROOT } from '../../support/shared';

const dir = mkdtempSync(join(tmpdir(), 'atd-jsonl-stream-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let serial = 0;

const header = (id: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id, title: id, ...extra });
const step = (id: string, extra: Record<string, unknown> = {}): string => JSON.stringify({ type: 'step', id, kind: 'tool', name: id, ...extra });

/** The file loaded whole, and as a stream; loadTraceFile takes the stream for it above the limit. */
function both(text: string): { whole: unknown; streamed: unknown; path: string } {
  const path = join(dir, `s${++serial}.trace.jsonl`);
  writeFileSync(path, text);
  assert.equal(looksLikeCanonicalJsonl(path, statSync(path).size), true, 'recognized by its head: read as a stream above the limit');
  const outcome = (load: () => LoadResult): unknown => {
    try {
      return jsonView(load());
    } catch (e) {
      if (isUserInputError(e)) return { refused: e.problems };
      throw e;
    }
  };
  return { whole: outcome(() => loadTraceFile(path)), streamed: outcome(() => loadCanonicalJsonlStream(path)), path };
}

describe('engine: agent-trace/v1 JSON lines over the string limit, read as a stream', () => {
  const cases: [string, () => string][] = [
    ['a generated run', () => benchTraceText('jsonl', 300, 9)],
    ['three runs', () => [1, 2, 3].map((seed) => benchTraceText('jsonl', 30, seed)).join('')],
    ['the example trace', () => readFileSync(join(PROJECT_ROOT, 'examples/research-agent.trace.jsonl'), 'utf8')],
    ['CRLF line ends, a BOM and a last line without a line break', () => `\uFEFF${[header('crlf'), step('a', { startTime: 1 }), step('b', { parentId: 'a', startTime: 2 }), step('c')].join('\r\n')}`],
    ['bad lines among good ones (warned about, with their places)', () => [header('bad'), step('a'), '{"type":"step", nope', step('b'), '[1,2]', step('c')].join('\n') + '\n'],
    ['steps out of decision order (read again and built whole)', () => [header('order'), step('a', { startTime: 5 }), step('b', { startTime: 1 }), step('c', { parentId: 'a' })].join('\n') + '\n'],
    ['labels on steps and a run without steps', () => [header('labels', { labels: [{ stepId: 'b', scheme: 'trail', category: 'Tool Selection Errors' }] }), step('a'), step('b'), header('empty')].join('\n') + '\n'],
    ['repeated ids', () => [header('repeat'), step('a'), step('a'), step('a#2'), step('k', { parentId: 'a#2' })].join('\n') + '\n'],
    ['a file without steps (refused in the whole import\'s words)', () => header('none') + '\n'],
  ];
  for (const [name, text] of cases) {
    it(name, () => {
      const { whole, streamed } = both(text());
      assert.deepEqual(streamed, whole);
    });
  }

  it('loadTraceFile reads agent-trace/v1 over the limit as a stream; other JSON lines as before', () => {
    const path = join(dir, 'over.trace.jsonl');
    writeFileSync(path, benchTraceText('jsonl', 200, 3));
    assert.deepEqual(jsonView(loadTraceFile(path, { streamAbove: 1024 })), jsonView(loadTraceFile(path)));
    const chat = join(dir, 'chat.jsonl');
    writeFileSync(chat, readFileSync(join(PROJECT_ROOT, 'test/fixtures/openai-chat/conversations.jsonl')));
    assert.equal(looksLikeCanonicalJsonl(chat, statSync(chat).size), false);
    assert.deepEqual(jsonView(loadTraceFile(chat, { streamAbove: 16 })), jsonView(loadTraceFile(chat)), 'another format: read whole, as before');
  });

  it('tells its progress through the file as it reads, chunk by chunk, to the end (what the debugger shows)', () => {
    const path = join(dir, 'progress.trace.jsonl');
    // About 11 MB: three of the reader's 4 MB chunks.
    writeFileSync(path, benchTraceText('jsonl', 8_000, 4));
    const size = statSync(path).size;
    const told: number[] = [];
    const loaded = loadTraceFile(path, { streamAbove: 1024, onStreamProgress: (byte, total) => {
      assert.equal(total, size);
      told.push(byte);
    } });
    assert.equal(loaded.traces[0].steps.length, 8_000);
    assert.ok(told.length >= 2, `told ${told.length} times for ${size} bytes`);
    assert.deepEqual(told, [...told].sort((a, b) => a - b), 'never goes back');
    assert.equal(told[told.length - 1], size);
  });
});
