/**
 * VS Code Copilot Chat's "Agent Debug Log" export (the Agent Debug Log panel's Export button): one
 * OTLP JSON document, pretty-printed, with the chat session's spans in one `resourceSpans` entry
 * (`service.name` `copilot-chat`, `session.id`; scope `copilot-chat`) and a top-level
 * `copilotChat` object beside it:
 *
 *   {"resourceSpans":[...], "copilotChat":{"exportedAt":"…","exporterVersion":"","sessionId":"…","sessionTitle":"…"}}
 *
 * Each chat request is its own OTel trace (an `invoke_agent` root with `chat` and `execute_tool`
 * children), and VS Code's own events (instruction and skill discovery) are added as zero-length
 * spans with the last trace id seen. The export is one session, so it opens as one trace: the
 * session id is its id, the session title its title, each request a root step.
 *
 * Its `run_in_terminal` tool reports a failed command in the result text, not in the span status:
 * the output, then "Command exited with code N". Such a call is a failed step.
 *
 * Shape read from microsoft/vscode-copilot-chat (see test/fixtures/otel/README.md).
 */
import type { DraftTrace } from '../../model/draft';
import type { StepError, ToolDefinition } from '../../model/schema';
import { isObject } from '../importer';
import { str } from './values';
import { isAnsweringExit, shellCommandText } from '../shell-exit';

export interface CopilotChatExport {
  sessionId: string;
  sessionTitle?: string;
  exportedAt?: string;
}

/** The `copilotChat` object of an Agent Debug Log export, or undefined when the document has none. */
export function copilotChatExport(doc: unknown): CopilotChatExport | undefined {
  if (!isObject(doc) || !isObject(doc.copilotChat)) return undefined;
  const c = doc.copilotChat;
  const sessionId = str(c.sessionId);
  if (!sessionId) return undefined;
  const out: CopilotChatExport = { sessionId };
  const title = str(c.sessionTitle);
  if (title) out.sessionTitle = title;
  const exportedAt = str(c.exportedAt);
  if (exportedAt) out.exportedAt = exportedAt;
  return out;
}

/** The traces of one exported chat session as that session's one trace. */
export function sessionTrace(drafts: DraftTrace[], session: CopilotChatExport): DraftTrace[] {
  if (drafts.length === 0) return drafts;
  const tools = new Map<string, ToolDefinition>();
  for (const d of drafts) for (const t of d.tools ?? []) if (!tools.has(t.name)) tools.set(t.name, t);
  const traceIds = drafts.map((d) => d.id).filter((id): id is string => id !== undefined);
  return [{
    id: session.sessionId,
    title: `Copilot Chat: ${session.sessionTitle ?? session.sessionId}`,
    steps: drafts.flatMap((d) => d.steps),
    tools: [...tools.values()],
    metadata: {
      sessionId: session.sessionId,
      ...(session.sessionTitle ? { sessionTitle: session.sessionTitle } : {}),
      ...(session.exportedAt ? { exportedAt: session.exportedAt } : {}),
      traceIds,
    },
  }];
}

const EXIT_LINE = /(?:^|\n)Command exited with code (-?\d+)\s*$/;

/**
 * VS Code's `run_in_terminal` result ending in "Command exited with code N" (N ≠ 0): the command
 * failed though the tool call succeeded, unless it was a search that found nothing (grep's exit 1:
 * shell-exit.ts). The error names the code and carries the output.
 */
export function terminalExitError(toolName: string | undefined, result: unknown, args?: unknown): StepError | undefined {
  if (toolName !== 'run_in_terminal' || typeof result !== 'string') return undefined;
  const m = EXIT_LINE.exec(result);
  if (!m || Number(m[1]) === 0) return undefined;
  const output = result.slice(0, m.index).trim();
  if (isAnsweringExit(shellCommandText(args), Number(m[1]), output)) return undefined;
  return { type: 'ExitCode', message: `exit code ${m[1]}: ${output || '(no output)'}` };
}
