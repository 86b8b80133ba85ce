/**
 * The OTLP receiver in real VS Code: "Agent Trace: Start OTLP Receiver" listens (on a free port:
 * the port setting is 0 here), a posted GenAI trace lands in the receiver folder of the workspace,
 * the Agent Traces view lists it, it opens in the trace editor with its failing tool call and
 * follows the next request's spans; a malformed body is refused (400, nothing written, counted in
 * the status item); starting twice and a port in use say so; Stop frees the port.
 */
import * as assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { ExtensionApi } from '../../../src/host/extension';
import type { StartResult, StopResult } from '../../../src/host/receiver';
import type { TraceTreeNode } from '../../../src/host/views/traces-view';
import { activatedExtension, closeAllEditors, detailsShow, VIEW_TYPE, waitFor, webviewState } from './helpers';

const hex = (bytes: number): string => randomBytes(bytes).toString('hex');
const str = (key: string, value: string): unknown => ({ key, value: { stringValue: value } });

interface SpanSpec { id: string; parent?: string; name: string; attributes: unknown[]; error?: string; at: number }

/** One OTLP JSON ExportTraceServiceRequest, as an SDK's OTLP/HTTP JSON exporter posts it. */
function otlpRequest(traceId: string, spans: SpanSpec[]): string {
  const t0 = 1_760_000_000_000_000_000n;
  return JSON.stringify({
    resourceSpans: [{
      resource: { attributes: [str('service.name', 'weather-agent')] },
      scopeSpans: [{
        scope: { name: 'receiver-test', version: '1.0.0' },
        spans: spans.map((s) => ({
          traceId, spanId: s.id, parentSpanId: s.parent ?? '', name: s.name, kind: 1,
          startTimeUnixNano: String(t0 + BigInt(s.at) * 1_000_000n), endTimeUnixNano: String(t0 + BigInt(s.at + 100) * 1_000_000n),
          attributes: s.attributes,
          status: s.error ? { code: 2, message: s.error } : { code: 1 },
        })),
      }],
    }],
  });
}

function post(url: string, body: string, contentType = 'application/json'): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': contentType, 'content-length': Buffer.byteLength(body) } }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => { text += d; });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

function listen(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen({ port, host: '127.0.0.1', exclusive: true }, () => resolve(server));
  });
}

const closeServer = (server: Server): Promise<void> => new Promise((resolve) => server.close(() => resolve()));

/** Every file label in the Agent Traces view, folders opened. */
async function viewFileLabels(api: ExtensionApi): Promise<string[]> {
  const out: string[] = [];
  const walk = async (nodes: TraceTreeNode[]): Promise<void> => {
    for (const n of nodes) {
      if (n.type === 'folder') await walk(await api.traces.getChildren(n));
      else if (n.type === 'file') out.push(String(api.traces.getTreeItem(n).label));
    }
  };
  await walk(await api.traces.getChildren());
  return out;
}

