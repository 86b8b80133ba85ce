// Writes schema/*.schema.json from the zod schemas (the single source of truth): the canonical
// trace, annotation sidecars, taxonomy files and training sets' set.json (src/core/schema-files.ts).
// Run with `npm run schema`; a unit test fails when a committed file is stale.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SCHEMA_FILES } from '../src/core/schema-files';

for (const { file, generate } of SCHEMA_FILES) {
  writeFileSync(join(__dirname, '..', 'schema', file), JSON.stringify(generate(), null, 2) + '\n');
  console.log(`wrote schema/${file}`);
}
