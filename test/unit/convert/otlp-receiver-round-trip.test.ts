/**
 * `agent-trace convert --to otlp` plus the OTLP receiver make a round trip: a fixture trace
 * converted by the CLI, posted as OTLP/HTTP JSON to a receiver on a free port, lands in one file per
 * trace that opens to the same steps as the original (ids as span ids, parents, order, kinds,
 * names, times, payloads, failures), and the detectors find the same failures on it.
 */
import { strict as assert } from 'node:assert';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { main } from '../../../src/cli/main';
import { detect } from '../../../src/core/detect';
import { loadTraceFile } from '../../../src/core/load';
import { otlpSpanId, otlpTraceId } from '../../../src/core/convert/otlp-writer';
import { startOtlpReceiver, traceFileName, type OtlpReceiver } from '../../../src/core/receiver';
import { PROJECT_ROOT } from '../../support/shared';
import { otlpComparable } from '../../support/convert-compare';

const fixture = (...p: string[]): string => join(PROJECT_ROOT, 'test', 'fixtures', ...p);

/** Traces with failures the detectors report, and a file of two traces. */
const FILES = [
  fixture('otel', 'vscode-agent-debug-log.json'),
  fixture('codex-cli', 'failing-exec.jsonl'),
  fixture('otel', 'collector-export.jsonl'),
];

describe('agent-trace convert --to otlp, posted to the OTLP receiver, opens to the same steps', function () {
  this.timeout(30_000);
  const tmp = mkdtempSync(join(tmpdir(), 'atd-receiver-round-trip-'));
  let receiver: OtlpReceiver;
  before(async () => { receiver = await startOtlpReceiver({ outDir: join(tmp, 'received'), port: 0 }); });
  after(async () => {
    await receiver?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  FILES.forEach((file, n) => {
    it(basename(file), async () => {
      const original = loadTraceFile(file);
      const converted = join(tmp, `${n}.otlp.json`);
      const r = await main(['convert', file, '--to', 'otlp', '-o', converted]);
      assert.equal(r.exitCode, 0, r.stderr.join('\n'));

      const response = await fetch(receiver.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: readFileSync(converted) });
      assert.equal(response.status, 200, await response.text());

      const withSteps = original.traces.filter((t) => t.steps.length > 0);
      assert.ok(withSteps.length > 0);
      for (const t of withSteps) {
        // Every span is on disk once the receiver has answered.
        const written = join(receiver.outDir, traceFileName(otlpTraceId(t.id)));
        const again = loadTraceFile(written);
        assert.equal(again.format, 'otlp-json');
        assert.equal(again.traces.length, 1, written);
        const steps = again.traces[0].steps;
        assert.deepStrictEqual(otlpComparable(steps, (id) => id), otlpComparable(t.steps, (id) => otlpSpanId(t.id, id)));
        // The same failures, found by the same rules on the same steps.
        const findings = (trace: typeof t, spanId: (id: string) => string): string[] => detect(trace).map((f) => `${spanId(f.stepId)} ${f.category} ${f.rule}`);
        assert.deepEqual(findings(again.traces[0], (id) => id), findings(t, (id) => otlpSpanId(t.id, id)));
      }
    });
  });

  it('the fixtures hold failures, so the comparison covers them', () => {
    const failed = FILES.map((f) => loadTraceFile(f).traces.flatMap((t) => t.steps).filter((s) => s.status === 'error').length);
    assert.ok(failed[0] >= 2 && failed[1] >= 1, `failed steps per file: ${failed.join(', ')}`);
  });
});
