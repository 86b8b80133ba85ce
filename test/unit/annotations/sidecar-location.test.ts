/**
 * Where sidecars live: beside the trace by default, in the configured folder when set, and in the
 * fallback storage folder when the trace's folder is not writable, so tagging a trace in a
 * read-only folder works and says where it saved.
 */
import { strict as assert } from 'node:assert';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseSidecar, writeFileAtomic } from '../../../src/core/annotations';
import { diskProbe, readSidecarTextAt, sidecarLocation, storedSidecarPath, type LocationProbe, type SidecarLocation } from '../../../src/core/annotations/sidecar-location';
import { DEFAULT_TAXONOMY } from '../../../src/host/analysis/core-api';
import { TraceFile } from '../../../src/host/editor/trace-file';
import { PROJECT_ROOT } from '../../support/shared';

/** The real file system, except that `readOnly` folders refuse writes (tests run as root, where chmod does not). */
function probeWithReadOnly(...readOnly: string[]): LocationProbe {
  return { exists: diskProbe.exists, writableFolder: (p) => !readOnly.includes(p) && diskProbe.writableFolder(p) };
}

function readOrUndefined(path: string): string | undefined {
  try { return readFileSync(path, 'utf8'); } catch { return undefined; }
}

describe('sidecar location', () => {
  let root: string;
  beforeEach(() => { root = mkdtempSync(join(tmpdir(), 'atd-sidecar-loc-')); });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('is beside the trace by default', () => {
    const trace = join(root, 'ws', 'runs', 'a.trace.json');
    mkdirSync(dirname(trace), { recursive: true });
    const loc = sidecarLocation(trace, { fallbackFolder: join(root, 'storage'), base: join(root, 'ws') });
    assert.equal(loc.path, `${trace}.annotations.json`);
    assert.equal(loc.relocated, undefined);
  });

  it('is in the configured folder, mirroring the path inside the workspace folder, and still reads one beside the trace', () => {
    const trace = join(root, 'ws', 'runs', 'a.trace.json');
    const loc = sidecarLocation(trace, { folder: join(root, 'notes'), fallbackFolder: join(root, 'storage'), base: join(root, 'ws') });
    assert.equal(loc.path, join(root, 'notes', 'runs', 'a.trace.json.annotations.json'));
    assert.equal(loc.relocated, 'configured');
    assert.deepEqual(loc.readFallbacks, [`${trace}.annotations.json`]);
  });

  it('keeps traces outside the workspace folder apart by their folder', () => {
    const a = storedSidecarPath('/notes', '/data/x/run.json', '/ws');
    const b = storedSidecarPath('/notes', '/data/y/run.json', '/ws');
    assert.notEqual(a, b);
    assert.match(a, /^\/notes\/outside-[0-9a-f]{12}\/run\.json\.annotations\.json$/);
    assert.equal(storedSidecarPath('/notes', '/ws/../ws2/run.json', '/ws').startsWith('/notes/outside-'), true);
  });

  it('moves to the fallback folder when the trace folder is not writable', () => {
    const traceDir = join(root, 'ws', 'dataset');
    const trace = join(traceDir, 'run.json');
    const loc = sidecarLocation(trace, { fallbackFolder: join(root, 'storage'), base: join(root, 'ws') }, probeWithReadOnly(traceDir));
    assert.equal(loc.path, join(root, 'storage', 'dataset', 'run.json.annotations.json'));
    assert.equal(loc.relocated, 'read-only-folder');
    assert.deepEqual(loc.readFallbacks, [`${trace}.annotations.json`]);
  });

  it('reads the sidecar at its location first, then the older ones', () => {
    const loc: SidecarLocation = { path: '/s/new', readFallbacks: ['/t/old', '/t/older'] };
    const files: Record<string, string> = { '/t/old': 'old', '/t/older': 'older' };
    assert.equal(readSidecarTextAt(loc, (p) => files[p]), 'old');
    files['/s/new'] = 'new';
    assert.equal(readSidecarTextAt(loc, (p) => files[p]), 'new');
    assert.equal(readSidecarTextAt({ path: '/none', readFallbacks: [] }, (p) => files[p]), undefined);
  });

  it('tags a trace in a read-only folder: saved in the storage folder, the trace folder untouched, read back on reopen', () => {
    const traceDir = join(root, 'ws', 'dataset');
    mkdirSync(traceDir, { recursive: true });
    const trace = join(traceDir, 'weather-tools.json');
    copyFileSync(join(PROJECT_ROOT, 'test/fixtures/openai-chat/weather-tools.json'), trace);
    const storage = { fallbackFolder: join(root, 'storage'), base: join(root, 'ws') };
    const probe = probeWithReadOnly(traceDir);
    const openFile = (): TraceFile => {
      const loc = sidecarLocation(trace, storage, probe);
      return TraceFile.fromBytes(trace, readFileSync(trace), { taxonomy: DEFAULT_TAXONOMY, sidecarPath: loc.path, readSidecar: () => readSidecarTextAt(loc, readOrUndefined) });
    };
    const file = openFile();
    const stepId = file.session(0).steps[2].id;
    file.editStepById(stepId, { kind: 'addTag', category: 'TOOL.ARGS_INVALID', impact: 'HIGH', description: 'bad city' }, 0);
    // What the host does on save (provider.writeSidecar / annotations saveNow).
    mkdirSync(dirname(file.annotations.sidecarPath), { recursive: true });
    writeFileAtomic(file.annotations.sidecarPath, file.annotations.textToSave());

    assert.deepEqual(readdirSync(traceDir), ['weather-tools.json'], 'nothing is written into the read-only folder');
    const saved = parseSidecar(readFileSync(join(root, 'storage', 'dataset', 'weather-tools.json.annotations.json'), 'utf8'), 'saved');
    assert.deepEqual(saved.doc.errors.map((e) => [e.location, e.category, e.description]), [[stepId, 'TOOL.ARGS_INVALID', 'bad city']]);
    const reopened = openFile();
    assert.deepEqual(reopened.annotations.doc.errors.map((e) => e.description), ['bad city']);
  });

  it('reads labels shipped beside a trace in a read-only folder, and saves edits to the storage folder without touching them', () => {
    const traceDir = join(root, 'ws', 'dataset');
    mkdirSync(traceDir, { recursive: true });
    const trace = join(traceDir, 'weather-tools.json');
    copyFileSync(join(PROJECT_ROOT, 'test/fixtures/openai-chat/weather-tools.json'), trace);
    const file0 = TraceFile.fromBytes(trace, readFileSync(trace), { taxonomy: DEFAULT_TAXONOMY });
    const stepId = file0.session(0).steps[1].id;
    const shipped = JSON.stringify({ errors: [{ location: stepId, category: 'RSN.HALLUCINATION', impact: 'LOW', description: 'shipped label' }] });
    writeFileSync(`${trace}.annotations.json`, shipped);

    const loc = sidecarLocation(trace, { fallbackFolder: join(root, 'storage'), base: join(root, 'ws') }, probeWithReadOnly(traceDir));
    const file = TraceFile.fromBytes(trace, readFileSync(trace), { taxonomy: DEFAULT_TAXONOMY, sidecarPath: loc.path, readSidecar: () => readSidecarTextAt(loc, readOrUndefined) });
    assert.deepEqual(file.annotations.doc.errors.map((e) => e.description), ['shipped label']);
    file.editStepById(stepId, { kind: 'setReviewed', reviewed: true }, 0);
    mkdirSync(dirname(file.annotations.sidecarPath), { recursive: true });
    writeFileAtomic(file.annotations.sidecarPath, file.annotations.textToSave());
    assert.equal(readFileSync(`${trace}.annotations.json`, 'utf8'), shipped, 'the shipped label file is unchanged');
    const saved = parseSidecar(readFileSync(loc.path, 'utf8'), loc.path).doc;
    assert.deepEqual(saved.errors.map((e) => e.description), ['shipped label']);
    assert.equal(saved.reviewed.length, 1);
  });
});
