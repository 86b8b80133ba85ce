/**
 * Runs the built Compare Traces webview (dist/compare-webview.js) in headless Chromium, through the
 * webview harness's openPanel (the same HTML shell and CSP the extension serves), against the real
 * host handlers (src/host/compare/handlers.ts over a CompareModel). Requests are logged so tests
 * can count pages.
 */
import type { Page } from 'playwright-core';
import type { RpcEndpoint } from '../../src/protocol';
import type { CompareRestoreSpec } from '../../src/protocol/compare';
import { bindCompareHandlers } from '../../src/host/compare/handlers';
import type { CompareModel, CompareSource } from '../../src/host/compare/model';
import { WebviewHarness, type Logged, type Theme } from './harness';

export interface OpenedCompare {
  page: Page;
  requests: Logged[];
  /** Steps the page asked to open in the trace editor, as `side:stepId`. */
  opened: string[];
  sideBySide: number[];
  host: RpcEndpoint;
  close(): Promise<void>;
}

/** The webview harness (one Chromium, one server) opening the Compare Traces page. */
export class CompareHarness {
  private readonly harness = new WebviewHarness();

  start(): Promise<void> {
    return this.harness.start();
  }

  stop(): Promise<void> {
    return this.harness.stop();
  }

  /** `restore`: what the host sends for the page's state (VS Code only); `savedState`: the state a reloaded page starts with. */
  async open(model: CompareModel, opts: { theme?: Theme; width?: number; height?: number; restore?: CompareRestoreSpec; savedState?: unknown } = {}): Promise<OpenedCompare> {
    const opened: string[] = [];
    const sideBySide: number[] = [];
    const panel = await this.harness.openPanel({
      script: 'dist/compare-webview.js',
      styles: ['media/trace-editor.css', 'media/compare-view.css'],
      ...opts,
      bind: (host) => bindCompareHandlers(host, model, {
        openStep: async (source: CompareSource, stepId: string) => { opened.push(`${source === model.sides[0] ? 'a' : 'b'}:${stepId}`); return { opened: true }; },
        openSideBySide: async (pair) => { sideBySide.push(pair); },
      }, opts.restore),
    });
    return { ...panel, opened, sideBySide };
  }
}
