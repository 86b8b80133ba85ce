/**
 * Compiled JSON-Schema validators, cached by the schema's text. Schemas come from trace files,
 * where the same tool's schema arrives as a fresh object on every record: caching by object
 * identity recompiled each one (30x slower) and ajv's own cache kept every one of them alive.
 * Compile errors (hostile schemas) are cached too and returned, never thrown.
 *
 * Because the schemas are hostile, their `pattern` and `patternProperties` never run on a
 * backtracking engine: `^(a+)+$` against "aaaa…ab" would hang the extension host. Every
 * SchemaCache compiles them with RE2 (re2js, pure JavaScript, linear time; no native module to
 * ship in the VSIX).
 */
import Ajv from 'ajv';
import type { ValidateFunction } from 'ajv';
import type { RegExpEngine, RegExpLike } from 'ajv/dist/types';
import { RE2JS } from 're2js';

const CACHE_MAX = 1000;

/**
 * ajv's regex engine for schemas from traces: RE2, which matches in linear time. A pattern that
 * is not a valid ECMAScript regex still fails the schema, as with ajv's default engine; a valid
 * one that RE2 cannot run (lookaround, backreferences) is not checked: accepting is safer than
 * backtracking.
 */
export const linearTimeRegExp: RegExpEngine = Object.assign(
  (pattern: string, flags: string): RegExpLike => {
    new RegExp(pattern, flags); // syntax check only (throws on an invalid pattern); it never runs
    const re2 = compileRe2(pattern);
    const matcher: RegExpLike & { toString(): string } = {
      test: re2 ? (s: string) => re2.test(s) : () => true,
      // ajv keys compiled patterns by this text: it must differ for every pattern.
      toString: () => `/${pattern}/${flags}${re2 ? '' : ' (not checked)'}`,
    };
    return matcher;
  },
  // Only read when ajv generates standalone code, which this project never does.
  { code: 'linearTimeRegExp' },
);

function compileRe2(pattern: string): RE2JS | undefined {
  try {
    return RE2JS.compile(toRe2Syntax(pattern));
  } catch {
    return undefined;
  }
}

/** ECMAScript escapes RE2 spells differently: \uXXXX, \u{X…} and surrogate pairs become \x{…}. */
function toRe2Syntax(pattern: string): string {
  return pattern.replace(/\\(?:u([dD][89abAB][0-9a-fA-F]{2})\\u([dD][c-fC-F][0-9a-fA-F]{2})|u\{([0-9a-fA-F]{1,6})\}|u([0-9a-fA-F]{4})|[^])/g,
    (all: string, hi?: string, lo?: string, braced?: string, four?: string) => {
      if (hi && lo) return `\\x{${((parseInt(hi, 16) - 0xd800) * 0x400 + (parseInt(lo, 16) - 0xdc00) + 0x10000).toString(16)}}`;
      const hex = braced ?? four;
      return hex ? `\\x{${hex}}` : all;
    });
}

export class SchemaCache {
  private readonly cache = new Map<string, ValidateFunction | Error>();
  private readonly ajv: Ajv;

  /** `allErrors`: report every problem (the correction editor) or stop at the first (detectors). */
  constructor(options: { allErrors: boolean }) {
    this.ajv = new Ajv({
      allErrors: options.allErrors,
      strict: false,
      // With strict schemas ajv would also run each patternProperties key as a RegExp over the
      // property names at compile time: keep that off whatever `strict` becomes.
      allowMatchingProperties: true,
      validateSchema: true,
      code: { regExp: linearTimeRegExp },
    });
  }

  /** The engine ajv compiles `pattern` and `patternProperties` with. */
  get regExpEngine(): RegExpEngine {
    return this.ajv.opts.code.regExp;
  }

  compile(schema: object): ValidateFunction | Error {
    const key = JSON.stringify(schema);
    let v = this.cache.get(key);
    if (!v) {
      try {
        v = this.ajv.compile(schema);
      } catch (e) {
        v = e instanceof Error ? e : new Error(String(e));
      }
      // Never keep the schema in ajv's own cache as well: it would grow without bound.
      this.ajv.removeSchema(schema);
      if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, v);
    }
    return v;
  }
}
