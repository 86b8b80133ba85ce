// Regenerates src/core/receiver/otlp-descriptor.json (protobufjs's JSON form of the OTLP trace
// schema) from the official .proto files vendored in src/core/receiver/proto/ (opentelemetry-proto
// v1.11.0). The receiver loads the JSON with protobufjs/light, so the bundle needs no .proto parser
// and no files beside it. test/unit/receiver/descriptor.test.ts fails when the two drift apart.
//   node scripts/gen-otlp-descriptor.mjs
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const PROTO_DIR = join(root, 'src/core/receiver/proto');
export const DESCRIPTOR = join(root, 'src/core/receiver/otlp-descriptor.json');

export function descriptorText() {
  const r = new protobuf.Root();
  r.resolvePath = (_origin, target) => join(PROTO_DIR, target);
  r.loadSync('opentelemetry/proto/collector/trace/v1/trace_service.proto', { keepCase: false });
  r.resolveAll();
  return `${JSON.stringify(r.toJSON(), null, 1)}\n`;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  writeFileSync(DESCRIPTOR, descriptorText());
  console.log(`wrote ${DESCRIPTOR}`);
}
