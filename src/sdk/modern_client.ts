/**
 * A 2026-07-28 client: the official SDK client of the current generation, pinned to that
 * revision (no `initialize`, no session; every request carries its `_meta` envelope). Used by
 * the tests and the benchmark beside the 2025 client of `client.ts`. The client caches list
 * results as long as the server's `ttlMs` allows: pass `{ cacheMode: "bypass" }` as request
 * options to measure or to see a change at once.
 *
 * @module
 */
import {
  Client,
  type ElicitRequestURLParams,
  type ElicitResult,
  StreamableHTTPClientTransport,
} from "@modelcontextprotocol/client";

export { Client as ModernClient } from "@modelcontextprotocol/client";

/** The revision modern clients are pinned to. */
const MODERN_PROTOCOL_VERSION = "2026-07-28";

/** Options of `connectModernClient`. */
export interface ModernConnectOptions {
  /** Appended to the URL, e.g. `?mode=dynamic`. */
  query?: string;
  /** Extra headers on every request (e.g. `x-chat-id`). */
  headers?: Record<string, string>;
  /**
   * Declares URL-mode elicitation (`elicitation.url`) and answers the server's URL-mode
   * `elicitation/create` input requests with it (the SDK retries the call with the answer).
   */
  onUrlElicitation?: (params: ElicitRequestURLParams) => Promise<ElicitResult>;
}

/** Connects a 2026-07-28 client to `mcpUrl` with a bearer `token`; the caller closes it. */
export async function connectModernClient(
  mcpUrl: string,
  token: string,
  options: ModernConnectOptions = {},
): Promise<Client> {
  const onUrl = options.onUrlElicitation;
  const client = new Client({ name: "modern-test-client", version: "1.0.0" }, {
    versionNegotiation: { mode: { pin: MODERN_PROTOCOL_VERSION } },
    ...(onUrl ? { capabilities: { elicitation: { url: {} } } } : {}),
  });
  if (onUrl) {
    client.setRequestHandler("elicitation/create", async (request) => {
      if (request.params.mode !== "url") return { action: "decline" };
      return await onUrl(request.params);
    });
  }
  const transport = new StreamableHTTPClientTransport(new URL(`${mcpUrl}${options.query ?? ""}`), {
    requestInit: { headers: { authorization: `Bearer ${token}`, ...options.headers } },
  });
  await client.connect(transport);
  return client;
}
