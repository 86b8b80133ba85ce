/**
 * `npm run bench`'s live session part: a Claude Code session (test/support/claude-code-session.ts,
 * tool results of 1.5 KB) or a Codex CLI rollout (the test fixture's turns, repeated) opened in the
 * trace editor's way, through its document worker, then written a line at a time as the agent
 * writes it; each line's wall time from the write to the session's last rows shown, while the main
 * thread (the extension host's, in VS Code) is watched. The session is loaded whole once; each line
 * is then read alone (followed-lines.ts). The table is printed by bench.ts.
 */
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { LoadEnd } from '../src/core/engine/worker/document-client';
import type { TraceFileReader } from '../src/host/editor/trace-file-reader';
import type { TraceFile } from '../src/host/editor/trace-file';
import { claudeCodeSessionLines, claudeCodeSessionWithSubagent, writeSessionWrite, type SessionWrite } from '../test/support/claude-code-session';
import { watchMainThread } from '../test/support/main-thread-probe';

/** Lines written after the open, one at a time. */
const LINES_WRITTEN = 30;

export type LiveSessionKind = 'claude-code' | 'claude-code-subagent' | 'codex-cli';

/**
 * The session's writes, `turns` long: Claude Code turns (with a sub-agent halfway, its own files
 * beside the session, the session cut to end soon after it), or repeats of the Codex fixture's
 * turns (its ids made unique).
 */
function sessionWrites(kind: LiveSessionKind, turns: number, path: string): SessionWrite[] {
  if (kind === 'claude-code-subagent') return upToSubagentRun(claudeCodeSessionWithSubagent(7, turns, basename(path, '.jsonl'), { resultChars: 1500 }));
  return sessionLines(kind, turns).map((line) => ({ file: '', line }));
}

/**
 * The session's writes cut so that the lines written after the open begin three lines before the
 * sub-agent's Task call: its files appear, grow and end while the session is followed.
 */
function upToSubagentRun(writes: SessionWrite[]): SessionWrite[] {
  const task = writes.findIndex((w) => w.line.includes('"name":"Task"'));
  const own = writes.flatMap((w, i) => (w.file ? [] : [i]));
  const start = own.indexOf(task) - 3;
  return writes.slice(0, own[start + LINES_WRITTEN - 1] + 1);
}

function sessionLines(kind: LiveSessionKind, turns: number): string[] {
  if (kind === 'claude-code') return claudeCodeSessionLines(7, turns, { resultChars: 1500 });
  const fixture = readFileSync(join(__dirname, '..', 'test', 'fixtures', 'codex-cli', 'failing-exec.jsonl'), 'utf8').split('\n').filter((l) => l !== '');
  const lines = [fixture[0]];
  // Each repeat an hour after the one before, its calls and turns with ids of their own.
  for (let k = 0; k < turns; k++) {
    for (const l of fixture.slice(1)) {
      const v = JSON.parse(l.replace(/"(call_id|turn_id)":"([^"]+)"/g, (_, key: string, id: string) => `"${key}":"${id}-${k}"`)) as { timestamp: string };
      lines.push(JSON.stringify({ ...v, timestamp: new Date(Date.parse(v.timestamp) + k * 3_600_000).toISOString() }));
    }
  }
  return lines;
}

export interface LiveSessionResult {
  kind: LiveSessionKind;
  turns: number;
  bytes: number;
  steps?: number;
  notOpened?: string;
  /** Wall ms to the whole session read, findings included. */
  openMs?: number;
  /** Wall ms of each line, from the write to the rows. */
  lineMs?: number[];
  /** CPU ms of the process (host thread and worker) per line, on average. */
  lineCpuMs?: number;
  /** The main thread while the lines were written: its longest stall. */
  maxStallMs?: number;
}

export type OpenInEditor = (path: string) => Promise<{ file: TraceFile; reader: TraceFileReader; done: Promise<LoadEnd> }>;

export async function runLiveSession(kind: LiveSessionKind, turns: number, path: string, open: OpenInEditor, showLastRows: (file: TraceFile) => void): Promise<LiveSessionResult> {
  const writes = sessionWrites(kind, turns, path);
  const own = writes.flatMap((w, i) => (w.file ? [] : [i]));
  const first = own[own.length - LINES_WRITTEN];
  writeFileSync(path, '');
  for (const w of writes.slice(0, first)) writeSessionWrite(path, w);
  const result: LiveSessionResult = { kind, turns, bytes: statSync(path).size };
  const t0 = performance.now();
  const { file, reader, done } = await open(path);
  const end = await done;
  if (file.loadError || end !== 'done') {
    result.notOpened = file.loadError ? file.loadError.problems.map((p) => p.message).join('; ').slice(0, 200) : `the read ended: ${end}`;
    reader.dispose();
    return result;
  }
  result.openMs = performance.now() - t0;
  const times: number[] = [];
  const stop = watchMainThread();
  const cpu0 = process.cpuUsage();
  for (const w of writes.slice(first)) {
    // A sub-agent's own files are read with the session's next line.
    if (w.file) { writeSessionWrite(path, w); continue; }
    const t = performance.now();
    writeSessionWrite(path, w);
    await reader.reload();
    showLastRows(file);
    times.push(performance.now() - t);
  }
  const cpu = process.cpuUsage(cpu0);
  result.lineCpuMs = (cpu.user + cpu.system) / 1000 / LINES_WRITTEN;
  result.maxStallMs = stop().maxStallMs;
  result.lineMs = times;
  result.steps = file.traces[0].steps.length;
  reader.dispose();
  return result;
}
