/**
 * Runs the built Compare Traces webview (dist/compare-webview.js) in headless Chromium against the
 * real host handlers (src/host/compare/handlers.ts over a CompareModel): a tiny HTTP server on
 * 127.0.0.1 serves the same HTML shell (and CSP) the extension serves, and the page's
 * acquireVsCodeApi is wired to a Node-side RpcEndpoint. Requests are logged so tests can count pages.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { RpcEndpoint, type WireMessage } from '../../src/protocol';
import { renderShell } from '../../src/host/editor/html';
import { bindCompareHandlers } from '../../src/host/compare/handlers';
import type { CompareModel, CompareSource } from '../../src/host/compare/model';
import { PROJECT_ROOT } from '../support/shared';
import { WAIT_MS, type Logged, type Theme } from './harness';

const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SERVED = ['dist/', 'media/', 'test/webview/themes/'];
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.map': 'application/json' };

export interface OpenedCompare {
  page: Page;
  requests: Logged[];
  /** Steps the page asked to open in the trace editor, as `side:stepId`. */
  opened: string[];
  sideBySide: number[];
  host: RpcEndpoint;
  close(): Promise<void>;
}

export class CompareHarness {
  private browser: Browser | undefined;
  private server: Server | undefined;
  private origin = '';

  async start(): Promise<void> {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: set CHROMIUM_PATH, or install Debian's chromium: apt-get install chromium`);
    if (!existsSync(join(PROJECT_ROOT, 'dist/compare-webview.js'))) throw new Error('dist/compare-webview.js is missing: run `node scripts/build.mjs` first (npm test does).');
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const requested = url.searchParams.get('theme');
      const theme: Theme = requested === 'light' || requested === 'high-contrast' ? requested : 'dark';
      if (url.pathname === '/') {
        const sheet = (name: string): string => `${this.origin}/test/webview/themes/${name}.css`;
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(renderShell({
          cspSource: this.origin,
          scriptUri: `${this.origin}/dist/compare-webview.js`,
          styleUris: [
            ...(theme === 'high-contrast' ? [sheet('dark'), sheet('high-contrast')] : [sheet(theme)]),
            `${this.origin}/dist/codicons/codicon.css`, `${this.origin}/media/trace-editor.css`, `${this.origin}/media/compare-view.css`,
          ],
        }).replace('<body>', `<body class="vscode-${theme}">`));
        return;
      }
      const rel = normalize(decodeURIComponent(url.pathname)).replace(/^\/+/, '');
      if (!SERVED.some((p) => rel.startsWith(p)) || rel.includes('..') || !existsSync(join(PROJECT_ROOT, rel))) {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': TYPES[extname(rel)] ?? 'application/octet-stream' });
      res.end(readFileSync(join(PROJECT_ROOT, rel)));
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', r));
    this.origin = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    this.browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
    });
  }

  async stop(): Promise<void> {
    await this.browser?.close();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  async open(model: CompareModel, opts: { theme?: Theme; width?: number; height?: number } = {}): Promise<OpenedCompare> {
    if (!this.browser) throw new Error('harness not started');
    const page = await this.browser.newPage({ viewport: { width: opts.width ?? 1280, height: opts.height ?? 800 } });
    page.setDefaultTimeout(WAIT_MS);
    const requests: Logged[] = [];
    const opened: string[] = [];
    const sideBySide: number[] = [];
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    const deliver = (m: WireMessage): Promise<void> =>
      page.evaluate(`window.postMessage(${JSON.stringify(m)}, window.location.origin)`).then(() => undefined, () => undefined);
    const host = new RpcEndpoint({ send: (m: WireMessage) => { void deliver(m); } });
    bindCompareHandlers(host, model, {
      openStep: async (source: CompareSource, stepId: string) => { opened.push(`${source === model.sides[0] ? 'a' : 'b'}:${stepId}`); return { opened: true }; },
      openSideBySide: async (pair) => { sideBySide.push(pair); },
    });
    await page.exposeBinding('__atdToHost', (_source, message: unknown) => {
      const m = message as { method?: string; params?: unknown; id?: number };
      if (typeof m.method === 'string' && typeof m.id === 'number') requests.push({ method: m.method, params: m.params });
      host.handle(message);
    });
    await page.addInitScript(`
      window.__name = window.__name || ((f) => f);
      window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__atdToHost(m), getState: () => null, setState: () => undefined });
    `);
    await page.goto(`${this.origin}/?theme=${opts.theme ?? 'dark'}`);
    return {
      page, requests, opened, sideBySide, host,
      close: async () => {
        host.dispose();
        await page.close();
        if (errors.length) throw new Error(`page errors: ${errors.join('\n')}`);
      },
    };
  }
}
