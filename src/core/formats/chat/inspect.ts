/**
 * Inspect AI eval logs (UK AISI), `.json` (one EvalLog document) and `.eval` (a zip holding
 * `header.json`, `samples/<id>_epoch_<n>.json`, `summaries.json`, `_journal/...`).
 *
 *   {"version":2,"status":"success","eval":{"task":"...","model":"..."},"plan":{...},"results":{...},"stats":{...},
 *    "samples":[{"id":1,"epoch":1,"input":"...","target":"...","messages":[...],"scores":{"match":{"value":"C"}},"events":[...]}]}
 *
 * One trace per sample (and epoch). Steps come from the sample's events when it has them
 * (`events`, or `transcript.events` in 2024 logs), else from its messages. Scores become
 * trace-level labels (scheme `inspect`): a score is a verdict on the whole sample, like a
 * benchmark's resolved flag, not on one step; the `score` event step still shows where it was
 * computed. A log without samples (an eval that failed or was cancelled before any sample
 * finished, or a header-only file) opens as one trace holding a single `eval` step with the log
 * status and error, so the user sees why there is nothing else rather than a bare refusal.
 */
import type { SourceFile } from '../../json/source-file';
import type { DraftLabel, DraftTrace } from '../../model/draft';
import { UserInputError } from '../../util/problems';
import { toEpochMs } from '../../util/time';
import { Importer, ImportContext, isObject } from '../importer';
import { arr, baseName, rest, str, toolDefinitions } from './common';
import { chatMessagesToSteps } from './chat-steps';
import { inspectEventsToSteps, makeResolver } from './inspect-events';
import { listZip, readEntry, UnzipBudget, ZipEntry, ZipError } from './zip';
import { excessiveNestingOffset, tooDeepMessage } from '../../json/depth';

export function isEvalLog(v: unknown): boolean {
  return isObject(v) && typeof v.version === 'number' && isObject(v.eval) && typeof v.eval.task === 'string' && (typeof v.status === 'string' || Array.isArray(v.samples));
}

/** The message when a JSON document is not an eval log (the streaming import says it too). */
export const NOT_AN_EVAL_LOG = 'not an Inspect AI eval log: expected "version", "eval" with a "task", and "status"';

export const inspectImporter: Importer = {
  id: 'inspect-ai',
  label: 'Inspect AI eval log',
  producer: 'Inspect AI (UK AI Security Institute): inspect eval ... (.eval and .json logs)',
  sniff(file: SourceFile): number {
    if (file.isZip) {
      const names = listZip(file.bytes).entries.map((e) => e.name);
      if (names.includes('header.json') || names.includes('_journal/start.json')) return 1;
      return names.some((n) => /^samples\/.+_epoch_\d+\.json$/.test(n)) ? 0.9 : 0;
    }
    if (file.firstChar !== '{') return 0;
    const head = file.text.slice(0, 2048);
    if (!head.includes('"eval"') && !head.includes('"version"')) return 0;
    return isEvalLog(file.json) ? 1 : 0;
  },
  parse(file: SourceFile, ctx: ImportContext): DraftTrace[] {
    if (file.isZip) return parseEvalZip(file, ctx);
    const log = file.requireJson();
    if (!isEvalLog(log)) throw new UserInputError({ file: file.path, path: '$', message: NOT_AN_EVAL_LOG });
    const header = log as Record<string, unknown>;
    const samples = arr(header.samples);
    if (samples.length === 0) return [headerOnly(header, file.path)];
    return samples.map((s, i) => sampleTrace(s, header, i, ['samples', i], file.path, ctx));
  },
};

function parseEvalZip(file: SourceFile, ctx: ImportContext): DraftTrace[] {
  const archive = evalArchive(file, ctx);
  if (archive.samples.length === 0) return [archive.headerOnly()];
  // One entry inflated and converted at a time; only the drafts are kept.
  return archive.samples.map((_, i) => archive.sample(i));
}

/**
 * A `.eval` archive's header and sample entries (in (id, epoch) order), each sample drafted when
 * asked for (`sample(i)`): the whole import drafts them all, the trace editor sends each as soon
 * as it is drafted (inspect-stream.ts).
 */
