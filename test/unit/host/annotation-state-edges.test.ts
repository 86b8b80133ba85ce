/**
 * Two host paths that used to disagree with VS Code's view of the document:
 * - Undo from the "tagged (saved to …)" notification after the trace editor was opened: the undo
 *   must be an edit of the open document (VS Code hears it: dirty tab, undo stack), not a silent
 *   replay that closing the tab loses.
 * - Save after "Reload" of a sidecar another program wrote: nothing to write, so that program's
 *   file keeps its own layout.
 */
import { strict as assert } from 'node:assert';
import { addTag, emptyDocument, serializeSidecar } from '../../../src/core/annotations';
import { AnnotationState, type AnnotationChange } from '../../../src/host/editor/annotation-state';

const BINDING = { path: 'run.json', sha256: 'a'.repeat(64) };
const SIDECAR = '/traces/run.json.annotations.json';

describe('annotation state: edits made elsewhere and saves with nothing to write', () => {
  it('an undo made from the notification is an edit of the open document (dirty, undoable)', () => {
    const tagged = addTag(emptyDocument(BINDING), { location: 'step-1', category: 'TOOL.RUNTIME', impact: 'HIGH' });
    const onDisk = serializeSidecar(tagged.doc);
    const state = new AnnotationState(SIDECAR, BINDING, () => onDisk);
    const changes: AnnotationChange[] = [];
    state.onDidChange((c) => changes.push(c));
    assert.equal(state.doc.errors.length, 1);

    state.performEdit(tagged.inverse);

    assert.equal(state.doc.errors.length, 0, 'the tag is gone');
    assert.equal(state.dirty, true, 'the document differs from the sidecar on disk');
    assert.deepEqual(changes.map((c) => c.kind), ['edit'], 'reported as an edit, which the provider turns into an undo stop');
    assert.ok(changes[0].inverse, 'with its own inverse, so Ctrl+Z brings the tag back');
  });

  it('a sidecar read from another program has nothing to write until it is edited', () => {
    const foreign = JSON.stringify({ version: 1, trace: BINDING, errors: [{ location: 'step-9', category: 'Tool-related', source: 'human', status: 'confirmed' }], corrections: [], reviewed: [], producer: 'other-tool' });
    const state = new AnnotationState(SIDECAR, BINDING, () => foreign);
    assert.notEqual(state.textToSave(), foreign, 'our layout differs from the other program\'s');
    assert.equal(state.needsWrite, false, 'a save right after reading writes nothing');
    state.performEdit(addTag(state.doc, { location: 'step-2', category: 'TOOL.RUNTIME', impact: 'LOW' }).edit);
    assert.equal(state.needsWrite, true);
    state.reload();
    assert.equal(state.needsWrite, false, 'after Reload, the save that makes VS Code\'s tab clean writes nothing');
  });
});
