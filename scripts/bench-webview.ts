/**
 * `npm run bench:webview`: the trace editor's page with a 10^6-step trace (issue 11, section 5:
 * webview heap <= 150 MB). The built page (dist/webview.js: `npm run build` first) runs
 * in headless Chromium against the real host handlers over a generated run of small steps
 * (test/support/small-trace.ts), as the webview tests run it. Printed, never asserted.
 *
 * Environment: BENCH_WEBVIEW_STEPS (default 1000000).
 */
import { performance } from 'node:perf_hooks';
import { DEFAULT_TAXONOMY } from '../src/core/taxonomy';
import { TraceFile } from '../src/host/editor/trace-file';
import { GetWebviewState } from '../src/protocol';
import { smallTraceLines } from '../test/support/small-trace';
import { WebviewHarness } from '../test/webview/harness';

async function main(): Promise<void> {
  const steps = Number(process.env.BENCH_WEBVIEW_STEPS ?? 1_000_000);
  if (!Number.isInteger(steps) || steps < 10) throw new Error(`BENCH_WEBVIEW_STEPS: "${process.env.BENCH_WEBVIEW_STEPS}" must be a step count >= 10`);
  const header = JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: 'many', title: `${steps} small steps` });
  const lines = [header];
  for (let from = 0; from < steps; from += 100_000) lines.push(...smallTraceLines(from, Math.min(steps, from + 100_000)));
  const file = TraceFile.fromBytes('/bench/many.trace.jsonl', new TextEncoder().encode(lines.join('\n') + '\n'), { taxonomy: DEFAULT_TAXONOMY });
  if (file.loadError) throw new Error(file.loadError.problems.map((p) => p.message).join('; '));
  const harness = new WebviewHarness();
  await harness.start();
  try {
    const ed = await harness.open(file);
    const { page } = ed;
    const cdp = await page.context().newCDPSession(page);
    const heap = async (): Promise<number> => {
      await cdp.send('HeapProfiler.collectGarbage');
      const usage = await cdp.send('Runtime.getHeapUsage') as { usedSize: number };
      return usage.usedSize / (1024 * 1024);
    };
    const t0 = performance.now();
    await page.waitForSelector('[role=tree] [role=treeitem]');
    const firstRows = performance.now() - t0;
    const afterOpen = await heap();
    await page.locator('[role=tree]').focus();
    let selected: string | null = null;
    for (let k = 0; k < 200; k++) {
      await page.keyboard.press('j');
      // The step is selected when the page says so (its state query answers after the queued work).
      selected = (await ed.host.sendRequest(GetWebviewState, {})).selectedId;
    }
    await page.keyboard.press('End');
    const end = await ed.host.sendRequest(GetWebviewState, {});
    const afterEnd = await heap();
    console.log(`webview with ${steps.toLocaleString('en-US')} steps (headless Chromium, real host handlers in process):`);
    console.log(`- first rows ${firstRows.toFixed(0)} ms after the page loaded`);
    console.log(`- JS heap after open ${afterOpen.toFixed(1)} MB; after 200 j and End ${afterEnd.toFixed(1)} MB (goal <= 150 MB: ${Math.max(afterOpen, afterEnd) <= 150 ? 'met' : 'NOT met'})`);
    console.log(`- after 200 j the step ${selected} is selected; End selects row ${end.selectedIndex} of ${end.totalRows}`);
    await ed.close();
  } finally {
    await harness.stop();
  }
}

main().catch((e: unknown) => {
  console.error(`bench:webview failed: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
