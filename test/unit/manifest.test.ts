/**
 * package.json as a reviewer reads it: lazy activation, workspace trust and virtual workspaces
 * declared, no test-only contributions, typed and scoped settings, localised strings, and JSON
 * Schemas for the files users edit by hand.
 */
import { strict as assert } from 'node:assert';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../support/shared';
import { SCHEMA_FILES } from '../../src/core/schema-files';

interface Setting { type?: string | string[]; scope?: string; default?: unknown; minimum?: number }
interface Manifest {
  activationEvents?: string[];
  capabilities?: {
    untrustedWorkspaces?: { supported: boolean | 'limited'; description?: string; restrictedConfigurations?: string[] };
    virtualWorkspaces?: boolean | { supported: boolean | 'limited'; description?: string };
  };
  contributes: {
    commands: { command: string; title: string }[];
    menus: Record<string, { command?: string }[]>;
    configuration: { properties: Record<string, Setting> };
    jsonValidation?: { fileMatch: string | string[]; url: string }[];
  };
}

const raw = readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8');
const pkg = JSON.parse(raw) as Manifest;
const settings = pkg.contributes.configuration.properties;

describe('package.json hygiene', () => {
  it('does not activate on every JSON document (contributions activate the extension)', () => {
    const languageEvents = (pkg.activationEvents ?? []).filter((e) => e.startsWith('onLanguage:') || e === '*');
    assert.deepEqual(languageEvents, []);
  });

  it('activates in a workspace that holds files named as traces, so one opened as text gets its diagnostics and CodeLenses', () => {
    const contains = (pkg.activationEvents ?? []).filter((e) => e.startsWith('workspaceContains:')).map((e) => e.slice('workspaceContains:'.length));
    for (const suffix of ['trace.json', 'trace.jsonl', 'traj', 'traj.json', 'atif.json']) assert.ok(contains.includes(`**/*.${suffix}`), suffix);
  });

  it('contributes no test-only commands (they are registered in Test mode only)', () => {
    const testOnly = (id: string | undefined): boolean => !!id && /\.test\./.test(id);
    assert.deepEqual(pkg.contributes.commands.map((c) => c.command).filter(testOnly), []);
    assert.deepEqual(Object.values(pkg.contributes.menus).flat().map((m) => m.command).filter(testOnly), []);
  });

  it('declares limited support for untrusted workspaces, restricting the settings that name files to load or write', () => {
    const trust = pkg.capabilities?.untrustedWorkspaces;
    assert.equal(trust?.supported, 'limited');
    assert.ok(trust?.description, 'untrustedWorkspaces.description says what is limited');
    const restricted = new Set(trust?.restrictedConfigurations ?? []);
    for (const id of ['agentTraceDebugger.taxonomy', 'agentTraceDebugger.trainingSetsFolder', 'agentTraceDebugger.annotationsFolder']) {
      assert.ok(restricted.has(id), `${id} is a restricted configuration`);
    }
    for (const id of restricted) assert.ok(settings[id], `restricted ${id} is a declared setting`);
  });

  it('declares virtual workspace support', () => {
    const virtual = pkg.capabilities?.virtualWorkspaces;
    assert.notEqual(virtual, undefined);
    if (typeof virtual === 'object') assert.ok(virtual.description, 'virtualWorkspaces.description says what is limited');
  });

  it('scopes every setting that names a workspace path or glob to the resource', () => {
    for (const id of ['agentTraceDebugger.traceGlob', 'agentTraceDebugger.trainingSetsFolder', 'agentTraceDebugger.taxonomy', 'agentTraceDebugger.annotationsFolder']) {
      assert.equal(settings[id]?.scope, 'resource', `${id} scope`);
    }
  });

  it('types count and size settings as integers', () => {
    for (const id of ['agentTraceDebugger.maxFiles', 'agentTraceDebugger.maxFileSizeMB']) {
      assert.equal(settings[id]?.type, 'integer', `${id} type`);
      assert.ok(Number.isInteger(settings[id]?.default), `${id} default is an integer`);
    }
    assert.deepEqual(Object.entries(settings).filter(([, s]) => s.type === 'number').map(([id]) => id), [], 'settings typed "number"');
    // Background analysis reads a file as one text: never above 512 MB (settings.ts clamps to it too).
    assert.equal((settings['agentTraceDebugger.maxFileSizeMB'] as { maximum?: number }).maximum, 512);
  });

  it('resolves every %key% of package.json in package.nls.json, and leaves no key unused', () => {
    const nls = JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.nls.json'), 'utf8')) as Record<string, string>;
    const used = [...raw.matchAll(/"%([^"%]+)%"/g)].map((m) => m[1]);
    assert.ok(used.length > 20, `package.json uses %keys% for its titles and descriptions (found ${used.length})`);
    assert.deepEqual(used.filter((k) => typeof nls[k] !== 'string'), [], 'keys missing from package.nls.json');
    assert.deepEqual(Object.keys(nls).filter((k) => !used.includes(k)), [], 'keys of package.nls.json that package.json never uses');
  });

  it('contributes a title through package.nls.json for every command', () => {
    assert.deepEqual(pkg.contributes.commands.filter((c) => !/^%[^%]+%$/.test(c.title)).map((c) => c.command), []);
  });

  it('validates annotations, taxonomy files and set.json with the committed schemas', () => {
    const validation = pkg.contributes.jsonValidation ?? [];
    const urlFor = (name: string): string | undefined => validation.find((v) => ([] as string[]).concat(v.fileMatch).includes(name))?.url;
    assert.equal(urlFor('*.annotations.json'), './schema/annotations.schema.json');
    assert.equal(urlFor('*.taxonomy.json'), './schema/taxonomy.schema.json');
    assert.equal(urlFor('**/training-sets/*/set.json'), './schema/training-set.schema.json');
    for (const v of validation) assert.ok(existsSync(join(PROJECT_ROOT, v.url)), `${v.url} exists`);
  });
});

