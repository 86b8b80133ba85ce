/**
 * A trace file changed on disk in any way, read again, shows what a fresh open of its bytes shows.
 *
 * The reload keeps what it can (steps appended to a streamed run, steps unchanged at the head of a
 * run read whole, spans held back while a document reads as before) and the host stages the runs a
 * reset keeps; each of those paths has its own tests. Here fast-check drives sequences of the
 * changes live files see (lines appended a few at a time, a last line written in two parts, a line
 * rewritten, the file cut back and grown again) over files of several runs with the same ids, in
 * the three ways the editor reads them: agent-trace/v1 lines streamed, the same read whole, and
 * OTLP JSON lines (parents first and children first). After every change: as many runs, and every
 * run's details, rows and summary equal a fresh open's. Seeded: the same sequences every run.
 */
import { strict as assert } from 'node:assert';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { benchTraceText } from '../../support/bench-traces';
import { otlpLines } from '../../support/otlp-lines';
import { Opened } from '../../support/opened-in-process';

type Edit =
  | { kind: 'append'; count: number }
  | { kind: 'torn'; cut: number }
  | { kind: 'rewrite'; at: number }
  | { kind: 'cut'; keep: number }
  | { kind: 'repeat'; at: number }
  | { kind: 'swap'; at: number }
  | { kind: 'broken'; at: number };

const edit: fc.Arbitrary<Edit> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constant('append' as const), count: fc.integer({ min: 1, max: 12 }) }), weight: 4 },
  { arbitrary: fc.record({ kind: fc.constant('torn' as const), cut: fc.double({ min: 0.05, max: 0.95, noNaN: true }) }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('rewrite' as const), at: fc.nat() }), weight: 2 },
  { arbitrary: fc.record({ kind: fc.constant('cut' as const), keep: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('repeat' as const), at: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('swap' as const), at: fc.nat() }), weight: 1 },
  { arbitrary: fc.record({ kind: fc.constant('broken' as const), at: fc.nat() }), weight: 1 },
);

interface Source {
  name: string;
  /** The lines a live file is written from, in order. */
  lines: string[];
  /** Lines a file needs before it opens as a trace (a header and a step). */
  least: number;
  payloadsOnDemand: boolean;
  /** The line with one step made to fail (another status and error message). */
  failed(line: string): string;
}

/** Three runs of 25 steps with the same ids (the second and third repeat the first's). */
function agentTraceLines(): string[] {
  return [1, 2, 3].flatMap((seed) => benchTraceText('jsonl', 25, seed).split('\n').filter((l) => l !== ''));
}

function failedStepLine(line: string): string {
  const v = JSON.parse(line) as Record<string, unknown>;
  if (v.type !== 'step') return JSON.stringify({ ...v, title: `${String(v.title)} (edited)` });
  return JSON.stringify({ ...v, status: 'error', error: { message: 'HTTP 503 (edited)' } });
}

/** Two traces of 40 spans, 5 spans a line. */
function collectorLines(childrenFirst: boolean): string[] {
  const first = otlpLines(benchTraceText('otlp', 40, 4), 5, childrenFirst);
  const second = otlpLines(benchTraceText('otlp', 40, 6), 5, childrenFirst).replaceAll('4bf92f3577b34da6a3ce929d0e0e4736', '0000000000000000000000000000abcd');
  return (first + second).split('\n').filter((l) => l !== '');
}

function failedSpanLine(line: string): string {
  const v = JSON.parse(line) as { resourceSpans: { scopeSpans: { spans: Record<string, unknown>[] }[] }[] };
  const spans = v.resourceSpans[0].scopeSpans[0].spans;
  spans[spans.length >> 1].status = { code: 2, message: 'the tool process was killed (edited)' };
  return JSON.stringify(v);
}

