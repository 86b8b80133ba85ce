/**
 * Promotion follows the review the user made in the editor: the detectors run with the options
 * of the user's taxonomy (as in the editor), rejected findings stay out of the training data, and
 * a sidecar written for other trace bytes is refused unless the user confirms.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { main } from '../../../src/cli/main';
import { TRAIL_TAXONOMY } from '../../../src/core/taxonomy';
import { promote } from '../../../src/core/training-set/promote';
import { TraceFile } from '../../../src/host/editor/trace-file';
import { sharedPath } from '../../support/shared';

const lines = (p: string): string[] => (existsSync(p) ? readFileSync(p, 'utf8').split('\n').filter(Boolean) : []);

describe('promotion follows the review', () => {
  let dir: string;
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'atd-promote-review-')); });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** A TRAIL trace whose findings differ with the taxonomy's location rule (2587bf… gets OUT.FORMAT only under the default rule). */
  function trailTraceReviewedInEditor(): { trace: string; shown: string[] } {
    const trace = join(dir, 'e491d73ca2fd8a2a6f8984feb1c408a3.json');
    copyFileSync(sharedPath('traces', 'trail', 'GAIA', 'traces', 'e491d73ca2fd8a2a6f8984feb1c408a3.json'), trace);
    // The editor under TRAIL: reject every finding it shows, then save, as a user would.
    const file = TraceFile.fromBytes(trace, readFileSync(trace), { taxonomy: TRAIL_TAXONOMY });
    const session = file.session(0);
    const shown: string[] = [];
    for (let i = 0; i < session.steps.length; i++) {
      for (const f of session.details(i, true).findings) {
        shown.push(`${session.steps[i].sourceId ?? session.steps[i].id}:${f.category}`);
        file.editAnnotations(0, i, { kind: 'rejectFinding', rule: f.rule, category: f.category });
      }
    }
    assert.ok(shown.length >= 2, `the editor shows findings on this trace (${shown.join(', ')})`);
    assert.equal(file.session(0).failureCount, file.session(0).steps.filter((s) => s.status === 'error').length, 'no finding left in the editor');
    writeFileSync(`${trace}.annotations.json`, file.annotations.textToSave());
    return { trace, shown };
  }

  it('under TRAIL, rejecting every finding the editor shows leaves no finding in the manifest (core promote with the taxonomy)', async () => {
    const { trace } = trailTraceReviewedInEditor();
    const set = join(dir, 'set');
    const out = await promote({ trace, set, taxonomy: TRAIL_TAXONOMY, templates: [], includeFailed: true });
    assert.deepEqual(out.errors, []);
    const tags = lines(join(set, 'manifest.jsonl')).flatMap((l) => (JSON.parse(l) as { tags: { location: string; category: string; origin: string }[] }).tags);
    assert.deepEqual(tags.filter((t) => t.origin === 'rule'), [], 'no detector finding is an error in the manifest');
    assert.ok(!tags.some((t) => t.location === '2587bf7909184d68' && t.category === 'OUT.FORMAT'));
  });

  it('agent-trace promote --taxonomy trail detects as the editor under TRAIL did', async () => {
    const { trace } = trailTraceReviewedInEditor();
    const set = join(dir, 'set-cli');
    const r = await main(['promote', trace, '--set', set, '--taxonomy', 'trail', '--include-failed']);
    assert.equal(r.exitCode, 0, r.stderr.join('\n'));
    const tags = lines(join(set, 'manifest.jsonl')).flatMap((l) => (JSON.parse(l) as { tags: { origin: string }[] }).tags);
    assert.deepEqual(tags.filter((t) => t.origin === 'rule'), []);
  });

  it('refuses a sidecar written for other trace bytes unless --accept-changed-trace is given', async () => {
    const trace = join(dir, 'run.jsonl');
    copyFileSync(resolve(__dirname, '../../fixtures/export/small.jsonl'), trace);
    const sidecar = JSON.parse(readFileSync(resolve(__dirname, '../../fixtures/export/small.sidecar.json'), 'utf8'));
    writeFileSync(`${trace}.annotations.json`, JSON.stringify({ ...sidecar, trace: { path: 'run.jsonl', sha256: 'f'.repeat(64) } }));
    const set = join(dir, 'set');
    const refused = await main(['promote', trace, '--set', set]);
    assert.equal(refused.exitCode, 2);
    assert.match(refused.stderr.join('\n'), /run\.jsonl\.annotations\.json \(\$\.trace\.sha256\): was written for a different version of run\.jsonl .*--accept-changed-trace/);
    assert.equal(existsSync(set), false, 'nothing written, not even the set folder');
    const accepted = await main(['promote', trace, '--set', set, '--accept-changed-trace']);
    assert.equal(accepted.exitCode, 0, accepted.stderr.join('\n'));
    assert.match(accepted.stderr.join('\n'), /warning: .*different version of run\.jsonl/);
    assert.ok(lines(join(set, 'preference.jsonl')).length > 0, 'its corrections are used once the user confirmed');
  });
});
