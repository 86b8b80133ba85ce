/**
 * Runs the built webview (dist/webview.js) in headless Chromium against a stub host: a tiny
 * HTTP server on 127.0.0.1 serves the same HTML shell (and CSP) the extension serves, and the
 * page's acquireVsCodeApi is wired to a Node-side RpcEndpoint answering with the real host
 * handlers over a real TraceFile. Requests are logged so tests can count pages.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { ErrorCode, RpcEndpoint, WIRE_TAG, type WireMessage } from '../../src/protocol';
import { bindTraceEditorHandlers, type EditorActions } from '../../src/host/editor/handlers';
import { renderShell } from '../../src/host/editor/html';
import { bindTraceChangeHandlers } from '../../src/host/editor/trace-change-handlers';
import type { TraceFile } from '../../src/host/editor/trace-file';
import { PROJECT_ROOT } from '../support/shared';

export const CHROMIUM = process.env.CHROMIUM_PATH || '/usr/bin/chromium';
const SERVED = ['dist/', 'media/', 'test/webview/themes/'];
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.ttf': 'font/ttf', '.map': 'application/json' };

export type Theme = 'light' | 'dark' | 'high-contrast';

/**
 * The deadline of every wait in the webview tests. Generous, because each wait ends as soon as its
 * signal (a selector, a logged request, a state) arrives: a busy machine is slow, not wrong.
 */
export const WAIT_MS = 60_000;

/** Poll `check` until it holds; fails naming `what` after `ms`. A wait for a condition, never a sleep. */
export async function until(what: string, check: () => boolean | Promise<boolean>, ms = WAIT_MS): Promise<void> {
  const end = Date.now() + ms;
  for (;;) {
    if (await check()) return;
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Two animation frames in the page: what it laid out has been painted (before a screenshot). */
export async function painted(page: Page): Promise<void> {
  await page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r(undefined))))');
}

/** High contrast only overrides the dark theme's variables, as VS Code's own HC theme does. */
function themeSheets(origin: string, theme: Theme): string[] {
  const sheet = (name: string) => `${origin}/test/webview/themes/${name}.css`;
  return theme === 'high-contrast' ? [sheet('dark'), sheet('high-contrast')] : [sheet(theme)];
}

export interface Logged { method: string; params: unknown }

export interface OpenedEditor {
  page: Page;
  /** Every request the webview sent, in order. */
  requests: Logged[];
  actions: { revealed: { traceIndex: number; index: number }[]; openedAsText: number; promoted: number[] };
  /** Answer the next `n` matching requests with an error reply (`code`: Internal by default, Timeout for a host too slow to answer). */
  failNext(method: string, n?: number, when?: (params: unknown) => boolean, code?: number): void;
  /** Hold the next request of a method whose params pass `when` until `release` is called (a host still working on it). */
  holdNext(method: string, when?: (params: unknown) => boolean): { held: Promise<void>; release(): void };
  host: RpcEndpoint;
  close(): Promise<void>;
}

export interface OpenedPanel {
  page: Page;
  /** Every request and notification the page sent, in order. */
  requests: Logged[];
  host: RpcEndpoint;
  close(): Promise<void>;
}

/** The query parameter that carries a page's saved state (what VS Code's getState gives it) as JSON. */
const SAVED_STATE_PARAM = 'atdSavedState';

/** The query for a page's saved state, empty for none. */
function savedStateQuery(savedState: unknown): string {
  return savedState === undefined ? '' : `&${SAVED_STATE_PARAM}=${encodeURIComponent(JSON.stringify(savedState))}`;
}

/**
 * The page's acquireVsCodeApi, wired to the exposed __atdToHost binding, its state first the one in
 * the page's URL: one script for every load of a page (Playwright keeps a page's init scripts), so
 * a pooled page opens each editor with its own state. A string, not a function: tsx/esbuild would
 * wrap a function with helpers (__name) the page lacks. __name is defined too, for tests that pass
 * functions to page.evaluate.
 */
const ACQUIRE_API_SCRIPT = `
      window.__name = window.__name || ((f) => f);
      (() => {
        const saved = new URLSearchParams(window.location.search).get('${SAVED_STATE_PARAM}');
        let state = saved === null ? null : JSON.parse(saved);
        window.acquireVsCodeApi = () => ({
          postMessage: (m) => window.__atdToHost(m),
          getState: () => state,
          setState: (s) => { state = s; window.__atdSavedState = s; },
        });
      })();
    `;

/**
 * A page of the harness's browser. A new page costs Chromium about 1.3 s of CPU on the 2-core test
 * machine (a context, a renderer process, a compositor), loading the webview into an open page
 * about 0.6 s: so a closed editor's page goes back to a pool (on about:blank, so that nothing of
 * the last editor reaches the next one's host) and the next open loads its page there.
 */
interface HarnessPage {
  page: Page;
  /** Where the page's messages go: the open editor's host; nowhere while the page is pooled. */
  toHost: (message: unknown) => void;
  /** What was thrown in the page since it was taken. */
  errors: string[];
  /** False for a page whose timers run on Playwright's clock: it keeps that clock, so it is closed, not pooled. */
  poolable: boolean;
}

