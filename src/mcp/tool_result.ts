/**
 * Turns action outputs and failures into MCP tool results a model can act on.
 *
 * @module
 */
import { UpstreamError } from "../integration_app/errors.ts";
import type { CallToolResult } from "./sdk.ts";
import type { ToolEntry } from "../tools/catalog.ts";

/** The `_meta` key under which a result names its Integration.app run log. */
export const ACTION_RUN_ID_META = "app.integration/actionRunId";

/** `_meta` naming the run log of a run, when Integration.app named one. */
function runMeta(actionRunId: string | undefined): { _meta?: Record<string, unknown> } {
  return actionRunId ? { _meta: { [ACTION_RUN_ID_META]: actionRunId } } : {};
}

/**
 * A successful run: the output as JSON text, and as `structuredContent` when an object;
 * `_meta` keeps the run's `actionRunId` (Integration.app's run logs are keyed by it).
 */
export function outputResult(output: unknown, actionRunId?: string): CallToolResult {
  const value = output === undefined ? null : output;
  const result: CallToolResult = {
    content: [{ type: "text", text: JSON.stringify(value) }],
    ...runMeta(actionRunId),
  };
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    result.structuredContent = value as Record<string, unknown>;
  }
  return result;
}

/** A failed call, with a message that says what failed and what to do. */
export function errorResult(message: string, actionRunId?: string): CallToolResult {
  return { isError: true, content: [{ type: "text", text: message }], ...runMeta(actionRunId) };
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
