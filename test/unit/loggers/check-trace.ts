/**
 * What both logger tests check on a file a logger wrote: every line is one whole JSON record, the
 * project's importer opens it without a warning (each line passed its agent-trace/v1 line
 * validator), every trace it builds validates against the committed schema/trace.schema.json,
 * and the detectors run over it. Shared by typescript-logger.test.ts and python-logger.test.ts.
 */
import { strict as assert } from 'node:assert';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv2020 from 'ajv/dist/2020';
import { analyzeFile, type FileAnalysis } from '../../../src/core/analyze';
import { canonicalImporter } from '../../../src/core/formats/canonical';
import type { Step, Trace } from '../../../src/core/model/schema';
import { PROJECT_ROOT } from '../../support/shared';

let validateTrace: ReturnType<Ajv2020['compile']> | undefined;

/** The file's lines, each parsed; fails naming the line that is not one whole JSON record. */
export function readRecords(file: string): Record<string, unknown>[] {
  const text = readFileSync(file, 'utf8');
  assert.ok(text.endsWith('\n'), `${file}: the last line is not terminated`);
  return text.slice(0, -1).split('\n').map((line, i) => {
    try {
      const v = JSON.parse(line) as unknown;
      assert.ok(typeof v === 'object' && v !== null && !Array.isArray(v), `${file}:${i + 1}: not a JSON object`);
      return v as Record<string, unknown>;
    } catch (e) {
      throw new Error(`${file}:${i + 1}: not one whole JSON record (${(e as Error).message}): ${line.slice(0, 120)}`, { cause: e });
    }
  });
}

/** Open with the importer and the detectors; no warnings, and every trace valid against the schema. */
export function openWritten(file: string): FileAnalysis {
  const analysis = analyzeFile(file);
  assert.equal(analysis.format, canonicalImporter.id, `${file} was not recognized as agent-trace/v1`);
  assert.deepEqual(analysis.warnings.map((w) => w.message), [], `${file}: the importer warned`);
  validateTrace ??= new Ajv2020({ strict: false, allErrors: true }).compile(JSON.parse(readFileSync(join(PROJECT_ROOT, 'schema', 'trace.schema.json'), 'utf8')));
  for (const trace of analysis.traces) {
    assert.ok(validateTrace(trace), `trace ${trace.id} does not match schema/trace.schema.json: ${JSON.stringify(validateTrace.errors?.slice(0, 3))}`);
  }
  return analysis;
}

/** The one step of `trace` named `name`; fails when there is none or several. */
export function stepNamed(trace: Trace, name: string): Step {
  const found = trace.steps.filter((s) => s.name === name);
  assert.equal(found.length, 1, `trace ${trace.id}: expected one step named ${name}, found ${found.length}`);
  return found[0];
}

/** The name of a step's parent ('' at top level). */
export function parentName(trace: Trace, step: Step): string {
  return step.parentId === null ? '' : trace.steps.find((s) => s.id === step.parentId)?.name ?? `(missing ${step.parentId})`;
}
