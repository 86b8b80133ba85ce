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
