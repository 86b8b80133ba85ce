/**
 * Remove one example from a training set: its line in the data file and its manifest entry,
 * under the set's lock, the data file, manifest and data card committed as one unit (commit.ts),
 * like a promotion: a crash leaves the example in the set or removes it, never half of it.
 *
 * The caller names the example by manifest id *and* the record hash it showed the user: if the
 * set changed in between (a re-promotion reuses ids), nothing is removed.
 */
import { join } from 'node:path';
import { realFileOps } from '../util/file-ops';
import type { DataFile } from '../export/encode';
import { UserInputError } from '../util/problems';
import { withLock } from './lock';
import { commitFiles, recoverCommit } from './commit';
import { renderReadme } from './readme';
import { loadCheckedSet, lockOptionsFor, readDataLines, readManifest, readSetConfig, type SetIo } from './store';

export interface ExampleRef {
  id: string;
  /** sha256 of the example's JSONL line as the user saw it. */
  recordSha256: string;
}

export interface RemovalResult {
  file: DataFile;
  /** 1-based line the example had in its data file. */
  line: number;
  /** Examples left in that data file. */
  remaining: number;
}

// Re-exported: the Training Sets view reads sets through this module.
export { readDataLines, readManifest };

export async function removeExample(setDir: string, ref: ExampleRef, io: SetIo = {}): Promise<RemovalResult> {
  const ops = io.ops ?? realFileOps;
  const config = readSetConfig(setDir);
  if (!config) throw new UserInputError({ file: join(setDir, 'set.json'), message: 'no such file: this folder is not a training set' });
  return withLock(setDir, () => {
    const manifestPath = join(setDir, 'manifest.jsonl');
    recoverCommit(setDir, ops);
    // The same check a promotion makes: removing "line n" of a file that no longer lines up
    // with the manifest would remove some other example.
    const { entries, lines: byFile } = loadCheckedSet(setDir, 'removing examples');
    const at = entries.findIndex((e) => e.id === ref.id);
    if (at < 0) throw new UserInputError({ file: manifestPath, message: `has no example ${ref.id} any more (the set changed since it was shown); refresh the Training Sets view` });
    const entry = entries[at];
    if (entry.recordSha256 !== ref.recordSha256) {
      throw new UserInputError({ file: manifestPath, message: `example ${ref.id} was re-promoted since it was shown; refresh the Training Sets view and try again` });
    }
    const lines = byFile.get(entry.file)!;
    const index = entries.filter((e) => e.file === entry.file).indexOf(entry);
    const keptLines = lines.filter((_, i) => i !== index);
    const keptEntries = entries.filter((_, i) => i !== at);
    commitFiles(setDir, [
      { name: entry.file, data: keptLines.length ? keptLines.join('\n') + '\n' : '' },
      { name: 'manifest.jsonl', data: keptEntries.map((m) => JSON.stringify(m)).join('\n') + (keptEntries.length ? '\n' : '') },
      { name: 'README.md', data: renderReadme(config, keptEntries) },
    ], ops);
    return { file: entry.file, line: index + 1, remaining: keptLines.length };
  }, lockOptionsFor(io));
}
