/**
 * Output schemas for tools: the action's output JSON Schema, declared as the tool's
 * `outputSchema` with an object root (MCP requires one). A schema whose root is not an object
 * is wrapped, the way input schemas are: the output is then `structuredContent.result`.
 *
 * @module
 */
import { LruMap } from "../util/concurrency.ts";
import { sha256Hex } from "../util/hash.ts";
import { schemaCompiles } from "./arguments.ts";
import { type JsonSchema, wrapSchema } from "./input_schema.ts";

/** The field that holds a non-object output in `structuredContent`. */
export const WRAPPED_OUTPUT_FIELD = "result";

/** An action output schema made fit for MCP. */
export interface ToolOutputSchema {
  schema: JsonSchema;
  /** True when the output is given as `structuredContent.result`. */
  wrapped: boolean;
}

/** Keywords that make an untyped schema describe an object. */
const OBJECT_KEYWORDS = ["properties", "required", "additionalProperties", "patternProperties"];
/** Keywords that constrain an untyped schema some other way (it may not be an object). */
const OTHER_KEYWORDS = ["anyOf", "oneOf", "allOf", "$ref", "enum", "const", "items", "not"];

/**
 * The MCP `outputSchema` of an action's `outputSchema`, or `undefined` when it says nothing
 * (absent, not a schema object, or `{}`) or cannot be compiled: SDK clients compile every
 * output schema of a listing, and one that fails would fail the whole `tools/list`. Only
 * schemas with `$ref` or `pattern` can fail that way, so only those are compiled here.
 */
export function toToolOutputSchema(actionSchema: unknown): ToolOutputSchema | undefined {
  const result = outputSchemaOf(actionSchema);
  if (!result) return undefined;
  const json = JSON.stringify(result.schema);
  if (/"(\$ref|pattern|patternProperties)"/.test(json) && !schemaCompiles(result.schema)) {
    return undefined;
  }
  // Its listed form now, from the JSON at hand: no second serialization when it is listed.
  listed.set(result.schema, withId(result.schema, json));
  return result;
}

function outputSchemaOf(actionSchema: unknown): ToolOutputSchema | undefined {
  if (typeof actionSchema !== "object" || actionSchema === null || Array.isArray(actionSchema)) {
    return undefined;
  }
  const schema = actionSchema as JsonSchema;
  const type = schema.type;
  const objectRoot = type === "object" ||
    (type === undefined && OBJECT_KEYWORDS.some((k) => k in schema) &&
      !OTHER_KEYWORDS.some((k) => k in schema));
  if (objectRoot) return { schema: { ...schema, type: "object" }, wrapped: false };
  if (type === undefined && !OTHER_KEYWORDS.some((k) => k in schema)) return undefined;
  return { schema: wrapSchema(schema, WRAPPED_OUTPUT_FIELD), wrapped: true };
}

const listed = new WeakMap<JsonSchema, JsonSchema>();
/**
 * `$id`s by schema JSON: the customers of a workspace share its actions' output schemas, so a
 * new customer's build mostly finds its hashes here.
 */
const idsByJson = new LruMap<string, string>(2_000);

/** `schema` with an `$id` named after its JSON `json` (unless it has one). */
function withId(schema: JsonSchema, json: string): JsonSchema {
  if (typeof schema.$id === "string") return schema;
  let id = idsByJson.get(json);
  if (id === undefined) {
    idsByJson.set(json, id = `urn:integration-app-mcp:output:${sha256Hex(json).slice(0, 32)}`);
  }
  return { $id: id, ...schema };
}

/**
 * An output schema as `tools/list` gives it: with an `$id` named after its content (unless it
 * has one). The official SDK client compiles the output schema of every listed tool with Ajv
 * when it lists them (a warm listing of 1,000 tools sharing one output schema took 71 ms with
 * the client's compiles, 18 ms with this, on a loaded machine), and Ajv compiles a schema it
 * already knows by `$id` only once, so tools that share an output schema cost one compile.
 */
export function listedOutputSchema(schema: JsonSchema): JsonSchema {
  let out = listed.get(schema);
  if (out === undefined) {
    out = typeof schema.$id === "string" ? schema : withId(schema, JSON.stringify(schema));
    listed.set(schema, out);
  }
  return out;
}