const LAUNCH_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

/**
 * How long the browser outlives the last harness that stopped: the next test file's harness (mocha
 * runs a process's files one after another) takes it over instead of launching one (about 1.3 s of
 * CPU each). Short, because a run without a next file waits this long to end.
 */
const BROWSER_LINGER_MS = 3_000;

/** One Chromium per test process, shared by the harnesses of its files, with its pool of idle pages. */
interface SharedBrowser { browser: Promise<Browser>; users: number; closing?: ReturnType<typeof setTimeout>; idle: HarnessPage[] }
let shared: SharedBrowser | undefined;

function useBrowser(): SharedBrowser {
  if (!shared) {
    const launched: SharedBrowser = { browser: chromium.launch({ executablePath: CHROMIUM, args: LAUNCH_ARGS }), users: 0, idle: [] };
    // A browser that failed to launch, or went away, is not kept: the next harness launches another.
    const forget = (): void => { if (shared === launched) shared = undefined; };
    launched.browser.then((b) => b.on('disconnected', forget), forget);
    shared = launched;
  }
  clearTimeout(shared.closing);
  shared.users++;
  return shared;
}

function leaveBrowser(used: SharedBrowser): void {
  if (--used.users > 0) return;
  used.closing = setTimeout(() => {
    if (shared === used) shared = undefined;
    void used.browser.then((b) => b.close(), () => undefined);
  }, BROWSER_LINGER_MS);
}

export class WebviewHarness {
  private browser: Browser | undefined;
  private shared: SharedBrowser | undefined;
  /** Pages taken and not yet given back: closed when the harness stops. */
  private readonly taken = new Set<HarnessPage>();
  private server: Server | undefined;
  private origin = '';

