/**
 * The result size cap: an action output whose JSON text is over the session's cap is cut at
 * JSON boundaries (whole items, whole fields), says what was cut and how much, and its full
 * text is kept behind an unguessable, tenant-scoped handle that `read-result` and
 * `resources/read` page through.
 *
 * @module
 */
import { cutJson, describeCuts, utf8Length } from "../results/json_cut.ts";
import type { ResultStore } from "../results/result_store.ts";
import type { ToolEntry } from "../tools/catalog.ts";
import type { CallToolResult } from "../sdk/server.ts";
import { outputResult, type RunMeta } from "./tool_result.ts";

/** The default cap: about 20,000 tokens of JSON, under Claude Code's 25,000-token budget. */
export const DEFAULT_MAX_RESULT_BYTES = 60_000;
/** Results larger than this are not kept (KV is not a bulk store). */
const MAX_KEPT_RESULT_BYTES = 32 * 1024 * 1024;
/** The scheme and authority of result resources. */
export const RESULT_URI_PREFIX = "integration-app://results/";

/** What a session's cap needs. */
export interface ResultCap {
  store: ResultStore;
  /** Largest result text in bytes; 0 = no cap. */
  maxBytes: number;
}

/** The resource URI of a kept result (a page of it from `offset`). */
export function resultUri(handle: string, offset?: number): string {
  return `${RESULT_URI_PREFIX}${handle}${offset ? `?offset=${offset}` : ""}`;
}

/** Bytes set aside for the note that goes with a cut result. */
export function noteReserve(maxBytes: number): number {
  return Math.min(1200, Math.floor(maxBytes / 4));
}

function minutes(ms: number): string {
  const value = Math.round(ms / 60_000);
  if (value >= 120) return `${Math.round(value / 60)} hours`;
  return value === 1 ? "1 minute" : `${Math.max(1, value)} minutes`;
}

/**
 * The result of a successful run under the cap: `outputResult` when the output fits, else
 * the cut output with a note, a resource link and `_meta.resultCut`.
 */
export async function cappedOutputResult(
  output: unknown,
  tool: ToolEntry,
  meta: RunMeta,
  tenant: string,
  cap: ResultCap | undefined,
): Promise<CallToolResult> {
  const value = output === undefined ? null : output;
  if (!cap || cap.maxBytes <= 0) return outputResult(value, tool, meta);
  const text = JSON.stringify(value);
  // Three bytes per UTF-16 unit at most: most results are known to fit without counting.
  if (text.length * 3 <= cap.maxBytes) return outputResult(value, tool, meta, text);
  const totalBytes = utf8Length(text);
  if (totalBytes <= cap.maxBytes) return outputResult(value, tool, meta, text);

  const cut = cutJson(value, cap.maxBytes - noteReserve(cap.maxBytes));
  const shown = cut?.value ?? value;
  const shownBytes = utf8Length(JSON.stringify(shown));
  const result = outputResult(shown, tool, meta);
  const what = describeCuts(cut?.cuts ?? []);
  const head = `Result cut to fit ${cap.maxBytes} bytes: ${shownBytes} of ${totalBytes} bytes ` +
    `shown${what.length > 0 ? ` (${what.join("; ")})` : ""}.`;
  if (totalBytes > MAX_KEPT_RESULT_BYTES) {
    result.content.push({
      type: "text",
      text: `${head} The full result is over ${MAX_KEPT_RESULT_BYTES} bytes and was not kept: ` +
        `ask the action for less (filters, a smaller page).`,
    });
    return result;
  }
  let handle: string;
  try {
    handle = await cap.store.save(tenant, tool.name, text);
  } catch {
    result.content.push({
      type: "text",
      text: `${head} The full result could not be kept (storage is unavailable): the action ` +
        `ran; to see the rest, run it again later or ask it for less (filters, a smaller page).`,
    });
    return result;
  }
  const uri = resultUri(handle);
  result.content.push(
    {
      type: "text",
      text: `${head} The full result is kept for ${minutes(cap.store.ttlMs)}: call read-result ` +
        `with {"handle":"${handle}","path":"<JSON Pointer, e.g. /records/20>"} for one part, or ` +
        `{"handle":"${handle}","offset":0} to page through its JSON text` +
        ` (or read the resource ${uri}).`,
    },
    {
      type: "resource_link",
      uri,
      name: `result-${handle}`,
      title: `Full result of ${tool.name}`,
      description: `The whole result of ${tool.name} as JSON (${totalBytes} bytes); ` +
        `resources/read returns it in pages (?offset=).`,
      mimeType: "application/json",
    },
  );
  result._meta = { ...result._meta, resultCut: { handle, uri, totalBytes, shownBytes } };
  return result;
}
