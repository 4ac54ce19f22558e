/**
 * Reading JSON request bodies with a size limit.
 *
 * @module
 */
import { HttpError, JsonRpcCode } from "./errors.ts";

/** Reads the body as text, refusing more than `maxBytes` with 413. */
export async function readBodyText(request: Request, maxBytes: number): Promise<string> {
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
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > maxBytes) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    chunks.push(value);
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
