/**
 * Failure sites cross as what changed (src/core/engine/worker/sites-delta.ts): whatever a list
 * becomes (sites added anywhere, removed, changed, moved, two of a kind on a step), the host ends
 * with the list sent; a list that only grew sends only what it gained, and one that lost or
 * changed some sends no more than those (unless none stays).
 */
import { strict as assert } from 'node:assert';
import fc from 'fast-check';
import type { FailureSite } from '../../../src/core/analysis/failure-sites';
import { SentSites, withAddedSites } from '../../../src/core/engine/worker/sites-delta';

let serial = 0;
function site(step: string, category = 'TOOL.RUNTIME', evidence = 'failed'): FailureSite {
  return {
    traceIndex: 0, stepId: step, stepName: `name ${step}`, category, categoryName: category, color: '--vscode-charts-red', impact: 'HIGH',
    rule: 'tool-error', evidence, detectorCategory: category, location: { line: ++serial, column: 1, endLine: serial, endColumn: 9, offset: 0, length: 8 },
    ref: { location: `s${serial}`, traceIndex: 0 },
  } as FailureSite;
}

type Change = { op: 'insert'; at: number } | { op: 'remove'; at: number } | { op: 'change'; at: number } | { op: 'swap'; at: number } | { op: 'twin'; at: number };

function changed(list: FailureSite[], c: Change): FailureSite[] {
  const out = [...list];
  const at = list.length === 0 ? 0 : c.at % list.length;
  if (c.op === 'insert') out.splice(c.at % (list.length + 1), 0, site(`new${++serial}`));
  else if (list.length === 0) return out;
  else if (c.op === 'remove') out.splice(at, 1);
  else if (c.op === 'change') out[at] = { ...out[at], evidence: `${out[at].evidence}!` };
  else if (c.op === 'swap' && list.length > 1) [out[at], out[(at + 1) % list.length]] = [out[(at + 1) % list.length], out[at]];
  else if (c.op === 'twin') out.push({ ...out[at], evidence: 'again' });
  return out;
}

describe('engine: failure sites as they cross to the host', () => {
  it('the host ends with each list sent, however it changed, and a list that only grew sends what it gained', () => {
    const change = fc.record({ op: fc.constantFrom('insert', 'insert', 'insert', 'remove', 'change', 'swap', 'twin'), at: fc.nat(1000) }) as fc.Arbitrary<Change>;
    fc.assert(fc.property(fc.nat(20), fc.array(fc.array(change, { maxLength: 4 }), { minLength: 1, maxLength: 8 }), (initial, rounds) => {
      const sent = new SentSites();
      let list = Array.from({ length: initial }, (_, i) => site(`s${i}`));
      let host: FailureSite[] = [];
      let first = true;
      for (const changes of [[], ...rounds]) {
        const before = list;
        list = changes.reduce(changed, list);
        const delta = sent.delta(list);
        host = delta ? withAddedSites(host, delta) : list;
        assert.deepEqual(host, list);
        // A list that only gained sites (and had none of a kind twice) sends only those.
        const onlyGrew = !first && changes.every((c) => c.op === 'insert') && new Set(before.map((s) => s.stepId)).size === before.length;
        if (onlyGrew) assert.equal(delta?.added.length, list.length - before.length, 'only the sites gained');
        // Sites added, removed or changed in place (none moved, none of a kind twice): the others do not go again.
        const kept = before.filter((s) => list.includes(s)).length;
        const inPlace = changes.every((c) => c.op === 'insert' || c.op === 'remove' || c.op === 'change') && new Set(before.map((s) => s.stepId)).size === before.length;
        if (!first && inPlace) {
          assert.ok(delta !== undefined || kept === 0, `${kept} sites kept, yet the list went whole`);
          if (delta) assert.equal(delta.added.length, list.length - kept, 'only the sites new or changed');
        }
        first = false;
      }
    }), { numRuns: 500 });
  });

  it('a list after another kind of outcome, or after a reset, goes whole', () => {
    const sent = new SentSites();
    const list = [site('a'), site('b')];
    assert.equal(sent.delta(list), undefined, 'the first list goes whole');
    assert.deepEqual(sent.delta([...list, site('c')])?.added.map((s) => s.stepId), ['c']);
    sent.forget();
    assert.equal(sent.delta([...list, site('c'), site('d')]), undefined, 'nothing is known after a reset');
  });

  it('the same sites with more after them send those; a second site of a kind on a step sends the list whole', () => {
    const sent = new SentSites();
    const list = [site('a'), site('b')];
    sent.delta(list);
    const grown = [...list, site('c')];
    assert.deepEqual(sent.delta(grown), { added: [grown[2]], at: [2] });
    assert.equal(sent.delta([...grown, { ...grown[0], evidence: 'again' }]), undefined, 'two sites of a kind on step a cannot be told apart');
  });

  it('a site gone, then one of its kind on its step again, sends only that one', () => {
    const sent = new SentSites();
    const [a, b] = [site('a'), site('b')];
    sent.delta([a, b]);
    assert.deepEqual(sent.delta([a]), { added: [], at: [], gone: [1] });
    const back = { ...b, evidence: 'failed again' };
    assert.deepEqual(sent.delta([a, back]), { added: [back], at: [1] });
  });
});
