/**
 * `agent-trace receive [--port 4318] [--host 127.0.0.1] [--out agent-traces] [--max-body-mb 32]`:
 * the OTLP/HTTP trace receiver for headless use. Prints the endpoint and the line to export it,
 * a line per trace file created and per refused request while it runs, and stops cleanly on
 * SIGINT or SIGTERM (finishing the requests in flight and their writes).
 */
import { escapeControlChars } from '../../core/util/problems';
import {
  exportEndpointLine, OtlpReceiverError, startOtlpReceiver,
  DEFAULT_MAX_BODY_BYTES, DEFAULT_OTLP_HOST, DEFAULT_OTLP_PORT,
} from '../../core/receiver';
import type { CommandResult } from '../output';

export interface ReceiveArgs {
  port?: number;
  host?: string;
  out?: string;
  maxBodyBytes?: number;
}

/** Where the running command prints, and what stops it (tests pass their own). */
export interface ReceiveIO {
  out(line: string): void;
  err(line: string): void;
  /** Call `stop` once when the user asks to stop (SIGINT, SIGTERM); return the function that removes the hook. */
  onStopRequest(stop: (signal: string) => void): () => void;
}

export const processIO: ReceiveIO = {
  out: (line) => { process.stdout.write(`${escapeControlChars(line)}\n`); },
  err: (line) => { process.stderr.write(`${escapeControlChars(line)}\n`); },
  onStopRequest(stop) {
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
    return () => { process.off('SIGINT', onInt); process.off('SIGTERM', onTerm); };
  },
};

export const DEFAULT_OUT_DIR = 'agent-traces';

export async function receiveCommand(args: ReceiveArgs, io: ReceiveIO = processIO): Promise<CommandResult> {
  const host = args.host ?? DEFAULT_OTLP_HOST;
  let receiver;
  try {
    receiver = await startOtlpReceiver({ outDir: args.out ?? DEFAULT_OUT_DIR, port: args.port ?? DEFAULT_OTLP_PORT, host, maxBodyBytes: args.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES });
  } catch (e) {
    if (!(e instanceof OtlpReceiverError)) throw e;
    const hint = e.code === 'PORT_IN_USE' || e.code === 'PORT_NOT_ALLOWED' ? '; choose another with --port' : e.code === 'HOST_UNAVAILABLE' ? '; check --host' : '';
    return { exitCode: 2, stdout: [], stderr: [`agent-trace receive: ${e.message}${hint}`] };
  }
  let traces = 0;
  let spans = 0;
  receiver.onTraceWritten((e) => {
    spans += e.spanCount;
    if (e.created) {
      traces++;
      io.out(`new trace ${e.traceId}: ${e.path} (${e.spanCount} span${e.spanCount === 1 ? '' : 's'})`);
    }
  });
  receiver.onRequestRefused((e) => io.err(`refused ${e.method} ${e.path}: ${e.status} ${e.reason}`));

  io.out(`OTLP/HTTP trace receiver listening on ${receiver.url}`);
  io.out('Point an OpenTelemetry SDK at it:');
  io.out(`  ${exportEndpointLine(receiver.url)}`);
  io.out(`Each trace goes to its own file in ${receiver.outDir}. Ctrl+C stops.`);
  if (!/^(127\.\d+\.\d+\.\d+|localhost|::1)$/.test(host)) {
    io.err(`warning: listening on ${host}: anyone who can reach this address can write trace files here`);
  }

  const signal = await new Promise<string>((resolve) => {
    const off = io.onStopRequest((s) => { off(); resolve(s); });
  });
  await receiver.close();
  return { exitCode: 0, stdout: [`stopped (${signal}): ${traces} new trace file${traces === 1 ? '' : 's'}, ${spans} span${spans === 1 ? '' : 's'} written`], stderr: [] };
}
