/**
 * The debugger's safe expression language (src/core/debug/expression.ts) over a step's scope
 * (step-scope.ts): every operator, precedence, functions, errors with their column, hostile input
 * refused or bounded, logpoint templates, value formatting; and a property: the parser never
 * throws anything but ExpressionError.
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import {
  compileExpression, compileLogMessage, EvaluationError, ExpressionError, formatValue, isTruthy,
  MAX_EXPRESSION_DEPTH, MAX_EXPRESSION_LENGTH,
} from '../../../src/core/debug/expression';
import { STEP_SCOPE_NAMES, stepScope, type StepScopeSource } from '../../../src/core/debug/step-scope';
import type { Finding } from '../../../src/core/detect';
import type { Step } from '../../../src/core/model/schema';

function step(i: number, over: Partial<Step> = {}): Step {
  return { id: `s${i}`, parentId: null, index: i, depth: 0, kind: 'llm', name: `step${i}`, startTime: null, endTime: null, status: 'ok', attributes: {}, ...over };
}

const STEPS: Step[] = [
  step(0, { kind: 'agent', name: 'planner', startTime: 1000, endTime: 5000 }),
  step(1, {
    parentId: 's0', depth: 1, kind: 'llm', name: 'decide', model: 'gpt-4o', startTime: 1100, endTime: 1600,
    usage: { inputTokens: 900, outputTokens: 1500, cost: 0.02 },
    input: { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Find flights to SFO' }] },
    output: { messages: [{ role: 'assistant', content: null, toolCalls: [{ id: 'c1', name: 'fetch_url', arguments: { url: 'https://x' } }] }] },
  }),
  step(2, {
    parentId: 's0', depth: 1, kind: 'tool', name: 'fetch_url', status: 'error', startTime: 1600, endTime: 31600,
    toolCall: { id: 'c1', name: 'fetch_url', arguments: { url: 'https://x', retries: 2 } },
    input: { value: { url: 'https://x', retries: 2 } }, output: { value: 'Error: upstream timed out' },
    error: { type: 'TimeoutError', message: 'upstream timed out after 30s' },
  }),
  step(3, { parentId: 's0', depth: 1, kind: 'tool', name: 'search', toolCall: { name: 'search', arguments: { q: 'SFO' } }, output: { value: [] } }),
];
const FINDINGS: Record<number, Finding[]> = { 2: [{ stepId: 's2', category: 'TOOL.TIMEOUT', rule: 'tool-error', evidence: 'timed out' }] };
const TAGS: Record<number, { category: string; note?: string }[]> = { 3: [{ category: 'TOOL.EMPTY_RESULT', note: 'nothing found' }] };

function source(steps: readonly Step[] = STEPS): StepScopeSource {
  return { steps, findingsAt: (i) => FINDINGS[i] ?? [], tagsAt: (i) => TAGS[i] ?? [] };
}

function ev(text: string, at = 1, src: StepScopeSource = source()): unknown {
  return compileExpression(text).evaluate(stepScope(src, at));
}

/** The ExpressionError a bad expression raises. */
function bad(text: string): ExpressionError {
  try {
    compileExpression(text);
  } catch (e) {
    assert.ok(e instanceof ExpressionError, `${text}: threw ${String(e)}, not an ExpressionError`);
    return e;
  }
  assert.fail(`${JSON.stringify(text)} compiled`);
}

function failsAt(text: string, at = 1): EvaluationError {
  try {
    ev(text, at);
  } catch (e) {
    assert.ok(e instanceof EvaluationError, `${text}: threw ${String(e)}, not an EvaluationError`);
    return e;
  }
  assert.fail(`${JSON.stringify(text)} evaluated`);
}

