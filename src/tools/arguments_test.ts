import assert from "node:assert/strict";
import { checkArguments } from "./arguments.ts";

function contactSchema(): Record<string, unknown> {
  return {
    $id: "https://example.com/contact",
    type: "object",
    required: ["email"],
    properties: { email: { type: "string", format: "email" } },
  };
}

Deno.test("schemas of two catalogs that share an $id are both checked", () => {
  // Each catalog build makes its own schema objects, often with the same $id.
  for (const schema of [contactSchema(), contactSchema()]) {
    assert.equal(checkArguments(schema, { email: "ada@example.com" }), undefined);
    assert.deepEqual(checkArguments(schema, {}), ['missing required field "email"']);
  }
});

Deno.test("validators keep working after many schemas were compiled", () => {
  const first = contactSchema();
  assert.deepEqual(checkArguments(first, { email: "nope" }), ['"email" must match format "email"']);
  for (let i = 0; i < 1200; i++) {
    checkArguments({ type: "object", properties: { n: { type: "number", minimum: i } } }, {});
  }
  assert.deepEqual(checkArguments(first, { email: "nope" }), ['"email" must match format "email"']);
  assert.equal(checkArguments(first, { email: "ada@example.com" }), undefined);
});
