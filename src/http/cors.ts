/**
 * CORS for browser clients (the Origin itself is checked by the origin guard first).
 *
 * @module
 */

const EXPOSED = "Mcp-Session-Id, Mcp-Protocol-Version, WWW-Authenticate, Retry-After, Next-Cursor";
const ALLOWED_HEADERS =
  "Authorization, Content-Type, Accept, Mcp-Session-Id, Mcp-Protocol-Version, Last-Event-ID, X-Chat-Id";

/** Adds CORS headers for `origin` (already allowed) to a response's headers. */
export function corsHeaders(origin: string | null): Record<string, string> {
  if (!origin) return {};
  return {
    "access-control-allow-origin": origin,
    "access-control-expose-headers": EXPOSED,
    "vary": "Origin",
  };
}

/** The answer to a CORS preflight. */
export function preflightResponse(origin: string | null, methods: string): Response {
  return new Response(null, {
    status: 204,
    headers: {
      ...corsHeaders(origin),
      "access-control-allow-methods": `${methods}, OPTIONS`,
      "access-control-allow-headers": ALLOWED_HEADERS,
      "access-control-max-age": "600",
    },
  });
}
