/**
 * `agent-trace dap`: the trace debugger's Debug Adapter Protocol server over stdin/stdout, for any
 * DAP client (nvim-dap, Emacs dap-mode, JetBrains, VS Code with a `debugServer`-less executable
 * adapter). stdout carries the protocol and nothing else: console output goes to stderr.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { format } from 'node:util';
import { TraceDebugAdapter } from '../../core/debug/adapter';
import { startTraceWorker } from '../../core/engine/worker/spawn';
import type { CommandResult } from '../output';

export function dapCommand(input: NodeJS.ReadableStream = process.stdin, output: NodeJS.WritableStream = process.stdout): Promise<CommandResult> {
  // Anything printed to stdout would corrupt the protocol stream: send stray console output to stderr.
  const toStderr = (...args: unknown[]): void => { process.stderr.write(`${format(...args)}\n`); };
  console.log = toStderr;
  console.info = toStderr;
  console.debug = toStderr;
  console.warn = toStderr;
  // The built CLI has the trace worker beside it (dist/): a large run is read there, its entry stop
  // made once its first steps are read (adapter.ts, launchReading). Run from source, it reads first.
  const workerScript = join(__dirname, 'trace-worker.js');
  const session = new TraceDebugAdapter(existsSync(workerScript) ? { spawnDocumentWorker: () => startTraceWorker(workerScript, 'document') } : {});
  return new Promise((resolve) => {
    // The session exits the process shortly after the client disconnects or closes the stream.
    input.on('close', () => resolve({ exitCode: 0, stdout: [], stderr: [] }));
    session.start(input, output);
  });
}
