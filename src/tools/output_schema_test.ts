import assert from "node:assert/strict";
import { listedOutputSchema, toToolOutputSchema } from "./output_schema.ts";

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

Deno.test("listed output schemas are named after their content, so clients compile each once", () => {
  const a = { type: "object", properties: { id: { type: "string" } } };
  const b = { type: "object", properties: { id: { type: "string" } } };
  const c = { type: "object", properties: { id: { type: "number" } } };
  const own = { $id: "https://example.com/out.json", type: "object" };
  const [la, lb, lc] = [a, b, c].map(listedOutputSchema);
  assert.match(String(la?.$id), /^urn:integration-app-mcp:output:[0-9a-f]{32}$/);
  assert.equal(la?.$id, lb?.$id, "same content, same id");
  assert.notEqual(la?.$id, lc?.$id);
  assert.deepEqual({ ...la, $id: undefined }, { ...a, $id: undefined }, "otherwise unchanged");
  assert.equal(listedOutputSchema(own), own, "a schema's own $id is kept");
  assert.equal(listedOutputSchema(a), la, "made once per schema");
  assert.equal(Object.hasOwn(a, "$id"), false, "the tool's own schema is left alone");
});

Deno.test("a built output schema lists with the same $id as its copy read back from storage", () => {
  const built = toToolOutputSchema({ type: "object", properties: { n: { type: "number" } } });
  assert.ok(built);
  const listed = listedOutputSchema(built.schema);
  const stored = listedOutputSchema(structuredClone(built.schema));
  assert.match(String(listed.$id), /^urn:integration-app-mcp:output:[0-9a-f]{32}$/);
  assert.equal(listed.$id, stored.$id);
  assert.deepEqual(listed, stored);
});