describe('debugger expressions: values and operators', () => {
  it('reads literals, step fields, derived names and member paths', () => {
    assert.equal(ev('42'), 42);
    assert.equal(ev('2.5e1'), 25);
    assert.equal(ev('"a\\"b"'), 'a"b');
    assert.equal(ev("'single'"), 'single');
    assert.equal(ev('"\\u00e9\\u{1F600}\\x41\\n\\\\u0041"'), '\u00e9\u{1F600}A\n\\u0041', 'JavaScript escapes');
    assert.equal(ev('true'), true);
    assert.equal(ev('null'), null);
    assert.equal(ev('undefined'), undefined);
    assert.equal(ev('kind'), 'llm');
    assert.equal(ev('name'), 'decide');
    assert.equal(ev('model'), 'gpt-4o');
    assert.equal(ev('usage.outputTokens'), 1500);
    assert.equal(ev('usage["inputTokens"]'), 900);
    assert.equal(ev('durationMs'), 500);
    assert.equal(ev('durationMs', 3), undefined, 'no times, no duration');
    assert.equal(ev('messages[0].role'), 'system');
    assert.equal(ev('messages[-1].content'), 'Find flights to SFO');
    assert.equal(ev('messages[-3]'), undefined);
    assert.equal(ev('messages.length'), 2);
    assert.equal(ev('len(messages)'), 2);
    assert.equal(ev('output[0].toolCalls[0].arguments.url'), 'https://x', 'output: the messages of a model step');
    assert.equal(ev('output', 2), 'Error: upstream timed out', "output: a tool step's value");
    assert.equal(ev('input.retries', 2), 2);
    assert.equal(ev('step.input.value.retries', 2), 2, 'the raw step is there too');
    assert.equal(ev('tool', 2), 'fetch_url');
    assert.equal(ev('arguments.retries', 2), 2);
    assert.equal(ev('error.type', 2), 'TimeoutError');
    assert.equal(ev('findings[0].category', 2), 'TOOL.TIMEOUT');
    assert.equal(ev('findings.length', 1), 0);
    assert.equal(ev('tags[0].note', 3), 'nothing found');
    assert.equal(ev('failing', 2), true);
    assert.equal(ev('failing', 1), false);
    assert.equal(ev('index', 3), 3);
    assert.equal(ev('step.id', 3), 's3');
    assert.equal(ev('name.length'), 6);
    assert.equal(ev('name[-1]'), 'e');
  });

  it('reading through nothing gives nothing, so conditions on optional fields are just false', () => {
    assert.equal(ev('usage.outputTokens', 2), undefined);
    assert.equal(ev('usage.outputTokens > 1000', 2), false);
    assert.equal(ev('error.message.length', 1), undefined);
    assert.equal(ev('status == "error" && usage.outputTokens > 1000', 1), false);
    assert.equal(ev('status == "ok" && usage.outputTokens > 1000', 1), true);
  });

  it('compares without coercion; null and undefined are equal to each other only', () => {
    assert.equal(ev('1 == 1'), true);
    assert.equal(ev('1 == "1"'), false);
    assert.equal(ev('1 === 1'), true);
    assert.equal(ev('1 != 2'), true);
    assert.equal(ev('1 !== 1'), false);
    assert.equal(ev('error == null'), true);
    assert.equal(ev('error == undefined'), true);
    assert.equal(ev('0 == null'), false);
    assert.equal(ev('2 < 3'), true);
    assert.equal(ev('3 <= 3'), true);
    assert.equal(ev('3 > 3'), false);
    assert.equal(ev('3 >= 3'), true);
    assert.equal(ev('"abc" < "abd"'), true);
    assert.equal(ev('"10" > 9'), false, 'mixed types never compare true');
    assert.equal(ev('usage > 1'), false);
  });

  it('arithmetic, string concatenation and their type errors', () => {
    assert.equal(ev('7 + 3'), 10);
    assert.equal(ev('7 - 3'), 4);
    assert.equal(ev('7 * 3'), 21);
    assert.equal(ev('7 / 2'), 3.5);
    assert.equal(ev('7 % 3'), 1);
    assert.equal(ev('-usage.cost'), -0.02);
    assert.equal(ev('+3'), 3);
    assert.equal(ev('name + " took " + durationMs + " ms"'), 'decide took 500 ms');
    const e = failsAt('name - 1');
    assert.match(e.message, /^column 6: "-" needs numbers, got a string and a number$/);
    assert.match(failsAt('-name').message, /"-" needs a number, got a string/);
    assert.match(failsAt('usage + 1').message, /"\+" needs numbers or strings, got an object and a number/);
  });

  it('logic short-circuits and returns the deciding value', () => {
    assert.equal(ev('!true'), false);
    assert.equal(ev('!findings'), true, 'an empty list is false');
    assert.equal(ev('!!messages'), true);
    assert.equal(ev('0 || "x"'), 'x');
    assert.equal(ev('1 && "y"'), 'y');
    assert.equal(ev('model ?? "none"'), 'gpt-4o');
    assert.equal(ev('model ?? "none"', 2), 'none');
    assert.equal(ev('false && (name - 1)'), false, 'the right side is never evaluated');
    assert.equal(ev('true || (name - 1)'), true);
    assert.equal(ev('kind == "llm" ? "model" : "other"'), 'model');
    assert.equal(ev('kind == "tool" ? "model" : "other"'), 'other');
  });

  it('follows the usual precedence', () => {
    assert.equal(ev('1 + 2 * 3'), 7);
    assert.equal(ev('(1 + 2) * 3'), 9);
    assert.equal(ev('10 - 4 - 3'), 3, 'left associative');
    assert.equal(ev('2 * 3 % 4'), 2);
    assert.equal(ev('1 + 1 == 2'), true);
    assert.equal(ev('1 < 2 == true'), true);
    assert.equal(ev('true || false && false'), true, '&& binds tighter than ||');
    assert.equal(ev('!false && false'), false, '! binds tighter than &&');
    assert.equal(ev('-2 * -3'), 6);
    assert.equal(ev('name =~ /dec/ && kind == "llm"'), true);
    assert.equal(ev('"a" in "cat" == true'), true);
  });

  it('matches regexes on RE2, with flags, and string patterns', () => {
    assert.equal(ev('name =~ /fetch/', 2), true);
    assert.equal(ev('name =~ /^fetch_\\w+$/', 2), true);
    assert.equal(ev('name =~ /FETCH/', 2), false);
    assert.equal(ev('name =~ /FETCH/i', 2), true);
    assert.equal(ev('name !~ /fetch/', 2), false);
    assert.equal(ev('error.message =~ /timed out/', 2), true);
    assert.equal(ev('error.message =~ /timed out/', 1), false, 'nothing never matches');
    assert.equal(ev('name =~ "^dec"'), true);
    assert.equal(ev('name =~ ("^" + "dec")'), true, 'a computed pattern');
    assert.equal(ev('"a/b" =~ /a\\/b/'), true, 'an escaped slash');
    assert.equal(ev('"a/b" =~ /[/]/'), true, 'a slash in a class');
    assert.equal(ev('"x\\ny" =~ /x.y/s'), true);
    assert.equal(ev('"a\\nb" =~ /^b$/m'), true);
    assert.equal(ev('"caf\\u00e9" =~ /caf\\u00e9$/'), true, '\\u escapes in a regex are read for RE2');
    assert.equal(ev('"x\\\\u0041" =~ /x\\\\u0041/'), true, 'an escaped backslash before u stays one');
  });

  it('in and the functions', () => {
    assert.equal(ev('"SFO" in messages[-1].content'), true);
    assert.equal(ev('"retries" in arguments', 2), true);
    assert.equal(ev('"constructor" in arguments', 2), false, 'own keys only');
    assert.equal(ev('kind in ["llm", "tool"]'), true);
    assert.equal(ev('1 in [1, 2]'), true);
    assert.equal(ev('"x" in usage.nothing'), false);
    assert.equal(ev('len(name)'), 6);
    assert.equal(ev('len(usage)'), 3);
    assert.equal(ev('len(error)'), 0);
    assert.equal(ev('lower(model)'), 'gpt-4o');
    assert.equal(ev('lower("ABC")'), 'abc');
    assert.equal(ev('lower(error)'), undefined);
    assert.equal(ev('contains(name, "eci")'), true);
    assert.equal(ev('contains(["a", "b"], "b")'), true);
    assert.equal(ev('contains(error, "x")'), false);
    assert.equal(ev('count(status == "error")'), 1);
    assert.equal(ev('count(kind == "tool")'), 2);
    assert.equal(ev('count(findings)'), 1);
    assert.equal(ev('count(name =~ /^s/)'), 1);
    assert.equal(ev('any(kind == "agent")'), true);
    assert.equal(ev('any(kind == "retrieval")'), false);
    assert.equal(ev('count(true) - count(failing)'), 2);
    assert.match(failsAt('len(1)').message, /len\(\) needs a string, a list or an object, got a number/);
    assert.match(failsAt('lower(1)').message, /lower\(\) needs a string, got a number/);
    assert.match(failsAt('1 in 2').message, /"in" and contains\(\) need a string, a list or an object/);
  });

  it('count() and any() are remembered per trace, and computed again when the steps or the version change', () => {
    const steps = [...STEPS];
    let reads = 0;
    const src: { steps: Step[]; version?: number; findingsAt(i: number): readonly Finding[]; tagsAt(i: number): { category: string }[] } = {
      steps, findingsAt: (i) => { reads++; return FINDINGS[i] ?? []; }, tagsAt: () => [],
    };
    const c = compileExpression('count(len(findings) > 0)');
    assert.equal(c.evaluate(stepScope(src, 0)), 1);
    assert.equal(reads, 4);
    for (let i = 0; i < 4; i++) assert.equal(c.evaluate(stepScope(src, i)), 1);
    assert.equal(reads, 4, 'one pass over the trace, not one per step');
    assert.equal(compileExpression('count(len(findings) > 0)').evaluate(stepScope(src, 2)), 1);
    assert.equal(reads, 4, 'a watch compiled again at the next stop finds the result');
    assert.equal(compileExpression('count(len(findings) > 0) + 0').evaluate(stepScope(src, 2)), 1);
    assert.equal(reads, 8, 'another expression counts for itself');
    steps.push(step(4));
    assert.equal(c.evaluate(stepScope(src, 0)), 1);
    assert.equal(reads, 13, 'a step was appended: counted again');
    src.version = 2;
    assert.equal(c.evaluate(stepScope(src, 0)), 1);
    assert.equal(reads, 18, 'the version changed: counted again');
  });
});

