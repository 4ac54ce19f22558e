/**
 * Ranked search over a tool catalog, so agents can find tools by need: BM25F over weighted
 * fields (tool name, app, action, description, input fields), with light stemming, `-`/`_`/
 * camelCase splitting and synonyms for common verbs and nouns. Deterministic, no network.
 *
 * @module
 */
import type { ToolEntry } from "./catalog.ts";

/** The fields a tool is indexed by, with their weight and length normalization. */
const FIELDS = [
  { name: "name", weight: 1.5, b: 0.3 },
  { name: "app", weight: 2, b: 0 },
  { name: "action", weight: 3, b: 0.3 },
  { name: "description", weight: 1, b: 0.75 },
  { name: "inputs", weight: 0.5, b: 0.75 },
] as const;

/** BM25 term-frequency saturation. */
const K1 = 1.2;
/** Query terms beyond this many are ignored (bounds the cost of a search). */
const MAX_QUERY_TERMS = 64;
/** Text taken from one field of one tool, at most. */
const MAX_FIELD_CHARS = 4000;

/** A prepared search index over some tools. */
export interface SearchIndex {
  tools: ToolEntry[];
  /** Term -> the tools that contain it and their field-weighted, length-normalized frequency. */
  postings: Map<string, Posting>;
}

/** The tools containing one term. */
export interface Posting {
  docs: Int32Array;
  /** BM25F pseudo term frequency per doc (same order as `docs`). */
  weights: Float64Array;
}

/** A ranked match. */
export interface SearchHit {
  tool: ToolEntry;
  score: number;
}

const STOP_WORDS = new Set(
  ("a an the to of in on at for with from by and or is are was be been it its this that " +
    "these those my me i we our us you your do does did have has had please can could would " +
    "should will shall some any into as about but not yet what when which who whom there " +
    "their them they so up out via then than if else just also e g eg ie want need like " +
    "let using use")
    .split(" "),
);

/** Irregular forms mapped to the stem of their base word. */
const IRREGULAR: Record<string, string> = {
  sent: "send",
  wrote: "write",
  written: "write",
  made: "make",
  got: "get",
  found: "find",
  bought: "buy",
  paid: "pay",
  began: "begin",
  children: "child",
  people: "person",
  ids: "id",
};

function hasVowel(text: string): boolean {
  return /[aeiouy]/.test(text);
}

const stems = new Map<string, string>();
const MAX_CACHED_STEMS = 50_000;

/** A light English stemmer: plural, `-ing`, `-ed` and a final `e` come off. */
export function stem(word: string): string {
  let result = stems.get(word);
  if (result === undefined) {
    result = stem1(IRREGULAR[word] ?? word);
    if (stems.size >= MAX_CACHED_STEMS) stems.clear();
    stems.set(word, result);
  }
  return result;
}

function stem1(input: string): string {
  let word = input;
  if (word.length <= 3 || /\d/.test(word)) return word;
  if (word.endsWith("ies") && word.length > 4) word = word.slice(0, -3) + "y";
  else if (/(ch|sh|x|ss|z)es$/.test(word)) word = word.slice(0, -2);
  else if (word.endsWith("s") && !/(ss|us|is)$/.test(word)) word = word.slice(0, -1);

  let cut = "";
  if (word.endsWith("ing") && word.length > 5 && hasVowel(word.slice(0, -3))) {
    cut = word.slice(0, -3);
  } else if (word.endsWith("ed") && word.length > 4 && hasVowel(word.slice(0, -2))) {
    cut = word.slice(0, -2);
  }
  if (cut) {
    // mapped -> map, stopped -> stop; but called -> call, passed -> pass
    word = /([b-df-hj-km-np-rtv-xz])\1$/.test(cut) ? cut.slice(0, -1) : cut;
  }
  if (word.length > 3 && word.endsWith("e") && !word.endsWith("ee")) word = word.slice(0, -1);
  return word;
}

/** Splits text into words: `-`, `_`, punctuation and camelCase split, lower case. */
export function splitWords(text: string): string[] {
  return text
    .replace(/([A-Z])s\b/g, "$1S") // plural acronyms: labelIDs -> label IDS
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    // HTMLParser -> HTML Parser. A lookahead, not `([A-Z]+)([A-Z][a-z])`: that one backtracks
    // over every run of capitals and takes quadratic time on a long one.
    .replace(/([A-Z])(?=[A-Z][a-z])/g, "$1 ")
    .toLowerCase()
    .replace(/\be-mail/g, "email")
    .replace(/\bto-?do/g, "todo")
    .split(/[^a-z0-9]+/)
    .filter((word) => word.length > 0);
}