export interface EvalArchive {
  samples: ZipEntry[];
  sample(i: number): DraftTrace;
  /** The log's one trace when it has no samples. */
  headerOnly(): DraftTrace;
}

export function evalArchive(file: SourceFile, ctx: ImportContext): EvalArchive {
  const { entries, complete } = listZip(file.bytes);
  if (!complete) ctx.warn({ message: `the .eval archive has no central directory (it may still be being written); read ${entries.length} entries from local headers` });
  const byName = new Map(entries.map((e) => [e.name, e]));
  const budget = new UnzipBudget(ctx.maxUnzippedBytes);
  const readJson = (e: ZipEntry): unknown => {
    let bytes: Uint8Array;
    try { bytes = readEntry(file.bytes, e, budget); } catch (err) {
      if (err instanceof ZipError) throw new UserInputError({ file: file.path, path: e.name, message: err.message });
      throw err;
    }
    const text = new TextDecoder().decode(bytes);
    if (excessiveNestingOffset(text) !== -1) throw new UserInputError({ file: file.path, path: e.name, message: `entry ${e.name}: ${tooDeepMessage()}` });
    try { return JSON.parse(text); } catch {
      throw new UserInputError({ file: file.path, path: e.name, message: `entry ${e.name} is not valid JSON (the log may be truncated)` });
    }
  };
  // header.json is written at the end; a log still running only has the journal's start record.
  const headerEntry = byName.get('header.json') ?? byName.get('_journal/start.json');
  const header = headerEntry ? readJson(headerEntry) : {};
  const h = isObject(header) ? header : {};
  if (!byName.has('header.json')) h.status ??= 'started';
  const samples = entries.filter((e) => /^samples\/.+\.json$/.test(e.name)).sort(bySample);
  return {
    samples,
    sample: (i) => sampleTrace(readJson(samples[i]), h, i, undefined, file.path, ctx),
    headerOnly: () => headerOnly(h, file.path),
  };
}

/** Sample entries in (id, epoch) order; the archive holds them in completion order. */
function bySample(a: ZipEntry, b: ZipEntry): number {
  const pa = sampleKey(a.name);
  const pb = sampleKey(b.name);
  if (pa.id !== pb.id) {
    const na = Number(pa.id);
    const nb = Number(pb.id);
    if (Number.isFinite(na) && Number.isFinite(nb)) return na - nb;
    return pa.id < pb.id ? -1 : 1;
  }
  return pa.epoch - pb.epoch;
}

function sampleKey(name: string): { id: string; epoch: number } {
  const m = /^samples\/(.+)_epoch_(\d+)\.json$/.exec(name);
  return m ? { id: m[1], epoch: Number(m[2]) } : { id: name, epoch: 0 };
}

export function evalInfo(header: Record<string, unknown>): { task: string; model?: string; meta: Record<string, unknown> } {
  const ev = isObject(header.eval) ? header.eval : {};
  return {
    task: str(ev.task) ?? 'eval',
    model: str(ev.model),
    meta: {
      task: ev.task, model: ev.model, runId: ev.run_id, evalId: ev.eval_id, created: ev.created,
      logStatus: header.status, logVersion: header.version,
      ...(header.error !== undefined && header.error !== null ? { logError: header.error } : {}),
    },
  };
}