const SOURCES: Source[] = [
  { name: 'agent-trace/v1 lines, streamed', lines: agentTraceLines(), least: 2, payloadsOnDemand: true, failed: failedStepLine },
  { name: 'agent-trace/v1 lines, read whole', lines: agentTraceLines(), least: 2, payloadsOnDemand: false, failed: failedStepLine },
  { name: 'OTLP JSON lines, parents first', lines: collectorLines(false), least: 1, payloadsOnDemand: true, failed: failedSpanLine },
  { name: 'OTLP JSON lines, children first', lines: collectorLines(true), least: 1, payloadsOnDemand: true, failed: failedSpanLine },
];

describe('trace editor: a file changed in any way and read again shows what a fresh open shows', function () {
  this.timeout(300_000);
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'atd-any-edits-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  SOURCES.forEach((source, n) => it(`${source.name}: lines appended, torn, rewritten and cut`, () => {
    const path = join(dir, `live-${n}.trace.jsonl`);
    fc.assert(fc.property(fc.integer({ min: source.least, max: 20 }), fc.array(edit, { minLength: 1, maxLength: 6 }), (start, edits) => {
      // The file as written so far (whole lines) and how far into the source it got.
      const written = source.lines.slice(0, start);
      let next = start;
      writeFileSync(path, written.join('\n') + '\n');
      const live = new Opened(path, source.payloadsOnDemand);
      const history: string[] = [];
      const check = (): void => {
        live.reload();
        const fresh = new Opened(path, source.payloadsOnDemand);
        const where = `${source.name}, after ${history.join(', ')}`;
        assert.equal(fresh.file.loadError, undefined, `${where}: the fresh open failed`);
        assert.equal(live.file.traces.length, fresh.file.traces.length, `${where}: runs`);
        fresh.file.traces.forEach((_, run) => assert.deepEqual(live.shown(run), fresh.shown(run), `${where}: run ${run}`));
      };
      for (const e of edits) {
        if (e.kind === 'append' || e.kind === 'torn') {
          if (next >= source.lines.length) continue;
          const added = e.kind === 'append' ? source.lines.slice(next, next + e.count) : [source.lines[next]];
          if (e.kind === 'torn') {
            // Half a line, read; then the rest: the read waits for it or reads the file again.
            const line = added[0];
            const cut = Math.max(1, Math.floor(line.length * e.cut));
            appendFileSync(path, line.slice(0, cut));
            live.reload();
            appendFileSync(path, line.slice(cut) + '\n');
          } else {
            appendFileSync(path, added.map((l) => l + '\n').join(''));
          }
          written.push(...added);
          next += added.length;
          history.push(`${e.kind === 'torn' ? 'a torn line' : `${added.length} lines`} (to ${next})`);
        } else if (e.kind === 'rewrite') {
          const at = e.at % written.length;
          written[at] = source.failed(written[at]);
          writeFileSync(path, written.join('\n') + '\n');
          history.push(`line ${at + 1} rewritten`);
        } else if (e.kind === 'repeat') {
          // A line written twice (a retried export): its steps again, under their next occurrence ids.
          const at = e.at % written.length;
          written.push(written[at]);
          appendFileSync(path, written[at] + '\n');
          history.push(`line ${at + 1} appended again`);
        } else if (e.kind === 'swap') {
          const at = e.at % written.length;
          if (at + 1 >= written.length) continue;
          [written[at], written[at + 1]] = [written[at + 1], written[at]];
          writeFileSync(path, written.join('\n') + '\n');
          history.push(`lines ${at + 1} and ${at + 2} swapped`);
        } else if (e.kind === 'broken') {
          // A line that is not JSON for a moment (an editor saving half a change), then as it was.
          const at = e.at % written.length;
          writeFileSync(path, written.map((l, i) => (i === at ? l.slice(0, l.length >> 1) : l)).join('\n') + '\n');
          live.reload();
          writeFileSync(path, written.join('\n') + '\n');
          history.push(`line ${at + 1} broken and mended`);
        } else {
          const keep = source.least + (e.keep % Math.max(1, written.length - source.least + 1));
          written.length = Math.min(written.length, keep);
          next = written.length;
          writeFileSync(path, written.join('\n') + '\n');
          history.push(`cut to ${written.length} lines`);
        }
        check();
      }
    }), { seed: 20261204 + n, numRuns: 12 });
  }));
});
