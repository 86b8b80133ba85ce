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

type Change = { op: 'insert' | 'remove' | 'change' | 'swap' | 'twin' | 'remake'; at: number };

function changed(list: FailureSite[], c: Change): FailureSite[] {
  const out = [...list];
  const at = list.length === 0 ? 0 : c.at % list.length;
  if (c.op === 'insert') out.splice(c.at % (list.length + 1), 0, site(`new${++serial}`));
  else if (list.length === 0) return out;
  else if (c.op === 'remove') out.splice(at, 1);
  else if (c.op === 'change') out[at] = { ...out[at], evidence: `${out[at].evidence}!` };
  else if (c.op === 'swap' && list.length > 1) [out[at], out[(at + 1) % list.length]] = [out[(at + 1) % list.length], out[at]];
  else if (c.op === 'twin') out.push({ ...out[at], evidence: 'again' });
  // Every site made again, equal (a producer without a memo): matched by key, not identity.
  else if (c.op === 'remake') return out.map((s) => ({ ...s }));
  return out;
}

describe('engine: failure sites as they cross to the host', () => {
  it('the host ends with each list sent, however it changed, and a list that only grew sends what it gained', () => {
    const change = fc.record({ op: fc.constantFrom('insert', 'insert', 'insert', 'remove', 'change', 'swap', 'twin', 'remake'), at: fc.nat(1000) }) as fc.Arbitrary<Change>;
    // Up to 150 sites: a delta of more than 64 goes by key too.
    fc.assert(fc.property(fc.nat(150), fc.array(fc.array(change, { maxLength: 4 }), { minLength: 1, maxLength: 8 }), (initial, rounds) => {
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
        // A list that only gained sites sends only those (two of a kind on a step are told apart as objects).
        const onlyGrew = !first && changes.every((c) => c.op === 'insert');
        if (onlyGrew) assert.equal(delta?.added.length, list.length - before.length, 'only the sites gained');
        // Sites added, removed or changed in place (none moved): the others do not go again.
        const kept = before.filter((s) => list.includes(s)).length;
        const inPlace = changes.every((c) => c.op === 'insert' || c.op === 'remove' || c.op === 'change');
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

  it('the same sites with more after them send those, a second site of a kind on a step among them', () => {
    const sent = new SentSites();
    const list = [site('a'), site('b')];
    sent.delta(list);
    const grown = [...list, site('c')];
    assert.deepEqual(sent.delta(grown), { added: [grown[2]], at: [2] });
    // Two sites of a kind on step a: told apart as objects, not by key.
    const twin = { ...grown[0], evidence: 'again' };
    assert.deepEqual(sent.delta([...grown, twin]), { added: [twin], at: [3] });
  });

  it('sites made again but equal stay on the host; those changed go again', () => {
    // A few made again where they were (matched by identity, then by key in place).
    const few = new SentSites();
    const ten = Array.from({ length: 10 }, (_, i) => site(`f${i}`));
    few.delta(ten);
    const again = ten.map((s, i) => (i === 3 ? { ...s, evidence: 'other' } : i % 2 ? { ...s } : s));
    assert.deepEqual(few.delta(again), { added: [again[3]], at: [3], gone: [3] });
    // All of a long list made again (by key).
    const sent = new SentSites();
    const list = Array.from({ length: 200 }, (_, i) => site(`s${i}`));
    sent.delta(list);
    // A producer that made every site again (no memo): equal ones are not sent.
    const remade = list.map((s, i) => (i === 7 ? { ...s, evidence: 'other' } : { ...s }));
    assert.deepEqual(sent.delta(remade), { added: [remade[7]], at: [7], gone: [7] });
    // One object at two places: sent again at its second place, and kept at both after that.
    const twice = [...remade, remade[0]];
    assert.deepEqual(sent.delta(twice), { added: [remade[0]], at: [200] });
    const t = site('t');
    assert.deepEqual(sent.delta([...twice, t]), { added: [t], at: [201] });
  });

  it('sites moved or taken away and given back are sent again where they are now', () => {
    const sent = new SentSites();
    const [a, b, c, d] = [site('a'), site('b'), site('c'), site('d')];
    sent.delta([a, b, c, d]);
    assert.deepEqual(sent.delta([c, a, b, d]), { added: [a, b], at: [1, 2], gone: [0, 1] });
    assert.deepEqual(sent.delta([c, d]), { added: [], at: [], gone: [1, 2] });
    assert.deepEqual(withAddedSites([c, a, b, d], { added: [], at: [], gone: [1, 2] }), [c, d]);
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
