/**
 * The workspace index reads files without locating their steps (LoadOptions.locate false: no
 * second scan of the text). Its records must be exactly those of a full load: they name steps by
 * id, never by line. Checked on one file of each shape of source (JSON Lines, an OTLP span tree,
 * a TRAIL trace with its human labels).
 */
import { strict as assert } from 'node:assert';
import { analyzeFile, detectOptionsFor } from '../../../src/core/analyze';
import { DEFAULT_TAXONOMY } from '../../../src/core/taxonomy';
import { recordsOfFile } from '../../../src/core/workspace/trace-record';
import { sharedPath } from '../../support/shared';

const FILES = [
  'trail/GAIA/traces/0ebe673d64647ec44c370638b82d3c78.json',
  'openinference/genai-attribute-fixtures/otel_genai_client_span_tool_calls.json',
  'claude-code/tool_heavy.jsonl',
];

describe('workspace records without step locations', () => {
  for (const rel of FILES) {
    it(`${rel}: the same records, and no step located`, () => {
      const path = sharedPath('traces', ...rel.split('/'));
      const options = detectOptionsFor(DEFAULT_TAXONOMY);
      const located = analyzeFile(path, options);
      const unlocated = analyzeFile(path, options, { locate: false });
      assert.ok(located.traces.some((t) => t.steps.some((s) => s.location)), 'a full load locates steps');
      assert.ok(unlocated.traces.every((t) => t.steps.every((s) => !s.location)), 'locate: false locates none');
      assert.deepEqual(recordsOfFile(unlocated, { taxonomy: DEFAULT_TAXONOMY }), recordsOfFile(located, { taxonomy: DEFAULT_TAXONOMY }));
    });
  }
});
