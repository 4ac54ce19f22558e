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

Deno.test("an enum marked allowCustom accepts other values; a plain enum does not", () => {
  const schema = {
    type: "object",
    properties: {
      stage: { type: "string", enum: ["lead", "customer"], allowCustom: true },
      kind: { type: "string", enum: ["a", "b"] },
      tags: { type: "array", items: { type: "string", enum: ["x"], allowCustom: true } },
    },
  };
  assert.equal(checkArguments(schema, { stage: "partner", tags: ["y"] }), undefined);
  assert.deepEqual(checkArguments(schema, { kind: "c" }), ['"kind" must be one of ["a","b"]']);
  assert.deepEqual(
    (schema.properties.stage as { enum: string[] }).enum,
    ["lead", "customer"],
    "the served schema is unchanged",
  );
});

Deno.test("date-times without a zone and dates alone pass a date-time field", () => {
  const schema = { type: "object", properties: { at: { type: "string", format: "date-time" } } };
  for (
    const at of ["2026-03-01T10:00:00Z", "2026-03-01T10:00:00", "2026-03-01T10:00", "2026-03-01"]
  ) {
    assert.equal(checkArguments(schema, { at }), undefined, at);
  }
  assert.deepEqual(checkArguments(schema, { at: "next tuesday" }), [
    '"at" must match format "date-time"',
  ]);
});
