/**
 * What a tag's category means, in any taxonomy. A sidecar keeps the category exactly as the user
 * (or a label file) wrote it, with the id of the taxonomy it came from (`taxonomy`); nothing here
 * rewrites it. Mapping happens only when a tag is shown (in the taxonomy the user picked now) or
 * exported (as a default-taxonomy id, the detectors' scheme), so a tag made under TRAIL reads
 * "Tool-related" again when reopened under TRAIL, and a save writes back what was loaded.
 *
 * Tags without `taxonomy` (older sidecars, TRAIL label files) are recognised by their spelling:
 * exact ids first (the taxonomy in use, then default, TRAIL, MAST), then names and aliases.
 * Older versions of this extension rewrote TRAIL names to default ids on load and kept the name
 * in `trail`; such a tag means its `trail` name.
 */
import { DEFAULT_TAXONOMY } from '../taxonomy/default';
import { MAST_TAXONOMY } from '../taxonomy/mast';
import { TRAIL_TAXONOMY } from '../taxonomy/trail';
import type { Category, Taxonomy } from '../taxonomy/types';

/** The part of a sidecar tag that says which category the user chose. */
export interface CategoryChoice {
  category: string;
  /** Id of the taxonomy `category` belongs to; absent in older sidecars and label files. */
  taxonomy?: string;
  /** Older sidecars: the TRAIL leaf name a tag was rewritten from. */
  trail?: string;
}

export interface ResolvedChoice {
  taxonomy: Taxonomy;
  category: Category;
}

const BUILTIN: readonly Taxonomy[] = [DEFAULT_TAXONOMY, TRAIL_TAXONOMY, MAST_TAXONOMY];

function pool(inUse: Taxonomy | undefined): Taxonomy[] {
  return inUse ? [inUse, ...BUILTIN.filter((t) => t.id !== inUse.id)] : [...BUILTIN];
}

/** The taxonomy and category a tag names, or undefined when no known taxonomy has it (kept as written). */
export function resolveChoice(tag: CategoryChoice, inUse?: Taxonomy): ResolvedChoice | undefined {
  const taxonomies = pool(inUse);
  if (tag.taxonomy !== undefined) {
    const taxonomy = taxonomies.find((t) => t.id === tag.taxonomy);
    const category = taxonomy?.get(tag.category);
    return taxonomy && category ? { taxonomy, category } : undefined;
  }
  if (tag.trail !== undefined) {
    const category = TRAIL_TAXONOMY.get(tag.trail);
    if (category) return { taxonomy: TRAIL_TAXONOMY, category };
  }
  for (const taxonomy of taxonomies) {
    const category = taxonomy.get(tag.category);
    if (category?.id === tag.category) return { taxonomy, category };
  }
  for (const taxonomy of taxonomies) {
    const category = taxonomy.get(tag.category);
    if (category) return { taxonomy, category };
  }
  return undefined;
}

/** The default-taxonomy ids a chosen category stands for (several when the mapping is one-to-many). */
export function defaultIdsOf(tag: CategoryChoice, inUse?: Taxonomy): readonly string[] {
  const r = resolveChoice(tag, inUse);
  if (!r) return [];
  return r.taxonomy.id === DEFAULT_TAXONOMY.id ? [r.category.id] : r.taxonomy.toDefault(r.category.id);
}

/**
 * The category a tag shows as in `target` (the taxonomy the user picked): its own id when it was
 * chosen in `target`, else mapped through the default taxonomy, else the category as written.
 */
export function categoryIn(tag: CategoryChoice, target: Taxonomy): string {
  const r = resolveChoice(tag, target);
  if (!r) return tag.category;
  if (r.taxonomy.id === target.id) return r.category.id;
  const defaults = r.taxonomy.id === DEFAULT_TAXONOMY.id ? [r.category.id] : r.taxonomy.toDefault(r.category.id);
  if (target.id === DEFAULT_TAXONOMY.id) return defaults[0] ?? r.category.id;
  for (const d of defaults) {
    const mapped = target.fromDefault(d);
    if (mapped !== undefined) return mapped;
  }
  return r.category.id;
}

/** The category a tag is exported as: a default-taxonomy id when it maps to one, else as written. */
export function exportCategory(tag: CategoryChoice, inUse?: Taxonomy): string {
  return defaultIdsOf(tag, inUse)[0] ?? tag.category;
}
