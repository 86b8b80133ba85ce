/**
 * Entry point of the integration tests inside a real VS Code (extensionTestsPath): bundled by
 * scripts/build.mjs to out/test/integration/index.js. Mocha stays external and is loaded from the
 * extension folder's node_modules at run time; mocha 12 is ESM-only, hence the dynamic import
 * (esbuild keeps import() of an external as is, so Node resolves it from this file's folder).
 */
import { appendFileSync } from 'node:fs';
import { registerAnnotationTests } from './suite/annotations.test';
import { registerContributionTests } from './suite/contributions.test';
import { registerDebuggerTests } from './suite/debugger.test';
import { registerEditorTests } from './suite/editor.test';
import { registerExternalCallerTests } from './suite/external-callers.test';
import { registerHotExitTests } from './suite/hot-exit.test';
import { registerManifestTests } from './suite/manifest.test';
import { registerStepAddressTests } from './suite/step-address.test';
import { registerTextEditorTests } from './suite/text-editor.test';
import { registerSessionsTests } from './suite/sessions.test';
import { registerTracesViewTests } from './suite/traces-view.test';
import { registerTrainingSetsTests } from './suite/training-sets.test';
import { registerConvertTests } from './suite/convert.test';
import { registerTraceChangesTests } from './suite/trace-changes.test';
import { registerLargeTraceTests } from './suite/large-trace.test';
import { registerReceiverTests } from './suite/receiver.test';
import { registerQueryTests } from './suite/query.test';
import { registerCurateTests } from './suite/curate.test';
import { registerCompareTests } from './suite/compare.test';
import { registerExplorerTests } from './suite/explorer.test';
import { registerDetectorReportTests } from './suite/detector-report.test';
import { registerBenchViewTests } from './suite/bench-view.test';

/** Counts for npm test's closing line (scripts/test.mjs), which cannot see this process's mocha. */
function recordTally(suite: string, passed: number, failed: number): void {
  const file = process.env.AGENT_TRACE_TEST_TALLY;
  if (file) appendFileSync(file, JSON.stringify({ suite, passed, failed }) + '\n');
}

/**
 * The extension host's CPU (its main thread and its workers: one process) spent by each test, so
 * the suite's cost can be cut where it is: the test run is CPU-bound on the 2-core test machine.
 */
class CpuByTest {
  private readonly spent: Array<{ title: string; ms: number }> = [];
  private startedAt = process.cpuUsage();
  private readonly suiteStart = process.cpuUsage();

  start(): void {
    this.startedAt = process.cpuUsage();
  }

  stop(title: string): void {
    const used = process.cpuUsage(this.startedAt);
    this.spent.push({ title, ms: (used.user + used.system) / 1000 });
  }

  report(top: number): string {
    const whole = process.cpuUsage(this.suiteStart);
    const inTests = this.spent.reduce((sum, t) => sum + t.ms, 0);
    const largest = [...this.spent].sort((a, b) => b.ms - a.ms).slice(0, top);
    return [
      `[cpu] extension host: ${((whole.user + whole.system) / 1e6).toFixed(1)} s of CPU in the suite, ${(inTests / 1000).toFixed(1)} s inside tests; the ${top} largest:`,
      ...largest.map((t) => `[cpu]   ${(t.ms / 1000).toFixed(1)} s  ${t.title}`),
    ].join('\n');
  }
}

export async function run(): Promise<void> {
  const { default: Mocha } = await import('mocha');
  // The timeout guards against a hang; it is no time budget (each wait has its own deadline).
  const mocha = new Mocha({ ui: 'tdd', color: false, timeout: 300_000, slow: 5_000 });
  // A developer runs some suites only with AGENT_TRACE_TEST_GREP (npm test never sets it).
  if (process.env.AGENT_TRACE_TEST_GREP) mocha.grep(process.env.AGENT_TRACE_TEST_GREP);
  // Define the suites through mocha's tdd interface without files on disk (they are bundled here).
  mocha.suite.emit('pre-require', globalThis, 'integration', mocha);
  registerEditorTests();
  registerTextEditorTests();
  registerTracesViewTests();
  registerSessionsTests();
  registerTrainingSetsTests();
  registerAnnotationTests();
  registerHotExitTests();
  registerExternalCallerTests();
  registerManifestTests();
  registerContributionTests();
  registerStepAddressTests();
  registerConvertTests();
  registerTraceChangesTests();
  registerLargeTraceTests();
  registerDebuggerTests();
  registerReceiverTests();
  registerQueryTests();
  registerCurateTests();
  registerCompareTests();
  registerExplorerTests();
  registerDetectorReportTests();
  // Only for npm run bench:view (it sets AGENT_TRACE_BENCH_VIEW_OUT): not part of npm test.
  registerBenchViewTests();
  let passed = 0;
  const cpu = new CpuByTest();
  const failures = await new Promise<number>((resolve) => {
    const runner = mocha.run(resolve);
    runner.on('pass', () => passed++);
    runner.on('test', () => cpu.start());
    runner.on('test end', (test) => cpu.stop(test.fullTitle()));
  });
  console.log(cpu.report(10));
  recordTally('integration', passed, failures);
  if (failures > 0) throw new Error(`${failures} integration test(s) failed`);
}
