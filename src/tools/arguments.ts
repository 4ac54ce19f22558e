/**
 * Checks tool arguments against the tool's input schema before anything is sent upstream.
 * Not strict: Integration.app schemas carry extra keywords (`referenceCollection`, …).
 *
 * @module
 */
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormats from "ajv-formats";
import type { JsonSchema } from "./input_schema.ts";

function createAjv(): Ajv {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    validateSchema: false,
    logger: false,
    coerceTypes: false,
    useDefaults: false,
  });
  addFormats.default(ajv);
  // Integration.app takes date-times without a zone (read as UTC) and dates alone.
  ajv.addFormat("date-time", LENIENT_DATE_TIME);
  return ajv;
}

/** `2026-01-31`, `2026-01-31T10:00`, `2026-01-31 10:00:00.5`, with or without a zone. */
const LENIENT_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}(?:[Tt ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:[Zz]|[+-]\d{2}:?\d{2})?)?$/;

/**
 * The schema as it is checked here: an `enum` marked `allowCustom` lists suggestions, not
 * the only values, so it is not enforced. Copies only the parts it changes.
 */
function relaxSchema(schema: unknown, depth = 0): unknown {
  if (depth > 64 || typeof schema !== "object" || schema === null) return schema;
  if (Array.isArray(schema)) {
    let changed = false;
    const items = schema.map((item) => {
      const relaxed = relaxSchema(item, depth + 1);
      if (relaxed !== item) changed = true;
      return relaxed;
    });
    return changed ? items : schema;
  }
  const record = schema as Record<string, unknown>;
  let copy: Record<string, unknown> | undefined;
  if (record.allowCustom === true && "enum" in record) {
    copy = { ...record };
    delete copy.enum;
  }
  for (const [key, value] of Object.entries(record)) {
    if (key === "enum" || key === "const" || key === "default" || key === "examples") continue;
    const relaxed = relaxSchema(value, depth + 1);
    if (relaxed !== value) (copy ??= { ...record })[key] = relaxed;
  }
  return copy ?? schema;
}

/**
 * Compilations per Ajv instance. An instance keeps every schema it compiled (in its cache and
 * in the scope its generated code closes over), and catalogs are rebuilt every few minutes,
 * so one instance for the life of the server would grow without end. After this many
 * compilations a fresh instance takes over; the old one goes once its validators, kept
 * per schema object below, have gone with their catalogs.
 */
const COMPILES_PER_AJV = 500;
let ajv = createAjv();
let compiles = 0;

const compiled = new WeakMap<JsonSchema, ValidateFunction | null>();

function validatorFor(schema: JsonSchema): ValidateFunction | null {
  if (compiled.has(schema)) return compiled.get(schema) ?? null;
  if (compiles++ >= COMPILES_PER_AJV) {
    ajv = createAjv();
    compiles = 1;
  }
  let validate: ValidateFunction | null;
  try {
    const checked = relaxSchema(schema) as JsonSchema;
    validate = ajv.compile(checked);
    // Forget it in Ajv's cache (keyed by object): two catalogs may carry the same `$id`.
    ajv.removeSchema(checked);
  } catch {
    // A schema Ajv cannot compile is still served; Integration.app validates the input.
    validate = null;
  }
  compiled.set(schema, validate);
  return validate;
}

function describeError(error: ErrorObject, root: string): string {
  const at = error.instancePath ? error.instancePath.slice(1).replace(/\//g, ".") : "";
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case "required":
      return `missing required field "${at ? `${at}.` : ""}${String(params.missingProperty)}"`;
    case "additionalProperties":
      return `unknown field "${at ? `${at}.` : ""}${String(params.additionalProperty)}"`;
    case "enum":
      return `"${at}" must be one of ${JSON.stringify(params.allowedValues)}`;
    default:
      return `${at ? `"${at}"` : root} ${error.message ?? "is invalid"}`;
  }
}

function problemsOf(schema: JsonSchema, value: unknown, root: string): string[] | undefined {
  const validate = validatorFor(schema);
  if (!validate || validate(value)) return undefined;
  const problems = (validate.errors ?? []).map((error) => describeError(error, root));
  return [...new Set(problems)].slice(0, 20);
}

/** Validates `args` against `schema`: `undefined` when valid, else a list of problems. */
export function checkArguments(schema: JsonSchema, args: unknown): string[] | undefined {
  return problemsOf(schema, args, "arguments");
}

/**
 * Validates `value` against `schema` the way the MCP SDK client checks `structuredContent`
 * (same Ajv options): `undefined` when valid, else a list of problems.
 */
export function checkValue(schema: JsonSchema, value: unknown): string[] | undefined {
  return problemsOf(schema, value, "the output");
}

/** Whether `schema` compiles (an unresolvable `$ref` or a bad `pattern` does not). */
export function schemaCompiles(schema: JsonSchema): boolean {
  return validatorFor(schema) !== null;
}
