/**
 * Query parameters and headers of the MCP endpoint, checked.
 *
 * @module
 */
import type { SessionOptions } from "../store/session_store.ts";
import type { ToolMode } from "../tools/session_view.ts";
import { MAX_APPS } from "../tools/catalog_views.ts";
import { MAX_TOOL_NAME_LENGTH, MIN_TOOL_NAME_LENGTH } from "../tools/naming.ts";
import type { ToolViewOptions } from "../tools/session_view.ts";
import { HttpError, JsonRpcCode } from "./errors.ts";

const APP_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const MAX_ALLOWED_TOOLS = 500;
/** A tool name as typed in `tools=`: printable ASCII without commas or spaces. */
const TOOL_NAME_PARAM = /^[\x21-\x2b\x2d-\x7e]{1,200}$/;
/** The largest `maxResultBytes` a session may ask for. */
const MAX_RESULT_BYTES_LIMIT = 16 * 1024 * 1024;
/** The smallest non-zero `maxResultBytes`. */
const MIN_RESULT_BYTES = 1024;
/** Printable ASCII (spaces allowed inside), as agents name chats ("chat 1"). */
const CHAT_ID = /^[\x21-\x7e](?:[\x20-\x7e]{0,198}[\x21-\x7e])?$/;

function badRequest(message: string): HttpError {
  return new HttpError(400, message, { rpcCode: JsonRpcCode.InvalidRequest });
}

/**
 * The items of a comma-separated list parameter (repeatable, blanks dropped), at most `max`,
 * each matching `item`; `undefined` when the parameter is absent, 400 when it is empty, too
 * long or has an item that does not match (`"<item>" <invalid>`).
 */
function commaList(
  url: URL,
  name: string,
  max: number,
  plural: string,
  item: RegExp,
  invalid: string,
): string[] | undefined {
  const values = url.searchParams.getAll(name);
  if (values.length === 0) return undefined;
  const items = values.flatMap((value) => value.split(",")).map((one) => one.trim()).filter(
    (one) => one.length > 0,
  );
  if (items.length === 0) throw badRequest(`Bad Request: ${name} is empty`);
  if (items.length > max) {
    throw badRequest(`Bad Request: ${name} lists more than ${max} ${plural}`);
  }
  const bad = items.find((one) => !item.test(one));
  if (bad !== undefined) throw badRequest(`Bad Request: "${bad.slice(0, 40)}" ${invalid}`);
  return items;
}

/** Reads `mode` (`static` by default). */
export function parseMode(url: URL): ToolMode {
  const mode = url.searchParams.get("mode");
  if (mode === null || mode === "" || mode === "static") return "static";
  if (mode === "dynamic") return "dynamic";
  throw badRequest(`Bad Request: mode must be "static" or "dynamic", not "${mode.slice(0, 40)}"`);
}

/** Reads `apps` (comma-separated integration keys); `null` when absent. */
export function parseApps(url: URL): string[] | null {
  const keys = commaList(url, "apps", MAX_APPS, "keys", APP_KEY, "is not an integration key");
  return keys === undefined ? null : [...new Set(keys)].sort();
}

/** Reads a chat id from a URL path segment (percent-decoded); 400 when it cannot be one. */
export function parseChatIdParam(raw: string | undefined): string {
  let decoded: string | undefined;
  try {
    decoded = decodeURIComponent(raw ?? "");
  } catch {
    decoded = undefined;
  }
  if (decoded === undefined || !CHAT_ID.test(decoded)) {
    throw badRequest("Bad Request: a chat id is 1 to 200 printable ASCII characters");
  }
  return decoded;
}

/** Reads the `x-chat-id` header; `undefined` when absent. */
export function parseChatId(request: Request): string | undefined {
  const value = request.headers.get("x-chat-id");
  if (value === null) return undefined;
  const trimmed = value.trim();
  if (trimmed === "") return undefined;
  if (!CHAT_ID.test(trimmed)) {
    throw badRequest("Bad Request: x-chat-id must be 1 to 200 printable ASCII characters");
  }
  return trimmed;
}

function single(url: URL, name: string): string | undefined {
  const values = url.searchParams.getAll(name);
  if (values.length > 1) throw badRequest(`Bad Request: ${name} is given more than once`);
  return values[0]?.trim();
}

function integerParam(url: URL, name: string, min: number, max: number): number | undefined {
  const raw = single(url, name);
  if (raw === undefined || raw === "") return undefined;
  const value = /^\d{1,9}$/.test(raw) ? Number(raw) : NaN;
  if (!(value >= min && value <= max)) {
    throw badRequest(
      `Bad Request: ${name} must be an integer from ${min} to ${max}, not "${raw.slice(0, 20)}"`,
    );
  }
  return value;
}

/** Reads `readOnly` (`true`/`false`, `1`/`0`). */
function parseReadOnly(url: URL): boolean {
  const raw = single(url, "readOnly")?.toLowerCase();
  if (raw === undefined || raw === "" || raw === "false" || raw === "0") return false;
  if (raw === "true" || raw === "1") return true;
  throw badRequest(`Bad Request: readOnly must be "true" or "false", not "${raw.slice(0, 20)}"`);
}

/** Reads `tools` (comma-separated tool names, the session's allowlist); `undefined` when absent. */
function parseToolsAllowlist(url: URL): string[] | undefined {
  const names = commaList(
    url,
    "tools",
    MAX_ALLOWED_TOOLS,
    "names",
    TOOL_NAME_PARAM,
    "in tools is not a tool name",
  );
  return names === undefined ? undefined : [...new Set(names)];
}

/** Reads `maxNameLength` (32 to 64). */
function parseMaxNameLength(url: URL): number | undefined {
  return integerParam(url, "maxNameLength", MIN_TOOL_NAME_LENGTH, MAX_TOOL_NAME_LENGTH);
}

/** Reads `maxResultBytes` (0 = no cap, else 1024 to 16 MiB). */
function parseMaxResultBytes(url: URL): number | undefined {
  const value = integerParam(url, "maxResultBytes", 0, MAX_RESULT_BYTES_LIMIT);
  if (value !== undefined && value !== 0 && value < MIN_RESULT_BYTES) {
    throw badRequest(
      `Bad Request: maxResultBytes must be 0 (no cap) or from ${MIN_RESULT_BYTES} to ${MAX_RESULT_BYTES_LIMIT}`,
    );
  }
  return value;
}

/** The view parameters `readOnly`, `tools` and `maxNameLength` (what a session may see). */
export function parseViewOptions(url: URL): ToolViewOptions {
  const options: ToolViewOptions = {};
  if (parseReadOnly(url)) options.readOnly = true;
  const tools = parseToolsAllowlist(url);
  if (tools) options.tools = tools;
  const maxNameLength = parseMaxNameLength(url);
  if (maxNameLength !== undefined && maxNameLength < MAX_TOOL_NAME_LENGTH) {
    options.maxNameLength = maxNameLength;
  }
  return options;
}

/**
 * The session parameters beyond mode and apps: `readOnly`, `tools`, `maxNameLength`,
 * `maxResultBytes`; `undefined` when none is given.
 */
export function parseSessionOptions(url: URL): SessionOptions | undefined {
  const options: SessionOptions = parseViewOptions(url);
  const maxResultBytes = parseMaxResultBytes(url);
  if (maxResultBytes !== undefined) options.maxResultBytes = maxResultBytes;
  return Object.keys(options).length > 0 ? options : undefined;
}
