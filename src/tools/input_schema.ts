/**
 * Input schemas for tools: the action's JSON Schema passed through as it is, with a root that
 * is always an object schema (MCP requires it).
 *
 * @module
 */

/** A JSON Schema object. */
export type JsonSchema = Record<string, unknown>;

/** The argument under which a non-object action input is passed when its root is wrapped. */
export const WRAPPED_INPUT_FIELD = "input";

/** An action input schema made fit for MCP. */
export interface ToolInputSchema {
  schema: JsonSchema;
  /** True when the action takes a non-object input, passed as `arguments.input`. */
  wrapped: boolean;
}

/** Keywords that belong to the schema document's root: `$ref`s point at them from there. */
const ROOT_KEYWORDS = ["$schema", "$id", "definitions", "$defs"] as const;

function isObjectSchema(schema: JsonSchema): boolean {
  const type = schema.type;
  if (type === "object") return true;
  if (type === undefined) return true; // properties, composition or nothing: treat as object
  // `["object", "null"]`: MCP arguments are always an object, so the object form is the one.
  return Array.isArray(type) && type.includes("object");
}

/**
 * An object schema whose one required field `field` holds `schema`; the definitions stay at
 * the root, where the schema's own `$ref`s (`#/definitions/…`) expect them.
 */
export function wrapSchema(schema: JsonSchema, field: string): JsonSchema {
  const inner: JsonSchema = { ...schema };
  const root: JsonSchema = {};
  for (const keyword of ROOT_KEYWORDS) {
    if (keyword in inner) {
      root[keyword] = inner[keyword];
      delete inner[keyword];
    }
  }
  return { ...root, type: "object", properties: { [field]: inner }, required: [field] };
}

/** Builds the MCP `inputSchema` from an action's `inputSchema`, losing nothing. */
export function toToolInputSchema(actionSchema: unknown): ToolInputSchema {
  if (typeof actionSchema !== "object" || actionSchema === null || Array.isArray(actionSchema)) {
    return { schema: { type: "object", properties: {} }, wrapped: false };
  }
  const schema = actionSchema as JsonSchema;
  if (isObjectSchema(schema)) {
    return { schema: { ...schema, type: "object" }, wrapped: false };
  }
  // The action takes a non-object input: it becomes `arguments.input`.
  return { schema: wrapSchema(schema, WRAPPED_INPUT_FIELD), wrapped: true };
}

/** The names of the required top-level fields of an object schema. */
export function requiredFields(schema: JsonSchema): string[] {
  return Array.isArray(schema.required)
    ? schema.required.filter((name): name is string => typeof name === "string")
    : [];
}
