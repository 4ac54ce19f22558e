/**
 * Turns action outputs and failures into MCP tool results a model can act on.
 *
 * @module
 */
import { UpstreamError } from "../integration_app/errors.ts";
import { isPlainObject } from "../util/objects.ts";
import type { CallToolResult } from "../sdk/server.ts";
import { checkValue } from "../tools/arguments.ts";
import type { ToolEntry } from "../tools/catalog.ts";
import { WRAPPED_OUTPUT_FIELD } from "../tools/output_schema.ts";

/** What a result's `_meta` says about the run behind it. */
export interface RunMeta {
  /** The id of the run in Integration.app's run logs. */
  actionRunId?: string;
}

function withMeta(result: CallToolResult, meta: RunMeta | undefined): CallToolResult {
  if (meta?.actionRunId === undefined) return result;
  return { ...result, _meta: { ...result._meta, actionRunId: meta.actionRunId } };
}

/** The `structuredContent` of `value` for `tool`: wrapped under `result` when its schema is. */
function structuredOutput(
  value: unknown,
  tool?: Pick<ToolEntry, "outputSchema" | "wrapsOutput">,
): Record<string, unknown> | undefined {
  if (tool?.outputSchema && tool.wrapsOutput) return { [WRAPPED_OUTPUT_FIELD]: value };
  return isPlainObject(value) ? value : undefined;
}

/**
 * A successful run: the output as JSON text, and as `structuredContent` when `tool` declares
 * an output schema (then it validates against it) or the output is an object. `actionRunId`
 * goes to `_meta`. An output that breaks the tool's declared schema comes back as an error
 * result saying the action did run, with the output as text: an SDK client would reject it.
 * `json` is the output's JSON text when the caller has it already.
 */
export function outputResult(
  output: unknown,
  tool?: Pick<ToolEntry, "name" | "outputSchema" | "wrapsOutput">,
  meta?: RunMeta,
  json?: string,
): CallToolResult {
  const value = output === undefined ? null : output;
  const text = json ?? JSON.stringify(value);
  const structured = structuredOutput(value, tool);
  if (tool?.outputSchema) {
    const problems = structured === undefined
      ? ["the output is not an object"]
      : checkValue(tool.outputSchema, structured);
    if (problems) {
      return withMeta({
        isError: true,
        content: [
          {
            type: "text",
            text: `${tool.name} ran and succeeded (do not retry it for this), but its output ` +
              `does not match the tool's output schema: ${
                problems.join("; ")
              }. The output follows.`,
          },
          { type: "text", text },
        ],
      }, meta);
    }
  }
  const result: CallToolResult = { content: [{ type: "text", text }] };
  if (structured !== undefined) result.structuredContent = structured;
  return withMeta(result, meta);
}

/** The `_meta` key under which a result names its Integration.app run log. */
export const ACTION_RUN_ID_META = "actionRunId";

/**
 * A failed call, with a message that says what failed and what to do; `meta` names the run
 * log of a run that failed.
 */
export function errorResult(message: string, meta?: RunMeta): CallToolResult {
  return withMeta({ isError: true, content: [{ type: "text", text: message }] }, meta);
}

/** What the user is told to do when a connection must be made (again, by default). */
export function reconnectAdvice(
  app: string,
  connectUrl: string | undefined,
  verb: "reconnect" | "connect" = "reconnect",
): string {
  return connectUrl
    ? `The user must ${verb} ${app}: ask them to open this link, then call the tool again: ${connectUrl}`
    : `The user must ${verb} ${app} in Integration.app; retrying will not help until then.`;
}

/**
 * The advice that goes with an upstream failure of `tool`; `connectUrl` is a link that
 * reconnects the app, offered when the connection is broken.
 */
export function upstreamErrorMessage(
  tool: ToolEntry,
  error: UpstreamError,
  connectUrl?: string,
): string {
  const app = tool.integrationName;
  const what = `${app} action "${tool.actionName}" (${tool.name})`;
  const detail = error.message.replace(/\s+$/, "");
  switch (error.kind) {
    case "connection":
      return `${what} failed because the ${app} connection needs attention: ${detail}. ` +
        reconnectAdvice(app, connectUrl);
    case "insufficient_credit":
      return `${what} could not run: the Integration.app workspace is out of credit (${detail}). ` +
        `Its owner must add credit; retrying will not help until then.`;
    case "setup":
      return `${what} could not run because of a setup problem in the Integration.app ` +
        `workspace: ${detail}. The workspace's owner must fix it; retrying will not help.`;
    case "action_failed":
      return `${what} failed: ${detail}. ` +
        `Check the arguments against the tool's input schema; retrying unchanged will likely fail again.`;
    case "rate_limited":
      return `${what} was rate limited: ${detail}. Retry after ${
        error.retryAfterSeconds ?? 30
      } seconds.`;
    case "timeout":
      return `${what} did not finish in time: ${detail}. ` +
        `It may or may not have run: check before retrying an action that writes data.`;
    case "unavailable":
      return `${what} could not run because Integration.app is unavailable: ${detail}. ` +
        (error.retryAfterSeconds !== undefined
          ? `Retry in ${error.retryAfterSeconds} seconds.`
          : `Retry in a moment.`);
    case "not_found":
      return `${what} failed: ${detail}. The connection or action no longer exists; ` +
        `list the tools again (the catalog is being refreshed).`;
    case "auth":
      return `${what} failed: Integration.app refused the access token. ` +
        `The user must sign in again; retrying will not help.`;
    case "forbidden":
      return `${what} failed: access denied (${detail}). Retrying will not help.`;
    case "bad_request":
      return `${what} was rejected by Integration.app: ${detail}. Fix the request before retrying.`;
    default:
      return `${what} failed with an unexpected error: ${detail}.`;
  }
}

/** Whether a failure means the catalog may list tools that no longer work. */
export function invalidatesCatalog(error: unknown): boolean {
  return error instanceof UpstreamError &&
    (error.kind === "not_found" ||
      (error.kind === "connection" && error.key !== "access_token_expired"));
}
