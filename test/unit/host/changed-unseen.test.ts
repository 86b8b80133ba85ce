/**
 * A held step read back that is no longer in the file as it was read: the file changed in a way
 * its read did not see (a line written over in place and lines appended in one write, which the
 * append check takes for an append; a change notice that never came). The step's details refuse
 * the line, saying so, and the file is read again from the start: then everything shown is what a
 * fresh open shows.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_TAXONOMY } from '../../../src/host/analysis/core-api';
import { TraceFile } from '../../../src/host/editor/trace-file';
import { TraceFileReader } from '../../../src/host/editor/trace-file-reader';
import { DocumentWorkerClient } from '../../../src/core/engine/worker/document-client';
import { startTraceWorker } from '../../../src/core/engine/worker/spawn';
import { StepChangedOnDisk } from '../../../src/core/engine/stream/step-payloads';
import { benchTraceText } from '../../support/bench-traces';
import { Opened } from '../../support/opened-in-process';
import { traceWorkerScript } from '../../support/bundled';

const all = benchTraceText('jsonl', 60, 3).split('\n').filter((l) => l !== '');

/** An edit of one line in place, as long as before: what it finds, and what it writes instead. */
interface SameLengthEdit { what: string; find: string; replace: (found: string) => string; refused: RegExp; check: (step: { name: string; status: string; endTime: number | null }) => void }
const RENAME: SameLengthEdit = {
  what: 'a tool step renamed', find: '"kind":"tool","name":"web_search"', replace: () => '"kind":"tool","name":"web_seerch"',
  refused: /changed on disk since it was read: step ".+" is no longer on this line\. The trace is being read again\./,
  check: (s) => assert.equal(s.name, 'web_seerch'),
};
const STATUS: SameLengthEdit = {
  what: "a failed tool step's status changed", find: '"kind":"tool","name":"read_file","status":"error"', replace: () => '"kind":"tool","name":"read_file","status":"unset"',
  refused: /changed on disk since it was read: step ".+" on this line now has another status\. The trace is being read again\./,
  check: (s) => assert.equal(s.status, 'unset'),
};
const END_TIME: SameLengthEdit = {
  what: "a tool step's end time changed", find: '"kind":"tool","name":"web_search","status":"ok","startTime":', replace: (found) => found,
  refused: /changed on disk since it was read: step ".+" on this line now has another end time\. The trace is being read again\./,
  check: (s) => assert.equal(String(s.endTime).slice(-3), '999'),
};

/** `edit` applied to a tool step among lines 9-30, and the next lines appended, in one write: the step's id. */
function editAndGrow(path: string, edit: SameLengthEdit = RENAME): string {
  const at = all.findIndex((l, i) => i > 8 && l.includes(edit.find));
  assert.ok(at > 0 && at < 30);
  let line = all[at].replace(edit.find, edit.replace);
  if (edit === END_TIME) line = line.replace(/("endTime":\d+)\d{3}/, '$1999');
  assert.equal(Buffer.byteLength(line), Buffer.byteLength(all[at]), 'the edit keeps the line as long');
  assert.notEqual(line, all[at]);
  const edited = all.slice(0, 40).map((l, i) => (i === at ? line : l));
  writeFileSync(path, [...edited, ...all.slice(40)].join('\n') + '\n');
  return JSON.parse(all[at]).id as string;
}

describe('trace editor: a change the read did not see', function () {
  this.timeout(120_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'atd-unseen-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  for (const edit of [RENAME, STATUS, END_TIME]) {
    it(`${edit.what} in place and lines appended in one write: refused, said, and a read from the start shows the file as it is`, () => {
      const path = join(dir, `in-process-${edit.what.replace(/\W+/g, '-')}.trace.jsonl`);
      writeFileSync(path, all.slice(0, 40).join('\n') + '\n');
      const live = new Opened(path, true);
      let told = 0;
      live.file.onChangedOnDisk = () => told++;
      const changed = editAndGrow(path, edit);
      live.reload();
      assert.equal(live.change?.kind, 'appended', 'taken for an append: the first bytes and the last line read are as before');
      const session = live.file.session(0);
      const index = session.steps.findIndex((s) => s.id === changed);
      assert.throws(() => session.details(index, false), (e: unknown) => e instanceof StepChangedOnDisk && edit.refused.test(e.message));
      assert.equal(told, 1);
      live.loader.reload(true);
      live.file.flushGrowth();
      assert.deepEqual(live.shown(), new Opened(path, true).shown());
      edit.check(live.file.session(0).steps[index] as never);
    });
  }

  it('through the trace worker: the reader asks to be read again, and the next read starts from the start', async () => {
    const path = join(dir, 'worker.trace.jsonl');
    writeFileSync(path, all.slice(0, 40).join('\n') + '\n');
    const client = new DocumentWorkerClient(() => startTraceWorker(traceWorkerScript(), 'document'), { path, taxonomy: 'default', siblings: false, streamFromBytes: 0, chunkSize: 4096, payloadsOnDemand: true });
    const file = TraceFile.opening(path, { taxonomy: DEFAULT_TAXONOMY, readSidecar: () => undefined });
    const reader = new TraceFileReader(file, client, () => undefined);
    let asked = 0;
    reader.wantsReadAgain = () => asked++;
    try {
      assert.equal(await reader.open().done, 'done');
      const renamed = editAndGrow(path);
      assert.equal(await reader.reload(), 'done');
      const index = file.session(0).steps.findIndex((s) => s.id === renamed);
      assert.throws(() => file.session(0).details(index, false), StepChangedOnDisk);
      assert.equal(asked, 1, 'the reader asked its owner for a read');
      assert.equal(await reader.reload(), 'done');
      file.flushGrowth();
      const fresh = new Opened(path, true);
      assert.deepEqual(file.session(0).details(index, false), fresh.file.session(0).details(index, false));
      assert.equal(file.session(0).steps.length, fresh.file.session(0).steps.length);
    } finally {
      reader.dispose();
    }
  });
});
