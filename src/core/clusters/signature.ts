/**
 * The normalised error signature failures are clustered by: the message with what varies from one
 * occurrence to the next masked, so "not enough seats on flight HAT229" and "… HAT290" are one
 * failure. Masks, applied in this order (earlier ones protect their text from later ones):
 *
 *   <url>   scheme://… (http, https, file, s3, ws…)
 *   <time>  ISO 8601 dates and date-times, clock times (12:04:05.123), HTTP dates
 *   <id>    UUIDs, 0x… hex, hex strings of 8+ characters with a digit, e-mail-free long tokens of
 *           16+ letters and digits mixed (call_…, toolu_…, chatcmpl-…), digit runs of 6 or more
 *   <path>  absolute Unix paths (/a/b), home paths (~/a), relative paths with a folder
 *           (./a, ../a, src/a.py), Windows paths (C:\a\b)
 *   <str>   quoted values: "…", '…' (not apostrophes), `…`, “…”, ‘…’; a quote holding only a mask
 *           keeps it ("<path>" stays)
 *   <num>   every other number, also inside words (HAT229 -> HAT<num>), except status and exit
 *           codes that name the failure (HTTP 429, status 503, 429 Client Error, exit code 127,
 *           errno 2)
 *
 * Then: a Python traceback keeps its last exception line, JavaScript stack frames (`at …`) are
 * dropped, whitespace is collapsed and the result is cut to SIGNATURE_MAX characters (with `…`).
 */

export const SIGNATURE_MAX = 160;
/** Only the start of a huge text is masked: the signature is cut far shorter anyway. */
const INPUT_MAX = 4000;

const URL = /\b[a-z][a-z0-9+.-]{1,15}:\/\/[^\s"'`<>()[\]{}]+/gi;
const ISO_DATETIME = /\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?\b/g;
const HTTP_DATE = /\b(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{1,2} (?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2}(?: GMT| UTC| [+-]\d{4})?/g;
const CLOCK = /\b\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:\s?[AP]M)?\b/g;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
const HEX_0X = /\b0x[0-9a-f]+\b/gi;
const HEX_LONG = /\b(?=[0-9a-f]*\d)(?=[0-9a-f]*[a-f])[0-9a-f]{8,}\b/gi;
const MIXED_TOKEN = /(?<![\w<])(?=[\w-]*\d)(?=[\w-]*[a-z])[a-z0-9][\w-]{15,}(?![\w>])/gi;
const LONG_DIGITS = /\d{6,}/g;
const WIN_PATH = /\b[a-z]:\\(?:[^\s\\"'`<>|:*?]+\\)*[^\s\\"'`<>|:*?]*/gi;
const UNIX_PATH = /(?<![\w.<>:/-])(?:~|\.{1,2})?\/(?:[\w.@+-]+\/)*[\w.@+-]+\/?/g;
const REL_PATH = /(?<![\w./<-])(?:[\w.@+-]+\/)+[\w@+-]*\.[a-z0-9]{1,8}\b/gi;
const QUOTED = [
  /"(?:[^"\\\n]|\\.){0,300}"/g,
  /(?<![\w'])'(?:[^'\\\n]|\\.){0,300}'(?![\w'])/g,
  /(?<!`)`[^`\n]{1,300}`(?!`)/g,
  /“[^”\n]{0,300}”/g,
  /‘[^’\n]{0,300}’/g,
];
const MASK_ONLY = /^["'`“‘]<(?:url|time|id|path|str|num)>["'`”’]$/;
/** Numbers that name the failure rather than vary with it. */
const KEPT_NUMBER = /\b(HTTP(?:\/\d(?:\.\d)?)?|status(?:[ _]?code)?|exit (?:code|status)|errno|error code|code)(\s*[:=]?\s*)(\d{1,3})\b/gi;
/** `429 Client Error`, `503 Server Error` (requests' HTTPError): the status names the failure. */
const KEPT_STATUS = /\b([45]\d\d)(?= (?:Client|Server) Error\b)/g;
const NUMBER = /\d+(?:\.\d+)?/g;

/** The signature of an error text (see the module comment). Empty text gives ''. */
export function errorSignature(text: string, max = SIGNATURE_MAX): string {
  // The private-use range marks kept codes below: none may come from the text.
  let s = relevantPart(text).slice(0, INPUT_MAX).replace(/[\ue000-\uefff]/g, '');
  s = s.replace(URL, '<url>');
  s = s.replace(ISO_DATETIME, '<time>').replace(HTTP_DATE, '<time>').replace(CLOCK, '<time>');
  s = s.replace(UUID, '<id>').replace(HEX_0X, '<id>').replace(HEX_LONG, '<id>').replace(MIXED_TOKEN, '<id>').replace(LONG_DIGITS, '<id>');
  s = s.replace(WIN_PATH, '<path>').replace(UNIX_PATH, '<path>').replace(REL_PATH, '<path>');
  for (const q of QUOTED) s = s.replace(q, (m) => (MASK_ONLY.test(m) ? m : '<str>'));
  // Codes that name the failure are set aside (as a private-use mark the NUMBER mask cannot see), the rest masked.
  const kept: string[] = [];
  s = s.replace(KEPT_NUMBER, (_m, word: string, sep: string, code: string) => `${word}${sep}${String.fromCharCode(0xe000 + kept.push(code) - 1)}`);
  s = s.replace(KEPT_STATUS, (code: string) => String.fromCharCode(0xe000 + kept.push(code) - 1));
  s = s.replace(NUMBER, '<num>');
  s = s.replace(/[\ue000-\uefff]/g, (c) => kept[c.charCodeAt(0) - 0xe000] ?? '');
  s = s.replace(/\s+/g, ' ').trim();
  return s.length > max ? `${s.slice(0, max - 1).trimEnd()}…` : s;
}

/**
 * The part of a long error text that tells failures apart: the exception line at the end of a
 * Python traceback, a JavaScript error without its stack frames, else the text.
 */
function relevantPart(text: string): string {
  const lines = text.split(/\r?\n/);
  if (/Traceback \(most recent call last\)/.test(text)) {
    for (let i = lines.length - 1; i >= 0; i--) {
      const l = lines[i].trim();
      if (/^[A-Za-z_][\w.]*(?:Error|Exception|Exit|Interrupt|Warning|Failure)\b/.test(l)) return l;
    }
    const last = lines.map((l) => l.trim()).filter(Boolean).pop();
    if (last) return last;
  }
  return lines.filter((l) => !/^\s+at\s/.test(l)).join('\n');
}
