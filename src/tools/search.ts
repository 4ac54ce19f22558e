/**
 * Ranked search over a tool catalog (BM25), so agents can find tools by need.
 *
 * @module
 */
import type { ToolEntry } from "./catalog.ts";

/** A prepared search index over some tools. */
export interface SearchIndex {
  tools: ToolEntry[];
  /** term -> (tool index -> term frequency) */
  postings: Map<string, Map<number, number>>;
  lengths: number[];
  averageLength: number;
}

/** A ranked match. */
export interface SearchHit {
  tool: ToolEntry;
  score: number;
}

/** Splits text into lower-case terms (`-`, `_` and camelCase split). */
export function tokenize(text: string): string[] {
  return text
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter((term) => term.length > 1);
}

function toolText(tool: ToolEntry): string {
  const properties = (tool.inputSchema.properties ?? {}) as Record<string, unknown>;
  return [
    tool.name,
    tool.integrationName,
    tool.actionName,
    tool.actionDescription ?? "",
    Object.keys(properties).join(" "),
  ].join(" ");
}

/** Builds the index of `tools`. */
export function buildSearchIndex(tools: ToolEntry[]): SearchIndex {
  const postings = new Map<string, Map<number, number>>();
  const lengths: number[] = [];
  tools.forEach((tool, index) => {
    const terms = tokenize(toolText(tool));
    lengths.push(terms.length);
    for (const term of terms) {
      let posting = postings.get(term);
      if (!posting) postings.set(term, posting = new Map());
      posting.set(index, (posting.get(index) ?? 0) + 1);
    }
  });
  const averageLength = lengths.reduce((a, b) => a + b, 0) / Math.max(1, lengths.length);
  return { tools, postings, lengths, averageLength };
}

/** The best `limit` tools for `query`, best first; ties broken by name. */
export function searchTools(index: SearchIndex, query: string, limit: number): SearchHit[] {
  const k1 = 1.2;
  const b = 0.75;
  const n = index.tools.length;
  const scores = new Map<number, number>();
  for (const term of new Set(tokenize(query))) {
    const posting = index.postings.get(term);
    if (!posting) continue;
    const idf = Math.log(1 + (n - posting.size + 0.5) / (posting.size + 0.5));
    for (const [doc, tf] of posting) {
      const norm = tf + k1 * (1 - b + b * (index.lengths[doc] ?? 0) / index.averageLength);
      scores.set(doc, (scores.get(doc) ?? 0) + idf * (tf * (k1 + 1)) / norm);
    }
  }
  return [...scores]
    .map(([doc, score]) => ({ tool: index.tools[doc] as ToolEntry, score }))
    .sort((x, y) => y.score - x.score || (x.tool.name < y.tool.name ? -1 : 1))
    .slice(0, limit);
}

const indexes = new WeakMap<readonly ToolEntry[], SearchIndex>();

/** The index of a tool list, built on first use and kept as long as the list lives. */
export function searchIndexFor(tools: ToolEntry[]): SearchIndex {
  let index = indexes.get(tools);
  if (!index) indexes.set(tools, index = buildSearchIndex(tools));
  return index;
}
