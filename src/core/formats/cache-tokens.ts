/**
 * Prompt-cache token counts, as producers write them beside a call's usage. Each names them its
 * own way, and the importers that read a usage object of one of these shapes keep them
 * (`Usage.cacheReadTokens`, `cacheWriteTokens`): a prompt served mostly from the cache shows what
 * it was, not a few input tokens (an Anthropic `input_tokens` leaves the cache out).
 *
 * - Anthropic Messages API (and LiteLLM, which copies them): `cache_read_input_tokens`,
 *   `cache_creation_input_tokens`;
 * - OpenAI Chat Completions (and LiteLLM): `prompt_tokens_details.cached_tokens`; the Responses
 *   API: `input_tokens_details.cached_tokens` (Azure adds `cache_write_tokens` there);
 * - LangChain's `usage_metadata` (LangSmith runs): `input_token_details.cache_read`, `.cache_creation`;
 * - Inspect AI's ModelUsage: `input_tokens_cache_read`, `input_tokens_cache_write`;
 * - Langfuse usage details: `input_cached_tokens`, `input_cache_read`, `input_cache_creation`.
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

/** The cache counts a usage object holds, under the first of its producer's names found. */
export function cacheTokensOf(u: Record<string, unknown>): Pick<Usage, 'cacheReadTokens' | 'cacheWriteTokens'> {
  const read = firstCount(u, READ_KEYS);
  const write = firstCount(u, WRITE_KEYS);
  return { ...(read !== undefined ? { cacheReadTokens: read } : {}), ...(write !== undefined ? { cacheWriteTokens: write } : {}) };
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
