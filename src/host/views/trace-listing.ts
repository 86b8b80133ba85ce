/**
 * Which files the Agent Traces view lists: the files the trace glob names, then (with
 * `detectJsonTraces`) other JSON/JSONL files as candidates, every file once, at most `maxFiles` in
 * all, and whether more were left out. No vscode import: the unit tests drive it with a fake
 * `findFiles` (test/unit/host/trace-listing.test.ts).
 *
 * Why the care: the JSON glob matches the named `*.trace.json` files again. Asking it for only the
 * room left let those duplicates use up the budget, so a workspace of 5,000 traces listed about
 * 4,000 and never said so.
 *
 * Each search walks the workspace (270-400 ms at 5,000 files in code-server): with the default
 * glob one search finds both kinds while they fit in `maxFiles`; otherwise the two run at once.
 */

/** What the listing needs of a CancellationToken. */
export interface ListingToken {
  readonly isCancellationRequested: boolean;
}

/** `vscode.workspace.findFiles`, or a fake of it. */
export type FindFiles<U> = (include: string, exclude: string, maxResults: number, token?: ListingToken) => PromiseLike<readonly U[]>;

export interface ListingOptions<U> {
  findFiles: FindFiles<U>;
  /** The trace glob (setting `traceGlob`): files listed by name. */
  traceGlob: string;
  /** Folders never looked in (node_modules, .git, build output). */
  exclude: string;
  /** Most files listed (setting `maxFiles`), named and candidates together. */
  maxFiles: number;
  /** Also list other JSON/JSONL files, as candidates the view shows only when they sniff as traces. */
  detectJsonTraces: boolean;
  /**
   * When the trace glob names exactly the files whose paths end in one of these (the default glob):
   * one search for those and the JSON files together, where two searches each walk the workspace.
   */
  namedSuffixes?: readonly string[];
  /** The file's path (for the suffix and never-a-trace checks) and its identity (for duplicates). */
  pathOf(uri: U): string;
  keyOf(uri: U): string;
  token?: ListingToken;
  /** Lets other work run between chunks of results; the next macrotask by default. */
  yieldNow?: () => Promise<void>;
}

export interface ListedFile<U> {
  uri: U;
  /** Named by the trace glob; otherwise a JSON/JSONL candidate. */
  byName: boolean;
}

export type TraceListing<U> =
  | { cancelled: true }
  /** `capped`: more files matched than `maxFiles` (the search returns an arbitrary subset then). */
  | { cancelled: false; files: ListedFile<U>[]; capped: boolean };

/** Candidates are matched by this glob; the view sniffs their content. */
export const JSON_CANDIDATES_GLOB = '**/*.{json,jsonl}';

/** JSON files that are never traces: excluded from the search so they do not use up `maxFiles`. */
export const NEVER_TRACES = /(^|\/)(package(-lock)?|tsconfig[^/]*|jsconfig|composer|\.eslintrc|settings|launch|tasks|extensions)\.json$/i;
const NEVER_TRACE_GLOBS = ['package.json', 'package-lock.json', 'tsconfig*.json', 'jsconfig.json', 'composer.json', '.eslintrc.json', 'settings.json', 'launch.json', 'tasks.json', 'extensions.json'].map((n) => `**/${n}`);

/** Results handled between two yields: a few milliseconds of work at most. */
const CHUNK = 500;

const nextMacrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** `exclude` (a `{a,b}` group or a single pattern) with the never-trace JSON names added. */
export function candidateExclude(exclude: string): string {
  const inner = exclude.startsWith('{') && exclude.endsWith('}') ? exclude.slice(1, -1) : exclude;
  return `{${[inner, ...NEVER_TRACE_GLOBS].filter(Boolean).join(',')}}`;
}

/**
 * Lists the workspace's trace files: each once, at most `maxFiles`, with `capped` set when the
 * workspace has more. Yields between chunks of results and stops as soon as `token` is cancelled.
 */
