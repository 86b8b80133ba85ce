/**
 * User taxonomy files (JSON). Shape, documented in docs via README of this folder:
 *
 *   {
 *     "id": "acme",                       // short id, shown in the taxonomy picker
 *     "name": "ACME failure modes",
 *     "categories": [
 *       { "id": "TOOLS", "name": "Tool problems", "definition": "…", "color": "--vscode-charts-red" },
 *       { "id": "TOOLS.CRASH", "name": "Tool crashed", "parent": "TOOLS", "definition": "…",
 *         "detection": "auto", "impact": "HIGH", "mapsFrom": ["TOOL.RUNTIME", "TOOL.TIMEOUT"] }
 *     ]
 *   }
 *
 * `color` is a VS Code theme colour: either the CSS variable (`--vscode-charts-red`) or the
 * colour id (`charts.red`); omitted, a category takes its parent's colour, and a root takes
 * the next chart colour. `mapsFrom` lists default-taxonomy ids (leaves, or a group such as
 * "TOOL" meaning all its leaves) whose findings show as this category; the first category that
 * lists an id wins `fromDefault`. Every problem is reported with file, line:column and JSON path.
 */
import { findNodeAtLocation, parseTree, type Node } from 'jsonc-parser';
import { z } from 'zod';
import { SourceFile } from '../json/source-file';
import { jsonPathToString, type Problem, UserInputError } from '../util/problems';
import { DEFAULT_CATEGORIES, DEFAULT_TAXONOMY } from './default';
import { checkStructure, makeTaxonomy } from './make';
import type { Category, Taxonomy } from './types';

const CSS_VAR = /^--vscode-[A-Za-z0-9][A-Za-z0-9-]*$/;
const THEME_ID = /^[A-Za-z][A-Za-z0-9]*(\.[A-Za-z0-9]+)+$/;
const ROOT_PALETTE = ['red', 'orange', 'yellow', 'green', 'blue', 'purple'].map((c) => `--vscode-charts-${c}`);

const nonEmpty = (what: string) => z.string({ error: `${what} must be a string` }).trim().min(1, { error: `${what} must not be empty` });

const CategorySpec = z.strictObject({
  id: nonEmpty('id'),
  name: nonEmpty('name'),
  parent: nonEmpty('parent').optional(),
  definition: nonEmpty('definition'),
  detection: z.enum(['auto', 'semi', 'manual'], { error: 'detection must be "auto", "semi" or "manual"' }).optional(),
  impact: z.enum(['HIGH', 'MEDIUM', 'LOW'], { error: 'impact must be "HIGH", "MEDIUM" or "LOW"' }).optional(),
  color: z.string({ error: 'color must be a string' }).refine((c) => CSS_VAR.test(c) || THEME_ID.test(c), {
    error: 'color must be a VS Code theme colour: a CSS variable such as "--vscode-charts-red" or a colour id such as "charts.red"',
  }).optional(),
  aliases: z.array(nonEmpty('alias'), { error: 'aliases must be an array of strings' }).optional(),
  mapsFrom: z.array(z.string({ error: 'mapsFrom entries must be strings' }), { error: 'mapsFrom must be an array of default-taxonomy ids' }).optional(),
}, { error: (iss) => iss.code === 'unrecognized_keys' ? undefined : 'each category must be an object with id, name and definition' });

const FileSpec = z.strictObject({
  $schema: z.string().optional(),
  id: nonEmpty('id'),
  name: nonEmpty('name'),
  description: z.string().optional(),
  categories: z.array(CategorySpec, { error: 'categories must be an array' }).min(1, { error: 'categories must list at least one category' }),
}, { error: (iss) => iss.code === 'unrecognized_keys' ? undefined : 'a taxonomy file must be a JSON object with id, name and categories' });

type CategorySpec = z.infer<typeof CategorySpec>;
/** The file's shape, also the source of schema/taxonomy.schema.json (src/core/schema-files.ts). */
export { FileSpec as TaxonomyFileSchema };

