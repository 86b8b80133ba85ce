/** OTLP JSON lines made from a generated OTLP document, as the collector's file exporter writes them. */

/** An OTLP document's spans as JSON lines of `perLine` spans each (a request per line); `ended`: each line's spans children first. */
export function otlpLines(text: string, perLine: number, ended = false): string {
  const doc = JSON.parse(text) as { resourceSpans: { resource: unknown; scopeSpans: { scope: unknown; spans: unknown[] }[] }[] };
  const rs = doc.resourceSpans[0];
  const spans = rs.scopeSpans[0].spans;
  const lines: string[] = [];
  for (let i = 0; i < spans.length; i += perLine) {
    const chunk = spans.slice(i, i + perLine);
    if (ended) chunk.reverse();
    lines.push(JSON.stringify({ resourceSpans: [{ resource: rs.resource, scopeSpans: [{ scope: rs.scopeSpans[0].scope, spans: chunk }] }] }));
  }
  return lines.join('\n') + '\n';
}

export interface OtlpSpan { spanId: string; parentSpanId?: string; name: string; startTimeUnixNano: string; endTimeUnixNano: string; attributes: unknown[] }
interface OtlpRequest { resourceSpans: { resource: unknown; scopeSpans: { scope: unknown; spans: OtlpSpan[] }[] }[] }

/** A generated OTLP document's spans in the order they end, as a live exporter writes them (a parent after its children). */
export function spansAsTheyEnd(text: string): OtlpSpan[] {
  const doc = JSON.parse(text) as OtlpRequest;
  const end = (s: OtlpSpan): bigint => BigInt(s.endTimeUnixNano);
  return [...doc.resourceSpans[0].scopeSpans[0].spans].sort((a, b) => (end(a) < end(b) ? -1 : end(a) > end(b) ? 1 : 0));
}

/** `spans` as OTLP JSON lines, one request per line, of `sizes[k]` spans each (the sizes taken in turn), as the receiver appends them. */
export function cutIntoRequests(spans: readonly OtlpSpan[], sizes: readonly number[]): string[] {
  const out: string[] = [];
  for (let at = 0, k = 0; at < spans.length; k++) {
    const size = sizes[k % sizes.length];
    const request = { resourceSpans: [{ resource: { attributes: [{ key: 'service.name', value: { stringValue: 'live-agent' } }] }, scopeSpans: [{ scope: { name: 'agent' }, spans: spans.slice(at, at + size) }] }] };
    out.push(`${JSON.stringify(request)}\n`);
    at += size;
  }
  return out;
}
