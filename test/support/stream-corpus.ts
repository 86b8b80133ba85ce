/**
 * agent-trace/v1 files for the streaming import's tests (test/unit/engine/stream.test.ts): the
 * fixture, generated traces (plain, realistic, hostile, multi-byte with \r\n, blank and bad lines),
 * two runs in one file, and the shared real traces converted with `agent-trace convert`'s writer.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadTraceFile } from '../../src/core/load';
import { convertTraces } from '../../src/core/convert';
import { benchTraceText } from './bench-traces';
import { generateTrace, hostileTrace } from './generate-traces';
import { largeTraceLines } from './large-trace';
import { PROJECT_ROOT, sharedPath } from './shared';

export interface CorpusFile {
  name: string;
  bytes: Uint8Array;
}

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * Multi-byte names and messages (2-, 3- and 4-byte characters), \r\n line ends, a BOM, blank
 * lines, lines that are not JSON, too deep, or not steps, and no line break after the last line.
 */
export function awkwardTrace(steps: number): Uint8Array {
  const lines = [...largeTraceLines(steps)].map((l, i) => {
    const v = JSON.parse(l) as Record<string, unknown>;
    if (v.type === 'step') v.name = `${String(v.name)} é日本🎉${'ß'.repeat(i % 5)}`;
    return JSON.stringify(v);
  });
  const out: string[] = [];
  lines.forEach((l, i) => {
    out.push(l);
    if (i === 3) out.push('', '   ', '\t');
    if (i === 5) out.push('{"type":"step","id":"broken", "kind":');
    if (i === 7) out.push('{"type":"step","id":"nokind","name":"x"}');
    if (i === 9) out.push('['.repeat(600) + ']'.repeat(600));
    if (i === 11) out.push('{"type":"trace","title":7}');
  });
  return utf8('\uFEFF' + out.join('\r\n'));
}

/** Every agent-trace/v1 file of the corpus, small enough to read byte by byte unless `large`. */
export function streamCorpus(): CorpusFile[] {
  const files: CorpusFile[] = [
    { name: 'fixture export/small.jsonl', bytes: readFixture('test/fixtures/export/small.jsonl') },
    { name: 'largeTraceLines(400)', bytes: utf8([...largeTraceLines(400)].join('\n') + '\n') },
    { name: 'bench jsonl 60 steps', bytes: utf8(benchTraceText('jsonl', 60)) },
    { name: 'generated, timestamps, fanout 4', bytes: utf8(generateTrace({ steps: 150, fanout: 4, timestamps: true, failEvery: 7, toolCalls: true })) },
    { name: 'generated, no timestamps', bytes: utf8(generateTrace({ steps: 80, fanout: 3, timestamps: false })) },
    { name: 'hostile', bytes: utf8(hostileTrace()) },
    { name: 'multi-byte, CRLF, BOM, blank and bad lines', bytes: awkwardTrace(40) },
    { name: 'two runs', bytes: utf8([...largeTraceLines(30), ...largeTraceLines(20)].join('\n') + '\n') },
  ];
  return files;
}

/**
 * The shared real traces (../shared/traces), the first file of each folder that loads, converted
 * to agent-trace/v1. Returns the files and the folders where none loaded (for the test to report).
 */
export function convertedSharedTraces(maxBytes = 400_000): { files: CorpusFile[]; none: string[] } {
  const root = sharedPath('traces');
  const files: CorpusFile[] = [];
  const none: string[] = [];
  for (const folder of readdirSync(root).sort()) {
    const dir = join(root, folder);
    if (!statSync(dir).isDirectory()) continue;
    const candidates = walk(dir).filter((p) => /\.(jsonl?|eval)$/.test(p) && statSync(p).size <= maxBytes);
    let done = false;
    for (const p of candidates) {
      let text: string;
      try {
        text = convertTraces(loadTraceFile(p).traces, 'agent-trace');
      } catch {
        continue;
      }
      files.push({ name: `converted ${p.slice(root.length + 1)}`, bytes: utf8(text) });
      done = true;
      break;
    }
    if (!done) none.push(folder);
  }
  return { files, none };
}

function walk(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else out.push(p);
  }
  return out;
}

function readFixture(rel: string): Uint8Array {
  return readFileSync(join(PROJECT_ROOT, rel));
}
