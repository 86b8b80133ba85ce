/**
 * Turns a category list plus a mapping from default ids into a Taxonomy object with O(1)
 * lookups. Structural checks (duplicates, unknown parents, cycles) live here so built-in
 * presets and user files are held to the same rules; user files get located messages from
 * file.ts, presets fail the unit tests.
 */
import type { Category, Taxonomy } from './types';

export type DefaultMapping = Readonly<Record<string, readonly string[]>>;

export interface StructureProblem {
  /** Index of the offending category in the list. */
  index: number;
  field: 'id' | 'parent' | 'aliases';
  message: string;
}

/** Every structural problem in the list, in category order (empty when the list is sound). */
export function checkStructure(categories: readonly Category[]): StructureProblem[] {
  const problems: StructureProblem[] = [];
  const byId = new Map<string, number>();
  categories.forEach((c, i) => {
    const prev = byId.get(c.id);
    if (prev !== undefined) problems.push({ index: i, field: 'id', message: `duplicate category id "${c.id}" (first defined at categories[${prev}])` });
    else byId.set(c.id, i);
  });
  categories.forEach((c, i) => {
    if (c.parent === undefined) return;
    if (c.parent === c.id) problems.push({ index: i, field: 'parent', message: `category "${c.id}" is its own parent` });
    else if (!byId.has(c.parent)) problems.push({ index: i, field: 'parent', message: `parent "${c.parent}" is not a category` });
  });
  // Cycle check: colour each node once (0 new, 1 on the current path, 2 done); linear overall.
  const state = new Uint8Array(categories.length);
  categories.forEach((_c, start) => {
    const path: number[] = [];
    let i: number | undefined = start;
    while (i !== undefined && state[i] === 0) {
      state[i] = 1;
      path.push(i);
      const p: string | undefined = categories[i].parent;
      i = p !== undefined && p !== categories[i].id ? byId.get(p) : undefined;
    }
    if (i !== undefined && state[i] === 1) {
      const cycle = path.slice(path.indexOf(i)).map((k) => categories[k].id);
      problems.push({ index: i, field: 'parent', message: `parent cycle: ${describeCycle([...cycle, categories[i].id])}` });
    }
    for (const k of path) state[k] = 2;
  });
  return problems;
}

/** A cycle as `a -> b -> a`; a long one shows its ends and how many ids are left out. */
function describeCycle(ids: string[]): string {
  if (ids.length <= 8) return ids.join(' -> ');
  return [...ids.slice(0, 4), `... (${ids.length - 7} more)`, ...ids.slice(-3)].join(' -> ');
}

export function makeTaxonomy(id: string, name: string, categories: Category[], mapping: DefaultMapping): Taxonomy {
  const problems = checkStructure(categories);
  if (problems.length) throw new Error(`taxonomy "${id}": ${problems.map((p) => p.message).join('; ')}`);
  const byId = new Map<string, Category>();
  const byLooseName = new Map<string, Category>();
  const kids = new Map<string, Category[]>();
  for (const c of categories) byId.set(c.id, c);
  for (const c of categories) {
    for (const key of [c.id, c.name, ...(c.aliases ?? [])]) {
      const k = loose(key);
      if (!byLooseName.has(k)) byLooseName.set(k, c);
    }
    if (c.parent) {
      const list = kids.get(c.parent) ?? [];
      list.push(c);
      kids.set(c.parent, list);
    }
  }
  const inverse = new Map<string, string[]>();
  for (const [def, targets] of Object.entries(mapping)) {
    for (const t of targets) {
      if (!byId.has(t)) throw new Error(`taxonomy "${id}": mapping of "${def}" names "${t}", which is not a category`);
      const list = inverse.get(t) ?? [];
      list.push(def);
      inverse.set(t, list);
    }
  }
  return {
    id,
    name,
    categories,
    fromDefault: (d) => mapping[d]?.[0],
    allFromDefault: (d) => mapping[d] ?? [],
    toDefault: (c) => inverse.get(c) ?? [],
    get: (c) => byId.get(c) ?? byLooseName.get(loose(c)),
    children: (c) => kids.get(c) ?? [],
  };
}

/** Label files vary case, spacing and dashes ("Task orchestration", "Tool-Related"). */
function loose(s: string): string {
  return s.toLowerCase().replace(/[\s_-]+/g, ' ').trim();
}