describe('debugger expressions: errors say where and what', () => {
  const cases: [string, number, RegExp][] = [
    ['status == "error" &&', 21, /expected an operand after "&&"/],
    ['a &&', 5, /expected an operand after "&&"/],
    ['(kind == "llm"', 15, /missing "\)"/],
    ['messages[0', 11, /missing "]"/],
    ['name == "abc', 13, /unclosed string/],
    ['name =~ /abc', 9, /unclosed regex/],
    ['nmae == "x"', 1, /unknown name "nmae"/],
    ['kind == "llm" && foo(1)', 18, /unknown function "foo" \(functions: count\(\), any\(\), len\(\), lower\(\), contains\(\)\)/],
    ['usage.toString()', 1, /only these functions can be called/],
    ['len(1, 2)', 1, /len\(\) takes 1 argument, got 2/],
    ['contains(name)', 1, /contains\(\) takes 2 arguments, got 1/],
    ['count(count(true) > 1)', 7, /count\(\) cannot be used inside count\(\)/],
    ['any(count(true) > 1)', 5, /count\(\) cannot be used inside any\(\)/],
    ['name =~ /(?=x)/', 9, /bad regex \/\(\?=x\)\/: .*lookaround/],
    ['name =~ /(a/', 9, /bad regex .*missing closing \)/],
    ['name =~ "(a"', 9, /bad regex/],
    ['name =~ /a/g', 9, /unknown regex flag "g" \(use i, m or s\)/],
    ['/abc/', 1, /a regex can only be used after =~ or !~/],
    ['kind | 1', 6, /operator "\|" is not supported/],
    ['2 ** 3', 3, /operator "\*\*" is not supported/],
    ['~1', 1, /operator "~" is not supported/],
    ['this.name', 1, /"this" is not available/],
    ['kind name', 6, /expected an operator before this/],
    ['kind; name', 7, /expected an operator before this/],
    ['(kind, name)', 1, /one expression only/],
    ['', 1, /the expression is empty/],
    ['   ', 1, /the expression is empty/],
    ['1abc', 2, /a name cannot start with a digit/],
    ['kind ? 1', 9, /expected ":"/],
    ['len(,)', 5, /unexpected ","/],
    ['status = "error"', 8, /unexpected "=" \(use == to compare; nothing can be assigned\)/],
    ['status == "error" and kind == "llm"', 19, /expected an operator before this \(write && for "and"\)/],
    ['1..5', 3, /unexpected "\."/],
  ];
  for (const [text, column, message] of cases) {
    it(`${JSON.stringify(text)}: column ${column}, ${message.source}`, () => {
      const e = bad(text);
      assert.equal(e.column, column, e.message);
      assert.match(e.message, message);
      assert.ok(e.message.startsWith(`column ${column}: `), e.message);
    });
  }

  it('a failed evaluation is an EvaluationError (an ExpressionError) naming the column', () => {
    const e = failsAt('kind == "llm" && name * 2');
    assert.ok(e instanceof ExpressionError);
    assert.equal(e.column, 23);
    assert.match(e.message, /^column 23: "\*" needs numbers, got a string and a number$/);
    assert.match(failsAt('messages[1.5]').message, /an index must be a whole number/);
    assert.match(failsAt('usage[usage]').message, /a member name must be a string or a number, got an object/);
  });
});