  async start(): Promise<void> {
    if (!existsSync(CHROMIUM)) throw new Error(`Chromium is missing at ${CHROMIUM}: set CHROMIUM_PATH, or install Debian's chromium: apt-get install chromium`);
    if (!existsSync(join(PROJECT_ROOT, 'dist/webview.js'))) throw new Error('dist/webview.js is missing: run `node scripts/build.mjs` first (npm test does).');
    this.server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const requested = url.searchParams.get('theme');
      const theme = requested === 'light' || requested === 'high-contrast' ? requested : 'dark';
      if (url.pathname === '/') {
        // The trace editor's page by default; another panel's with ?script=dist/x.js&style=media/x.css (&style=...).
        const script = url.searchParams.get('script') ?? 'dist/webview.js';
        const styles = url.searchParams.getAll('style');
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end(renderShell({
          cspSource: this.origin,
          scriptUri: `${this.origin}/${script}`,
          styleUris: [...themeSheets(this.origin, theme), `${this.origin}/dist/codicons/codicon.css`, ...(styles.length ? styles : ['media/trace-editor.css']).map((s) => `${this.origin}/${s}`)],
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
    this.shared = useBrowser();
    this.browser = await this.shared.browser;
  }

  async stop(): Promise<void> {
    const left = [...this.taken];
    this.taken.clear();
    await Promise.all(left.map((t) => t.page.close().catch(() => undefined)));
    if (this.shared) leaveBrowser(this.shared);
    this.shared = undefined;
    this.browser = undefined;
    // Pooled pages keep their connections to this server open: close them, or close() waits on them.
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }

  /**
   * Another webview panel of the extension (the Trace Explorer, the Compare Traces view): its built
   * script and stylesheets in the same shell and CSP, wired to a host endpoint that `bind` gives its
   * handlers.
   */
  async openPanel(opts: { script: string; styles: string[]; bind: (host: RpcEndpoint) => void; theme?: Theme; width?: number; height?: number; savedState?: unknown }): Promise<OpenedPanel> {
    if (!this.browser) throw new Error('harness not started');
    if (!existsSync(join(PROJECT_ROOT, opts.script))) throw new Error(`${opts.script} is missing: run \`node scripts/build.mjs\` first (npm test does).`);
    const taken = await this.takePage(opts);
    const { page } = taken;
    const requests: Logged[] = [];
    const host = new RpcEndpoint({
      send: (m: WireMessage) => { void page.evaluate(`window.postMessage(${JSON.stringify(m)}, window.location.origin)`).then(() => undefined, () => undefined); },
    });
    opts.bind(host);
    taken.toHost = (message: unknown) => {
      const m = message as { method?: string; params?: unknown };
      if (typeof m.method === 'string') requests.push({ method: m.method, params: m.params });
      host.handle(message);
    };
    await page.goto(`${this.origin}/?theme=${opts.theme ?? 'dark'}&script=${encodeURIComponent(opts.script)}${opts.styles.map((st) => `&style=${encodeURIComponent(st)}`).join('')}${savedStateQuery(opts.savedState)}`);
    return {
      page, requests, host,
      close: async () => {
        host.dispose();
        await this.release(taken);
      },
    };
  }

  /** `fakeClock`: the page's timers run on Playwright's clock (page.clock), for tests of debouncing. */
  /** `cancelLoad`: what the page's Cancel of a file still being read does (as the provider's reader). */
  async open(file: TraceFile, opts: { theme?: Theme; savedState?: unknown; width?: number; height?: number; fakeClock?: boolean; cancelLoad?: () => boolean } = {}): Promise<OpenedEditor> {
    if (!this.browser) throw new Error('harness not started');
    const taken = await this.takePage(opts);
    const { page } = taken;
    const requests: Logged[] = [];
    const actions = { revealed: [] as { traceIndex: number; index: number }[], openedAsText: 0, promoted: [] as number[] };
    const failures = new Map<string, { left: number; when: (params: unknown) => boolean; code: number }>();
    const holds = new Map<string, { when: (params: unknown) => boolean; hold: (message: unknown) => void }>();
    // Host → webview: a window message from the page's own origin, as VS Code's frame delivers it.
    const deliver = (m: WireMessage): Promise<void> =>
      page.evaluate(`window.postMessage(${JSON.stringify(m)}, window.location.origin)`).then(() => undefined, () => undefined);
    const host = new RpcEndpoint({
      send: (m: WireMessage) => { void deliver(m); },
    });
    const editorActions: EditorActions = {
      revealInFile: async (traceIndex, index) => { actions.revealed.push({ traceIndex, index }); return { revealed: true }; },
      openAsText: async () => { actions.openedAsText++; },
      promoteTrace: async (traceIndex) => { actions.promoted.push(traceIndex); return true; },
    };
    bindTraceEditorHandlers(host, file, editorActions);
    bindTraceChangeHandlers(host, file, opts.cancelLoad);
    taken.toHost = (message: unknown) => {
      const m = message as { method?: string; params?: unknown; id?: number };
      if (typeof m.method === 'string' && typeof m.id === 'number') {
        requests.push({ method: m.method, params: m.params });
        const rule = failures.get(m.method);
        if (rule && rule.left > 0 && rule.when(m.params)) {
          rule.left--;
          // Answer with an error reply, as a throwing handler would.
          void deliver({ tag: WIRE_TAG, replyTo: m.id, error: { code: rule.code, message: rule.code === ErrorCode.Timeout ? `${m.method} timed out (simulated)` : 'simulated host failure' } });
          return;
        }
        const hold = holds.get(m.method);
        if (hold?.when(m.params)) {
          holds.delete(m.method);
          hold.hold(message);
          return;
        }
      }
      host.handle(message);
    };
    await page.goto(`${this.origin}/?theme=${opts.theme ?? 'dark'}${savedStateQuery(opts.savedState)}`);
    return {
      page, requests, actions, host,
      failNext: (method, n = 1, when = () => true, code = ErrorCode.Internal) => { failures.set(method, { left: n, when, code }); },
      holdNext: (method, when = () => true) => {
        let message: unknown;
        let arrived!: () => void;
        const held = new Promise<void>((resolve) => { arrived = resolve; });
        holds.set(method, { when, hold: (m) => { message = m; arrived(); } });
        return { held, release: () => { if (message !== undefined) host.handle(message); } };
      },
      close: async () => {
        host.dispose();
        await this.release(taken);
      },
    };
  }

  /** A page of the given size: one from the pool, or a new one (always new with Playwright's clock). */
  private async takePage(opts: { width?: number; height?: number; fakeClock?: boolean }): Promise<HarnessPage> {
    if (!this.browser || !this.shared) throw new Error('harness not started');
    const viewport = { width: opts.width ?? 1280, height: opts.height ?? 800 };
    const pooled = opts.fakeClock ? undefined : this.shared.idle.pop();
    if (pooled) {
      this.taken.add(pooled);
      await pooled.page.setViewportSize(viewport);
      return pooled;
    }
    const page = await this.browser.newPage({ viewport });
    page.setDefaultTimeout(WAIT_MS);
    if (opts.fakeClock) await page.clock.install();
    const taken: HarnessPage = { page, toHost: () => undefined, errors: [], poolable: !opts.fakeClock };
    page.on('pageerror', (e) => taken.errors.push(String(e)));
    await page.exposeBinding('__atdToHost', (_source, message: unknown) => taken.toHost(message));
    await page.addInitScript(ACQUIRE_API_SCRIPT);
    this.taken.add(taken);
    return taken;
  }

  /**
   * An editor's page closed: its messages go nowhere, and it is left on about:blank (its timers and
   * requests end with its document) and pooled. Fails with what was thrown in it meanwhile.
   */
  private async release(taken: HarnessPage): Promise<void> {
    taken.toHost = () => undefined;
    this.taken.delete(taken);
    const errors = taken.errors.splice(0);
    if (taken.poolable && this.shared && !taken.page.isClosed()) {
      await taken.page.goto('about:blank');
      this.shared.idle.push(taken);
    } else await taken.page.close();
    if (errors.length) throw new Error(`page errors: ${errors.join('\n')}`);
  }
}
