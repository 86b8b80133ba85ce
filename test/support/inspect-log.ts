/** Inspect AI eval logs for tests, made from the corpus's browser eval (../shared/traces/inspect-ai). */
import { readFileSync } from 'node:fs';
import { sharedPath } from './shared';

/**
 * The text of a log of `samples` copies of the corpus's browser sample, each its own id
 * (`<id>-<k>`), as Inspect writes a log (indented JSON): about 360 KB a sample. `change` edits
 * the log before it is written.
 */
export function browserEvalLog(samples: number, change: (log: Record<string, unknown>) => void = () => {}): string {
  const log = JSON.parse(readFileSync(sharedPath('traces', 'inspect-ai', '2025-05-12T20-27-36-04-00_browser.json'), 'utf8')) as { samples: Record<string, unknown>[] } & Record<string, unknown>;
  const [first] = log.samples;
  log.samples = Array.from({ length: samples }, (_, k) => ({ ...first, id: `${String(first.id)}-${k}` }));
  change(log);
  return JSON.stringify(log, null, 2);
}
