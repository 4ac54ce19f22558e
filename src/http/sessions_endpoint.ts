/**
 * `/mcp/sessions`: the calling customer's chats.
 *
 * @module
 */
import type { SessionStore } from "../store/session_store.ts";
import { HttpError, jsonResponse } from "./errors.ts";

/** `GET /mcp/sessions`: `{ "<chatId>": "<sessionId>", … }` (the reference server's shape). */
export async function listChats(sessions: SessionStore, tenant: string): Promise<Response> {
  const chats = await sessions.listChats(tenant);
  return jsonResponse(Object.fromEntries(chats.map((chat) => [chat.chatId, chat.sessionId])));
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