describe('committed JSON Schemas (run npm run schema after changing a zod schema)', () => {
  for (const { file, generate } of SCHEMA_FILES) {
    it(`schema/${file} equals the one generated from the zod schema`, () => {
      const path = join(PROJECT_ROOT, 'schema', file);
      assert.ok(existsSync(path), `schema/${file} is committed`);
      assert.deepEqual(JSON.parse(readFileSync(path, 'utf8')), generate());
    });
  }
});

describe('test-only commands in the host code', () => {
  it('are registered in src/host/test-hooks.ts only, behind the ExtensionMode.Test check', () => {
    const hostDir = join(PROJECT_ROOT, 'src', 'host');
    const registering = readdirSync(hostDir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts'))
      .filter((f) => /registerCommand\(\s*COMMANDS\.test/.test(readFileSync(join(hostDir, f), 'utf8')));
    assert.deepEqual(registering, ['test-hooks.ts']);
    const hooks = readFileSync(join(hostDir, 'test-hooks.ts'), 'utf8');
    assert.match(hooks, /if \(context\.extensionMode !== vscode\.ExtensionMode\.Test\) return;/);
  });
});

describe('package.json: the trace debugger (issue 12)', () => {
  interface Debugger {
    type: string; label: string; languages?: string[];
    configurationAttributes?: { launch?: { required?: string[]; properties: Record<string, { type?: string; description?: string; default?: unknown }> } };
    initialConfigurations?: Record<string, unknown>[];
    configurationSnippets?: { label: string; body: Record<string, unknown> }[];
  }
  const contributes = (pkg as unknown as { contributes: { debuggers?: Debugger[]; breakpoints?: { language: string }[]; menus: Record<string, { command?: string; when?: string }[]>; keybindings?: { command: string; key: string; when?: string }[] } }).contributes;
  const debuggers = contributes.debuggers ?? [];
  const dbg = debuggers.find((d) => d.type === 'agent-trace');

  it('contributes the agent-trace debug type for JSON and JSON Lines, with a localised label', () => {
    assert.ok(dbg, 'a debugger of type agent-trace');
    assert.match(dbg.label, /^%[^%]+%$/);
    assert.deepEqual(dbg.languages, ['json', 'jsonl']);
  });

  it('describes the launch attributes trace, traceIndex, traceKey, stopOnEntry and taxonomy, and requires trace', () => {
    const launch = dbg?.configurationAttributes?.launch;
    assert.deepEqual(launch?.required, ['trace']);
    const props = launch?.properties ?? {};
    assert.deepEqual(Object.keys(props).sort(), ['stopOnEntry', 'taxonomy', 'trace', 'traceIndex', 'traceKey']);
    assert.deepEqual([props.trace?.type, props.traceIndex?.type, props.stopOnEntry?.type, props.taxonomy?.type], ['string', 'integer', 'boolean', 'string']);
    for (const [name, p] of Object.entries(props)) assert.match(p.description ?? '', /^%debugger\.launch\.[A-Za-z]+\.description%$/, `${name} has a localised description`);
  });

  it('offers an initial configuration and a snippet that launch ${file} paused on entry', () => {
    assert.deepEqual(dbg?.initialConfigurations?.map((c) => [c.type, c.request, c.trace, c.stopOnEntry]), [['agent-trace', 'launch', '${file}', true]]);
    const snippet = dbg?.configurationSnippets?.[0];
    assert.ok(snippet, 'a configuration snippet');
    assert.deepEqual([snippet.body.type, snippet.body.request, snippet.body.trace, snippet.body.stopOnEntry], ['agent-trace', 'launch', '^"\\${file}"', true]);
  });

  it('allows breakpoints in the languages trace files open as, and activates when an agent-trace session resolves', () => {
    assert.deepEqual((contributes.breakpoints ?? []).map((b) => b.language).sort(), ['json', 'jsonl']);
    assert.ok((pkg.activationEvents ?? []).includes('onDebugResolve:agent-trace'));
  });

  it('puts Debug This Trace on the trace editor title, the Explorer and F5 in the trace editor, and Tag This Step As… on agent-trace frames', () => {
    const menu = (where: string, id: string): { when?: string } | undefined => (contributes.menus[where] ?? []).find((m) => m.command === id);
    assert.match(menu('editor/title', 'agentTraceDebugger.debugTrace')?.when ?? '', /activeCustomEditorId =~ \/\^agentTraceDebugger\\\.traceEditor\//);
    assert.match(menu('explorer/context', 'agentTraceDebugger.debugTrace')?.when ?? '', /!explorerResourceIsFolder/);
    assert.match(menu('debug/callstack/context', 'agentTraceDebugger.tagStepFromDebugger')?.when ?? '', /debugType == agent-trace/);
    const f5 = (contributes.keybindings ?? []).find((k) => k.command === 'agentTraceDebugger.debugTrace');
    assert.equal(f5?.key, 'f5');
    assert.match(f5?.when ?? '', /!inDebugMode/);
  });
});
