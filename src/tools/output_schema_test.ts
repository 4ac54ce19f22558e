import assert from "node:assert/strict";
import { toToolOutputSchema } from "./output_schema.ts";

Deno.test("an object output schema is passed through as it is", () => {
  const schema = { type: "object", properties: { id: { type: "string" } }, required: ["id"] };
  assert.deepEqual(toToolOutputSchema(schema), { schema, wrapped: false });
  assert.deepEqual(toToolOutputSchema({ properties: { a: {} } }), {
    schema: { type: "object", properties: { a: {} } },
    wrapped: false,
  });
});

Deno.test("a non-object output schema is wrapped under result, keeping its definitions at the root", () => {
  const schema = {
    type: "array",
    items: { $ref: "#/definitions/row" },
    definitions: { row: { type: "object" } },
  };
  assert.deepEqual(toToolOutputSchema(schema), {
    schema: {
      definitions: { row: { type: "object" } },
      type: "object",
      properties: { result: { type: "array", items: { $ref: "#/definitions/row" } } },
      required: ["result"],
    },
    wrapped: true,
  });
  assert.equal(toToolOutputSchema({ type: ["object", "null"] })?.wrapped, true);
});

Deno.test("no output schema comes of a missing or empty one", () => {
  assert.equal(toToolOutputSchema(undefined), undefined);
  assert.equal(toToolOutputSchema({}), undefined);
  assert.equal(toToolOutputSchema("string"), undefined);
  assert.equal(toToolOutputSchema([]), undefined);
});

Deno.test("an output schema that cannot compile is not declared (it would fail SDK listings)", () => {
  assert.equal(
    toToolOutputSchema({ type: "object", properties: { a: { $ref: "#/nope" } } }),
    undefined,
  );
  assert.equal(toToolOutputSchema({ type: "string", pattern: "([" }), undefined);
  assert.ok(toToolOutputSchema({ type: "string", pattern: "^a+$" }));
});
