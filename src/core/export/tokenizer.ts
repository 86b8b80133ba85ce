/**
 * Token counters for the length check of training examples (length.ts).
 *
 * - The default is a tokenizer-free **estimate**: ceil(UTF-8 bytes / 3.5). It is meant to be
 *   conservative (to count more tokens than a real tokenizer): byte-level BPE tokenizers of current
 *   models average about 4 bytes per token on English text, code and JSON, and at least that on
 *   other scripts, whose characters take 2 to 4 bytes each. Counting bytes rather than characters
 *   keeps it from undercounting non-Latin text.
 * - A `tokenizer.json` the user points at (the file a Hugging Face model ships) counts exactly
 *   the model's tokens, read with Hugging Face's own JavaScript tokenizers (@huggingface/tokenizers,
 *   which runs offline and needs no tokenizer_config.json for counting).
 *
 * Either way the count is of the text pieces only; length.ts adds what chat templates put around
 * each message.
 */
import { readFileSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { parseJsonText } from '../annotations/json-text';
import { UserInputError } from '../util/problems';

export interface TokenCounter {
  /** How the tokens were counted, for warnings, the manifest and the data card: `estimate` or `tokenizer <file name>`. */
  readonly name: string;
  count(text: string): number;
}

/** Bytes of UTF-8 per estimated token (see the module comment for why this is conservative). */
export const ESTIMATE_BYTES_PER_TOKEN = 3.5;

/** The tokenizer-free estimate: ceil(UTF-8 bytes / 3.5). */
export function estimateTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / ESTIMATE_BYTES_PER_TOKEN);
}

export const ESTIMATE_COUNTER: TokenCounter = { name: 'estimate', count: estimateTokens };

/** The one-argument form of the library's constructor and encode call, as this module uses them. */
interface LoadedTokenizer {
  encode(text: string, options: { add_special_tokens: boolean }): { ids: unknown[] };
}

/**
 * A counter reading a Hugging Face `tokenizer.json`. A file that is missing, not JSON, or not a
 * tokenizer the library understands is a located user error, never a stack trace.
 */
export function loadTokenizerCounter(path: string): TokenCounter {
  // A curation in the trace worker asks once per trace file: the last tokenizer is kept while its
  // file is unchanged (tokenizer files are megabytes, and building one takes a while).
  let stamp: string | undefined;
  try { const s = statSync(path); stamp = `${path}\u0000${s.mtimeMs}\u0000${s.size}`; } catch { stamp = undefined; }
  if (stamp !== undefined && lastLoaded?.stamp === stamp) return lastLoaded.counter;
  const counter = readTokenizerCounter(path);
  if (stamp !== undefined) lastLoaded = { stamp, counter };
  return counter;
}

let lastLoaded: { stamp: string; counter: TokenCounter } | undefined;

function readTokenizerCounter(path: string): TokenCounter {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new UserInputError({ file: path, message: `cannot read the tokenizer file (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})` });
  }
  const parsed = parseJsonText(path, text);
  // The first syntax error is enough to say the file is broken: one line.
  if ('problems' in parsed) throw new UserInputError(parsed.problems[0]);
  const json = parsed.value;
  if (!json || typeof json !== 'object' || Array.isArray(json) || !('model' in json)) {
    throw new UserInputError({ file: path, path: '$.model', message: 'is not a tokenizer.json: it has no "model" (point at the tokenizer.json a Hugging Face model ships)' });
  }
  let tokenizer: LoadedTokenizer;
  try {
    // Loaded only when a tokenizer is asked for: the estimate needs no library.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { Tokenizer } = require('@huggingface/tokenizers') as { Tokenizer: new (json: object, config: object) => LoadedTokenizer };
    // Files saved by Python's `tokenizers` always have these keys (null when unused); the library insists on them.
    const withDefaults = { normalizer: null, pre_tokenizer: null, post_processor: null, decoder: null, added_tokens: [], ...json };
    tokenizer = new Tokenizer(withDefaults, {});
    tokenizer.encode('probe', { add_special_tokens: false });
  } catch (e) {
    throw new UserInputError({ file: path, message: `is not a tokenizer the tokenizer library can read (${oneLine((e as Error).message)})` });
  }
  return {
    name: `tokenizer ${basename(path)}`,
    count: (text) => (text === '' ? 0 : tokenizer.encode(text, { add_special_tokens: false }).ids.length),
  };
}

function oneLine(s: string): string {
  const line = s.split('\n')[0];
  return line.length > 200 ? `${line.slice(0, 200)}…` : line;
}
