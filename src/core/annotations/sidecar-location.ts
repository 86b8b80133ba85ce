/**
 * Where a trace's annotation sidecar is read from and saved to. By default beside the trace
 * (`<trace>.annotations.json`). A configured folder (the `annotationsFolder` setting) holds them
 * instead, for read-only or shared trace folders; and when the trace's folder is not writable and
 * no folder is configured, they go to a fallback folder (the extension's storage), so tagging a
 * trace in a read-only folder works. A sidecar already beside the trace (a TRAIL label file shipped
 * with a dataset) is still read until the relocated one exists.
 *
 * Inside a storage folder a sidecar mirrors the trace's path relative to `base` (the workspace
 * folder); a trace outside `base` is kept apart by a hash of its folder.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative } from 'node:path';
import { sha256Hex } from '../util/hash';
import { SIDECAR_SUFFIX, sidecarPathFor } from './sidecar';

export interface SidecarStorage {
  /** Configured folder for sidecars (absolute); undefined or '' keeps them beside the trace. */
  folder?: string;
  /** Where sidecars go when the trace's folder is not writable and no folder is configured. */
  fallbackFolder: string;
  /** The folder trace paths are mirrored from inside a storage folder (the workspace folder). */
  base?: string;
}

export interface SidecarLocation {
  /** Where the sidecar is read from and saved to. */
  path: string;
  /** Older sidecars read, in order, while `path` does not exist yet. */
  readFallbacks: string[];
  /** Why `path` is not beside the trace; undefined when it is. */
  relocated?: 'configured' | 'read-only-folder';
}

export interface LocationProbe {
  exists(path: string): boolean;
  /** Whether files can be created in (and renamed into) this folder. */
  writableFolder(path: string): boolean;
}

export const diskProbe: LocationProbe = {
  exists: existsSync,
  writableFolder: (path) => {
    try {
      accessSync(path, constants.W_OK);
      return true;
    } catch {
      return false;
    }
  },
};

/** The sidecar of `tracePath` inside a storage folder. */
export function storedSidecarPath(folder: string, tracePath: string, base?: string): string {
  const rel = base ? relative(base, tracePath) : '';
  const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
  const mirrored = inside ? rel : join(`outside-${sha256Hex(dirname(tracePath)).slice(0, 12)}`, basename(tracePath));
  return join(folder, mirrored + SIDECAR_SUFFIX);
}

export function sidecarLocation(tracePath: string, storage: SidecarStorage, probe: LocationProbe = diskProbe): SidecarLocation {
  const beside = sidecarPathFor(tracePath);
  if (storage.folder) {
    return { path: storedSidecarPath(storage.folder, tracePath, storage.base), readFallbacks: [beside], relocated: 'configured' };
  }
  const fallback = storedSidecarPath(storage.fallbackFolder, tracePath, storage.base);
  if (probe.writableFolder(dirname(tracePath))) {
    // Beside the trace; a sidecar saved in the fallback folder while the folder was read-only is still read.
    return { path: beside, readFallbacks: probe.exists(beside) ? [] : [fallback] };
  }
  return { path: fallback, readFallbacks: [beside], relocated: 'read-only-folder' };
}

/** The text of the first existing sidecar: `path`, else its fallbacks; undefined when there is none. */
export function readSidecarTextAt(location: SidecarLocation, read: (path: string) => string | undefined): string | undefined {
  for (const p of [location.path, ...location.readFallbacks]) {
    const text = read(p);
    if (text !== undefined) return text;
  }
  return undefined;
}

/** The first sidecar that exists: at the location, else an older one; undefined when there is none. */
export function existingSidecar(location: SidecarLocation, exists: (path: string) => boolean = existsSync): string | undefined {
  return [location.path, ...location.readFallbacks].find(exists);
}
