/**
 * A worker inherits its parent's Node options by default. The bench runs under
 * `node --require tsx/cjs`, a TypeScript loader that a built worker does not need: loading it took
 * 0.15-0.2 s of every worker's start, and of the first rows it sends. So a parent
 * that preloads code (`--require`, `--import`, `--loader`) starts its workers with no options;
 * any other parent's are inherited as they are (the extension host's). Not a filtered copy: Node
 * refuses, in a list given to a worker, the options that are the process's own (`--max-old-space-size`).
 */
const PRELOADS = new Set(['--require', '-r', '--import', '--loader', '--experimental-loader']);

/** `execArgv` for a worker started from a parent with options `parent`: undefined inherits them. */
export function workerExecArgv(parent: readonly string[]): string[] | undefined {
  return parent.some((arg) => PRELOADS.has(arg.split('=', 1)[0])) ? [] : undefined;
}
