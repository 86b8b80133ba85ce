/**
 * The token counts producers write beside a call's input and output: the prompt cache's reads and
 * writes, and the output's hidden reasoning. Each names them its own way, and the importers that
 * read a usage object of one of these shapes keep them (`Usage.cacheReadTokens`,
 * `cacheWriteTokens`, `reasoningTokens`): a prompt served mostly from the cache shows what it was,
 * not a few input tokens (an Anthropic `input_tokens` leaves the cache out), and a reasoning
 * model's output shows what it spent thinking.
 *
 * - Anthropic Messages API (and LiteLLM, which copies them): `cache_read_input_tokens`,
 *   `cache_creation_input_tokens`;
 * - OpenAI Chat Completions (and LiteLLM): `prompt_tokens_details.cached_tokens`; the Responses
 *   API: `input_tokens_details.cached_tokens` (Azure adds `cache_write_tokens` there);
 * - LangChain's `usage_metadata` (LangSmith runs): `input_token_details.cache_read`, `.cache_creation`;
 * - Inspect AI's ModelUsage: `input_tokens_cache_read`, `input_tokens_cache_write`;
 * - Langfuse usage details: `input_cached_tokens`, `input_cache_read`, `input_cache_creation`;
 * - reasoning: OpenAI's `completion_tokens_details.reasoning_tokens` (LiteLLM's for Gemini too),
 *   the Responses API's `output_tokens_details.reasoning_tokens`, LangChain's
 *   `output_token_details.reasoning`, Inspect's `reasoning_tokens`.
 *
 * A count of 0 is kept: the call had no cache hit, which is worth seeing beside one that had.
 */
import type { Usage } from '../model/schema';
import { isObject } from './importer';

const READ_KEYS: readonly (readonly string[])[] = [
  ['cache_read_input_tokens'],
  ['prompt_tokens_details', 'cached_tokens'],
  ['input_tokens_details', 'cached_tokens'],
  ['input_token_details', 'cache_read'],
  ['input_tokens_cache_read'],
  ['input_cached_tokens'],
  ['input_cache_read'],
];

const WRITE_KEYS: readonly (readonly string[])[] = [
  ['cache_creation_input_tokens'],
  ['input_tokens_details', 'cache_write_tokens'],
  ['input_token_details', 'cache_creation'],
  ['input_tokens_cache_write'],
  ['input_cache_creation'],
];

const REASONING_KEYS: readonly (readonly string[])[] = [
  ['completion_tokens_details', 'reasoning_tokens'],
  ['output_tokens_details', 'reasoning_tokens'],
  ['output_token_details', 'reasoning'],
  ['reasoning_tokens'],
];

export type TokenDetails = Pick<Usage, 'cacheReadTokens' | 'cacheWriteTokens' | 'reasoningTokens'>;

/** The cache and reasoning counts a usage object holds, each under the first of its producers' names found. */
export function tokenDetailsOf(u: Record<string, unknown>): TokenDetails {
  const out: TokenDetails = {};
  const read = firstCount(u, READ_KEYS);
  const write = firstCount(u, WRITE_KEYS);
  const reasoning = firstCount(u, REASONING_KEYS);
  if (read !== undefined) out.cacheReadTokens = read;
  if (write !== undefined) out.cacheWriteTokens = write;
  if (reasoning !== undefined) out.reasoningTokens = reasoning;
  return out;
}

/**
 * Whether `input_tokens` leaves the cache out, as Anthropic's does: its cache counts are then
 * added to a total the source did not give. (OpenAI's `prompt_tokens`, LangChain's and Inspect's
 * `input_tokens` include the cached tokens.)
 */
export function cacheCountedApart(u: Record<string, unknown>): boolean {
  return count(u.cache_read_input_tokens) !== undefined || count(u.cache_creation_input_tokens) !== undefined;
}

function firstCount(u: Record<string, unknown>, paths: readonly (readonly string[])[]): number | undefined {
  for (const path of paths) {
    let v: unknown = u;
    for (const key of path) v = isObject(v) ? v[key] : undefined;
    const n = count(v);
    if (n !== undefined) return n;
  }
  return undefined;
}

/** A token count: a finite number of zero or more. */
function count(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined;
}
