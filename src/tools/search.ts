/**
 * Ranked search over a tool catalog, so agents can find tools by need: BM25F over weighted
 * fields (tool name, app, action, description, input fields, the values inputs accept), with
 * light stemming, `-`/`_`/camelCase splitting and synonyms for common verbs and nouns.
 * Deterministic, no network.
 *
 * @module
 */
import type { ToolEntry } from "./catalog.ts";
import { anySenseTerms, hasEntry, relatedTerms, TIER_WEIGHTS } from "./thesaurus.ts";
import exceptions from "./stem_exceptions.json" with { type: "json" };
import { type CompiledLexicon, type CompiledPhrase, compileLexicon } from "./informal_verbs.ts";

/**
 * Weight of a word related to an action's name (by the thesaurus), as if the action's name had
 * it, relative to a word of its description.
 */
const RELATED_FIELD_WEIGHT = 1;

/** The fields a tool is indexed by, with their weight and length normalization. */
const FIELDS = [
  { name: "name", weight: 1.5, b: 0.3 },
  { name: "app", weight: 2, b: 0 },
  { name: "action", weight: 3, b: 0.3 },
  { name: "description", weight: 1, b: 0.75 },
  { name: "inputs", weight: 0.5, b: 0.75 },
  // The values an input accepts, again: a request that gives one (`set it to pending`, `stamp
  // it as finished` / Completed) names what the tool sets.
  { name: "values", weight: 0.5, b: 0.3 },
] as const;

/** BM25 term-frequency saturation. */
const K1 = 0.6;
/** Query terms beyond this many are ignored (bounds the cost of a search). */
const MAX_QUERY_TERMS = 64;
/** Text taken from one field of one tool, at most. */
const MAX_FIELD_CHARS = 4000;

/** A prepared search index over some tools. */
export interface SearchIndex {
  tools: ToolEntry[];
  /** Stop word of an action name (`Who's Out`) -> the tools whose action name has it. */
  nameStops: Map<string, Int32Array>;
  /** Per tool whose action name has a stop word: the name's terms and stop words. */
  nameWords: Map<number, Set<string>>;
  /** Term of an action name -> the tools whose action name has it. */
  actionDocs: Map<string, Int32Array>;
  /** Word -> the action-name terms it is related to, with the relation's weight. */
  relatedToActions: Map<string, [string, number][]>;
  /** 1 for each tool that only reads (by its hints, or by the verb its action starts with). */
  reads: Uint8Array;
  /** The action-name terms, sorted (to find the ones a shortened word begins). */
  actionTermList: string[];
  /** Initials of two or three words in a row of an action name (`dm`) -> its tools. */
  initialisms: Map<string, Int32Array>;
  /** Per app, its display name as written (to find it named in a request). */
  appNames: string[];
  /** An app's key with its parts joined, lower case (`hellosign`, `zohodesk`) -> its apps. */
  appKeys: Map<string, number[]>;
  /** Per tool, the index of its app in the app postings. */
  appOf: Int32Array;
  /** Number of apps. */
  appCount: number;
  /** Term -> the apps whose tools use it, with a saturated, length-normalized frequency. */
  appPostings: Map<string, Posting>;
  /** Term -> the tools that contain it and their field-weighted, length-normalized frequency. */
  postings: Map<string, Posting>;
}

/** The tools containing one term. */
export interface Posting {
  docs: Int32Array;
  /** BM25F pseudo term frequency per doc, saturated (same order as `docs`). */
  weights: Float64Array;
}

/** A ranked match. */
export interface SearchHit {
  tool: ToolEntry;
  score: number;
}