/** Splits text into search terms: words, without stop words, stemmed. */
export function tokenize(text: string): string[] {
  const terms: string[] = [];
  for (const word of splitWords(text)) {
    if (word.length < 2 && !/[0-9]/.test(word)) continue;
    if (STOP_WORDS.has(word)) continue;
    terms.push(stem(word));
  }
  return terms;
}

/**
 * Groups of words that mean the same for finding a tool: common verbs (what an action does),
 * then nouns that apps name differently. Words in a close group are nearer synonyms.
 */
const SYNONYM_GROUPS: string[] = [
  "create add new make insert send post compose write open submit log publish start generate " +
  "schedule book",
  "find search list get lookup look read fetch retrieve show query view browse check see",
  "update edit change modify patch set rename move reschedule adjust",
  "delete remove cancel trash erase destroy archive discard drop",
  "reply respond answer",
  "invite add",
  "share grant",
  "email mail message inbox",
  "meeting event appointment call",
  "ticket issue case bug",
  "pr pull",
  "repo repository",
  "document doc file page",
  "todo task",
  "company account organization org",
  "deal opportunity",
  "person user member colleague teammate",
  "available availability free busy",
];
const CLOSE_SYNONYM_GROUPS: string[] = [
  "create add new make insert",
  "send post publish",
  "find search lookup look query",
  "get read fetch retrieve view show",
  "list browse",
  "update edit modify change",
  "delete remove erase destroy trash",
];
/** Weight of a synonym relative to the word the query used. */
const SYNONYM_WEIGHT = 0.6;
const CLOSE_SYNONYM_WEIGHT = 0.8;

/** Stem -> [alternative stem, weight] pairs (the stem itself first, weight 1). */
const SYNONYMS: Map<string, [string, number][]> = (() => {
  const weights = new Map<string, Map<string, number>>();
  const add = (groups: string[], weight: number) => {
    for (const group of groups) {
      const stems = group.split(" ").map(stem);
      for (const term of stems) {
        const others = weights.get(term) ?? new Map<string, number>();
        for (const other of stems) {
          if (other !== term) others.set(other, Math.max(weight, others.get(other) ?? 0));
        }
        weights.set(term, others);
      }
    }
  };
  add(SYNONYM_GROUPS, SYNONYM_WEIGHT);
  add(CLOSE_SYNONYM_GROUPS, CLOSE_SYNONYM_WEIGHT);
  const result = new Map<string, [string, number][]>();
  for (const [term, others] of weights) {
    const sorted = [...others].sort(([a], [b]) => a < b ? -1 : 1);
    result.set(term, [[term, 1], ...sorted]);
  }
  return result;
})();

function schemaText(schema: Record<string, unknown>): string {
  const properties = schema.properties;
  if (typeof properties !== "object" || properties === null) return "";
  const parts: string[] = [];
  for (const [name, value] of Object.entries(properties as Record<string, unknown>)) {
    parts.push(name);
    if (typeof value !== "object" || value === null) continue;
    const property = value as Record<string, unknown>;
    if (typeof property.title === "string") parts.push(property.title);
    if (typeof property.description === "string") parts.push(property.description);
    if (Array.isArray(property.enum)) {
      parts.push(...property.enum.slice(0, 20).filter((v): v is string => typeof v === "string"));
    }
  }
  return parts.join(" ");
}

/** The text of each field of a tool, in the order of `FIELDS`. */
function fieldTexts(tool: ToolEntry): string[] {
  return [
    tool.name,
    `${tool.integrationName} ${tool.integrationKey}`,
    `${tool.actionName} ${tool.actionKey}`,
    tool.actionDescription ?? "",
    schemaText(tool.inputSchema),
  ].map((text) => text.slice(0, MAX_FIELD_CHARS));
}

/** Fields whose words count once however often they repeat (names say a thing once). */
const PRESENCE_FIELDS = new Set(["name", "app", "action"]);

