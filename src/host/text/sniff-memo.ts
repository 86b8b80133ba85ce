/**
 * Which open documents the text diagnostics analyse: files named like traces, and other JSON
 * documents that the importers' content sniffers recognise (within the size limit). The verdict
 * is remembered per document version, so a package.json or settings file costs one sniff per
 * version (never an import), however many change events, taxonomy changes or commands ask.
 *
 * The sniff is cheap for JSON Lines: when the first non-blank line is a complete JSON value with
 * more text after it, the document is not one JSON value, and every sniffer decides from its
 * first 64 KB and first 8 lines (see `headForSniff`), so only those are read. A JSON document
 * (pretty-printed, or one line) is sniffed whole: the sniffers look at its parsed top level.
 *
 * No vscode import: the unit tests drive it in plain Node.
 */
import { SourceFile } from '../../core/json/source-file';
import { tryParseJson } from '../../core/json/depth';
import { detectFormat } from '../../core/load';
import { looksLikeTraceFileName } from '../trace-files';

/** A document's text, read line by line (vscode.TextDocument through a small adapter). */
export interface SniffSource {
  readonly lineCount: number;
  /** The line's text without its line break. */
  lineAt(line: number): string;
  /** The document's line break. */
  readonly eol: string;
  getText(): string;
}

/** An open document as the diagnostics see it. */
export interface SniffDocument extends SniffSource {
  /** Identity (the URI as a string) and version of the text. */
  readonly key: string;
  readonly version: number;
  /** The file system path: the name rules and the importers' file-name hints read it. */
  readonly path: string;
  /** The text's length in UTF-16 units (cheap in VS Code: no copy of the text). */
  textLength(): number;
}

/** The text of a JSON Lines document up to which every importer's sniffer looks (SourceFile.looksLikeJsonl reads 64 KB). */
export const SNIFF_HEAD_CHARS = 65536;
/** ...and the lines (SourceFile.headRecords parses at most 8). */
export const SNIFF_HEAD_LINES = 8;

/**
 * The start of the document that the sniffers judge as they would the whole, or undefined when
 * they need the whole text. Only for JSON Lines: the first non-blank line parses on its own and
 * more text follows, so neither the document nor this head is one JSON value (`file.json` is
 * undefined for both) and `file.jsonl.records[0]` is that line in both; the head ends after the
 * 8th non-blank line and after 64 KB, the most any sniffer reads (`headRecords`, `text.slice`).
 * test/unit/host/sniff-memo.test.ts checks that the verdicts agree on every shared trace.
 */
export function headForSniff(doc: SniffSource): string | undefined {
  let first = 0;
  while (first < doc.lineCount && doc.lineAt(first).trim() === '') first++;
  let next = first + 1;
  while (next < doc.lineCount && doc.lineAt(next).trim() === '') next++;
  // One line of content (or none): the head would be the whole text.
  if (next >= doc.lineCount) return undefined;
  if (tryParseJson(doc.lineAt(first).trim()) === undefined) return undefined;
  const lines: string[] = [];
  let length = -doc.eol.length; // of lines.join(doc.eol)
  let nonBlank = 0;
  for (let i = 0; i < doc.lineCount; i++) {
    const line = doc.lineAt(i);
    lines.push(line);
    length += doc.eol.length + line.length;
    if (line.trim() !== '') nonBlank++;
    if (nonBlank >= SNIFF_HEAD_LINES && length >= SNIFF_HEAD_CHARS) break;
  }
  // A short document is its own head.
  return lines.length === doc.lineCount ? undefined : lines.join(doc.eol);
}

/** The importer whose sniffer claims the text (no parse into steps), or undefined. */
export function sniffedFormat(path: string, text: string): string | undefined {
  if (text.trim() === '') return undefined;
  return detectFormat(SourceFile.fromText(path, text))?.id;
}

/** Whether the importers recognise the text as a trace. */
export function sniffsAsTrace(path: string, text: string): boolean {
  return sniffedFormat(path, text) !== undefined;
}

/** The text to sniff: the head of a JSON Lines document, else the whole text. */
export function sniffText(doc: SniffSource): string {
  return headForSniff(doc) ?? doc.getText();
}

export class TraceSniffMemo {
  private readonly answers = new Map<string, { version: number; isTrace: boolean }>();

  constructor(private readonly sniff: (path: string, text: string) => boolean = sniffsAsTrace) {}

  /**
   * Whether the text diagnostics analyse this document version: named like a trace (a broken one
   * gets located errors), or, within `maxChars`, sniffing as one (sniffed once per version).
   */
  shouldAnalyse(doc: SniffDocument, maxChars: number): boolean {
    if (looksLikeTraceFileName(doc.path)) return true;
    // Over the size limit there is no analysis anyway: do not read a huge file to sniff it.
    if (doc.textLength() > maxChars) return false;
    return this.isTrace(doc);
  }

  /** The remembered answer for this version, else sniffs the document once and remembers it. */
  isTrace(doc: Pick<SniffDocument, 'key' | 'version' | 'path'> & SniffSource): boolean {
    const hit = this.answers.get(doc.key);
    if (hit && hit.version === doc.version) return hit.isTrace;
    const isTrace = this.sniff(doc.path, sniffText(doc));
    this.answers.set(doc.key, { version: doc.version, isTrace });
    return isTrace;
  }

  forget(key: string): void {
    this.answers.delete(key);
  }
}
