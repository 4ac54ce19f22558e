/**
 * Reading JSON request bodies with a size limit.
 *
 * @module
 */
import { HttpError, JsonRpcCode } from "./errors.ts";
import { deadline } from "../util/timeout.ts";

/** Memory shared by the bodies of one customer's requests while they arrive. */
export interface BodyBudget {
  /** Takes `bytes` more; throws (e.g. a `LimitExceededError`) when they do not fit. */
  take(bytes: number): void;
  /** Gives back `bytes` taken before. */
  give(bytes: number): void;
}

/** Options of `readBodyText`. */
export interface ReadBodyOptions {
  /** How long the body may take to arrive (default: no limit). */
  timeoutMs?: number;
  /** Where the bytes read are counted while the body is read. */
  budget?: BodyBudget;
}

/**
 * Reads the body as text, refusing more than `maxBytes` with 413, a body still arriving after
 * `timeoutMs` with 408, and one cut short (the client closed or reset the connection) with 400.
 */
export async function readBodyText(
  request: Request,
  maxBytes: number,
  options: ReadBodyOptions = {},
): Promise<string> {
  const { timeoutMs = Number.POSITIVE_INFINITY, budget } = options;
  const tooLarge = (): HttpError =>
    new HttpError(413, `Payload too large: the limit is ${maxBytes} bytes`, {
      rpcCode: JsonRpcCode.InvalidRequest,
    });
  const declared = Number(request.headers.get("content-length") ?? "NaN");
  if (Number.isFinite(declared) && declared > maxBytes) {
    await request.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!request.body) return "";
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let taken = 0;
  // Made only when the time is up: an Error's stack trace costs more than the rest of a read.
  let late: HttpError | undefined;
  const limit = Number.isFinite(timeoutMs)
    ? deadline(
      timeoutMs,
      () =>
        late = new HttpError(
          408,
          `Request Timeout: the body did not arrive within ${Math.round(timeoutMs / 1000)} s`,
          { rpcCode: JsonRpcCode.InvalidRequest },
        ),
    )
    : undefined;
  try {
    for (;;) {
      let chunk: ReadableStreamReadResult<Uint8Array>;
      try {
        chunk = await (limit ? Promise.race([reader.read(), limit.expired]) : reader.read());
      } catch (error) {
        if (late !== undefined && error === late) throw late;
        throw new HttpError(400, "Bad Request: the request body ended before its Content-Length", {
          rpcCode: JsonRpcCode.InvalidRequest,
        });
      }
      if (chunk.done) break;
      size += chunk.value.length;
      if (size > maxBytes) throw tooLarge();
      budget?.take(chunk.value.length);
      taken += chunk.value.length;
      chunks.push(chunk.value);
    }
  } catch (error) {
    await reader.cancel().catch(() => {});
    throw error;
  } finally {
    limit?.clear();
    budget?.give(taken);
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.length;
  }
  return new TextDecoder().decode(bytes);
}

/** Parses a JSON body; 400 with a JSON-RPC parse error when it is not JSON. */
export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, "Parse error: Invalid JSON", { rpcCode: JsonRpcCode.ParseError });
  }
}

/** Whether a Content-Type header names JSON. */
export function isJsonContentType(value: string | null): boolean {
  if (!value) return false;
  const type = value.split(";")[0]?.trim().toLowerCase();
  return type === "application/json" || (type?.endsWith("+json") ?? false);
}
