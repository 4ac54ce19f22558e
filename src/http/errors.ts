/**
 * HTTP errors and the one place that turns them into responses.
 *
 * @module
 */

/** JSON-RPC error codes used at the HTTP level. */
export const JsonRpcCode = {
  ParseError: -32700,
  InvalidRequest: -32600,
  InvalidParams: -32602,
  ServerError: -32000,
  SessionNotFound: -32001,
} as const;

/** An error that has an HTTP status and a message safe to show to the client. */
export class HttpError extends Error {
  override name = "HttpError";
  readonly status: number;
  readonly rpcCode: number;
  readonly headers: Record<string, string>;

  constructor(
    status: number,
    message: string,
    options: { rpcCode?: number; headers?: Record<string, string> } = {},
  ) {
    super(message);
    this.status = status;
    this.rpcCode = options.rpcCode ?? JsonRpcCode.ServerError;
    this.headers = options.headers ?? {};
  }
}

/** 429 with `Retry-After` for a request over a limit. */
export function tooManyRequests(error: { message: string; retryAfterSeconds: number }): HttpError {
  return new HttpError(429, error.message, {
    headers: { "retry-after": String(error.retryAfterSeconds) },
  });
}

/** A JSON response. */
export function jsonResponse(
  body: unknown,
  status = 200,
  headers: Record<string, string> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json", ...headers },
  });
}

/**
 * The response for an error: a JSON-RPC error object on the MCP endpoint (carrying the id of
 * the request it answers, `null` when none is known), else `{error}`.
 */
export function errorResponse(
  error: HttpError,
  jsonRpc: boolean,
  rpcId: string | number | null = null,
): Response {
  const body = jsonRpc
    ? { jsonrpc: "2.0", error: { code: error.rpcCode, message: error.message }, id: rpcId }
    : { error: { status: error.status, message: error.message } };
  return jsonResponse(body, error.status, error.headers);
}
