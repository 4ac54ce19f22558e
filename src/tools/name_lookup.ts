/**
 * Names as agents type them, resolved against a catalog: the exact name first, then its loose
 * form (case and `_`/`-` ignored); for a name that matches nothing, why (the rule of the
 * session's view that hides it, or close matches by spelling and by search).
 *
 * @module
 */
import { type IndexedCatalog, searchIndexOf, type ToolEntry } from "./catalog.ts";
import { looseToolName, MAX_TOOL_NAME_LENGTH } from "./naming.ts";
import { searchTools } from "./search.ts";

/** The longest tool name a client may type, in characters (any longer cannot match). */
export const MAX_TYPED_NAME_CHARS = 200;

/** Levenshtein distance of `a` and `b`, or `max + 1` as soon as it must exceed `max`. */
function editDistance(a: string, b: string, max: number, row: Int32Array): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  for (let j = 0; j <= b.length; j++) row[j] = j;
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0]!;
    row[0] = i;
    let rowMin = i;
    const code = a.charCodeAt(i - 1);
    for (let j = 1; j <= b.length; j++) {
      const current = row[j]!;
      const substitution = previous + (code === b.charCodeAt(j - 1) ? 0 : 1);
      const value = Math.min(current + 1, row[j - 1]! + 1, substitution);
      row[j] = value;
      if (value < rowMin) rowMin = value;
      previous = current;
    }
    if (rowMin > max) return max + 1;
  }
  return row[b.length]!;
}

/** Close matches for an unknown name: near spellings first, then a search on its words. */
function closeMatches(catalog: IndexedCatalog, name: string, count = 3): string[] {
  const loose = looseToolName(name);
  const maxDistance = Math.max(2, Math.floor(loose.length / 4));
  const near: { name: string; distance: number }[] = [];
  const row = new Int32Array(MAX_TOOL_NAME_LENGTH + 1);
  for (const [looseName, tools] of catalog.byLooseName) {
    if (looseName.length >= row.length) continue;
    const distance = editDistance(loose, looseName, maxDistance, row);
    if (distance > maxDistance) continue;
    for (const tool of tools) near.push({ name: tool.name, distance });
  }
  near.sort((a, b) => a.distance - b.distance || (a.name < b.name ? -1 : 1));
  const searched = searchTools(searchIndexOf(catalog), name, count).map((hit) => hit.tool.name);
  return [...new Set([...near.map((match) => match.name), ...searched])].slice(0, count);
}

/** How a name typed by an agent resolves: one tool, or none with the tools it could mean. */
export type NameLookup =
  | { tool: ToolEntry; candidates?: undefined }
  | { tool?: undefined; candidates: ToolEntry[] };

/** Looks a name up: exact first, then its loose form (case and `_`/`-` ignored). */
export function lookupTool(catalog: IndexedCatalog, name: string): NameLookup {
  const exact = catalog.byName.get(name.trim());
  if (exact) return { tool: exact };
  const loose = catalog.byLooseName.get(looseToolName(name)) ?? [];
  return loose.length === 1 ? { tool: loose[0] as ToolEntry } : { candidates: loose };
}

/** Finds a tool by its exact name, or by its loose form when that is unambiguous. */
export function findTool(catalog: IndexedCatalog, name: string): ToolEntry | undefined {
  return lookupTool(catalog, name).tool;
}

/** Why a name matched no tool: the tools it could mean, or close matches when `suggest`. */
export function describeUnknown(
  catalog: IndexedCatalog,
  name: string,
  candidates: ToolEntry[],
  suggest: boolean,
): string {
  if (candidates.length > 1) {
    return `"${name}" matches several tools, name one exactly: ` +
      `${candidates.map((tool) => tool.name).join(", ")}.`;
  }
  // A tool of the customer that the session's view hides (readOnly, tools): say which rule.
  const refused = catalog.excluded?.(name);
  if (refused) return refused;
  const matches = suggest ? closeMatches(catalog, name) : [];
  return `Unknown tool "${name}"` +
    (matches.length > 0 ? ` (did you mean: ${matches.join(", ")}?)` : "") + ".";
}
