/**
 * The extension's own JSONL format: the format we recommend agents log to.
 *
 *   {"type":"trace","format":"agent-trace/v1","id":"run-1","title":"...","tools":[...]}   (optional first line)
 *   {"type":"step","id":"s1","parentId":null,"kind":"llm","name":"plan","status":"ok",...}
 *   {"type":"step","id":"s2","parentId":"s1","kind":"tool","toolCall":{"name":"search","arguments":{...}},...}
 *
 * Each step line carries the fields of the canonical Step (see schema/trace.schema.json); `index`,
 * `depth` and `location` are computed on import; null in an optional field means absent. Times
 * may be ISO strings or epoch numbers. Several runs in one file are separated by `trace` lines,
 * which may also carry `tools`, `metadata` and `labels` (a label's `stepId` names a step line's id).
 * `agent-trace convert` (src/core/convert) writes this format from any trace we read.
 */
import { z } from 'zod';
import validateStepLine from './step-line-validator.generated';
import type { DraftStep, DraftTrace } from '../model/draft';
import { ChatMessage, ImportedLabel, StepError, StepKind, StepPayload, StepStatus, ToolCall, ToolDefinition, Usage } from '../model/schema';
import { toEpochMs } from '../util/time';
import { Importer, isObject } from './importer';
import type { SourceFile } from '../json/source-file';
import type { Problem } from '../util/problems';

export const CANONICAL_FORMAT = 'agent-trace/v1';

const StepLine = z.object({
  type: z.literal('step'),
  id: z.string().min(1),
  parentId: z.string().nullish(),
  kind: StepKind,
  name: z.string(),
  startTime: z.union([z.string(), z.number()]).nullish(),
  endTime: z.union([z.string(), z.number()]).nullish(),
  status: StepStatus.optional(),
  // null means absent: `agent-trace convert` writes every one of these keys on every line.
  input: StepPayload.nullish(),
  output: StepPayload.nullish(),
  toolCall: ToolCall.nullish(),
  availableTools: z.array(z.string()).optional(),
  error: StepError.nullish(),
  usage: Usage.nullish(),
  model: z.string().nullish(),
  finishReason: z.string().optional(),
  attributes: z.record(z.string(), z.unknown()).optional(),
  messages: z.array(ChatMessage).optional(),
});

const TraceLine = z.object({
  type: z.literal('trace'),
  format: z.string().optional(),
  id: z.string().optional(),
  title: z.string().optional(),
  startTime: z.union([z.string(), z.number()]).nullish(),
  tools: z.array(ToolDefinition).optional(),
  metadata: z.record(z.string(), z.unknown()).optional(),
  labels: z.array(ImportedLabel).optional(),
});

const OPTIONAL_STEP_FIELDS = ['input', 'output', 'toolCall', 'availableTools', 'error', 'usage', 'model', 'finishReason', 'attributes'] as const;

export const canonicalImporter: Importer = {
  id: 'agent-trace-jsonl',
  label: 'Agent Trace JSONL (this extension\'s own format)',
  producer: 'agents that log with the recommended format',
  sniff(file: SourceFile): number {
    if (file.isZip || file.firstChar !== '{' || !file.looksLikeJsonl()) return 0;
    const first = file.jsonl.records[0]?.value;
    if (!isObject(first)) return 0;
    if (first.type === 'trace' && first.format === CANONICAL_FORMAT) return 1;
    if (first.type === 'step' && typeof first.kind === 'string' && typeof first.id === 'string') return 0.9;
    return 0;
  },
  parse(file, ctx): DraftTrace[] {
    const { records, problems } = file.jsonl;
    for (const p of problems) ctx.warn(p);
    const traces: DraftTrace[] = [];
    let current: DraftTrace | undefined;
    for (const rec of records) {
      const r = canonicalRecord(rec.value, rec.line, (p) => ctx.warn(p));
      if (!r) continue;
      if ('trace' in r) {
        current = r.trace;
        traces.push(current);
      } else {
        if (!current) {
          current = canonicalDefaultTrace(file.path);
          traces.push(current);
        }
        current.steps.push(r.step);
      }
    }
    return traces;
  },
};

/** The run that steps before any `trace` line belong to: titled after the file. */
export function canonicalDefaultTrace(path: string): DraftTrace {
  return { title: path.split(/[\\/]/).pop() ?? 'trace', steps: [], jsonlPaths: true };
}

/**
 * One parsed line of an agent-trace/v1 file (`line0` is its 0-based line): a `trace` line starts
 * a run, a `step` line is a step of the current run; a bad line is warned about (line skipped)
 * and gives undefined. Shared by the whole-file parse above and the streaming builder
 * (src/core/engine/stream/canonical-builder.ts).
 */
export function canonicalRecord(v: unknown, line0: number, warn: (p: Omit<Problem, 'file'>) => void): { trace: DraftTrace } | { step: DraftStep } | undefined {
  if (isObject(v) && v.type === 'trace') {
    const t = TraceLine.safeParse(v);
    if (!t.success) { warn({ line: line0 + 1, column: 1, message: `bad trace line: ${zodIssue(t.error)} (line skipped)` }); return undefined; }
    return {
      trace: {
        id: t.data.id, title: t.data.title ?? t.data.id ?? 'trace', startTime: toEpochMs(t.data.startTime),
        tools: t.data.tools, metadata: t.data.metadata, steps: [], jsonlPaths: true,
        // A label's stepId is a step line's id, which is that step's source id here.
        labels: t.data.labels?.map(({ stepId, ...label }) => ({ ...label, stepSourceId: stepId })),
      },
    };
  }
  if (!isValidStepLine(v)) {
    const s = StepLine.safeParse(v);
    warn({ line: line0 + 1, column: 1, message: `bad step line: ${s.success ? 'invalid' : zodIssue(s.error)} (line skipped)` });
    return undefined;
  }
  const step: DraftStep = {
    kind: v.kind,
    name: v.name,
    sourceId: v.id,
    parentSourceId: v.parentId ?? null,
    startTime: toEpochMs(v.startTime),
    endTime: toEpochMs(v.endTime),
    status: v.status ?? (v.error ? 'error' : 'ok'),
    sourcePath: [line0],
  };
  // Field by field rather than object rest: V8's rest copy is slow on 10^6 lines.
  for (const key of OPTIONAL_STEP_FIELDS) if (v[key] !== undefined && v[key] !== null) (step as Record<string, unknown>)[key] = v[key];
  if (v.messages && !step.input) step.input = { messages: v.messages };
  return { step };
}

/**
 * The fast path: ajv's validator of the zod schema's JSON Schema (`stepLineJsonSchema`), about
 * 20x faster per line than zod on 10^5-step files; zod only words the message for a bad line. It
 * is generated as code at build time (scripts/gen-validators.ts, ajv's standalone code): compiled
 * at run time, it took 26-39 ms on each thread that first read a line, which on the extension host
 * (reading a held step back) was one turn of its own after every first streamed read.
 */
function isValidStepLine(v: unknown): v is z.infer<typeof StepLine> {
  return validateStepLine(v);
}

/** The JSON Schema of a step line, as the generated validator checks it (scripts/gen-validators.ts). */
export function stepLineJsonSchema(): object {
  return z.toJSONSchema(StepLine, { io: 'input', unrepresentable: 'any' });
}

function zodIssue(err: z.ZodError): string {
  const i = err.issues[0];
  return i ? `${i.path.length ? i.path.join('.') + ': ' : ''}${i.message}` : 'invalid';
}
