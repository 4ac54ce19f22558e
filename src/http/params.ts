/**
 * Query parameters and headers of the MCP endpoint, checked.
 *
 * @module
 */
import type { ToolMode } from "../store/session_store.ts";
import { HttpError, JsonRpcCode } from "./errors.ts";

const APP_KEY = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;
const MAX_APPS = 100;
/** Printable ASCII (spaces allowed inside), as agents name chats ("chat 1"). */
const CHAT_ID = /^[\x21-\x7e](?:[\x20-\x7e]{0,198}[\x21-\x7e])?$/;

function badRequest(message: string): HttpError {
  return new HttpError(400, message, { rpcCode: JsonRpcCode.InvalidRequest });
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
  const values = url.searchParams.getAll("apps");
  if (values.length === 0) return null;
  const keys = values.flatMap((value) => value.split(",")).map((key) => key.trim()).filter(
    (key) => key.length > 0,
  );
  if (keys.length === 0) throw badRequest("Bad Request: apps is empty");
  if (keys.length > MAX_APPS) {
    throw badRequest(`Bad Request: apps lists more than ${MAX_APPS} keys`);
  }
  const bad = keys.find((key) => !APP_KEY.test(key));
  if (bad !== undefined) {
    throw badRequest(`Bad Request: "${bad.slice(0, 40)}" is not an integration key`);
  }
  return [...new Set(keys)].sort();
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
