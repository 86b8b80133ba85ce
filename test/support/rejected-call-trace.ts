/**
 * An agent-trace/v1 run of 150 model calls, each followed by its tool call; the 21st call is
 * rejected for its arguments, which the detectors put on the model step that made it (llm-20,
 * whose own status is ok) as well as on the tool step (tool-20). The run ends on a tool call, so
 * its last model step (llm-149) gets ends-on-error once the run is read to its end.
 */
export function rejectedCallTrace(): string {
  const lines = [JSON.stringify({ type: 'trace', format: 'agent-trace/v1', id: 'pairs', title: 'pairs' })];
  for (let k = 0; k < 150; k++) {
    const call = { id: `c${k}`, name: 'search', arguments: k === 20 ? {} : { q: `item ${k}` } };
    lines.push(JSON.stringify({ type: 'step', id: `llm-${k}`, kind: 'llm', name: `chat ${k}`, output: { messages: [{ role: 'assistant', content: null, toolCalls: [call] }] } }));
    const outcome = k === 20 ? { status: 'error', error: { message: "ValidationError: field 'q' required (missing argument)" } } : { output: { value: `result ${k}` } };
    lines.push(JSON.stringify({ type: 'step', id: `tool-${k}`, kind: 'tool', name: `search ${k}`, toolCall: call, ...outcome }));
  }
  return lines.join('\n') + '\n';
}
