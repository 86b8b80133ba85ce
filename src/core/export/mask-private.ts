/**
 * Masking personal data on export (`agent-trace promote --mask-private`, setting
 * `agentTraceDebugger.maskPrivateData`): every string of a record, wherever it is (message text,
 * tool-call arguments held as JSON text, tool results, a ShareGPT `function_call` value), gets
 * the same placeholders for the same kind of data (`/home/<user>`, `<email>`, `<host>`). The
 * placeholders hold no quote or backslash, so a string that is JSON stays JSON with the same
 * shape. Object keys are left as they are: two keys masked alike would collapse into one.
 */
import { maskPrivateText, privateDataIn, type PrivateDataKind, type PrivateDataMemo } from '../validate/privacy';
import { stringsIn } from '../validate/secrets';

/**
 * The record with its personal data masked (a copy; the input is not changed), and the kinds it
 * held. `memo`: shared by the records of one set, whose long strings repeat.
 */
export function maskPrivateData<T>(record: T, memo?: PrivateDataMemo): { record: T; kinds: PrivateDataKind[] } {
  const kinds = new Set<PrivateDataKind>();
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') {
      const { text, hits } = maskPrivateText(v, memo);
      for (const h of hits) kinds.add(h.kind);
      return text;
    }
    if (Array.isArray(v)) return v.map(walk);
    if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x)]));
    return v;
  };
  const masked = walk(record) as T;
  return { record: masked, kinds: [...kinds].sort() };
}

/** What the manifest says of an example's personal data: the kinds it held, and whether they were masked. */
export interface PersonalDataNote { kinds: PrivateDataKind[]; masked: boolean }

/** An example's record, masked when asked, and its note (none when it holds no personal data). */
export function withPersonalData<T>(record: T, maskIt: boolean, memo?: PrivateDataMemo): { record: T; personalData?: PersonalDataNote } {
  if (maskIt) {
    const masked = maskPrivateData(record, memo);
    return masked.kinds.length ? { record: masked.record, personalData: { kinds: masked.kinds, masked: true } } : { record };
  }
  const kinds = privateDataIn(stringsIn(record), memo).map((f) => f.kind).sort();
  return kinds.length ? { record, personalData: { kinds, masked: false } } : { record };
}