const STOP_WORDS = new Set(
  ("a an the to of in on at for with from by and or is are was were be been it its this that " +
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

/**
 * A light English stemmer: plural, `-ing`, `-ed` and a final `e` come off, except where that
 * makes another word of it (WordNet's word lists, in `stem_exceptions.json`): `done` stays done
 * (not don), `scraped` is scrape's (not scrap's), `added` is add's (not ad's), `news` no plural.
 */
export function stem(word: string): string {
  let result = stems.get(word);
  if (result === undefined) {
    result = stem1(IRREGULAR[word] ?? word);
    if (stems.size >= MAX_CACHED_STEMS) stems.clear();
    stems.set(word, result);
  }
  return result;
}

/**
 * The words the suffix rules would take for another word (see
 * `scripts/build_stem_exceptions.ts`).
 */
const KEEP_E = new Set(exceptions.keepE);
const RESTORE_E = new Set(exceptions.restoreE);
const KEEP_DOUBLE = new Set(exceptions.keepDouble);
const WHOLE = new Set(exceptions.whole);

function stem1(input: string): string {
  let word = input;
  if (word.length <= 3 || /\d/.test(word) || WHOLE.has(word)) return word;
  if (word.endsWith("ies") && word.length > 4) word = word.slice(0, -3) + "y";
  else if (/(ch|sh|x|ss|z)es$/.test(word)) word = word.slice(0, -2);
  else if (word.endsWith("s") && !/(ss|us|is)$/.test(word)) word = word.slice(0, -1);
  if (word !== input && WHOLE.has(word)) return word;

  let cut = "";
  let past = false;
  if (word.endsWith("ing") && word.length > 5 && hasVowel(word.slice(0, -3))) {
    cut = word.slice(0, -3);
  } else if (word.endsWith("ed") && word.length > 4 && hasVowel(word.slice(0, -2))) {
    cut = word.slice(0, -2);
    past = true;
  }
  if (cut) {
    if (/([b-df-hj-km-np-rtv-xz])\1$/.test(cut)) {
      // mapped -> map, stopped -> stop; but added -> add (called, passed: `l` and `s` stay)
      return KEEP_DOUBLE.has(cut) ? cut : cut.slice(0, -1);
    }
    // scraped -> scrape (not scrap), agreed -> agree
    if (RESTORE_E.has(`${cut}e`) || (past && cut.endsWith("e"))) return `${cut}e`;
    word = cut;
  }
  if (
    word.length > 3 && word.endsWith("e") && !word.endsWith("ee") && !KEEP_E.has(word)
  ) word = word.slice(0, -1);
  return word;
}

const OTHER = 0;
const LOWER = 1;
const UPPER = 2;
const DIGIT = 3;

function kindOf(code: number): number {
  if (code >= 97 && code <= 122) return LOWER;
  if (code >= 65 && code <= 90) return UPPER;
  if (code >= 48 && code <= 57) return DIGIT;
  return OTHER;
}

/**
 * A request with its contractions written out where their parts would be other words: `don't`
 * is do not (not don), `won't` will not (not won), `haven't` have not (not haven); `we're`,
 * `I've`, `I'll`, `she'd` lose their auxiliary (a stop word), so that it is not taken for the
 * request's first word. (Requests only: the catalog's texts rarely have them, and a pass over
 * every text would cost the index build.)
 */
export function expandContractions(text: string): string {
  if (!text.includes("'") && !text.includes("\u2019")) return text;
  return text.replace(/\b(?:(ca)|(wo)|(sha)|(\w+))n['\u2019]t\b/gi, (
    _whole: string,
    can?: string,
    won?: string,
    shan?: string,
    other?: string,
  ) => `${can ? "can" : won ? "will" : shan ? "shall" : other} not`)
    .replace(/(\w)['\u2019](?:re|ve|ll|d)\b/gi, "$1");
}

/**
 * Splits text into words: `-`, `_`, punctuation and camelCase split, lower case. One pass over
 * the text (linear time, whatever its length): `threadTs` -> thread ts, `HTTPRequest` -> http
 * request, `labelIDs` -> label ids (a plural acronym stays whole).
 */
export function splitWords(text: string): string[] {
  // Only a dash changes the text (`todo` stays itself): most texts skip both passes.
  const source = text.includes("-")
    ? text.replace(/\b(e)-(mail)/gi, "email").replace(/\b(to)-?(do)/gi, "todo")
    : text;
  const words: string[] = [];
  const length = source.length;
  let start = -1;
  let previous = OTHER;
  let beforePrevious = OTHER;
  for (let i = 0; i < length; i++) {
    const kind = kindOf(source.charCodeAt(i));
    if (kind === OTHER) {
      if (start >= 0) words.push(source.slice(start, i).toLowerCase());
      start = -1;
    } else if (start < 0) {
      start = i;
    } else if (kind === UPPER && previous !== UPPER) {
      // fooBar, v2Beta
      words.push(source.slice(start, i).toLowerCase());
      start = i;
    } else if (
      kind === LOWER && previous === UPPER && beforePrevious === UPPER && i - 2 >= start &&
      !(source.charCodeAt(i) === 115 && kindOf(source.charCodeAt(i + 1)) === OTHER &&
        source.charCodeAt(i + 1) !== 95)
    ) {
      // HTTPRequest -> HTTP Request; but labelIDs stays IDs
      words.push(source.slice(start, i - 1).toLowerCase());
      start = i - 1;
    }
    beforePrevious = previous;
    previous = kind;
  }
  if (start >= 0) words.push(source.slice(start).toLowerCase());
  return words;
}

/**
 * Stop words that may be a word of an action's name (`Who's Out`, `Like Post`, `Sign Up`): the
 * question words, adverbs and verbs among them, not the articles, prepositions, conjunctions,
 * pronouns and auxiliaries that join a name's words (`Add Contact to List`).
 */
const NAME_STOP_WORDS = new Set(
  "what when which who whom there up out want need like let use using".split(" "),
);

/** Splits text into search terms: words, without stop words, stemmed. */
export function tokenize(text: string): string[] {
  return termsOf(splitWords(text));
}

/** Word -> its term, or "" for a stop word or a single letter (one lookup per word). */
const wordTerms = new Map<string, string>();

function termsOf(words: string[]): string[] {
  const terms: string[] = [];
  for (const word of words) {
    let term = wordTerms.get(word);
    if (term === undefined) {
      term = (word.length < 2 && !/[0-9]/.test(word)) || STOP_WORDS.has(word) ? "" : stem(word);
      if (wordTerms.size >= MAX_CACHED_STEMS) wordTerms.clear();
      wordTerms.set(word, term);
    }
    if (term !== "") terms.push(term);
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
/** Score factor of a tool that only reads, for a request that asks a question or opens with a verb that reads. */
const QUESTION_READ_BOOST = 1.3;
/**
 * Weight of an action-name word that the verb a request opens with relates to in any of its
 * senses (`freeze` / pause, `bounce` / reject), relative to a word of a description: a tie-break
 * among the actions of an app, below every other relation.
 */
const ANY_SENSE_WEIGHT = 0.05;
/** Weight of the thesaurus's related words, on top of their tier's weight. */
const THESAURUS_WEIGHT = 1;
const QUERY_MIN_TIER_WEIGHT = 0.4;

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

/** Enum values taken from one input, at most. */
const MAX_ENUM_VALUES = 20;

/** String values of an enum, at most `MAX_ENUM_VALUES`. */
function enumValues(values: unknown): string[] {
  if (!Array.isArray(values)) return [];
  return values.slice(0, MAX_ENUM_VALUES).filter((v): v is string => typeof v === "string");
}

/**
 * The text of a tool's inputs (names, titles, descriptions and enum values), and apart the
 * values its inputs and their array items accept (`resolved`, `phone_numbers`).
 */
function schemaTexts(schema: Record<string, unknown>): [string, string] {
  const properties = schema.properties;
  if (typeof properties !== "object" || properties === null) return ["", ""];
  const parts: string[] = [];
  const values: string[] = [];
  for (const [name, value] of Object.entries(properties as Record<string, unknown>)) {
    parts.push(name);
    if (typeof value !== "object" || value === null) continue;
    const property = value as Record<string, unknown>;
    if (typeof property.title === "string") parts.push(property.title);
    if (typeof property.description === "string") parts.push(property.description);
    const own = enumValues(property.enum);
    parts.push(...own);
    values.push(...own);
    const items = property.items;
    if (typeof items === "object" && items !== null) {
      values.push(...enumValues((items as Record<string, unknown>).enum));
    }
  }
  return [parts.join(" "), values.join(" ")];
}

/** The text of each field of a tool, in the order of `FIELDS`. */
function fieldTexts(tool: ToolEntry): string[] {
  return [
    tool.name,
    `${tool.integrationName} ${tool.integrationKey}`,
    `${tool.actionName} ${tool.actionKey}`,
    tool.actionDescription ?? "",
    ...schemaTexts(tool.inputSchema),
  ].map((text) => text.slice(0, MAX_FIELD_CHARS));
}

const ACTION_FIELD = FIELDS.findIndex((field) => field.name === "action");
const DESCRIPTION_FIELD = FIELDS.findIndex((field) => field.name === "description");
/** Alternatives of a query word at least this close also find actions by related words. */
const RELATED_MIN_CLOSENESS = 0.5;
/** Length normalization of an app's vocabulary. */
const APP_B = 0.5;
/** Weight of how well the request fits a tool's app as a whole (its domain words). */
const APP_CONTEXT_WEIGHT = 0.15;

/**
 * Prefixes that undo, repeat or return a verb (`unarchive`, `reopen`, `refund`), with the words
 * they add (`re-` means again or back).
 */
const VERB_PREFIXES: [string, string[]][] = [["un", ["undo"]], ["re", ["again", "back"]]];

/**
 * The words related to a term of an action name, with weights: the thesaurus's, and for a verb
 * with a prefix that undoes, repeats or returns it (`unreject`, `reopen`), the verb and that
 * meaning (`reject`, `undo`; `open`, `again`, `back`).
 */
function relatedToAction(term: string): Map<string, number> {
  const related = new Map<string, number>();
  const add = (other: string, weight: number) => {
    if (other !== term && weight > (related.get(other) ?? 0)) related.set(other, weight);
  };
  {
    for (const [other, weight] of relatedTerms(term)) add(other, weight);
    for (const [prefix, meanings] of VERB_PREFIXES) {
      const rest = term.slice(prefix.length);
      if (term.startsWith(prefix) && rest.length >= 4 && hasEntry(rest)) {
        add(rest, TIER_WEIGHTS[0]);
        for (const meaning of meanings) add(meaning, TIER_WEIGHTS[0]);
      }
    }
  }
  return related;
}

/** Fields whose words count once however often they repeat (names say a thing once). */
const PRESENCE_FIELDS = new Set(["name", "app", "action"]);

/** Builds the index of `tools`. */
export function buildSearchIndex(tools: ToolEntry[]): SearchIndex {
  const fieldCount = FIELDS.length;
  const lengths = new Float64Array(tools.length * fieldCount);
  const docTerms: string[][] = [];
  const docCounts: number[][] = [];
  const actionBuilders = new Map<string, number[]>();
  const appIds = new Map<string, number>();
  const appTerms: Map<string, number>[] = [];
  const appLengths: number[] = [];
  const appOf = new Int32Array(tools.length);
  const appNames: string[] = [];
  const appKeys = new Map<string, number[]>();
  const initialBuilders = new Map<string, number[]>();
  const initialismsByName = new Map<string, string[]>();
  const stopBuilders = new Map<string, number[]>();
  const nameWords = new Map<number, Set<string>>();
  tools.forEach((tool, doc) => {
    const slots = new Map<string, number>();
    const counts: number[] = [];
    let nameStops: string[] = [];
    let nameTerms: string[] = [];
    fieldTexts(tool).forEach((text, field) => {
      const words = splitWords(text);
      let terms = termsOf(words);
      if (field === ACTION_FIELD) {
        nameStops = words.filter((word) => NAME_STOP_WORDS.has(word));
        nameTerms = terms;
      }
      if (PRESENCE_FIELDS.has(FIELDS[field]!.name)) terms = [...new Set(terms)];
      lengths[doc * fieldCount + field] = terms.length;
      for (const term of terms) {
        let slot = slots.get(term);
        if (slot === undefined) {
          slots.set(term, slot = slots.size);
          for (let f = 0; f < fieldCount; f++) counts.push(0);
        }
        counts[slot * fieldCount + field]! += 1;
        if (field === ACTION_FIELD) {
          let docs = actionBuilders.get(term);
          if (!docs) actionBuilders.set(term, docs = []);
          docs.push(doc);
        }
      }
    });
    if (nameStops.length > 0) {
      const words = new Set(nameStops);
      for (const stop of words) {
        let docs = stopBuilders.get(stop);
        if (!docs) stopBuilders.set(stop, docs = []);
        docs.push(doc);
      }
      for (const term of nameTerms) words.add(term);
      nameWords.set(doc, words);
    }
    let initialisms = initialismsByName.get(tool.actionName);
    if (!initialisms) {
      initialismsByName.set(tool.actionName, initialisms = initialismsOf(tool.actionName));
    }
    for (const initials of initialisms) {
      let docs = initialBuilders.get(initials);
      if (!docs) initialBuilders.set(initials, docs = []);
      if (docs[docs.length - 1] !== doc) docs.push(doc);
    }
    docTerms.push([...slots.keys()]);
    docCounts.push(counts);
    let app = appIds.get(tool.integrationKey);
    if (app === undefined) {
      appIds.set(tool.integrationKey, app = appTerms.length);
      appTerms.push(new Map());
      appNames.push(tool.integrationName);
      const key = splitWords(tool.integrationKey).join("");
      if (key.length >= 2) appKeys.set(key, [...appKeys.get(key) ?? [], app]);
      appLengths.push(0);
    }
    appOf[doc] = app;
    // The app's vocabulary: the words of its tools' action names and descriptions.
    const terms = appTerms[app]!;
    for (const [term, slot] of slots) {
      if (
        counts[slot * fieldCount + ACTION_FIELD] === 0 &&
        counts[slot * fieldCount + DESCRIPTION_FIELD] === 0
      ) continue;
      terms.set(term, (terms.get(term) ?? 0) + 1);
      appLengths[app]! += 1;
    }
  });
  const appAverage = appLengths.reduce((sum, length) => sum + length, 0) /
      Math.max(1, appLengths.length) || 1;
  const appBuilders = new Map<string, { docs: number[]; weights: number[] }>();
  appTerms.forEach((terms, app) => {
    const norm = 1 - APP_B + APP_B * appLengths[app]! / appAverage;
    for (const [term, count] of terms) {
      let builder = appBuilders.get(term);
      if (!builder) appBuilders.set(term, builder = { docs: [], weights: [] });
      builder.docs.push(app);
      builder.weights.push(count / norm);
    }
  });
  const appPostings = new Map<string, Posting>();
  for (const [term, { docs, weights }] of appBuilders) {
    appPostings.set(term, {
      docs: Int32Array.from(docs),
      weights: Float64Array.from(weights, saturate),
    });
  }
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
    postings.set(term, {
      docs: Int32Array.from(docs),
      weights: Float64Array.from(weights, saturate),
    });
  }
  // Related words are looked up once per distinct term of the action names, not per tool.
  const actionDocs = new Map<string, Int32Array>();
  const relatedToActions = new Map<string, [string, number][]>();
  for (const [term, docs] of actionBuilders) {
    actionDocs.set(term, Int32Array.from(docs));
    for (const [other, weight] of relatedToAction(term)) {
      let list = relatedToActions.get(other);
      if (!list) relatedToActions.set(other, list = []);
      list.push([term, weight]);
    }
  }
  return {
    tools,
    postings,
    actionDocs,
    nameStops: new Map([...stopBuilders].map(([key, docs]) => [key, Int32Array.from(docs)])),
    nameWords,
    relatedToActions,
    reads: Uint8Array.from(tools, (tool) => readsOnly(tool) ? 1 : 0),
    appOf,
    appCount: appTerms.length,
    appNames,
    appKeys,
    actionTermList: [...actionDocs.keys()].sort(),
    initialisms: new Map([...initialBuilders].map(([key, docs]) => [key, Int32Array.from(docs)])),
    appPostings,
  };
}

/** Verbs an action that only reads starts with, when its type says nothing. */
const READ_VERBS = new Set(
  ("list get search find read fetch retrieve query lookup look view show count estimate " +
    "download export describe check preview browse")
    .split(" "),
);

/** Whether running the tool only reads: its hint, else its action's first verb. */
function readsOnly(tool: ToolEntry): boolean {
  const hint = tool.annotations.readOnlyHint;
  if (hint !== undefined) return hint;
  const first = splitWords(tool.actionKey)[0] ?? "";
  return READ_VERBS.has(first);
}

/** Words that open a question (a need to read, not to change). */
const QUESTION_WORDS = new Set(
  "who whom whose what which when where why how is are was were does do did has have any".split(
    " ",
  ),
);

/** Whether the request opens with a verb that only reads (`show`, `find`, `list`). */
function readsFirst(words: string[]): boolean {
  const [first] = termsOf(words.slice(0, 3));
  return first !== undefined && READ_STEMS.has(first);
}

const READ_STEMS = new Set([...READ_VERBS].map(stem));

/** Whether the query asks a question (so tools that only read fit it better). */
function isQuestion(words: string[], query: string): boolean {
  return query.trimEnd().endsWith("?") || QUESTION_WORDS.has(words[0] ?? "");
}

function idf(n: number, df: number): number {
  return Math.log(1 + (n - df + 0.5) / (df + 0.5));
}

function saturate(tf: number): number {
  return tf * (K1 + 1) / (tf + K1);
}

/** One scored part of a query: a word (or a phrase) and the terms that stand for it. */
interface QueryTerm {
  /** The word itself, when it is a term of its own (a phrase is not). */
  exact?: string;
  /** Terms that count for it, with their weights (the word itself first, weight 1). */
  alternatives: [string, number][];
  /** How much the word counts (less when it is only part of a quoted value or a name). */
  weight: number;
  /** The word's or phrase's key, when it is the verb the request opens with. */
  opens?: string;
  /** Terms an action's name must all have for the part to count for it, as a word of its name. */
  actionTerms?: string[];
}

/** A query part with every property set, in one order (one object shape for the hot loop). */
function queryTerm(part: QueryTerm): QueryTerm {
  return {
    exact: part.exact,
    alternatives: part.alternatives,
    weight: part.weight,
    opens: part.opens,
    actionTerms: part.actionTerms,
  };
}

/** Alternatives per query word, at most (bounds the cost of a search). */
const MAX_ALTERNATIVES = 48;
/** Pronouns that may split a phrasal verb (`clock me out`). */
const PHRASE_GAP_WORDS = new Set(["me", "it", "him", "her", "them", "us", "this", "that"]);
const expansions = new Map<string, [string, number][]>();

/** The word's alternatives: itself, the curated synonyms, then the thesaurus. */
function alternativesOf(term: string): [string, number][] {
  let result = expansions.get(term);
  if (result) return result;
  const weights = new Map<string, number>([[term, 1]]);
  for (const [other, weight] of SYNONYMS.get(term) ?? []) {
    weights.set(other, Math.max(weight, weights.get(other) ?? 0));
  }
  for (const [other, weight] of relatedTerms(term)) {
    if (weight < QUERY_MIN_TIER_WEIGHT) continue;
    const scaled = weight * THESAURUS_WEIGHT;
    if (scaled > (weights.get(other) ?? 0)) weights.set(other, scaled);
  }
  result = [...weights].slice(0, MAX_ALTERNATIVES);
  if (expansions.size >= MAX_CACHED_STEMS) expansions.clear();
  expansions.set(term, result);
  return result;
}

/** Adverbs that make a phrasal verb with the verb before them (`boot out`, `sign up`). */
const PARTICLES = new Set("up down out off in on over back away around through".split(" "));
/** Words between a verb and a particle that end the search for the particle. */
const PARTICLE_BREAKS = new Set(
  "and or but to of for with from by at if so then as into onto".split(" "),
);
/**
 * Words that may follow a particle: a preposition or a conjunction (`boot Kevin out of the
 * channel`), not a noun it takes as its object (`put these shoppers on the list`: `on` is a
 * preposition there).
 */
const AFTER_PARTICLE = new Set(
  "of for to from with in on at by into onto about and or but so then".split(" "),
);
/** Words of an object between a verb and its particle (`boot Kevin out`), at most. */
const MAX_PARTICLE_GAP = 3;

/**
 * Two-word phrases of the query that the thesaurus knows (`wrap up`, `clock me out`), and
 * phrasal verbs split by their object (`boot Kevin out of the channel`): a particle after up to
 * three words, at the end or before a preposition.
 */
function phrasesOf(words: string[]): string[] {
  const phrases: string[] = [];
  for (let i = 0; i + 1 < words.length && phrases.length < MAX_QUERY_TERMS; i++) {
    const first = words[i]!;
    if (first.length < 2 || /[0-9]/.test(first)) continue;
    const next = PHRASE_GAP_WORDS.has(words[i + 1]!) && i + 2 < words.length ? i + 2 : i + 1;
    for (const at of next === i + 1 ? [i + 1] : [i + 1, next]) {
      const key = `${stem(first)}_${stem(words[at]!)}`;
      if (hasEntry(key)) phrases.push(key);
    }
    const split = splitParticle(words, i, next);
    if (split !== undefined) phrases.push(split);
  }
  return phrases;
}

/**
 * The phrase of the verb at `verb` and a particle one to three words after it (not at `skip`,
 * already taken), when the thesaurus knows it: the words between hold no particle and no
 * preposition, and the particle ends the request or comes before a preposition.
 */
function splitParticle(words: string[], verb: number, skip: number): string | undefined {
  const last = Math.min(verb + 1 + MAX_PARTICLE_GAP, words.length - 1);
  for (let at = verb + 2; at <= last; at++) {
    const between = words[at - 1]!;
    if (PARTICLES.has(between) || PARTICLE_BREAKS.has(between)) return undefined;
    if (at === skip || !PARTICLES.has(words[at]!)) continue;
    const after = words[at + 1];
    if (after !== undefined && !AFTER_PARTICLE.has(after)) return undefined;
    const key = `${stem(words[verb]!)}_${words[at]!}`;
    return hasEntry(key) ? key : undefined;
  }
  return undefined;
}

/** Words that negate what follows (`n't` splits into a word ending in `n` and `t`). */
const NEGATIONS = new Set(["not", "never", "without", "no", "nor"]);
/**
 * Two words that end an idiom of negation (`hold off on sending`, `refrain from`, `instead of`,
 * `rather than`): what follows them is not to be done.
 */
const NEGATING_PAIRS = new Set(["off on", "refrain from", "instead of", "rather than"]);
/** Content words after a negation that it covers. */
const NEGATION_REACH = 2;

/**
 * The terms of the query that it only names as what not to do (`draft it but don't send it`):
 * the first content words after a negation, unless the query also uses them plainly.
 */
function negatedTerms(words: string[]): Set<string> {
  const negated = new Set<string>();
  const plain = new Set<string>();
  let reach = 0;
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    if (
      NEGATIONS.has(word) || (word === "t" && words[i - 1]?.endsWith("n")) ||
      NEGATING_PAIRS.has(`${words[i - 1]} ${word}`)
    ) {
      reach = NEGATION_REACH;
      continue;
    }
    const [term] = termsOf([word]);
    if (term === undefined) continue;
    if (reach > 0) {
      negated.add(term);
      reach--;
    } else {
      plain.add(term);
    }
  }
  for (const term of plain) negated.delete(term);
  return negated;
}

/**
 * Weight of a word that the query only uses inside a value (a quoted text, a given name), of a
 * number (`$4,000`, `ticket 4411`: a value, whatever digits a tool's text happens to have), and
 * of a verb that only tells which record is meant (`the envelope we sent`).
 */
const VALUE_WEIGHT = 0.3;
/** A quoted value (with the naming word before it): quotes open after a space, close before one. */
const QUOTED =
  /(^|[\s(\[:=,])(?:(?:called|named|titled|entitled)\s+)?(['"\u2018\u201c`])([^'"\u2019\u201d`\n]{1,200}?)['"\u2019\u201d`](?=$|[\s.,;:!?)\]])/g;
/** A name given after a naming word: `a project called Website Redesign`. */
const NAMED = /\b(?:called|named|titled|entitled)\s+((?:[A-Z0-9][\w.'-]*(?:\s+|$)){1,5})/g;

/**
 * The query without its values (quoted texts, names given after `called`/`named`, what a message
 * is to say after `that`, days, months and times of day), and the values' text: words a request
 * uses only inside a value say little about the tool it needs.
 */
export function splitValues(query: string): { plain: string; values: string } {
  const values: string[] = [];
  const plain = query.replace(QUOTED, (_, before: string, _quote: string, inner: string) => {
    values.push(inner);
    return `${before} `;
  }).replace(NAMED, (_, name: string) => {
    values.push(name);
    return " ";
  }).replace(REPORTED, (whole: string) => {
    values.push(whole);
    return " ";
  }).replace(WHEN, (when: string) => {
    values.push(when);
    return " ";
  });
  return { plain, values: values.join(" ") };
}

/**
 * What a message is to say, given after `that` and a subject (`post that the export failed`,
 * `tell them that we moved`): a value. Not `that` before a verb (`the issue that keeps failing`).
 */
const REPORTED =
  /\bthat\s+(?:they|we|he|she|it|i|you|the|a|an|our|my|his|her|its|their|this|these|those)\b[^.?!;]*/gi;
/** A day, a month or a time of day (`Monday`, `March`, `9am`, `today`): a value. */
const WHEN =
  /\b(?:today|tomorrow|yesterday|tonight|monday|tuesday|wednesday|thursday|friday|saturday|sunday|january|february|march|april|june|july|august|september|october|november|december|noon|midnight|[0-9]{1,2}(?::[0-9]{2})?\s?(?:am|pm))\b/gi;
/** Two words written apart, by a space, neither a stop word: lower case, at most 64 pairs. */
function pairsOf(text: string): [string, string][] {
  const pairs: [string, string][] = [];
  const words = text.split(/\s+/);
  for (let i = 0; i + 1 < words.length && pairs.length < MAX_QUERY_TERMS; i++) {
    const first = words[i]!.toLowerCase();
    const second = words[i + 1]!.toLowerCase();
    if (!/^[a-z]{2,}$/.test(first) || !/^[a-z]{2,}$/.test(second)) continue;
    if (STOP_WORDS.has(first) || STOP_WORDS.has(second)) continue;
    pairs.push([first, second]);
  }
  return pairs;
}

/**
 * Weight of a word only in a later clause of a request (after `;` or a dash) or in a clause
 * that gives a purpose, a reason, a limit, a contrast or a time: context, such as the other app a record came from or what
 * should follow, rather than what to do.
 */
const CONTEXT_WEIGHT = 0.6;

/**
 * A clause that gives a purpose or a reason (`so it shows up in my list`, `because …`), up to
 * the end of its sentence.
 */
const PURPOSE = /\b(?:so that|so (?:it|they|he|she|we|i|that)|because)\b[^.?!]*/gi;

/**
 * A clause that sets a limit or a contrast (`…but keep her subscribed`, `…though it is late`) or
 * says when (`…before it starts`, `…once it is approved`), up to the next comma or the end of
 * its sentence.
 */
const CONTRAST = /\b(?:but|although|though|when|once|after|before)\b[^.?!,;]*/gi;

/**
 * The first clause of a request: up to a `;` or a dash between spaces (sentences stay whole),
 * without the clauses in it that give a purpose, a reason, a limit, a contrast or a time.
 */
export function mainClause(text: string): string {
  const match = /;|\s[-\u2013\u2014]+\s/.exec(text);
  return (match ? text.slice(0, match.index) : text).replace(PURPOSE, " ").replace(CONTRAST, " ");
}

/**
 * A verb that tells which record a request means rather than what to do with it: right after a
 * pronoun that follows a noun (`the envelope we sent`, `the tag they just added`), not after a
 * word that makes a question or a request of it (`can you send`, `do we have`).
 */
const DESCRIBING =
  /\b(?!(?:can|could|would|will|should|do|did|does|and|but|or|if|when|so|that|then)\b)[a-z]+\s+(?:that\s+|which\s+)?(?:we|they|he|she|i|you)\s+(?:(?:just|already|recently|originally|had|have)\s+)?([a-z]+)\b/gi;

/**
 * The request without the verbs that only describe a record it names (after a pronoun that
 * follows a noun, or as a participle before a noun), and those verbs.
 */
/**
 * A past participle between a determiner and a noun (`the signed PDF`), or after `that` (`the
 * incident that paged me`): it tells which record is meant, too.
 */
const PARTICIPLE =
  /(\b(?:the|a|an|my|our|this|that|these|those|its|their|his|her|your)\s+)([a-z]{2,}ed)(?=\s+[a-z])/gi;

export function describingVerbs(text: string): { plain: string; verbs: string[] } {
  const verbs: string[] = [];
  const plain = text.replace(DESCRIBING, (whole: string, verb: string) => {
    verbs.push(verb);
    return whole.slice(0, whole.length - verb.length);
  }).replace(PARTICIPLE, (_: string, before: string, verb: string) => {
    verbs.push(verb);
    return `${before} `;
  });
  return { plain, verbs };
}

/**
 * Weight of an operation's canonical word (`delete`) for an informal expression that asks for it
 * (`nuke`, `get rid of`), relative to the word itself (between the curated synonyms and the
 * close ones).
 */
const LEXICON_WEIGHT = 0.7;
/** Words of a phrase's object between its first word and the rest (`mark the task as done`). */
const LEXICON_GAP = 3;
/** An amount of money (`$250`, `€1,200`, `£5k`): the word money, for the lexicon's phrases. */
const MONEY = /[$\u20ac\u00a3]\s?[0-9][0-9,.]*(?:k\b|m\b)?/gi;

let lexicon: CompiledLexicon | undefined;

/** The lexicon of informal expressions, compiled on first use with the search's stemmer. */
function informal(): CompiledLexicon {
  return lexicon ??= compileLexicon((word) => stem(word.toLowerCase()));
}

/**
 * `alternatives` with `terms` added at the lexicon's weight, after the word itself (a new array
 * when it adds any).
 */
function withLexicon(
  alternatives: [string, number][],
  terms: readonly string[],
  self = alternatives[0]![1],
): [string, number][] {
  if (terms.length === 0) return alternatives;
  const weights = new Map<string, number>([[alternatives[0]![0], self]]);
  for (const term of terms) weights.set(term, LEXICON_WEIGHT);
  for (const [term, weight] of alternatives.slice(1)) {
    if (weight > (weights.get(term) ?? 0)) weights.set(term, weight);
  }
  return [...weights].slice(0, MAX_ALTERNATIVES);
}

/** A phrase of the lexicon found in a request, at the index of its first word. */
interface InformalMatch {
  phrase: CompiledPhrase;
  at: number;
}

/**
 * The informal phrases of a request (`mark … as done`, `tee it up`, `off work`). A phrase's
 * first word may be followed by up to `LEXICON_GAP` words of its object (no preposition or
 * conjunction; numbers do not count), and then, as for split phrasal verbs, a final particle
 * ends the request or comes before a preposition (`loop Sam in on it`, not `loop branch off
 * main in`).
 */
function informalPhrases(words: string[]): InformalMatch[] {
  const { phrases } = informal();
  const found: InformalMatch[] = [];
  const stems = words.map((word) => stem(word));
  for (let i = 0; i < stems.length && found.length < MAX_QUERY_TERMS; i++) {
    const list = phrases.get(stems[i]!);
    if (!list) continue;
    for (const phrase of list) {
      const { rest } = phrase;
      let gap = 0;
      for (let from = i + 1; from + rest.length <= stems.length; from++) {
        if (rest.every((part, k) => stems[from + k] === part)) {
          const after = words[from + rest.length];
          if (
            from === i + 1 || !PARTICLES.has(rest[rest.length - 1]!) || after === undefined ||
            AFTER_PARTICLE.has(after)
          ) found.push({ phrase, at: i });
          break;
        }
        const word = words[from]!;
        if (PARTICLES.has(word) || PARTICLE_BREAKS.has(word)) break;
        if (!/^[0-9]+$/.test(word) && ++gap > LEXICON_GAP) break;
      }
    }
  }
  return found;
}

/**
 * The request's informal phrases as query parts: each counts for the canonical words it asks
 * for, as a word of the request (less in a context clause); the verb of one it opens with, and
 * of any whose meaning replaces it (`get rid of`: not get), counts as a value. `found` learns
 * whether the request opens with a phrase that does not read (`get the contract signed`).
 */
function informalParts(
  plain: string,
  plainWords: string[],
  mainTerms: Set<string>,
  opening: string | undefined,
  parts: QueryTerm[],
  requestWords: string[],
  found: { opensPhrase?: boolean },
): void {
  const moneyed = plain.replace(MONEY, " money ");
  const words = moneyed === plain ? plainWords : splitWords(moneyed);
  const replaced = new Set<string>();
  for (const { phrase, at } of informalPhrases(words)) {
    const [first] = termsOf([words[at]!]);
    if (first !== undefined && phrase.replacesFirst) replaced.add(first);
    if (first === opening && !phrase.terms.some((term) => READ_STEMS.has(term))) {
      found.opensPhrase = true;
    }
    if (phrase.terms.length === 0) continue;
    parts.push(queryTerm({
      alternatives: phrase.terms.map((term): [string, number] => [term, LEXICON_WEIGHT]),
      weight: first === undefined || mainTerms.has(first) ? 1 : CONTEXT_WEIGHT,
    }));
    // A stop word of an action's name (`out` of `off work` / List Who's Out).
    for (const term of phrase.terms) if (NAME_STOP_WORDS.has(term)) requestWords.push(term);
  }
  for (const part of parts) {
    if (part.exact !== undefined && replaced.has(part.exact)) {
      part.weight = Math.min(part.weight, VALUE_WEIGHT);
    }
  }
}

/**
 * The query's words and phrases, each with its alternatives and their weights; two words the
 * catalog writes as one (`status page`, `Statuspage`) count as that word too.
 */
function expandQuery(
  written: string,
  known: (term: string) => boolean,
  requestWords: string[] = [],
  found: { opensPhrase?: boolean } = {},
  idValues: ReadonlySet<string> = new Set(),
): QueryTerm[] {
  const query = written.length <= MAX_FIELD_CHARS ? expandContractions(written) : written;
  const { plain, values } = query.length <= MAX_FIELD_CHARS
    ? splitValues(query)
    : { plain: query, values: "" };
  const plainWords = splitWords(plain);
  const valueWords = values ? splitWords(values) : [];
  const negated = negatedTerms(plainWords);
  const plainTerms = new Set(termsOf(plainWords));
  const { plain: request, verbs } = describingVerbs(mainClause(plain));
  for (const word of splitWords(request)) requestWords.push(word);
  const requestTerms = termsOf(requestWords);
  const mainTerms = new Set(requestTerms);
  const described = new Set(termsOf(verbs));
  // The request's first word: most requests open with the verb of what to do.
  const [opening] = requestTerms;
  const terms = [...new Set([...plainTerms, ...termsOf(valueWords)])]
    .filter((term) => !negated.has(term))
    .slice(0, MAX_QUERY_TERMS);
  const { words: lexiconWords } = informal();
  const result: QueryTerm[] = terms.map((term) => {
    // An informal word asks for its operation's canonical words (`nuke` / delete); one that is
    // also a common noun only as the verb the request opens with (`bill Initech`).
    const informalWord = lexiconWords.get(term);
    let alternatives = alternativesOf(term);
    if (informalWord !== undefined) {
      alternatives = withLexicon(alternatives, informalWord.anywhere);
      if (term === opening && informalWord.opening.length > 0) {
        // The noun's own sense (a bill, a page) is not what a request that opens with it as a
        // verb asks for: it counts as a value.
        alternatives = withLexicon(alternatives, informalWord.opening, VALUE_WEIGHT);
      }
    }
    return queryTerm({
      exact: term,
      opens: term === opening ? term : undefined,
      alternatives,
      // A number, or the letters an identifier opens with (`ENG` of ENG-77), is a value.
      weight: /^[0-9]+$/.test(term) || idValues.has(term)
        ? VALUE_WEIGHT
        : mainTerms.has(term)
        ? 1
        : plainTerms.has(term) && !described.has(term)
        ? CONTEXT_WEIGHT
        : VALUE_WEIGHT,
    });
  });
  informalParts(plain, plainWords, mainTerms, opening, result, requestWords, found);
  const seen = new Set(terms);
  const made = madeRecord(request, opening);
  if (made !== undefined) {
    result.push(queryTerm({ alternatives: [], actionTerms: [CREATE, made], weight: 1 }));
  }
  for (const [first, second] of pairsOf(plain)) {
    const joined = stem(first + second);
    if (seen.has(joined) || !known(joined)) continue;
    seen.add(joined);
    // It stands for both words.
    result.push(queryTerm({ exact: joined, alternatives: [[joined, 1]], weight: 2 }));
  }
  for (const phrase of new Set(phrasesOf(plainWords))) {
    const alternatives = relatedTerms(phrase).slice(0, MAX_ALTERNATIVES)
      .map(([term, weight]): [string, number] => [term, weight * THESAURUS_WEIGHT]);
    const opens = phrase.startsWith(`${opening}_`) ? phrase : undefined;
    if (alternatives.length > 0) result.push(queryTerm({ alternatives, weight: 1, opens }));
  }
  // The opening verb last, so that its tie-break sees which tools the other words matched.
  return [
    ...result.filter((term) => term.opens === undefined),
    ...result.filter((term) => term.opens !== undefined),
  ];
}

const CREATE = stem("create");
/** `as a` or `as an` and the noun after it (`add Jane as a contact`, `as a new lead`). */
const AS_A = /\bas\s+an?\s+(?:new\s+)?([a-z]+)/i;

/**
 * The record a request makes, when it opens with a verb of making (one its alternatives relate
 * to `create`, such as `add`) and names the record's kind after `as a`: `add Jane Doe as a
 * contact` makes a contact (it adds her to no list).
 */
function madeRecord(request: string, opening: string | undefined): string | undefined {
  if (opening === undefined) return undefined;
  const match = AS_A.exec(request);
  if (!match) return undefined;
  if (!alternativesOf(opening).some(([term, weight]) => term === CREATE && weight >= 0.6)) {
    return undefined;
  }
  const [noun] = termsOf([match[1]!.toLowerCase()]);
  return noun;
}

/** Weight of an action-name word that a shortened query word may stand for. */
const SHORTENED_WEIGHT = 0.8;
/** A shortened word is less than this share of the longer word (`ack` of acknowledge). */
const MAX_SHORTENED_SHARE = 0.6;
/** Longer words a shortened word may stand for, at most. */
const MAX_EXPANSIONS = 8;

/** Initials of each run of two or three words of an action's name (`Direct Message` -> dm). */
function initialismsOf(name: string): string[] {
  const words = splitWords(name).filter((word) => !STOP_WORDS.has(word));
  const result: string[] = [];
  for (let i = 0; i + 1 < words.length; i++) {
    const two = words[i]![0]! + words[i + 1]![0]!;
    result.push(two);
    if (i + 2 < words.length) result.push(two + words[i + 2]![0]!);
  }
  return result;
}

/**
 * The tools (as doc lists) of the action-name words a shortened word may stand for: longer
 * words it begins (`ack` -> acknowledge) and runs of words it gives the initials of (`dm`).
 */
function shortenedDocs(index: SearchIndex, word: string): Int32Array[] {
  const result: Int32Array[] = [];
  if (word.length < 2 || word.length > 6 || /[0-9]/.test(word)) return result;
  const initials = word.length <= 3 ? index.initialisms.get(word) : undefined;
  if (initials) result.push(initials);
  if (word.length >= 3) {
    const list = index.actionTermList;
    let low = 0;
    let high = list.length;
    while (low < high) {
      const middle = (low + high) >> 1;
      if (list[middle]! < word) low = middle + 1;
      else high = middle;
    }
    for (let at = low; at < list.length && result.length < MAX_EXPANSIONS; at++) {
      const term = list[at]!;
      if (!term.startsWith(word)) break;
      if (term.length * MAX_SHORTENED_SHARE > word.length) {
        result.push(index.actionDocs.get(term)!);
      }
    }
  }
  return result;
}

/**
 * The letters of `idParts` that the query has only as the start of an identifier (`ENG` of
 * ENG-77, not `lead` of `the Close lead lead_8xK2aP`): values, not words of the request.
 */
function idOnlyParts(query: string, idParts: ReadonlySet<string>): Set<string> {
  const only = new Set(idParts);
  if (only.size === 0) return only;
  for (const [, word] of query.matchAll(/\b([A-Za-z]+)\b(?![-_#]?[0-9])/g)) {
    only.delete(word!.toLowerCase());
  }
  return only;
}

/** Letters that start an identifier (`INV` of INV-2231, `q` of Q2X9): not shortened words. */
function idPartsOf(query: string): Set<string> {
  const parts = new Set<string>();
  if (query.length > MAX_FIELD_CHARS) return parts;
  for (const [, letters] of query.matchAll(/\b([A-Za-z]{1,8})[-_#]?[0-9]/g)) {
    parts.add(letters!.toLowerCase());
  }
  return parts;
}

/**
 * Raises the match of each tool the request's words matched whose action name has a word the
 * opening verb `opens` relates to in any sense, to at least the tie-break's value.
 */
function breakTies(
  index: SearchIndex,
  opens: string,
  cap: number,
  seen: Uint8Array,
  best: Float64Array,
  touched: number[],
): void {
  const n = index.tools.length;
  for (const term of anySenseTerms(opens)) {
    const docs = index.actionDocs.get(term);
    if (!docs) continue;
    const value = saturate(RELATED_FIELD_WEIGHT * ANY_SENSE_WEIGHT) *
      Math.min(cap, idf(n, docs.length));
    for (let i = 0; i < docs.length; i++) {
      const doc = docs[i]!;
      if (seen[doc] === 0 && best[doc] === 0) continue;
      if (best[doc] === 0) touched.push(doc);
      if (value > best[doc]!) best[doc] = value;
    }
  }
}

/**
 * Raises the match of each tool whose action name has every one of `terms` to that of a word
 * of its name (the rarity of the first term).
 */
function matchActionNames(
  index: SearchIndex,
  terms: string[],
  best: Float64Array,
  touched: number[],
): void {
  const lists = terms.map((term) => index.actionDocs.get(term));
  if (lists.some((list) => list === undefined)) return;
  const [first, ...rest] = lists as Int32Array[];
  const others = rest.map((list) => new Set(list));
  const value = saturate(RELATED_FIELD_WEIGHT) * idf(index.tools.length, first!.length);
  for (const doc of first!) {
    if (!others.every((set) => set.has(doc))) continue;
    if (best[doc] === 0) touched.push(doc);
    if (value > best[doc]!) best[doc] = value;
  }
}

/**
 * Adds, for each stop word of the request that action names have (`who is out` / List Who's
 * Out), the score of a word of its name to each such tool whose name has another word of the
 * request too: alone, such a word (`who`, `out`) says too little.
 */
function matchNameStopWords(
  index: SearchIndex,
  requestWords: string[],
  scores: Float64Array,
  seen: Uint8Array,
  matched: number[],
): void {
  if (index.nameStops.size === 0) return;
  const stops = requestWords.filter((word) => index.nameStops.has(word));
  if (stops.length === 0) return;
  const words = new Set([...termsOf(requestWords), ...stops]);
  for (const stop of new Set(stops)) {
    const docs = index.nameStops.get(stop)!;
    const value = saturate(RELATED_FIELD_WEIGHT) * idf(index.tools.length, docs.length);
    for (const doc of docs) {
      const name = index.nameWords.get(doc)!;
      let other = false;
      for (const word of words) {
        if (word !== stop && name.has(word)) {
          other = true;
          break;
        }
      }
      if (!other) continue;
      scores[doc]! += value;
      if (seen[doc] === 0) {
        seen[doc] = 1;
        matched.push(doc);
      }
    }
  }
}

/** Options of `searchTools`. */
export interface SearchOptions {
  /** Only tools it accepts are returned. */
  filter?: (tool: ToolEntry) => boolean;
}

/**
 * The best `limit` tools for `query`, best first; equal scores are ordered by name. Each
 * query word scores by its best match among itself and its synonyms (a synonym counts less).
 */
export function searchTools(
  index: SearchIndex,
  query: string,
  limit: number,
  options: SearchOptions = {},
): SearchHit[] {
  const n = index.tools.length;
  if (n === 0 || limit <= 0) return [];
  const scores = new Float64Array(n);
  const best = new Float64Array(n);
  const seen = new Uint8Array(n);
  const touched: number[] = [];
  const matched: number[] = [];
  const requestWords: string[] = [];
  const found: { opensPhrase?: boolean } = {};
  const idParts = idPartsOf(query);
  const expanded = expandQuery(
    query,
    (term) => index.postings.has(term),
    requestWords,
    found,
    idOnlyParts(query, idParts),
  );
  for (const { exact, alternatives, weight: termWeight, opens, actionTerms } of expanded) {
    // Each alternative scores with its own rarity, times its weight; a rare synonym of a
    // common word is capped at the word's rarity, so it never outweighs the word itself.
    touched.length = 0;
    const exactPosting = exact !== undefined ? index.postings.get(exact) : undefined;
    const cap = exactPosting ? idf(n, exactPosting.docs.length) : Infinity;
    for (const [term, factor] of alternatives) {
      const posting = index.postings.get(term);
      if (!posting) continue;
      const { docs, weights } = posting;
      const weight = factor * Math.min(cap, idf(n, docs.length));
      for (let i = 0; i < docs.length; i++) {
        const doc = docs[i]!;
        const value = weight * weights[i]!;
        if (best[doc] === 0) touched.push(doc);
        if (value > best[doc]!) best[doc] = value;
      }
    }
    // Actions whose names have a word the thesaurus relates to this one (or to a close
    // alternative of it).
    for (const [alternative, closeness] of alternatives) {
      if (closeness < RELATED_MIN_CLOSENESS) continue;
      for (const [term, factor] of index.relatedToActions.get(alternative) ?? []) {
        const docs = index.actionDocs.get(term)!;
        const value = saturate(RELATED_FIELD_WEIGHT * factor * closeness) *
          Math.min(cap, idf(n, docs.length));
        for (let i = 0; i < docs.length; i++) {
          const doc = docs[i]!;
          if (best[doc] === 0) touched.push(doc);
          if (value > best[doc]!) best[doc] = value;
        }
      }
    }
    // Actions whose names have all these words (`add Jane as a contact`: create, contact).
    if (actionTerms !== undefined) matchActionNames(index, actionTerms, best, touched);
    // Actions whose names have a word the opening verb relates to in any sense: a tie-break.
    if (opens !== undefined) breakTies(index, opens, cap, seen, best, touched);
    // A word neither the catalog nor the thesaurus knows may be shortened (`ack`, `dm`).
    if (
      exact !== undefined && !exactPosting && alternatives.length === 1 && !idParts.has(exact)
    ) {
      for (const docs of shortenedDocs(index, exact)) {
        const value = saturate(RELATED_FIELD_WEIGHT * SHORTENED_WEIGHT) * idf(n, docs.length);
        for (let i = 0; i < docs.length; i++) {
          const doc = docs[i]!;
          if (best[doc] === 0) touched.push(doc);
          if (value > best[doc]!) best[doc] = value;
        }
      }
    }
    for (const doc of touched) {
      scores[doc]! += termWeight * best[doc]!;
      best[doc] = 0;
      if (seen[doc] === 0) {
        seen[doc] = 1;
        matched.push(doc);
      }
    }
  }
  matchNameStopWords(index, requestWords, scores, seen, matched);
  const start = query.slice(0, 200);
  // (`Don't…` opens no question: the words as written, before do not.)
  const startWords = splitWords(start);
  const written = expandContractions(start);
  const boostReads = isQuestion(startWords, query) ||
    (!found.opensPhrase && readsFirst(written === start ? startWords : splitWords(written)));
  const appScores = new Float64Array(index.appCount);
  for (const { exact } of expanded) {
    const posting = exact !== undefined ? index.appPostings.get(exact) : undefined;
    if (!posting) continue;
    const weight = idf(index.appCount, posting.docs.length);
    for (let i = 0; i < posting.docs.length; i++) {
      appScores[posting.docs[i]!]! += weight * posting.weights[i]!;
    }
  }
  const named = namedApps(index, query);
  const { filter } = options;
  // The best `limit` in order, kept in a small sorted array (limit is small).
  const top: SearchHit[] = [];
  for (const doc of matched) {
    const own = scores[doc]! + APP_CONTEXT_WEIGHT * appScores[index.appOf[doc]!]! +
      (named.has(index.appOf[doc]!) ? NAMED_APP_WEIGHT : 0);
    const score = boostReads && index.reads[doc] === 1 ? own * QUESTION_READ_BOOST : own;
    if (top.length === limit && !ranksBefore(score, index.tools[doc]!, top[limit - 1]!)) continue;
    const tool = index.tools[doc]!;
    if (filter && !filter(tool)) continue;
    let at = top.length;
    while (at > 0 && ranksBefore(score, tool, top[at - 1]!)) at--;
    top.splice(at, 0, { tool, score });
    if (top.length > limit) top.pop();
  }
  return top;
}

/**
 * Score a tool gains when the request names its app as the app writes its name (`Close`, not
 * `close`): small, as a request may name other apps for context.
 */
const NAMED_APP_WEIGHT = 1;

/** Words of an app's key a request may write apart (`Hello Sign`, `Zoho Desk`), at most. */
const MAX_KEY_WORDS = 3;

/**
 * The apps the request names: as the apps write their names, as whole words, or by their keys
 * (`HelloSign` / hellosign, `Apollo` / apollo for Apollo.io) written with a capital letter, as
 * one word or in up to three.
 */
function namedApps(index: SearchIndex, query: string): Set<number> {
  const named = new Set<number>();
  if (query.length > MAX_FIELD_CHARS) return named;
  index.appNames.forEach((name, app) => {
    if (name.length < 2) return;
    for (let at = query.indexOf(name); at >= 0; at = query.indexOf(name, at + 1)) {
      const before = at === 0 ? OTHER : kindOf(query.charCodeAt(at - 1));
      const end = at + name.length;
      const after = end >= query.length ? OTHER : kindOf(query.charCodeAt(end));
      if (before === OTHER && after === OTHER) {
        named.add(app);
        return;
      }
    }
  });
  if (index.appKeys.size === 0) return named;
  // Words as written (letters and digits), each lower case and whether it has a capital; only a
  // run of words with a capital in it can name an app this way.
  const words: string[] = [];
  const capitals: boolean[] = [];
  let start = -1;
  let capital = false;
  let any = false;
  for (let at = 0; at <= query.length; at++) {
    const kind = at < query.length ? kindOf(query.charCodeAt(at)) : OTHER;
    if (kind === OTHER) {
      if (start >= 0) {
        words.push(query.slice(start, at).toLowerCase());
        capitals.push(capital);
        any ||= capital;
      }
      start = -1;
      capital = false;
    } else {
      if (start < 0) start = at;
      if (kind === UPPER) capital = true;
    }
  }
  if (!any) return named;
  for (let i = 0; i < words.length; i++) {
    let joined = "";
    let capitalized = false;
    for (let j = i; j < words.length && j < i + MAX_KEY_WORDS; j++) {
      joined += words[j]!;
      capitalized ||= capitals[j]!;
      const apps = capitalized ? index.appKeys.get(joined) : undefined;
      if (apps) { for (const app of apps) named.add(app); }
    }
  }
  return named;
}

/** Whether a tool with `score` ranks before `hit`: higher score, then name. */
function ranksBefore(score: number, tool: ToolEntry, hit: SearchHit): boolean {
  return score > hit.score || (score === hit.score && tool.name < hit.tool.name);
}