/** Parse and validate a taxonomy file's text; throws UserInputError listing every problem found. */
export function parseTaxonomyFile(path: string, text: string): Taxonomy {
  const file = SourceFile.fromText(path, text);
  const parsed = file.parseJson();
  if ('error' in parsed) throw new UserInputError(parsed.error);
  // The syntax tree only serves to locate problems: built on the first one, not for every load.
  let tree: Node | undefined | null = null;
  const at = (jsonPath: (string | number)[], message: string): Problem => {
    if (tree === null) tree = parseTree(file.text);
    const node = tree ? findNodeAtLocation(tree, jsonPath) ?? nearest(tree, jsonPath) : undefined;
    const pos = node ? file.lines.position(node.offset) : undefined;
    return { file: path, ...(pos ? { line: pos.line, column: pos.column } : {}), path: jsonPathToString(jsonPath), message };
  };

  const result = FileSpec.safeParse(parsed.value);
  if (!result.success) {
    throw new UserInputError(result.error.issues.map((iss) => {
      const p = iss.path.filter((s): s is string | number => typeof s !== 'symbol');
      const msg = iss.code === 'unrecognized_keys'
        ? `unknown field${iss.keys.length > 1 ? 's' : ''} ${iss.keys.map((k) => `"${k}"`).join(', ')}`
        : iss.message;
      return at(p, msg);
    }));
  }
  const spec = result.data;
  const problems: Problem[] = [];

  const cats: Category[] = spec.categories.map((c) => ({
    id: c.id, name: c.name, definition: c.definition, color: '',
    ...(c.parent !== undefined ? { parent: c.parent } : {}),
    ...(c.detection ? { detection: c.detection } : {}),
    ...(c.impact ? { impact: c.impact } : {}),
    ...(c.aliases ? { aliases: c.aliases } : {}),
  }));
  for (const sp of checkStructure(cats)) problems.push(at(['categories', sp.index, sp.field], sp.message));
  if (problems.length) throw new UserInputError(problems);

  resolveColours(cats, spec.categories);
  const mapping = buildMapping(spec.categories, (i, j, msg) => problems.push(at(['categories', i, 'mapsFrom', j], msg)));
  if (problems.length) throw new UserInputError(problems);
  return makeTaxonomy(spec.id, spec.name, cats, mapping);
}

/**
 * Explicit colours first; otherwise a category takes its nearest coloured ancestor's colour, and
 * an uncoloured root the next palette colour. Iterative with an id index: a parent chain may be
 * as long as the file (structure is acyclic here), and each category is coloured once.
 */
function resolveColours(cats: Category[], specs: CategorySpec[]): void {
  const indexById = new Map(cats.map((c, i) => [c.id, i]));
  const explicit = (i: number): string | undefined => {
    const color = specs[i]?.color;
    return color ? (CSS_VAR.test(color) ? color : `--vscode-${color.replace(/\./g, '-')}`) : undefined;
  };
  let nextRoot = 0;
  for (let start = 0; start < cats.length; start++) {
    const uncoloured: number[] = [];
    let colour: string | undefined;
    for (let i: number | undefined = start; i !== undefined && colour === undefined;) {
      const c: Category = cats[i];
      colour = c.color || explicit(i);
      if (colour) { c.color = colour; break; }
      uncoloured.push(i);
      i = c.parent !== undefined ? indexById.get(c.parent) : undefined;
    }
    if (colour === undefined) {
      // The walk ended at an uncoloured root: it takes the next palette colour.
      const root = uncoloured.pop()!;
      colour = cats[root].color = ROOT_PALETTE[nextRoot++ % ROOT_PALETTE.length];
    }
    for (const k of uncoloured) cats[k].color = colour;
  }
}

function buildMapping(specs: CategorySpec[], report: (i: number, j: number, msg: string) => void): Record<string, string[]> {
  const explicit: Record<string, string[]> = {};
  const viaGroup: Record<string, string[]> = {};
  specs.forEach((c, i) => {
    (c.mapsFrom ?? []).forEach((d, j) => {
      const cat = DEFAULT_TAXONOMY.get(d);
      if (!cat || cat.id !== d) {
        report(i, j, `"${d}" is not a default-taxonomy id (e.g. "TOOL.RUNTIME", or a group such as "TOOL")`);
        return;
      }
      if (cat.parent) (explicit[d] ??= []).push(c.id);
      else for (const leaf of DEFAULT_CATEGORIES) if (leaf.parent === d) (viaGroup[leaf.id] ??= []).push(c.id);
    });
  });
  const out: Record<string, string[]> = {};
  for (const leaf of DEFAULT_CATEGORIES) {
    const list = [...new Set([...(explicit[leaf.id] ?? []), ...(viaGroup[leaf.id] ?? [])])];
    if (list.length) out[leaf.id] = list;
  }
  return out;
}

/** The deepest existing node along a path, so a missing field points at its object. */
function nearest(tree: Node, path: (string | number)[]): Node | undefined {
  for (let n = path.length - 1; n >= 0; n--) {
    const node = findNodeAtLocation(tree, path.slice(0, n));
    if (node) return node;
  }
  return tree;
}