/** Builds the index of `tools`. */
export function buildSearchIndex(tools: ToolEntry[]): SearchIndex {
  const fieldCount = FIELDS.length;
  const lengths = new Float64Array(tools.length * fieldCount);
  const docTerms: string[][] = [];
  const docCounts: number[][] = [];
  tools.forEach((tool, doc) => {
    const slots = new Map<string, number>();
    const counts: number[] = [];
    fieldTexts(tool).forEach((text, field) => {
      let terms = tokenize(text);
      if (PRESENCE_FIELDS.has(FIELDS[field]!.name)) terms = [...new Set(terms)];
      lengths[doc * fieldCount + field] = terms.length;
      for (const term of terms) {
        let slot = slots.get(term);
        if (slot === undefined) {
          slots.set(term, slot = slots.size);
          for (let f = 0; f < fieldCount; f++) counts.push(0);
        }
        counts[slot * fieldCount + field]! += 1;
      }
    });
    docTerms.push([...slots.keys()]);
    docCounts.push(counts);
  });
  const averages = FIELDS.map((_, field) => {
    let sum = 0;
    for (let doc = 0; doc < tools.length; doc++) sum += lengths[doc * fieldCount + field]!;
    return sum / Math.max(1, tools.length) || 1;
  });

  const builders = new Map<string, { docs: number[]; weights: number[] }>();
  for (let doc = 0; doc < tools.length; doc++) {
    const counts = docCounts[doc]!;
    docTerms[doc]!.forEach((term, slot) => {
      let weight = 0;
      for (let field = 0; field < fieldCount; field++) {
        const count = counts[slot * fieldCount + field]!;
        if (count === 0) continue;
        const { weight: w, b } = FIELDS[field]!;
        const length = lengths[doc * fieldCount + field]!;
        weight += w * count / (1 - b + b * length / averages[field]!);
      }
      let builder = builders.get(term);
      if (!builder) builders.set(term, builder = { docs: [], weights: [] });
      builder.docs.push(doc);
      builder.weights.push(weight);
    });
  }
  const postings = new Map<string, Posting>();
  for (const [term, { docs, weights }] of builders) {
    postings.set(term, { docs: Int32Array.from(docs), weights: Float64Array.from(weights) });
  }
  return { tools, postings };
}

function idf(n: number, df: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

function saturate(tf: number): number {
  return tf * (K1 + 1) / (tf + K1);
}

/** The query's terms, each with its alternatives (synonyms) and their weights. */
function expandQuery(query: string): [string, number][][] {
  const terms = [...new Set(tokenize(query))].slice(0, MAX_QUERY_TERMS);
  return terms.map((term) => SYNONYMS.get(term) ?? [[term, 1]]);
}

/**
 * The best `limit` tools for `query`, best first; equal scores are ordered by name. Each
 * query word scores by its best match among itself and its synonyms (a synonym counts less).
 */
export function searchTools(index: SearchIndex, query: string, limit: number): SearchHit[] {
  const n = index.tools.length;
  if (n === 0 || limit <= 0) return [];
  const scores = new Float64Array(n);
  const best = new Float64Array(n);
  const exactScores = new Float64Array(n);
  const touched: number[] = [];
  const matched = new Set<number>();
  for (const alternatives of expandQuery(query)) {
    // The word itself scores with its own rarity; its synonyms score less, with the rarity
    // of the whole group (a rare synonym of a common word must not outweigh the word).
    touched.length = 0;
    const [exact] = alternatives;
    for (const [term, factor] of alternatives) {
      const posting = index.postings.get(term);
      if (!posting) continue;
      for (let i = 0; i < posting.docs.length; i++) {
        const doc = posting.docs[i]!;
        const value = factor * posting.weights[i]!;
        if (best[doc] === 0) touched.push(doc);
        if (value > best[doc]!) best[doc] = value;
      }
    }
    const groupIdf = idf(n, touched.length);
    const exactPosting = exact ? index.postings.get(exact[0]) : undefined;
    if (exactPosting) {
      const exactIdf = idf(n, exactPosting.docs.length);
      for (let i = 0; i < exactPosting.docs.length; i++) {
        const doc = exactPosting.docs[i]!;
        const tf = exactPosting.weights[i]!;
        exactScores[doc] = exactIdf * saturate(tf);
      }
    }
    for (const doc of touched) {
      scores[doc]! += Math.max(exactScores[doc]!, groupIdf * saturate(best[doc]!));
      best[doc] = 0;
      exactScores[doc] = 0;
      matched.add(doc);
    }
  }
  return [...matched]
    .map((doc) => ({ tool: index.tools[doc] as ToolEntry, score: scores[doc] as number }))
    .sort((x, y) =>
      y.score - x.score || (x.tool.name < y.tool.name ? -1 : x.tool.name > y.tool.name ? 1 : 0)
    )
    .slice(0, limit);
}

const indexes = new WeakMap<readonly ToolEntry[], SearchIndex>();

/** The index of a tool list, built on first use and kept as long as the list lives. */
export function searchIndexFor(tools: ToolEntry[]): SearchIndex {
  let index = indexes.get(tools);
  if (!index) indexes.set(tools, index = buildSearchIndex(tools));
  return index;
}
