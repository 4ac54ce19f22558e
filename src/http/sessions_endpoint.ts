/**
 * `/mcp/sessions`: the calling customer's chats.
 *
 * @module
 */
import type { SessionStore } from "../store/session_store.ts";
import { HttpError, jsonResponse } from "./errors.ts";

/** The response header holding the cursor of the next page of `GET /mcp/sessions`. */
const NEXT_CURSOR_HEADER = "Next-Cursor";
/** Most chats on one page of `GET /mcp/sessions`. */
const MAX_CHATS_PAGE = 10_000;

function badRequest(message: string): HttpError {
  return new HttpError(400, `Bad Request: ${message}`);
}

/** Reads `limit` (1 to `MAX_CHATS_PAGE`; absent: every chat) and `cursor`; 400 when bad. */
function parseChatsPage(url: URL): { limit?: number; cursor?: string } {
  const rawLimit = url.searchParams.get("limit");
  const cursor = url.searchParams.get("cursor") ?? undefined;
  let limit: number | undefined;
  if (rawLimit !== null) {
    limit = /^\d{1,6}$/.test(rawLimit) ? Number(rawLimit) : NaN;
    if (!(limit >= 1 && limit <= MAX_CHATS_PAGE)) {
      throw badRequest(
        `limit must be an integer from 1 to ${MAX_CHATS_PAGE}, not "${rawLimit.slice(0, 20)}"`,
      );
    }
  }
  if (cursor !== undefined && !/^[A-Za-z0-9_=-]{1,1000}$/.test(cursor)) {
    throw badRequest(`cursor is not one this server gave (see the ${NEXT_CURSOR_HEADER} header)`);
  }
  return { limit, cursor };
}

/**
 * `GET /mcp/sessions`: `{ "<chatId>": "<sessionId>", … }` (the reference server's shape).
 * With `?limit=` it is one page, and the `Next-Cursor` header names the next one (`?cursor=`).
 */
export async function listChats(
  sessions: SessionStore,
  tenant: string,
  request: Request,
): Promise<Response> {
  const page = parseChatsPage(new URL(request.url));
  let listed;
  try {
    listed = await sessions.listChats(tenant, page);
  } catch (error) {
    if (error instanceof TypeError && page.cursor !== undefined) {
      throw badRequest(`cursor is not one this server gave (see the ${NEXT_CURSOR_HEADER} header)`);
    }
    throw error;
  }
  const body = Object.fromEntries(listed.chats.map((chat) => [chat.chatId, chat.sessionId]));
  return jsonResponse(body, 200, listed.next ? { [NEXT_CURSOR_HEADER]: listed.next } : {});
}

/** `GET /mcp/sessions/{chatId}`: one chat with its session's details. */
export async function getChat(
  sessions: SessionStore,
  tenant: string,
  chatId: string,
): Promise<Response> {
  const chat = await sessions.getChat(tenant, chatId);
  if (!chat) throw new HttpError(404, "Chat not found");
  const session = await sessions.getSession(tenant, chat.sessionId);
  return jsonResponse({
    chatId: chat.chatId,
    sessionId: chat.sessionId,
    sessionActive: session !== undefined,
    mode: chat.mode,
    apps: chat.apps,
    enabledTools: session?.enabledTools ?? chat.enabledTools,
    ...(chat.options ? { options: chat.options } : {}),
    createdAt: new Date(chat.createdAt).toISOString(),
    lastSeenAt: new Date(Math.max(chat.lastSeenAt, session?.lastSeenAt ?? 0)).toISOString(),
  });
}

/** `DELETE /mcp/sessions/{chatId}`: ends the chat and its session. */
export async function deleteChat(
  sessions: SessionStore,
  tenant: string,
  chatId: string,
): Promise<Response> {
  if (!(await sessions.deleteChat(tenant, chatId))) throw new HttpError(404, "Chat not found");
  return new Response(null, { status: 204 });
}
