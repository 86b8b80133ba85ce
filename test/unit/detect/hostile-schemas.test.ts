/**
 * Tool schemas come from trace files, so their `pattern` and `patternProperties` must never run
 * on a backtracking regex engine: `^(a+)+$` against "aaaa…ab" would hang the extension host.
 * These tests do not time anything: they check which engine compiled the pattern and what it decides.
 */
import { strict as assert } from 'node:assert';
import { detect } from '../../../src/core/detect';
import { checkArguments } from '../../../src/core/export/tool-args';
import { SchemaCache, linearTimeRegExp } from '../../../src/core/util/schema-cache';
import { llmCall, llmSays, trace } from './build';

const CATASTROPHIC = '^(a+)+$';
const attack = `${'a'.repeat(5000)}b`;

describe('JSON Schemas from traces use a linear-time regex engine', () => {
  it('patterns compile to the linear-time engine, never to a RegExp', () => {
    const re = linearTimeRegExp(CATASTROPHIC, 'u');
    assert.ok(!(re instanceof RegExp));
    assert.equal(re.test(attack), false);
    assert.equal(re.test('aaaa'), true);
  });

  it('the shared schema cache compiles with that engine', () => {
    const cache = new SchemaCache({ allErrors: false });
    assert.equal(cache.regExpEngine, linearTimeRegExp);
    const v = cache.compile({ type: 'string', pattern: CATASTROPHIC });
    assert.ok(!(v instanceof Error));
    assert.equal(v(attack), false);
    assert.equal(v('aaa'), true);
  });

  it('detect flags arguments that break a catastrophic pattern, and passes those that fit', () => {
    const tools = [{ name: 'lookup', parameters: { type: 'object', properties: { id: { type: 'string', pattern: CATASTROPHIC } } } }];
    const bad = detect(trace([llmCall('m', 'lookup', { id: attack }), llmSays('m2', 'ok')], tools));
    assert.deepEqual(bad.map((f) => [f.stepId, f.category, f.rule]), [['m', 'TOOL.ARGS_INVALID', 'tool-args-schema']]);
    assert.deepEqual(detect(trace([llmCall('m', 'lookup', { id: 'aaaa' }), llmSays('m2', 'ok')], tools)), []);
  });

  it('patternProperties go through the same engine', () => {
    const schema = { type: 'object', patternProperties: { [CATASTROPHIC]: { type: 'number' } } };
    assert.deepEqual(checkArguments({ [attack]: 'x', aa: 1 }, schema), []);
    assert.equal(checkArguments({ aaa: 'x' }, schema).length, 1);
  });

  it('the correction editor check (checkArguments) rejects and accepts by the pattern', () => {
    const schema = { type: 'object', properties: { id: { type: 'string', pattern: CATASTROPHIC } } };
    assert.equal(checkArguments({ id: attack }, schema).length, 1);
    assert.deepEqual(checkArguments({ id: 'aa' }, schema), []);
  });

  it('a pattern the linear-time engine cannot run (lookahead, backreference) is not checked, and the schema is still valid', () => {
    const schema = { type: 'object', properties: { id: { type: 'string', pattern: '^(?=a)(a)\\1$' } } };
    assert.deepEqual(checkArguments({ id: 'zz' }, schema), []);
    const fs = detect(trace([llmCall('m', 'lookup', { id: 'zz' }), llmSays('m2', 'ok')], [{ name: 'lookup', parameters: schema }]));
    assert.deepEqual(fs, []);
  });

  it('each pattern of a schema is enforced on its own', () => {
    const schema = { type: 'object', properties: { a: { type: 'string', pattern: '^x+$' }, b: { type: 'string', pattern: '^y+$' } } };
    assert.deepEqual(checkArguments({ a: 'xx', b: 'yy' }, schema), []);
    assert.deepEqual(checkArguments({ a: 'xx', b: 'xx' }, schema).map((p) => p.pointer), ['/b']);
  });

  it('a pattern that is not a valid regex still makes the tool definition invalid', () => {
    const fs = detect(trace([llmSays('m', 'hi')], [{ name: 'x', parameters: { type: 'object', properties: { a: { type: 'string', pattern: '([a-' } } } }]));
    assert.deepEqual(fs.map((f) => [f.category, f.rule]), [['SYS.TOOL_DEFINITION', 'tool-definition']]);
  });

  it('ordinary patterns keep ECMAScript meaning (classes, anchors, quantifiers, unicode)', () => {
    const re = (p: string) => linearTimeRegExp(p, 'u');
    assert.equal(re('^ORD-[0-9]{6}$').test('ORD-123456'), true);
    assert.equal(re('^ORD-[0-9]{6}$').test('481516'), false);
    assert.equal(re('\\d+').test('abc 12'), true);
    assert.equal(re('^\\p{Lu}').test('Émile'), true);
    assert.equal(re('^.$').test('😀'), true);
    assert.equal(re('^\\u00e9t\\u00E9$').test('été'), true);
    assert.equal(re('^\\u{1F600}$').test('😀'), true);
    assert.equal(re('^\\uD83D\\uDE00$').test('😀'), true);
    assert.equal(re('^\\\\u0041$').test('\\u0041'), true, 'an escaped backslash before u is not a unicode escape');
  });
});
