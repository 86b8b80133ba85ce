/**
 * The JSON Schemas committed under schema/, each generated from the zod schema that validates the
 * file at run time, so completion and errors in the editor (package.json `jsonValidation`) agree
 * with what the extension and the CLI accept. `npm run schema` writes them; a unit test fails
 * when a committed file is stale.
 */
import { z } from 'zod';
import { SidecarFileSchema } from './annotations/schema';
import { traceJsonSchema } from './model/json-schema';
import { TaxonomyFileSchema } from './taxonomy/file';
import { SetConfigSchema } from './training-set/store';

const BASE_ID = 'https://agent-trace-debugger.dev/schema/';

/** Draft 2020-12 schema of what a file may contain (the input side: fields with defaults are optional). */
function fileSchema(file: string, title: string, schema: z.ZodType): Record<string, unknown> {
  return { $id: BASE_ID + file, title, ...z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) };
}

export interface SchemaFile {
  /** File name under schema/. */
  file: string;
  generate: () => Record<string, unknown>;
}

export const SCHEMA_FILES: readonly SchemaFile[] = [
  { file: 'trace.schema.json', generate: traceJsonSchema },
  { file: 'annotations.schema.json', generate: () => fileSchema('annotations.schema.json', 'Agent Trace Debugger annotations (<trace>.annotations.json)', SidecarFileSchema) },
  { file: 'taxonomy.schema.json', generate: () => fileSchema('taxonomy.schema.json', 'Agent Trace Debugger error taxonomy file', TaxonomyFileSchema) },
  { file: 'training-set.schema.json', generate: () => fileSchema('training-set.schema.json', 'Agent Trace Debugger training set (set.json)', SetConfigSchema) },
];
