/**
 * `agent-trace receive`: in process with a stop the test controls, and the built CLI stopped by
 * SIGINT and SIGTERM. Port 0 of 127.0.0.1 only; the URL is read from what the command prints.
 */
import { strict as assert } from 'node:assert';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { receiveCommand, type ReceiveIO } from '../../../src/cli/commands/receive';
import { main } from '../../../src/cli/main';
import { PROJECT_ROOT } from '../../support/shared';

const TRACE = '4bf92f3577b34da6a3ce929d0e0e4736';
const BODY = JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: TRACE, spanId: '00f067aa0ba902b7', name: 'invoke_agent a' }] }] }] });

function post(url: string, body: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', headers: { 'content-type': 'application/json' } }, (res) => { res.resume(); res.on('end', () => resolve(res.statusCode!)); });
    req.on('error', reject);
    req.end(body);
  });
}

/** An IO that records lines, tells when one matches, and stops when the test says. */
function testIO(): ReceiveIO & { lines: string[]; errors: string[]; line(re: RegExp): Promise<string>; stop(): void } {
  const lines: string[] = [];
  const errors: string[] = [];
  const waiting: { re: RegExp; resolve: (l: string) => void }[] = [];
  let stopper: ((s: string) => void) | undefined;
  const seen = (l: string): void => { for (const w of [...waiting]) if (w.re.test(l)) { waiting.splice(waiting.indexOf(w), 1); w.resolve(l); } };
  return {
    lines, errors,
    out: (l) => { lines.push(l); seen(l); },
    err: (l) => { errors.push(l); seen(l); },
    onStopRequest: (stop) => { stopper = stop; return () => { stopper = undefined; }; },
    line: (re) => new Promise((resolve) => { const l = [...lines, ...errors].find((x) => re.test(x)); if (l) resolve(l); else waiting.push({ re, resolve }); }),
    stop: () => stopper?.('test'),
  };
}

describe('agent-trace receive', () => {
  let dir: string;
  before(() => { dir = mkdtempSync(join(tmpdir(), 'atd-receive-cli-')); });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the endpoint and the export line, a line per new trace file and per refusal, and a summary when stopped', async () => {
    const io = testIO();
    const out = join(dir, 'in-process');
    const done = receiveCommand({ port: 0, out }, io);
    const url = /http:\/\/127\.0\.0\.1:\d+\/v1\/traces/.exec(await io.line(/listening on/))![0];
    assert.ok(io.lines.includes(`  export OTEL_EXPORTER_OTLP_TRACES_ENDPOINT=${url}`), io.lines.join('\n'));
    assert.equal(await post(url, BODY), 200);
    assert.equal(await post(url, BODY), 200);
    assert.equal(await post(url, '{"resourceSpans": [1]}'), 400);
    assert.deepEqual(io.lines.filter((l) => l.startsWith('new trace')), [`new trace ${TRACE}: ${join(out, `${TRACE}.otlp.trace.jsonl`)} (1 span)`]);
    assert.deepEqual(io.errors, ['refused POST /v1/traces: 400 resourceSpans[0] is not an object']);
    io.stop();
    const r = await done;
    assert.equal(r.exitCode, 0);
    assert.deepEqual(r.stdout, ['stopped (test): 1 new trace file, 2 spans written']);
    assert.deepEqual(readdirSync(out), [`${TRACE}.otlp.trace.jsonl`]);
  });

  describe('a port in use', () => {
    let blocker: Server;
    before(() => new Promise<void>((r) => { blocker = createServer().listen(0, '127.0.0.1', () => r()); }));
    after(() => new Promise<void>((r) => blocker.close(() => r())));

    it('is one line naming the port, exit 2', async () => {
      const port = (blocker.address() as { port: number }).port;
      const r = await receiveCommand({ port, out: join(dir, 'unused') }, testIO());
      assert.equal(r.exitCode, 2);
      assert.deepEqual(r.stderr, [`agent-trace receive: port ${port} on 127.0.0.1 is already in use (another OTLP receiver or collector?); choose another with --port`]);
    });
  });

  it('refuses bad options with one line and the usage', async () => {
    for (const [args, message] of [
      [['--port', '70000'], '--port must be a whole number from 0 to 65535 (got "70000")'],
      [['--port', 'x'], '--port must be a whole number from 0 to 65535 (got "x")'],
      [['--max-body-mb', '0'], '--max-body-mb must be a whole number of megabytes, at least 1 (got "0")'],
      [['extra'], 'receive takes no arguments'],
    ] as const) {
      const r = await main(['receive', ...args]);
      assert.equal(r.exitCode, 2);
      assert.equal(r.stderr[0], `agent-trace receive: ${message}`);
    }
  });

  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    it(`the built CLI stops cleanly on ${signal} (needs npm run build)`, async () => {
      const cli = join(PROJECT_ROOT, 'dist', 'cli.js');
      assert.ok(existsSync(cli), 'dist/cli.js is missing: run `npm run build` first (npm test does)');
      const out = join(dir, signal);
      const child = spawn(process.execPath, [cli, 'receive', '--port', '0', '--out', out], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
      const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
      try {
        const url = await new Promise<string>((resolve, reject) => {
          child.stdout.on('data', (c: Buffer) => {
            stdout += c.toString();
            const m = /listening on (http:\/\/127\.0\.0\.1:\d+\/v1\/traces)/.exec(stdout);
            if (m) resolve(m[1]);
          });
          void exited.then((code) => reject(new Error(`exited ${code}: ${stderr}`)));
        });
        assert.equal(await post(url, BODY), 200);
        child.kill(signal);
        assert.equal(await exited, 0, stderr);
      } finally {
        child.kill('SIGKILL');
      }
      assert.match(stdout, new RegExp(`new trace ${TRACE}: `));
      assert.match(stdout, new RegExp(`stopped \\(${signal}\\): 1 new trace file, 1 span written\\n$`));
      assert.equal(stderr, '');
    });
  }
});
