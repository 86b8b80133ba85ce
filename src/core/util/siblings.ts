/**
 * Files next to a trace that its importer reads along with it: label sidecars (TRAIL), a
 * SWE-bench `report.json`, Cline's ui_messages.json, opencode's message/ and part/ folders, a
 * Claude Code session's sub-agent files. Importers are synchronous, so these readers are too.
 *
 * A trace opened through a symbolic link has two folders: the link's and its target's (a folder of
 * links to chosen runs, whose reports stay beside each run). A file is looked for beside the link
 * first, then beside the target.
 */
import { readdirSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

export interface SiblingAccess {
  readSibling: (rel: string) => Uint8Array | undefined;
  listSibling: (relDir: string) => string[] | undefined;
}

export function siblingsOf(path: string): SiblingAccess {
  const folders = siblingFolders(path);
  return {
    readSibling: (rel) => firstFound(folders, (folder) => readFileSync(resolve(folder, rel))),
    listSibling: (rel) => firstFound(folders, (folder) => readdirSync(resolve(folder, rel))),
  };
}

/** The file's folder, and its target's folder when it is a link to a file elsewhere. */
function siblingFolders(path: string): string[] {
  const here = dirname(resolve(path));
  let target: string;
  try {
    target = dirname(realpathSync(path));
  } catch {
    return [here];
  }
  // `here` may itself be reached through a link: compare real folders.
  let realHere = here;
  try { realHere = realpathSync(here); } catch { /* the folder as given */ }
  return target === realHere ? [here] : [here, target];
}

/** What `read` gives for the first folder where it does not throw (a missing file, a folder that is not one). */
function firstFound<T>(folders: readonly string[], read: (folder: string) => T): T | undefined {
  for (const folder of folders) {
    try {
      return read(folder);
    } catch {
      // Not here: the next folder.
    }
  }
  return undefined;
}
