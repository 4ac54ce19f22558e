/**
 * `GET /mcp/calls?limit=&cursor=&chat=`: the caller's own tool calls, newest first.
 *
 * @module
 */
import { CALL_ID_PATTERN, type CallLog } from "../calls/call_log.ts";
import { HttpError, jsonResponse } from "./errors.ts";
import { parseChatIdParam } from "./params.ts";

/** Default and largest `limit`. */
const CALLS_LIMIT = { default: 50, max: 200 } as const;
const KNOWN_PARAMS = new Set(["limit", "cursor", "chat"]);

function badRequest(message: string): HttpError {
  return new HttpError(400, `Bad Request: ${message}`);
}

/** The checked query of a `GET /mcp/calls` request. */
interface CallsQuery {
  limit: number;
  cursor?: string;
  chatId?: string;
}

/** Reads and checks the query; throws 400 naming the bad parameter. */
function parseCallsQuery(url: URL): CallsQuery {
  for (const name of url.searchParams.keys()) {
    if (!KNOWN_PARAMS.has(name)) {
      throw badRequest(`unknown parameter "${name.slice(0, 40)}": use limit, cursor and chat`);
    }
    if (url.searchParams.getAll(name).length > 1) {
      throw badRequest(`${name} is given more than once`);
    }
  }
  const rawLimit = url.searchParams.get("limit");
  let limit: number = CALLS_LIMIT.default;
  if (rawLimit !== null) {
    limit = /^\d{1,6}$/.test(rawLimit) ? Number(rawLimit) : NaN;
    if (!(limit >= 1 && limit <= CALLS_LIMIT.max)) {
      throw badRequest(`limit must be an integer from 1 to ${CALLS_LIMIT.max}`);
    }
  }
  const cursor = url.searchParams.get("cursor") ?? undefined;
  if (cursor !== undefined && !CALL_ID_PATTERN.test(cursor)) {
    throw badRequest("cursor is not one this endpoint returned");
  }
  const chat = url.searchParams.get("chat");
  const chatId = chat === null ? undefined : parseChatIdParam(encodeURIComponent(chat));
  return { limit, cursor, chatId };
}

/** Handles `GET /mcp/calls` for the authenticated `tenant`. */
export async function listCalls(
  request: Request,
  callLog: CallLog,
  tenant: string,
): Promise<Response> {
  const query = parseCallsQuery(new URL(request.url));
  return jsonResponse(await callLog.list(tenant, query));
}
