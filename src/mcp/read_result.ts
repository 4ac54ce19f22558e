/**
 * `read-result {handle, offset|path}` and `resources/read` of result URIs: the rest of a
 * result that the size cap cut, read in parts by the customer it belongs to.
 *
 * @module
 */
import { cutJson, describeCuts, utf8Length } from "../results/json_cut.ts";
import { pageOf, valueAt } from "../results/result_pages.ts";
import { HANDLE_PATTERN } from "../results/result_store.ts";
import {
  DEFAULT_MAX_RESULT_BYTES,
  noteReserve,
  RESULT_URI_PREFIX,
  type ResultCap,
  resultUri,
} from "./result_cap.ts";
import { type CallToolResult, ErrorCode, McpError, type Tool } from "../sdk/server.ts";
import { errorResult } from "./tool_result.ts";

/** The tool's name. */
export const READ_RESULT_NAME = "read-result";
const MAX_PATH_CHARS = 1000;

/** The `tools/list` entry of `read-result`. */
export const READ_RESULT_TOOL: Tool = {
  name: READ_RESULT_NAME,
  title: "Read Result",
  description: "Read the rest of a tool result that was cut to fit the size limit. Pass the " +
    "`handle` the cut result gave, and either `path` (a JSON Pointer such as `/records/20`, " +
    "or `records.20`) to get that part of the result, or `offset` (a byte offset, from 0) to " +
    "page through the result's JSON text. Results are kept for a limited time.",
  inputSchema: {
    type: "object",
    properties: {
      handle: { type: "string", minLength: 1, maxLength: 100, description: "The handle." },
      path: {
        type: "string",
        maxLength: MAX_PATH_CHARS,
        description: "JSON Pointer (or dotted path) of the part to read.",
      },
      offset: {
        type: "integer",
        minimum: 0,
        description: "Byte offset in the JSON text (of the part, with `path`).",
      },
    },
    required: ["handle"],
    additionalProperties: false,
  },
  annotations: {
    title: "Read Result",
    readOnlyHint: true,
    destructiveHint: false,
    idempotentHint: true,
    openWorldHint: false,
  },
};

function pageSize(cap: ResultCap): number {
  return cap.maxBytes > 0 ? cap.maxBytes : DEFAULT_MAX_RESULT_BYTES;
}

const NOT_FOUND = "No result is kept under this handle: it expired, or it was never one of " +
  "this customer's. Call the tool again.";

/** Answers `read-result`. */
export async function readResult(
  args: Record<string, unknown>,
  tenant: string,
  cap: ResultCap,
): Promise<CallToolResult> {
  const unknown = Object.keys(args).filter((key) => !["handle", "path", "offset"].includes(key));
  if (unknown.length > 0) {
    return errorResult(
      `Unknown argument(s) ${unknown.join(", ")}: read-result takes handle, path and offset.`,
    );
  }
  const { handle, path, offset } = args;
  if (typeof handle !== "string" || handle === "") {
    return errorResult(`"handle" is required: the handle a cut result gave.`);
  }
  if (path !== undefined && (typeof path !== "string" || path.length > MAX_PATH_CHARS)) {
    return errorResult(`"path" must be a JSON Pointer string such as "/records/20".`);
  }
  if (
    offset !== undefined &&
    (typeof offset !== "number" || !Number.isSafeInteger(offset) || offset < 0)
  ) {
    return errorResult(`"offset" must be an integer from 0.`);
  }
  const stored = await cap.store.load(tenant, handle);
  if (!stored) return errorResult(NOT_FOUND);
  const max = pageSize(cap);

  let text = stored.text;
  if (path !== undefined) {
    const part = valueAt(JSON.parse(stored.text), path);
    if (!part.found) return errorResult(`Path ${path} not found: ${part.problem}.`);
    text = JSON.stringify(part.value) ?? "null";
    if (offset === undefined) {
      const totalBytes = utf8Length(text);
      if (totalBytes <= max) {
        return { content: [{ type: "text", text }], _meta: { handle, path, totalBytes } };
      }
      const cut = cutJson(part.value, max - noteReserve(max));
      return {
        content: [
          { type: "text", text: JSON.stringify(cut?.value) },
          {
            type: "text",
            text:
              `This part (${totalBytes} bytes) was cut to fit ${max} bytes (${
                describeCuts(cut?.cuts ?? []).join("; ")
              }). Read a deeper path, or page through its JSON text with ` +
              `{"handle":"${handle}","path":${JSON.stringify(path)},"offset":0}.`,
          },
        ],
        _meta: { handle, path, totalBytes },
      };
    }
  }
  const page = pageOf(text, offset ?? 0, max);
  const where = path !== undefined ? `of ${path} ` : "";
  const next = page.nextOffset === null
    ? "This is the end."
    : `Next page: {"handle":"${handle}",${
      path !== undefined ? `"path":${JSON.stringify(path)},` : ""
    }"offset":${page.nextOffset}}.`;
  return {
    content: [
      { type: "text", text: page.text },
      {
        type: "text",
        text: `Bytes ${page.offset} to ${
          page.offset + utf8Length(page.text)
        } ${where}of ${page.totalBytes} (JSON text). ${next}`,
      },
    ],
    _meta: {
      handle,
      offset: page.offset,
      nextOffset: page.nextOffset,
      totalBytes: page.totalBytes,
    },
  };
}

/** The resource template of kept results, for `resources/templates/list`. */
export const RESULT_RESOURCE_TEMPLATE = {
  uriTemplate: `${RESULT_URI_PREFIX}{handle}{?offset}`,
  name: "tool-result",
  title: "Full tool result",
  description: "The whole result of a tool call that was cut to the size limit, as JSON text " +
    "in pages: each page's _meta.nextUri reads the next.",
  mimeType: "application/json",
};

/** Answers `resources/read` of a result URI (one page from `?offset=`). */
export async function readResultResource(
  uri: string,
  tenant: string,
  cap: ResultCap,
): Promise<
  { contents: { uri: string; mimeType: string; text: string; _meta: Record<string, unknown> }[] }
> {
  const notFound = () => new McpError(-32002, `Resource not found: ${uri.slice(0, 200)}`);
  if (!uri.startsWith(RESULT_URI_PREFIX)) throw notFound();
  const url = URL.parse(uri);
  const handle = uri.slice(RESULT_URI_PREFIX.length).split("?")[0] ?? "";
  if (!url || !HANDLE_PATTERN.test(handle)) throw notFound();
  const rawOffset = url.searchParams.get("offset") ?? "0";
  if (!/^\d{1,12}$/.test(rawOffset)) {
    throw new McpError(ErrorCode.InvalidParams, "Invalid offset: a byte offset from 0");
  }
  const stored = await cap.store.load(tenant, handle);
  if (!stored) throw notFound();
  const page = pageOf(stored.text, Number(rawOffset), pageSize(cap));
  return {
    contents: [{
      uri,
      mimeType: "application/json",
      text: page.text,
      _meta: {
        offset: page.offset,
        nextOffset: page.nextOffset,
        totalBytes: page.totalBytes,
        nextUri: page.nextOffset === null ? null : resultUri(handle, page.nextOffset),
      },
    }],
  };
}
