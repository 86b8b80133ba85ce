/**
 * The trace database's per-file cache (src/core/workspace/file-index.ts): a file is computed once,
 * reused while its stamp or content is the same, computed again when its content changes, dropped
 * when it is gone; the cache survives a restart, is dropped when its version differs, and an
 * update cancelled half-way keeps (and saves) what it computed.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FileIndex, fileSha256 } from '../../../src/core/workspace/file-index';

describe('the trace database file index', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'atd-file-index-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Records are the file's lines; `computed` lists every file computed, in order. */
  function index(version = 'v1', cacheFile = join(dir, 'cache.json')) {
    const computed: string[] = [];
    const idx = new FileIndex<string>({
      version,
      cacheFile,
      concurrency: 2,
      compute: async (path) => {
        computed.push(path);
        const text = (await import('node:fs')).readFileSync(path, 'utf8');
        if (text.startsWith('bad')) throw new Error('not a trace: line 1, column 1\nstack that must not show');
        return text.split('\n').filter(Boolean);
      },
    });
    return { idx, computed };
  }
  const file = (name: string, text: string): string => { const p = join(dir, name); writeFileSync(p, text); return p; };

  it('computes each file once, then reuses it; a content change computes it again; a gone file is dropped', async () => {
    const a = file('a.jsonl', 'a1\na2\n');
    const b = file('b.jsonl', 'b1\n');
    const { idx, computed } = index();
    const first = await idx.update([a, b]);
    assert.deepEqual({ computed: first.computed, reused: first.reused, removed: first.removed }, { computed: 2, reused: 0, removed: 0 });
    assert.deepEqual(first.files.map((f) => f.records), [['a1', 'a2'], ['b1']]);
    assert.equal(first.files[0].sha256, await fileSha256(a));

    const again = await idx.update([a, b]);
    assert.deepEqual({ computed: again.computed, reused: again.reused }, { computed: 0, reused: 2 });

    writeFileSync(b, 'b1\nb2\n');
    const changed = await idx.update([a]);
    assert.deepEqual({ computed: changed.computed, reused: changed.reused, removed: changed.removed }, { computed: 0, reused: 1, removed: 1 }, 'b is no longer listed');
    const back = await idx.update([a, b]);
    assert.equal(back.computed, 1);
    assert.deepEqual(back.files[1].records, ['b1', 'b2']);
    assert.deepEqual(computed.filter((p) => p === b).length, 2);
  });

  it('a touched file (new modification time, same content) is not computed again', async () => {
    const a = file('a.jsonl', 'a1\n');
    const { idx, computed } = index();
    await idx.update([a]);
    const later = new Date(Date.now() + 60_000);
    utimesSync(a, later, later);
    const r = await idx.update([a]);
    assert.deepEqual({ computed: r.computed, reused: r.reused }, { computed: 0, reused: 1 });
    assert.ok(Math.abs(r.files[0].stamp.mtimeMs - later.getTime()) < 1, "the new modification time is kept");
    assert.equal(computed.length, 1);
  });

  it('a change to a companion file (the annotation sidecar) computes the file again', async () => {
    const a = file('a.trace.jsonl', 'a1\n');
    const computed: string[] = [];
    const idx = new FileIndex<string>({
      version: 'v1',
      companions: (p) => [`${p}.annotations.json`],
      compute: async (p) => { computed.push(p); return ['r']; },
    });
    await idx.update([a]);
    assert.equal((await idx.update([a])).computed, 0);
    writeFileSync(`${a}.annotations.json`, '{"version":1}');
    assert.equal((await idx.update([a])).computed, 1, 'a new sidecar');
    assert.equal((await idx.update([a])).computed, 0);
    rmSync(`${a}.annotations.json`);
    assert.equal((await idx.update([a])).computed, 1, 'the sidecar removed');
    assert.equal(computed.length, 3);
  });

  it('is saved and loaded again: a warm start computes nothing; another version starts over', async () => {
    const paths = [file('a.jsonl', 'a\n'), file('b.jsonl', 'b\n'), file('c.jsonl', 'c\n')];
    await index().idx.update(paths);
    const warm = index();
    assert.equal((await warm.idx.ready()).entries.length, 3, 'loaded from the cache file');
    const r = await warm.idx.update(paths);
    assert.deepEqual({ computed: r.computed, reused: r.reused }, { computed: 0, reused: 3 });
    const other = index('v2');
    assert.equal((await other.idx.ready()).entries.length, 0, 'a cache of another version is dropped');
    assert.equal((await other.idx.update(paths)).computed, 3);
  });

  it('saves one line per file after a header; a torn line in the cache drops that file only', async () => {
    const paths = Array.from({ length: 3000 }, (_, i) => file(`m${i}.jsonl`, `${'x'.repeat(200)}${i}\n`));
    const cacheFile = join(dir, 'cache.json');
    await index('v1', cacheFile).idx.update(paths);
    const lines = readFileSync(cacheFile, 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 3001, 'a header line, then one line per file');
    assert.deepEqual(JSON.parse(lines[0]), { kind: 'agent-trace-file-index-lines', version: 'v1' });
    // A cache cut in the middle of its last line (a crash while it was copied, say).
    writeFileSync(cacheFile, `${lines.join('\n').slice(0, -20)}\n`);
    const warm = index('v1', cacheFile);
    assert.equal((await warm.idx.ready()).entries.length, 2999, 'every whole line is read; the torn one is left to compute');
    const r = await warm.idx.update(paths);
    assert.deepEqual({ computed: r.computed, reused: r.reused }, { computed: 1, reused: 2999 });
    assert.deepEqual(warm.computed, [JSON.parse(lines[3000]).path], 'the file of the torn line');
  });

  it('keeps a file that cannot be read as a trace, with a one-line reason, and computes it again only when it changes', async () => {
    const bad = file('bad.jsonl', 'bad\n');
    const { idx } = index();
    const r = await idx.update([bad]);
    assert.deepEqual(r.files[0].records, []);
    assert.equal(r.files[0].error, 'not a trace: line 1, column 1');
    assert.equal((await idx.update([bad])).computed, 0);
  });

  it('a cache that cannot be saved (its folder is gone) does not fail the update', async () => {
    const a = file('a.jsonl', 'a\n');
    const { idx } = index('v1', join(dir, 'no-such-folder', 'cache.json'));
    const r = await idx.update([a]);
    assert.deepEqual(r.files[0].records, ['a']);
  });

  it('an update cancelled half-way rejects, and keeps what it computed for the next one', async () => {
    const paths = Array.from({ length: 6 }, (_, i) => file(`f${i}.jsonl`, `r${i}\n`));
    const controller = new AbortController();
    const { idx } = index();
    let progressed = 0;
    await assert.rejects(
      idx.update(paths, { signal: controller.signal, onProgress: () => { if (++progressed === 3) controller.abort(); } }),
      (e: Error) => e.name === 'AbortError',
    );
    const kept = (await index().idx.ready()).entries.length;
    assert.ok(kept >= 3 && kept < 6, `the saved cache holds the files computed before the cancel (${kept})`);
    const rest = await idx.update(paths);
    assert.equal(rest.computed, 6 - kept);
    assert.equal(rest.files.length, 6);
  });
});