export function sampleTrace(raw: unknown, header: Record<string, unknown>, index: number, path: (string | number)[] | undefined, filePath: string, ctx: ImportContext): DraftTrace {
  const { task, model, meta } = evalInfo(header);
  if (!isObject(raw)) {
    ctx.warn({ path: path ? `$.samples[${index}]` : undefined, message: `sample ${index + 1} is not an object; shown as an empty trace` });
    return { title: `${task} sample ${index + 1}`, steps: [], indexInFile: index, metadata: meta };
  }
  const s = raw;
  const transcript = isObject(s.transcript) ? s.transcript : undefined;
  const attachments = isObject(s.attachments) ? s.attachments : isObject(transcript?.content) ? transcript.content : {};
  const resolve = makeResolver(attachments);
  const events = Array.isArray(s.events) && s.events.length ? s.events : arr(transcript?.events);
  const eventsPath = path ? (Array.isArray(s.events) && s.events.length ? [...path, 'events'] : [...path, 'transcript', 'events']) : undefined;
  const eventsData = isObject(s.events_data) ? s.events_data : undefined;
  const pool = arr(eventsData?.messages ?? s.message_pool);

  let steps;
  if (events.length) {
    steps = inspectEventsToSteps(events, { path: eventsPath, resolve, pool });
  } else {
    steps = chatMessagesToSteps(arr(s.messages), { path: path ? [...path, 'messages'] : undefined, resolve, ...(model ? { model } : {}) });
  }
  // The sample's own error (a crash, a limit): add it unless an error event already shows it.
  const err = isObject(s.error) ? s.error : undefined;
  if (err && !steps.some((st) => st.status === 'error' && st.name === 'error')) {
    steps.push({
      kind: 'other', name: 'error', status: 'error',
      error: { message: str(err.message) ?? 'sample error', ...(str(err.traceback) ? { stack: str(err.traceback) } : {}) },
      sourcePath: path ? [...path, 'error'] : undefined, attributes: rest(err, ['message', 'traceback']),
    });
  }
  const id = s.id === undefined || s.id === null ? String(index + 1) : String(s.id);
  const epoch = typeof s.epoch === 'number' ? s.epoch : 1;
  const labels: DraftLabel[] = [];
  if (isObject(s.scores)) {
    for (const [scorer, score] of Object.entries(s.scores)) {
      if (!isObject(score)) continue;
      labels.push({
        stepSourceId: null, scheme: 'inspect', category: scorer, value: score.value, origin: 'inline',
        ...(typeof score.answer === 'string' ? { evidence: score.answer } : {}),
        ...(typeof score.explanation === 'string' ? { description: score.explanation } : {}),
      });
    }
  }
  const tools = firstModelTools(events, resolve);
  return {
    ...(typeof s.uuid === 'string' ? { id: s.uuid } : {}),
    title: `${task} · sample ${id} · epoch ${epoch}`,
    startTime: null,
    tools, steps, labels, indexInFile: index,
    metadata: {
      ...meta, sampleId: s.id, epoch, input: resolve(s.input), target: s.target,
      ...(s.metadata !== undefined ? { sampleMetadata: s.metadata } : {}),
      ...(s.output !== undefined ? { output: s.output } : {}),
      ...(s.error !== undefined && s.error !== null ? { error: s.error } : {}),
      ...(s.limit !== undefined && s.limit !== null ? { limit: s.limit } : {}),
      ...(s.total_time !== undefined ? { totalTime: s.total_time, workingTime: s.working_time } : {}),
      file: baseName(filePath),
    },
  };
}

function firstModelTools(events: unknown[], resolve: (v: unknown) => unknown): ReturnType<typeof toolDefinitions> {
  for (const e of events) {
    if (isObject(e) && e.event === 'model' && Array.isArray(e.tools) && e.tools.length) {
      return toolDefinitions(e.tools).map((t) => (t.description === undefined ? t : { ...t, description: String(resolve(t.description)) }));
    }
  }
  return [];
}

export function headerOnly(header: Record<string, unknown>, filePath: string): DraftTrace {
  const { task, meta } = evalInfo(header);
  const status = str(header.status) ?? 'unknown';
  const err = isObject(header.error) ? header.error : undefined;
  const stats = isObject(header.stats) ? header.stats : {};
  const why = status === 'error' ? 'the eval failed before any sample finished'
    : status === 'cancelled' ? 'the eval was cancelled before any sample finished'
    : status === 'started' ? 'the eval is still running or stopped before writing samples'
    : 'the log holds no samples';
  return {
    title: `${task} (no samples: ${status})`,
    steps: [{
      kind: 'other', name: 'eval', status: err || status === 'error' ? 'error' : 'ok',
      startTime: toEpochMs(stats.started_at), endTime: toEpochMs(stats.completed_at),
      output: { value: why },
      ...(err ? { error: { message: str(err.message) ?? 'eval error', ...(str(err.traceback) ? { stack: str(err.traceback) } : {}) } } : {}),
      attributes: { results: header.results, stats: header.stats, plan: header.plan },
    }],
    metadata: { ...meta, file: baseName(filePath), noSamples: why },
  };
}
