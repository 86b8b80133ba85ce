/**
 * "Is this open JSON document a trace?", answered by the importers' content sniffers and
 * remembered per document version. Text diagnostics run the full analysis only for documents that
 * sniff as traces, so a package.json or settings file costs one sniff per version, never an import.
 * No vscode import: the unit tests drive it in plain Node.
 */
import { SourceFile } from '../../core/json/source-file';
import { detectFormat } from '../../core/load';

/** Whether the importers recognise the text as a trace (a sniffer, no parse into steps). */
export function sniffsAsTrace(path: string, text: string): boolean {
  if (text.trim() === '') return false;
  return detectFormat(SourceFile.fromText(path, text)) !== undefined;
}

export class TraceSniffMemo {
  private readonly answers = new Map<string, { version: number; isTrace: boolean }>();

  constructor(private readonly sniff: (path: string, text: string) => boolean = sniffsAsTrace) {}

  /** The remembered answer for this version, else sniffs `text()` once and remembers it. */
  isTrace(key: string, version: number, path: string, text: () => string): boolean {
    const hit = this.answers.get(key);
    if (hit && hit.version === version) return hit.isTrace;
    const isTrace = this.sniff(path, text());
    this.answers.set(key, { version, isTrace });
    return isTrace;
  }

  forget(key: string): void {
    this.answers.delete(key);
  }
}
