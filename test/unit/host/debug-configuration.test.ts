/**
 * The trace debugger's launch configurations as src/host/debug completes them before the adapter
 * sees them: F5 with no launch.json, a launch.json entry without its trace, relative paths, the
 * taxonomy setting, and the sentences for what cannot be completed.
 */
import { strict as assert } from 'node:assert';
import { join } from 'node:path';
import { DEBUG_TYPE, isStepEventBody, resolveTraceConfiguration, type ResolveContext } from '../../../src/host/debug/configuration';

const trace = join('/work', 'runs', 'run.trace.json');
const context: ResolveContext = { activeTrace: { path: trace }, taxonomy: 'default', folder: '/work' };

function config(r: ReturnType<typeof resolveTraceConfiguration>): Record<string, unknown> {
  assert.ok('config' in r, `expected a configuration, got the problem ${'problem' in r ? r.problem : ''}`);
  return r.config;
}

describe('trace debugger launch configurations (src/host/debug/configuration.ts)', () => {
  it('F5 with no launch.json debugs the active trace, paused on entry, with the taxonomy setting', () => {
    assert.deepEqual(config(resolveTraceConfiguration({}, { ...context, taxonomy: 'trail' })), {
      type: DEBUG_TYPE, request: 'launch', name: 'Debug run.trace.json', trace, stopOnEntry: true, taxonomy: 'trail',
    });
  });

  it('keeps the run the trace editor shows', () => {
    const c = config(resolveTraceConfiguration({}, { ...context, activeTrace: { path: trace, traceIndex: 3 } }));
    assert.equal(c.traceIndex, 3);
  });

  it('fills a missing trace from the active editor and keeps what launch.json says', () => {
    const c = config(resolveTraceConfiguration({ type: DEBUG_TYPE, request: 'launch', name: 'mine', stopOnEntry: false, taxonomy: 'mast', traceIndex: 1 }, context));
    assert.deepEqual(c, { type: DEBUG_TYPE, request: 'launch', name: 'mine', trace, stopOnEntry: false, taxonomy: 'mast', traceIndex: 1 });
  });

  it('takes a relative trace and taxonomy file from the workspace folder; built-in taxonomies and absolute paths stay', () => {
    const c = config(resolveTraceConfiguration({ type: DEBUG_TYPE, request: 'launch', name: 'n', trace: 'runs/a.json', taxonomy: 'acme.taxonomy.json' }, context));
    assert.equal(c.trace, join('/work', 'runs', 'a.json'));
    assert.equal(c.taxonomy, join('/work', 'acme.taxonomy.json'));
    const d = config(resolveTraceConfiguration({ type: DEBUG_TYPE, request: 'launch', name: 'n', trace: '/abs/b.json', taxonomy: 'trail' }, context));
    assert.equal(d.trace, '/abs/b.json');
    assert.equal(d.taxonomy, 'trail');
  });

  it('says what to do when there is no trace to debug', () => {
    const none = resolveTraceConfiguration({}, { taxonomy: 'default' });
    assert.ok('problem' in none);
    assert.match(none.problem, /open a trace file/);
    const named = resolveTraceConfiguration({ type: DEBUG_TYPE, request: 'launch', name: 'CI run' }, { taxonomy: 'default' });
    assert.ok('problem' in named);
    assert.match(named.problem, /"CI run" has no "trace"/);
  });

  it('refuses attach, and configurations of another type, naming what is wrong', () => {
    const attach = resolveTraceConfiguration({ type: DEBUG_TYPE, request: 'attach', name: 'a' }, context);
    assert.ok('problem' in attach);
    assert.match(attach.problem, /only launches.*"attach"/);
    const other = resolveTraceConfiguration({ type: 'node', request: 'launch', name: 'n' }, context);
    assert.ok('problem' in other);
    assert.match(other.problem, /"node"/);
  });

  it('recognises the adapter\'s agentTraceStep event body', () => {
    assert.equal(isStepEventBody({ file: trace, traceIndex: 0, stepId: 's1', position: 2, reason: 'step' }), true);
    assert.equal(isStepEventBody({ file: trace, traceIndex: 0, position: 2 }), false);
    assert.equal(isStepEventBody(undefined), false);
  });
});