describe('debugger expressions: hostile input is refused or bounded', () => {
  it('refuses __proto__, constructor and prototype, literally or computed', () => {
    for (const text of ['step.__proto__', 'step.constructor', 'usage.prototype', 'step["__proto__"]', "step['constructor']"]) {
      assert.match(bad(text).message, /cannot be read/, text);
    }
    assert.match(failsAt('step["__pro" + "to__"]').message, /"__proto__" cannot be read/);
    assert.match(failsAt('usage[lower("CONSTRUCTOR")]').message, /"constructor" cannot be read/);
    assert.equal(ev('step.hasOwnProperty'), undefined, 'inherited members are not read');
    assert.equal(ev('name.toUpperCase'), undefined);
    assert.equal(ev('messages.map'), undefined);
    assert.equal(ev('attributes.toString'), undefined);
  });

  it('a __proto__ key the trace itself holds (JSON.parse makes it an own property) is still not read', () => {
    const steps = [step(0, { attributes: JSON.parse('{"__proto__": {"polluted": true}, "x": 1}') as Record<string, unknown> })];
    const src = source(steps);
    assert.equal(ev('attributes.x', 0, src), 1);
    assert.match(bad('attributes.__proto__').message, /cannot be read/);
    assert.equal(ev('"__proto__" in attributes', 0, src), false);
    assert.equal(({} as Record<string, unknown>).polluted, undefined);
  });

  it('refuses an expression longer than the limit, saying how long it is', () => {
    const e = bad(`name == "${'x'.repeat(1 << 20)}"`);
    assert.match(e.message, /the expression is 1,048,586 characters long; the limit is 10,000/);
    const e2 = bad('1 + '.repeat(MAX_EXPRESSION_LENGTH / 4) + '1');
    assert.match(e2.message, /characters long; the limit is 10,000/);
  });

  it('refuses deep nesting (parentheses, brackets, signs, chains) before it can overflow the stack', () => {
    for (const text of [
      '('.repeat(4000) + '1' + ')'.repeat(4000),
      '!'.repeat(9000) + 'true',
      '-'.repeat(9000) + '1',
      '['.repeat(3000) + ']'.repeat(3000),
      'messages' + '[0]'.repeat(MAX_EXPRESSION_DEPTH + 5),
      '1' + ' + 1'.repeat(MAX_EXPRESSION_DEPTH + 5),
    ]) {
      const e = bad(text);
      assert.match(e.message, /nested too deeply/, `${text.slice(0, 20)}…: ${e.message}`);
    }
    assert.equal(ev('(((((1)))))'), 1, 'ordinary nesting is fine');
    assert.equal(ev('1' + ' + 1'.repeat(MAX_EXPRESSION_DEPTH - 2)), MAX_EXPRESSION_DEPTH - 1);
  });

  it('refuses a huge regex, and matches a 1 MB string in linear time', () => {
    assert.match(bad(`name =~ /${'a'.repeat(3000)}/`).message, /the regex is 3000 characters long; the limit is 2000/);
    assert.match(bad('name =~ /(a{1000}){1000}/').message, /bad regex .*invalid repeat count/);
    assert.match(bad('name =~ /((a{100}){100}){100}/').message, /bad regex|too large/);
    assert.match(bad('name =~ /(((((a{20}){20}){20}){20}))/').message, /bad regex|too large/);
    // A backtracking engine needs 2^n steps for this; RE2 reads the string once.
    const hostile = 'a'.repeat(1 << 20) + '!';
    const src = source([step(0, { name: hostile })]);
    assert.equal(ev('name =~ /^(a+)+$/', 0, src), false);
    assert.equal(ev('name =~ /(a|aa)*!$/', 0, src), true);
    assert.equal(ev('len(name)', 0, src), (1 << 20) + 1);
    assert.equal(ev('contains(name, "a!")', 0, src), true);
  });

  it('bounds the work: building huge strings and too many steps stop with a clear error', () => {
    const big = 'x'.repeat(3_000_000);
    const src = source([step(0, { name: big })]);
    const e = (() => { try { ev('name + name', 0, src); } catch (err) { return err as Error; } assert.fail('no error'); })();
    assert.ok(e instanceof EvaluationError);
    assert.match(e.message, /the string would be 6000000 characters long; the limit is 4000000/);
    const c = compileExpression('count(kind == "tool")');
    assert.throws(() => c.evaluate(stepScope(source(), 0), { budget: 5 }), (err: unknown) => err instanceof EvaluationError && /too much work/.test(err.message));
    assert.equal(c.evaluate(stepScope(source(), 0), { budget: 1000 }), 2, 'the same expression with room enough');
  });

  it('count() over 10^6 steps ends and counts exactly (linear, within the default budget)', () => {
    const n = 1_000_000;
    const kinds: Step['kind'][] = ['llm', 'tool', 'agent', 'tool'];
    const steps: Step[] = Array.from({ length: n }, (_, i) => ({
      id: `s${i}`, parentId: null, index: i, depth: 0, kind: kinds[i % 4], name: 't', startTime: null, endTime: null,
      status: i % 1000 === 0 ? 'error' : 'ok', attributes: {},
    }));
    const src: StepScopeSource = { steps, findingsAt: () => [], tagsAt: () => [] };
    assert.equal(compileExpression('count(status == "error")').evaluate(stepScope(src, 0)), 1000);
    assert.equal(compileExpression('count(kind == "tool" && status == "error") + 0').evaluate(stepScope(src, 5)), 0);
    assert.equal(compileExpression('any(index == 999999)').evaluate(stepScope(src, 0)), true);
  });

  it('property: compiling any text throws nothing but ExpressionError, and evaluating throws nothing but EvaluationError', () => {
    const pieces = ['kind', 'name', 'messages', '[', ']', '(', ')', '-1', '0', '.', 'content', '==', '!=', '&&', '||', '!', '"x"', "'y'", '/a+/', '=~', '+', '*', '%', '<', 'count', 'any', 'len', 'lower', 'contains', ',', '?', ':', 'in', '__proto__', 'constructor', 'step', 'usage', ' ', '{', '}', '\\', '`', 'this', 'null'];
    const text = fc.oneof(fc.string({ maxLength: 60 }), fc.array(fc.constantFrom(...pieces), { maxLength: 25 }).map((p) => p.join('')));
    fc.assert(fc.property(text, fc.integer({ min: 0, max: 3 }), (t, at) => {
      let compiled;
      try {
        compiled = compileExpression(t);
      } catch (e) {
        assert.ok(e instanceof ExpressionError, `compile ${JSON.stringify(t)} threw ${String(e)}`);
        assert.ok(e.column >= 0 && e.column <= t.length + 1, `column ${e.column} outside ${JSON.stringify(t)}`);
        return;
      }
      try {
        compiled.evaluate(stepScope(source(), at));
      } catch (e) {
        assert.ok(e instanceof EvaluationError, `evaluate ${JSON.stringify(t)} threw ${String(e)}`);
      }
    }), { numRuns: 3000, seed: 12 });
  });

  it('property: a log message template compiles or throws ExpressionError, and rendering never throws', () => {
    const pieces = ['{', '}', '{{', '}}', 'name', 'durationMs', ' took ', '"}"', "'{'", 'messages[-1].content', '* 2', '=~ /x/', '\\', 'count(true)'];
    const template = fc.oneof(fc.string({ maxLength: 40 }), fc.array(fc.constantFrom(...pieces), { maxLength: 12 }).map((p) => p.join('')));
    fc.assert(fc.property(template, fc.integer({ min: 0, max: 3 }), (t, at) => {
      let message;
      try {
        message = compileLogMessage(t);
      } catch (e) {
        assert.ok(e instanceof ExpressionError, `compile ${JSON.stringify(t)} threw ${String(e)}`);
        assert.ok(e.column >= 0 && e.column <= t.length + 1, `column ${e.column} outside ${JSON.stringify(t)}`);
        return;
      }
      assert.equal(typeof message.render(stepScope(source(), at)), 'string');
    }), { numRuns: 2000, seed: 7 });
  });
});

