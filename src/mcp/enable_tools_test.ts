import assert from "node:assert/strict";
import { searchFixtureTools } from "../../fake_integration_app/search_fixture.ts";
import { indexCatalog } from "../tools/catalog.ts";
import { catalogOfApp, toolsOfApp } from "../tools/testdata/catalogs.ts";
import { enableTools, parseEnableToolsArguments, toolSummary } from "./enable_tools.ts";

function textOf(outcome: ReturnType<typeof enableTools>): string {
  return (outcome.result.content as { text: string }[]).map((part) => part.text).join("\n");
}

const fixtureCatalog = indexCatalog({ builtAt: 0, tools: searchFixtureTools() });

Deno.test("enable-tools needs tools or a query, and checks their types", () => {
  for (const args of [{}, undefined, null, [], { limit: 2 }]) {
    assert.match(String(parseEnableToolsArguments(args)), /Pass "tools" .* or "query"/);
  }
  assert.match(String(parseEnableToolsArguments({ tools: [""] })), /non-empty strings/);
  assert.match(String(parseEnableToolsArguments({ tools: ["x".repeat(201)] })), /longer than 200/);
  assert.match(String(parseEnableToolsArguments({ query: " " })), /"query" must be/);
  assert.match(
    String(parseEnableToolsArguments({ query: "A".repeat(501) })),
    /"query" is 501 characters long: it may have at most 500/,
  );
  assert.equal(typeof parseEnableToolsArguments({ query: "A".repeat(500) }), "object");
  assert.match(String(parseEnableToolsArguments({ query: "x", limit: 26 })), /from 1 to 25/);
  assert.match(
    String(parseEnableToolsArguments({ names: ["x"] })),
    /Unknown argument\(s\) "names"/,
  );
  assert.deepEqual(parseEnableToolsArguments({ tools: [] }), { tools: [], limit: 5, clear: true });
  assert.deepEqual(parseEnableToolsArguments({ query: "send email" }), {
    tools: [],
    query: "send email",
    limit: 5,
  });
});

Deno.test("a name whose loose form fits several tools is reported, not guessed", () => {
  const catalog = catalogOfApp("app", [
    { id: "1", key: "b-c", name: "B C" },
    { id: "2", key: "b_c", name: "B_C" },
  ], "App");
  const loose = enableTools(catalog, { tools: ["APP-B-C"] });
  assert.equal(loose.enabled, undefined);
  assert.match(
    textOf(loose),
    /"APP-B-C" matches several tools, name one exactly: app_b-c, app_b_c/,
  );
  assert.deepEqual(enableTools(catalog, { tools: ["app_b_c"] }).enabled, ["app_b_c"]);
});

Deno.test("the summary of a tool is one line with its required arguments", () => {
  const [tool] = toolsOfApp("app", [{
    id: "1",
    key: "go",
    name: "Go",
    description: `Line one\nline two ${"long ".repeat(60)}`,
    inputSchema: { type: "object", required: ["a", "b"], properties: {} },
  }, { id: "2", key: "stop", name: "Stop" }], "App");
  const summary = toolSummary(tool!);
  assert.doesNotMatch(summary, /\n/);
  assert.ok(summary.length < 260);
  assert.match(
    summary,
    /^- app_go: App: Go\. Line one line two long .*… Required arguments: a, b\.$/,
  );
});

Deno.test("a query leaves out matches far weaker than the best one", () => {
  const outcome = enableTools(fixtureCatalog, { query: "merge the pull request", limit: 25 });
  const enabled = outcome.enabled ?? [];
  assert.equal(enabled[0], "github_merge-pull-request");
  assert.ok(enabled.length < 25, `${enabled.length} tools enabled`);
});

Deno.test("many unknown names are all reported, close matches for the first ones", () => {
  const names = Array.from({ length: 200 }, (_, i) => `gmail_send-emial-${i}`);
  const outcome = enableTools(fixtureCatalog, { tools: names });
  assert.equal(outcome.result.isError, true);
  const text = textOf(outcome);
  for (const name of names) assert.ok(text.includes(`"${name}"`), name);
  assert.equal(text.match(/did you mean/g)?.length, 10);
});