export async function listTraceFiles<U>(o: ListingOptions<U>): Promise<TraceListing<U>> {
  const maxFiles = Math.max(1, Math.floor(o.maxFiles));
  const yieldNow = o.yieldNow ?? nextMacrotask;
  const cancelled = (): boolean => o.token?.isCancellationRequested === true;
  const seen = new Set<string>();

  /** The distinct results not seen before (and passing `keep`), `CHUNK` at a time. */
  const fresh = async (found: readonly U[], keep: (uri: U) => boolean): Promise<U[] | undefined> => {
    const out: U[] = [];
    const local = new Set<string>();
    for (let i = 0; i < found.length; i++) {
      if (i > 0 && i % CHUNK === 0) {
        await yieldNow();
        if (cancelled()) return undefined;
      }
      const key = o.keyOf(found[i]);
      if (seen.has(key) || local.has(key) || !keep(found[i])) continue;
      local.add(key);
      out.push(found[i]);
    }
    return out;
  };

  /**
   * Up to `room` distinct new files of `glob`, and whether there are more.
   * `skipped` bounds how many results are files already listed, which the search returns again.
   * `started`: the same search already asked for, with a limit at least the one needed here.
   */
  const collect = async (glob: string, exclude: string, room: number, skipped: number, keep: (uri: U) => boolean, started?: StartedSearch<U>): Promise<{ uris: U[]; more: boolean } | undefined> => {
    // One more than needed tells whether there are more.
    let limit = room + skipped + 1;
    for (let first = true; ; first = false) {
      const early = first && started && started.limit >= limit ? started : undefined;
      if (early) limit = early.limit;
      const found = await (early ? early.found : o.findFiles(glob, exclude, limit, o.token));
      if (cancelled()) return undefined;
      const uris = await fresh(found, keep);
      if (!uris) return undefined;
      // Enough distinct files to decide, or the search returned all it has.
      if (uris.length > room || found.length < limit) {
        const kept = firstByPath(uris, room, o.pathOf);
        for (const uri of kept) seen.add(o.keyOf(uri));
        return { uris: kept, more: uris.length > room };
      }
      // The results were filled with files skipped here (another spelling of a never-trace name,
      // a folder that is in the workspace twice): ask for more.
      limit *= 2;
      await yieldNow();
      if (cancelled()) return undefined;
    }
  };

  /**
   * The named files and the candidates from one search, when it finds no more than maxFiles;
   * undefined when it finds more, since then the named files must be chosen first.
   */
  async function listInOneSearch(suffixes: readonly string[]): Promise<TraceListing<U> | undefined> {
    const found = await o.findFiles(oneSearchGlob(suffixes), o.exclude, maxFiles + 1, o.token);
    if (cancelled()) return { cancelled: true };
    if (found.length > maxFiles) return undefined;
    const distinct = await fresh(found, () => true);
    if (!distinct) return { cancelled: true };
    const named: ListedFile<U>[] = [];
    const candidates: ListedFile<U>[] = [];
    for (const uri of distinct) {
      const path = o.pathOf(uri);
      // As the two globs would match them: case and all.
      if (suffixes.some((suffix) => path.endsWith(suffix))) named.push({ uri, byName: true });
      else if (/\.jsonl?$/.test(path) && !NEVER_TRACES.test(path)) candidates.push({ uri, byName: false });
    }
    return { cancelled: false, files: [...named, ...candidates], capped: false };
  }

  if (o.detectJsonTraces && o.namedSuffixes?.length) {
    const once = await listInOneSearch(o.namedSuffixes);
    if (once) return once;
  }

  // Both searches start at once: each walks the workspace, and one after the other they were 270
  // and 400 ms of a warm listing of 5,000 files in code-server. The candidates' limit covers any
  // room the named files leave plus the named files it finds again (at most maxFiles in all).
  const candidateExcludeGlob = candidateExclude(o.exclude);
  const startedCandidates = o.detectJsonTraces ? startSearch(o.findFiles, JSON_CANDIDATES_GLOB, candidateExcludeGlob, maxFiles + 1, o.token) : undefined;
  const named = await collect(o.traceGlob, o.exclude, maxFiles, 0, () => true);
  if (!named) return { cancelled: true };
  const files: ListedFile<U>[] = named.uris.map((uri) => ({ uri, byName: true }));
  if (named.more || !o.detectJsonTraces) return { cancelled: false, files, capped: named.more };

  // The JSON glob finds the named .json/.jsonl files again: they are skipped, and asked for on top
  // of the room left so that they cannot use it up.
  await yieldNow();
  if (cancelled()) return { cancelled: true };
  const overlap = files.filter((f) => /\.jsonl?$/i.test(o.pathOf(f.uri))).length;
  const candidates = await collect(JSON_CANDIDATES_GLOB, candidateExcludeGlob, maxFiles - files.length, overlap, (uri) => !NEVER_TRACES.test(o.pathOf(uri)), startedCandidates);
  if (!candidates) return { cancelled: true };
  for (const uri of candidates.uris) files.push({ uri, byName: false });
  return { cancelled: false, files, capped: candidates.more };
}

/** The glob of the named files' and the candidates' extensions together: `**\/*.{json,jsonl,traj,eval}` for the default. */
export function oneSearchGlob(suffixes: readonly string[]): string {
  const extensions = new Set(['json', 'jsonl', ...suffixes.map((suffix) => suffix.slice(suffix.lastIndexOf('.') + 1))]);
  return `**/*.{${[...extensions].join(',')}}`;
}

/** A search asked for before its results are needed, and the limit it was asked with. */
interface StartedSearch<U> {
  limit: number;
  found: Promise<readonly U[]>;
}

function startSearch<U>(findFiles: FindFiles<U>, include: string, exclude: string, limit: number, token?: ListingToken): StartedSearch<U> {
  const found = Promise.resolve(findFiles(include, exclude, limit, token));
  // Its failure is met where it is awaited; if the listing ends first (cancelled, capped by the
  // named files), nobody awaits it and it must not be reported as unhandled.
  found.catch(() => undefined);
  return { limit, found };
}

/** The first `n` by path of what the search returned (it returns one more than needed to tell whether there are more). */
function firstByPath<U>(uris: U[], n: number, pathOf: (uri: U) => string): U[] {
  if (uris.length <= n) return uris;
  return uris
    .map((uri) => ({ uri, path: pathOf(uri) }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    .slice(0, n)
    .map((e) => e.uri);
}