describe('debugger expressions: log messages, truthiness and formatting', () => {
  it('renders {expressions} in a template; {{ and }} are braces', () => {
    const scope = stepScope(source(), 1);
    assert.equal(compileLogMessage('{name} took {durationMs} ms').render(scope), 'decide took 500 ms');
    assert.equal(compileLogMessage('{{literal}} {kind}').render(scope), '{literal} llm');
    assert.equal(compileLogMessage('usage: {usage}').render(scope), 'usage: {inputTokens: 900, outputTokens: 1500, cost: 0.02}');
    assert.equal(compileLogMessage('last: {messages[-1].content}!').render(scope), 'last: Find flights to SFO!');
    assert.equal(compileLogMessage('{name == "}" ? 1 : 2}').render(scope), '2', 'a brace inside a string does not end the part');
    assert.equal(compileLogMessage('no parts').render(scope), 'no parts');
    assert.equal(compileLogMessage('{error}').render(scope), 'undefined');
  });

  it('a part that fails shows the error in the line instead of throwing', () => {
    assert.equal(compileLogMessage('x={name * 2} y={kind}').render(stepScope(source(), 1)), 'x=<error: "*" needs numbers, got a string and a number> y=llm');
  });

  it('a bad template is an ExpressionError with the column in the template', () => {
    const cases: [string, number, RegExp][] = [
      ['took {durationMs ms', 6, /missing "}" after "{"/],
      ['a } b', 3, /a lone "}"/],
      ['x {} y', 3, /empty "{}"/],
      ['took {durationMs &&} ms', 20, /expected an operand after "&&"/],
      ['{nope}', 2, /unknown name "nope"/],
    ];
    for (const [template, column, message] of cases) {
      try {
        compileLogMessage(template);
        assert.fail(`${template} compiled`);
      } catch (e) {
        assert.ok(e instanceof ExpressionError, String(e));
        assert.equal(e.column, column, `${template}: ${e.message}`);
        assert.match(e.message, message);
      }
    }
  });

  it('isTruthy: false, 0, NaN, "", null, undefined and [] are false', () => {
    for (const v of [false, 0, NaN, '', null, undefined, []]) assert.equal(isTruthy(v), false, String(v));
    for (const v of [true, 1, -1, 'x', [0], {}, { a: 1 }]) assert.equal(isTruthy(v), true, JSON.stringify(v));
  });

  it('formatValue quotes strings, writes compact JSON and cuts at maxChars without serializing the rest', () => {
    assert.equal(formatValue('a"b'), '"a\\"b"');
    assert.equal(formatValue(3), '3');
    assert.equal(formatValue(undefined), 'undefined');
    assert.equal(formatValue(null), 'null');
    assert.equal(formatValue([1, 'x', { 'a b': true }]), '[1, "x", {"a b": true}]');
    assert.equal(formatValue('x'.repeat(100), 10), `"${'x'.repeat(9)}…`);
    assert.equal(formatValue({ a: 'y'.repeat(50) }, 12), '{a: "yyyyyyy…');
    const huge = Array.from({ length: 1_000_000 }, (_, i) => i);
    const shown = formatValue(huge, 50);
    assert.equal(shown.length, 51);
    assert.ok(shown.startsWith('[0, 1, 2') && shown.endsWith('…'));
    let deep: unknown = 1;
    for (let i = 0; i < 5000; i++) deep = [deep];
    assert.match(formatValue(deep, 100), /^\[\[\[\[.*\[…\]/);
    assert.equal(formatValue(formatValue), '<function>');
  });

  it('STEP_SCOPE_NAMES lists every Step field and the derived names, once each', () => {
    const names = STEP_SCOPE_NAMES.map((n) => n.name);
    assert.equal(new Set(names).size, names.length);
    for (const n of ['kind', 'status', 'name', 'model', 'usage', 'error', 'startTime', 'toolCall', 'attributes', 'location', 'durationMs', 'messages', 'output', 'input', 'tool', 'findings', 'tags', 'step', 'index']) {
      assert.ok(names.includes(n), n);
    }
  });
});
