/**
 * The webview's end of the protocol: acquireVsCodeApi + an RpcEndpoint fed by window messages.
 * Messages are accepted only from the webview host (VS Code's vscode-webview:// origin, or our own
 * origin in the test harness) and only when they carry our envelope tag.
 */
import { RpcEndpoint } from '../src/protocol/rpc';
import type { PersistedState } from '../src/protocol/messages';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

const REQUEST_TIMEOUT_MS = 15_000;

/** `S`: what the page keeps in VS Code's webview state (the trace editor's by default). */
export interface HostConnection<S = PersistedState> {
  rpc: RpcEndpoint;
  getState(): Partial<S> | undefined;
  setState(state: S): void;
}

export function connectToHost<S = PersistedState>(): HostConnection<S> {
  const api = acquireVsCodeApi();
  const rpc = new RpcEndpoint({ send: (m) => api.postMessage(m), timeoutMs: REQUEST_TIMEOUT_MS });
  window.addEventListener('message', (e: MessageEvent) => {
    if (!isFromHost(e)) return;
    rpc.handle(e.data);
  });
  return {
    rpc,
    getState: () => {
      const s = api.getState();
      return s && typeof s === 'object' ? (s as Partial<S>) : undefined;
    },
    setState: (s) => api.setState(s),
  };
}

function isFromHost(e: MessageEvent): boolean {
  return e.origin.startsWith('vscode-webview://') || e.origin === window.location.origin;
}
