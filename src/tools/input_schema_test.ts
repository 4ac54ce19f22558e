import assert from "node:assert/strict";
import { checkArguments } from "./arguments.ts";
import { toToolInputSchema } from "./input_schema.ts";

Deno.test("object schemas pass through untouched but for the root type", () => {
  const schema = {
    type: "object",
    required: ["email"],
    properties: { email: { type: "string", format: "email", referenceCollection: { key: "x" } } },
    additionalProperties: false,
  };
  assert.deepEqual(toToolInputSchema(schema), { schema, wrapped: false });
  const nullable = toToolInputSchema({ type: ["object", "null"], properties: { a: {} } });
  assert.deepEqual(nullable, { schema: { type: "object", properties: { a: {} } }, wrapped: false });
  assert.deepEqual(toToolInputSchema(undefined).schema, { type: "object", properties: {} });
});

Deno.test("a non-object input is wrapped as `input`, its definitions kept at the root", () => {
  const { schema, wrapped } = toToolInputSchema({
    type: "string",
    definitions: { code: { type: "string", pattern: "^[A-Z]{3}$" } },
    $ref: "#/definitions/code",
  });
  assert.equal(wrapped, true);
  assert.deepEqual(schema.required, ["input"]);
  assert.ok("definitions" in schema);
  assert.equal(checkArguments(schema, { input: "EUR" }), undefined);
  assert.ok(checkArguments(schema, { input: 3 }));
  assert.ok(checkArguments(schema, { input: "euro" }));
});