export function registerReceiverTests(): void {
  suite('OTLP receiver', () => {
    const config = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('agentTraceDebugger');
    const folderName = `receiver-test-${process.pid}-${hex(3)}`;
    let folder: string;
    let api: ExtensionApi;
    let url: string;
    let port: number;

    suiteSetup(async () => {
      ({ api } = await activatedExtension());
      const root = vscode.workspace.workspaceFolders?.[0];
      assert.ok(root, 'the integration tests run with a workspace folder');
      folder = join(root.uri.fsPath, folderName);
      await config().update('receiver.folder', folderName, vscode.ConfigurationTarget.Global);
      await config().update('receiver.port', 0, vscode.ConfigurationTarget.Global);
      // The view lists the workspace first, so a new file is the watcher's (and the receiver's) news.
      await vscode.commands.executeCommand('agentTraceDebugger.refreshTraces');
      await api.traces.whenIdle();
    });

    suiteTeardown(async () => {
      if (api?.receiver.running) await vscode.commands.executeCommand('agentTraceDebugger.stopReceiver');
      await config().update('receiver.folder', undefined, vscode.ConfigurationTarget.Global);
      await config().update('receiver.port', undefined, vscode.ConfigurationTarget.Global);
      await closeAllEditors();
      if (folder) rmSync(folder, { recursive: true, force: true });
      // Leave the view as the other suites expect it (the examples only).
      await vscode.commands.executeCommand('agentTraceDebugger.refreshTraces');
      await api?.traces.whenIdle();
    });

    test('a posted GenAI trace is written to the receiver folder, listed in Agent Traces, and opens with its failing tool call', async () => {
      const result = await vscode.commands.executeCommand<StartResult>('agentTraceDebugger.startReceiver');
      assert.ok(result.started, `the receiver did not start: ${result.started ? '' : result.message}`);
      ({ url, port } = result);
      assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/v1\/traces$/);
      assert.ok(port > 0, `a free port was picked, got ${port}`);
      assert.equal(url, `http://127.0.0.1:${port}/v1/traces`);
      assert.equal(result.folder, folder);
      assert.deepEqual(api.receiver.running, { url, port, host: '127.0.0.1', folder });
      assert.equal(api.receiver.statusText, `$(radio-tower) OTLP :${port}`);
      assert.ok(api.receiver.statusTooltip?.includes(url), `the tooltip names the endpoint: ${api.receiver.statusTooltip}`);

      const traceId = hex(16);
      const [agent, chat, tool, answer] = [hex(8), hex(8), hex(8), hex(8)];
      const posted = Date.now();
      const ok = await post(url, otlpRequest(traceId, [
        { id: agent, name: 'invoke_agent weather_agent', attributes: [str('gen_ai.operation.name', 'invoke_agent'), str('gen_ai.agent.name', 'weather_agent')], at: 0 },
        { id: chat, parent: agent, name: 'chat gpt-4o', attributes: [str('gen_ai.operation.name', 'chat'), str('gen_ai.request.model', 'gpt-4o'), str('gen_ai.response.finish_reasons', 'tool_calls')], at: 100 },
        { id: tool, parent: agent, name: 'execute_tool fetch_weather', attributes: [str('gen_ai.operation.name', 'execute_tool'), str('gen_ai.tool.name', 'fetch_weather'), str('gen_ai.tool.call.arguments', '{"city":"Lyon"}')], error: '503 Service Unavailable from api.weather.example', at: 300 },
      ]));
      assert.equal(ok.status, 200, `the export was refused: ${ok.body}`);
      const file = join(folder, `${traceId}.otlp.trace.jsonl`);
      assert.deepEqual(readdirSync(folder), [`${traceId}.otlp.trace.jsonl`], 'one file per trace, named by its trace id');

      const name = `${traceId}.otlp.trace.jsonl`;
      await waitFor(`${name} in the Agent Traces view`, async () => ((await viewFileLabels(api)).includes(name) ? true : undefined), 10_000);
      console.log(`      listed in the Agent Traces view ${Date.now() - posted} ms after the POST answered`);
      assert.ok(api.receiver.statusTooltip?.includes('1 traces, 3 spans received'), `the tooltip counts the trace: ${api.receiver.statusTooltip}`);

      await closeAllEditors();
      await vscode.commands.executeCommand('vscode.openWith', vscode.Uri.file(file), VIEW_TYPE);
      await waitFor('the 3 spans as rows', async () => ((await webviewState())?.totalRows === 3 ? true : undefined), 30_000);
      await vscode.commands.executeCommand('agentTraceDebugger.nextFailure');
      const failing = await waitFor('a failing step selected', async () => (await webviewState())?.selectedId ?? undefined);
      assert.equal(failing, tool, 'the first failure is the tool call');
      await detailsShow('execute_tool fetch_weather');
      const state = await waitFor('the error in the details', async () => ((await webviewState())?.detailsError ? await webviewState() : undefined));
      assert.match(String(state?.detailsError), /503 Service Unavailable/);

      // The next request of the same trace is appended to the same file, and the open editor follows it.
      const more = await post(url, otlpRequest(traceId, [
        { id: answer, parent: agent, name: 'chat gpt-4o', attributes: [str('gen_ai.operation.name', 'chat'), str('gen_ai.request.model', 'gpt-4o')], at: 500 },
      ]));
      assert.equal(more.status, 200, more.body);
      assert.equal(readdirSync(folder).length, 1, 'still one file for the trace');
      await waitFor('the 4th span as a row in the open editor', async () => ((await webviewState())?.totalRows === 4 ? true : undefined), 30_000);
    });

    test('a malformed body gets 400 with its reason, nothing is written, and the status item counts it', async () => {
      assert.ok(api.receiver.running, 'the receiver runs (started by the previous test)');
      const before = readdirSync(folder);
      const bad = await post(url, '{"resourceSpans": [');
      assert.equal(bad.status, 400);
      assert.match(bad.body, /not JSON/);
      const wrongType = await post(url, 'hello', 'text/plain');
      assert.equal(wrongType.status, 415);
      assert.deepEqual(readdirSync(folder), before, 'nothing written');
      assert.equal(api.receiver.refused, 2);
      assert.equal(api.receiver.statusText, `$(radio-tower) OTLP :${port} $(warning) 2`);
      assert.ok(api.receiver.statusTooltip?.includes('2 requests refused'), `the tooltip counts the refusals: ${api.receiver.statusTooltip}`);
      // Still serving.
      const again = await post(url, otlpRequest(hex(16), [{ id: hex(8), name: 'chat gpt-4o', attributes: [str('gen_ai.operation.name', 'chat')], at: 0 }]));
      assert.equal(again.status, 200, again.body);
    });

    test('starting again while it runs says where it runs', async () => {
      const result = await vscode.commands.executeCommand<StartResult>('agentTraceDebugger.startReceiver');
      assert.equal(result.started, false);
      assert.ok(!result.started && result.message.includes('already running') && result.message.includes(url), `message: ${result.started ? '' : result.message}`);
      assert.equal(api.receiver.running?.port, port, 'the running receiver is untouched');
    });

    test('Stop frees the port; a port in use is refused with a message naming it and the setting', async () => {
      const stopped = await vscode.commands.executeCommand<StopResult>('agentTraceDebugger.stopReceiver');
      assert.equal(stopped.stopped, true, stopped.message);
      assert.equal(api.receiver.running, undefined);
      assert.equal(api.receiver.statusText, undefined, 'the status item is hidden');
      await closeServer(await listen(port)); // throws EADDRINUSE if the port were still held

      const blocker = await listen(0);
      try {
        const taken = (blocker.address() as { port: number }).port;
        await config().update('receiver.port', taken, vscode.ConfigurationTarget.Global);
        const result = await vscode.commands.executeCommand<StartResult>('agentTraceDebugger.startReceiver');
        assert.equal(result.started, false);
        const message = result.started ? '' : result.message;
        assert.ok(message.includes(`port ${taken}`) && message.includes('agentTraceDebugger.receiver.port'), `message: ${message}`);
        assert.equal(api.receiver.running, undefined);
      } finally {
        await closeServer(blocker);
      }
      assert.ok(existsSync(folder));
    });
  });
}
