/**
 * A general English thesaurus for tool search, from WordNet (see `scripts/build_thesaurus.ts`,
 * which writes `thesaurus_data.json`): stemmed words and two-word phrases mapped to related
 * stems in three tiers (derived forms, same sense, related senses and broader words), and for
 * verbs a fourth: the words of any of their senses.
 *
 * The data is parsed on first use into one string per key; a key's related words are split
 * out when it is looked up, so the resident cost stays near the file's size.
 *
 * @module
 */
import data from "./thesaurus_data.json" with { type: "json" };

/** Weight of a related word of each tier, relative to the word itself. */
export const TIER_WEIGHTS = [0.8, 0.5, 0.3] as const;

let lines: Map<string, string> | undefined;

function table(): Map<string, string> {
  if (lines) return lines;
  lines = new Map();
  const entries = (data as { entries: string }).entries;
  let start = 0;
  while (start < entries.length) {
    let end = entries.indexOf("\n", start);
    if (end < 0) end = entries.length;
    const tab = entries.indexOf("\t", start);
    if (tab > start && tab < end) lines.set(entries.slice(start, tab), entries.slice(tab + 1, end));
    start = end + 1;
  }
  return lines;
}

/** Whether the thesaurus knows `key` (a stem, or two stems joined by `_`). */
export function hasEntry(key: string): boolean {
  return table().has(key);
}

const cache = new Map<string, [string, number][]>();
const MAX_CACHED = 20_000;
const NONE: [string, number][] = [];

/**
 * The stems related to `key`, each with the weight of its closest tier; empty when unknown.
 * The array is shared: do not change it.
 */
export function relatedTerms(key: string): readonly [string, number][] {
  let result = cache.get(key);
  if (result === undefined) {
    result = parse(key);
    if (cache.size >= MAX_CACHED) cache.clear();
    cache.set(key, result);
  }
  return result;
}

function parse(key: string): [string, number][] {
  const line = table().get(key);
  if (line === undefined) return NONE;
  const result: [string, number][] = [];
  const seen = new Set<string>();
  line.split("\t", TIER_WEIGHTS.length).forEach((tier, at) => {
    if (tier === "") return;
    for (const term of tier.split(" ")) {
      if (seen.has(term)) continue;
      seen.add(term);
      result.push([term, TIER_WEIGHTS[at] ?? TIER_WEIGHTS[2]]);
    }
  });
  return result;
}

const anySenseCache = new Map<string, string[]>();

/**
 * The stems a verb (or a two-word phrase with a verb sense) relates to in any of its senses and
 * their broader words, beyond its derived forms and its first senses' words: the third tier and
 * the fourth. Empty for other words. The array is shared: do not change it.
 */
export function anySenseTerms(key: string): readonly string[] {
  let result = anySenseCache.get(key);
  if (result === undefined) {
    const fields = table().get(key)?.split("\t") ?? [];
    // Only a verb's line has the fourth field.
    result = fields.length < 4 ? [] : `${fields[2]} ${fields[3]}`.split(" ").filter((term) => term);
    if (anySenseCache.size >= MAX_CACHED) anySenseCache.clear();
    anySenseCache.set(key, result);
  }
  return result;
}
