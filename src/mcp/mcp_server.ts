/**
 * The MCP server of one session for one request: `tools/list` and `tools/call` over the
 * session's catalog. Built per request from the stored session, so any instance can serve it.
 *
 * @module
 */
import type { ConnectionRequest, IntegrationAppApi } from "../integration_app/types.ts";
import { toUpstreamError } from "../integration_app/errors.ts";
import type { UnconnectedApp, WorkspaceApp } from "../catalog_cache/unconnected_apps.ts";
import type { Logger } from "../log.ts";
import type { SessionRecord } from "../store/session_store.ts";
import { checkArguments } from "../tools/arguments.ts";
import { type IndexedCatalog, toMcpTool, type ToolEntry } from "../tools/catalog.ts";
import { WRAPPED_INPUT_FIELD } from "../tools/input_schema.ts";
import type { CallInput, CallStatus } from "../calls/call_log.ts";
import { clip } from "../util/text.ts";
import { elicitConnection, missingConnectionResult, reconnectRequest } from "./connect_app.ts";
import { ConnectionInputRequired } from "./connect_input.ts";
import { ENABLE_TOOLS_NAME } from "./enable_tools.ts";
import { findTool } from "../tools/name_lookup.ts";
import type { MetaToolContext } from "./meta_tool.ts";
import { META_TOOL_LISTING, metaTool } from "./meta_tools.ts";
import {
  READ_RESULT_NAME,
  READ_RESULT_TOOL,
  readResult,
  readResultResource,
  RESULT_RESOURCE_TEMPLATE,
} from "./read_result.ts";
import { cappedOutputResult, type ResultCap } from "./result_cap.ts";
import {
  AjvJsonSchemaValidator,
  type CallToolResult,
  ErrorCode,
  McpError,
  Server,
  type Tool,
  UrlElicitationRequiredError,
} from "../sdk/server.ts";
import { errorResult, invalidatesCatalog, upstreamErrorMessage } from "./tool_result.ts";
import { SERVER_NAME, SERVER_VERSION } from "../version.ts";

/** Name and version announced to clients (the reference server's name). */
export const SERVER_INFO = { name: SERVER_NAME, version: SERVER_VERSION } as const;

/** What clients are told about the server (both eras): instructions of `initialize`. */
export const INSTRUCTIONS =
  "Tools run actions of the user's connected apps through Integration.app. Tool names are " +
  "`{app}_{action}`. In dynamic mode only `enable-tools`, `search-tools`, `call-tool` and " +
  "`connect-app` are listed at first: find tools with `search-tools` (a `query` describing " +
  "the task) and run them with `call-tool`, or enable them with `enable-tools` so they are " +
  "listed; `connect-app` gives the user a link to connect an app they lack. When a tool " +
  "fails because its connection is broken, the result holds a link the user opens to " +
  "reconnect.";

/** Capabilities announced to clients. */
export const SERVER_CAPABILITIES = { tools: { listChanged: true }, resources: {} } as const;

/**
 * One JSON Schema validator for every `Server`: without it each construction (one per request)
 * builds a new Ajv instance with all formats, a large share of a request's CPU time.
 */
const SHARED_SCHEMA_VALIDATOR = new AjvJsonSchemaValidator();

/** What a request's MCP server works with. */
export interface McpSessionContext {
  session: SessionRecord;
  api: IntegrationAppApi;
  logger: Logger;
  /**
   * The session's catalog (cached; built on first need; rebuilt first when a connection
   * request completed). `checkConnections` asks about pending requests at once.
   */
  catalog(options?: { checkConnections?: boolean }): Promise<IndexedCatalog>;
  /** Stores a changed enabled set; resolves when it is durable. */
  saveEnabledTools(names: string[]): Promise<void>;
  /** Called when a run shows the catalog may be outdated. */
  invalidateCatalog(): void;
  /** Notes the tool called, for the request log. */
  onToolCall?(name: string): void;
  /**
   * The session's result size cap and the store of cut results; without it results are
   * never cut and `read-result` is not offered.
   */
  results?: ResultCap;
  /** Adds a call to the customer's call log; returns at once (written in the background). */
  recordCall?(call: CallInput): void;
  /** The protocol generation serving the call, for the call log (default from the session). */
  era?: string;
  /**
   * 2026-07-28: links are asked for through an `input_required` result (multi round-trip
   * requests) instead of the URL-elicitation-required error of 2025-11-25.
   */
  inputRequired?: boolean;
  /**
   * The workspace's apps this customer has not connected, with their actions, each marked
   * as needing a connection (for searches that reach beyond the customer's own tools).
   */
  unconnectedApps?(): Promise<UnconnectedApp[]>;
  /** The workspace app a tool name points at when the customer has not connected it. */
  unconnectedAppOf?(toolName: string): Promise<WorkspaceApp | undefined>;
  /**
   * Called when a connection request was made for `target` (a stable key), so its completion
   * refreshes the catalog.
   */
  onConnectionRequest?(request: ConnectionRequest, target: string): void;
  /** A pending request made for `target` a short while ago, whose link can be handed again. */
  reusableConnectionRequest?(target: string): ConnectionRequest | undefined;
}

/** The session's catalog; an upstream failure becomes a JSON-RPC error saying what to do. */
export async function loadCatalog(
  context: McpSessionContext,
  options?: { checkConnections?: boolean },
): Promise<IndexedCatalog> {
  try {
    return await context.catalog(options);
  } catch (error) {
    const upstream = toUpstreamError(error);
    throw new McpError(
      ErrorCode.InternalError,
      `Cannot list the tools: Integration.app failed (${upstream.message}). ` +
        (upstream.retryable ? "Retry in a moment." : "Retrying will not help."),
    );
  }
}

/** Whether results of this session are cut (and `read-result` is offered). */
function capOn(context: McpSessionContext): boolean {
  return (context.results?.maxBytes ?? 0) > 0;
}

/**
 * The session's tools that run no action (listed besides the catalog's tools): dynamic
 * mode's meta-tools, and `read-result` while the result size cap is on.
 */
export function metaTools(context: McpSessionContext): Tool[] {
  const tools: Tool[] = context.session.mode === "dynamic" ? [...META_TOOL_LISTING] : [];
  if (capOn(context)) tools.push(READ_RESULT_TOOL);
  return tools;
}

function listTools(context: McpSessionContext, catalog: IndexedCatalog): Tool[] {
  if (context.session.mode === "static") return [...catalog.listing, ...metaTools(context)];
  const enabled = context.session.enabledTools
    .map((name) => catalog.byName.get(name))
    .filter((tool) => tool !== undefined)
    .map(toMcpTool);
  return [...metaTools(context), ...enabled];
}

function resolveCallable(
  context: McpSessionContext,
  catalog: IndexedCatalog,
  name: string,
): ToolEntry {
  const tool = findTool(catalog, name);
  if (!tool) {
    // A tool of the customer that this session's view hides: name the rule.
    const refused = catalog.excluded?.(name);
    if (refused) throw new McpError(ErrorCode.InvalidParams, refused);
    const hint = context.session.mode === "dynamic"
      ? `: find tools with search-tools, then run them with call-tool (or enable them with ${ENABLE_TOOLS_NAME})`
      : "";
    throw new McpError(ErrorCode.InvalidParams, `Unknown tool: ${clip(name, 100)}${hint}`);
  }
  if (context.session.mode === "dynamic" && !context.session.enabledTools.includes(tool.name)) {
    throw new McpError(
      ErrorCode.InvalidParams,
      `Tool ${tool.name} is not enabled in this session: call ${ENABLE_TOOLS_NAME} with it ` +
        `first, or run it through call-tool`,
    );
  }
  return tool;
}

/** How a run ended, for the call log. */
interface RunOutcome {
  result: CallToolResult;
  status: CallStatus;
  actionRunId?: string;
  errorKind?: string;
}

/** Argument checks, the action run, and its result (under the size cap) or error. */
async function runAction(
  context: McpSessionContext,
  tool: ToolEntry,
  args: Record<string, unknown>,
): Promise<RunOutcome> {
  const problems = checkArguments(tool.inputSchema, args);
  if (problems) {
    return {
      status: "invalid_arguments",
      result: errorResult(
        `Invalid arguments for ${tool.name}: ${problems.join("; ")}. Nothing was sent.`,
      ),
    };
  }
  const input = tool.wrapsInput ? args[WRAPPED_INPUT_FIELD] : args;
  let run;
  try {
    run = await context.api.runAction(tool.connectionId, tool.actionKey, input);
  } catch (error) {
    const upstream = toUpstreamError(error);
    if (invalidatesCatalog(upstream)) context.invalidateCatalog();
    context.logger.info("tool call failed", {
      tool: tool.name,
      kind: upstream.kind,
      key: upstream.key,
    });
    // A broken connection: offer the link that repairs it (through elicitation if we can).
    const request = upstream.kind === "connection"
      ? await reconnectRequest(context, { connectionId: tool.connectionId })
      : undefined;
    if (request) elicitConnection(context, request, tool.integrationName);
    return {
      status: "error",
      errorKind: upstream.kind,
      actionRunId: upstream.actionRunId,
      result: errorResult(upstreamErrorMessage(tool, upstream, request?.url), {
        actionRunId: upstream.actionRunId,
      }),
    };
  }
  const actionRunId = typeof run?.actionRunId === "string" ? run.actionRunId : undefined;
  const result = await cappedOutputResult(
    run?.output,
    tool,
    { actionRunId },
    context.session.tenant,
    context.results,
  );
  return { status: result.isError ? "error" : "ok", actionRunId, result };
}

function eraOf(context: McpSessionContext): string {
  return context.era ??
    (context.session.protocolVersion?.startsWith("2026") ? "stateless" : "sessions");
}

/** Records a call that got as far as `tool` (resolved) in the customer's call log. */
function recordCall(
  context: McpSessionContext,
  tool: string,
  args: Record<string, unknown>,
  started: number,
  outcome: Omit<RunOutcome, "result">,
): void {
  context.recordCall?.({
    tool,
    chatId: context.session.chatId,
    sessionId: context.session.id,
    era: eraOf(context),
    durationMs: performance.now() - started,
    arguments: args,
    ...outcome,
  });
}

/**
 * Runs a catalog tool: argument checks, the action run, the result size cap, and the call
 * log. The one path of every call of an app's tool, direct or through `call-tool`.
 */
export async function runTool(
  context: McpSessionContext,
  tool: ToolEntry,
  args: Record<string, unknown>,
  started: number = performance.now(),
): Promise<CallToolResult> {
  let outcome: RunOutcome;
  try {
    outcome = await runAction(context, tool, args);
  } catch (error) {
    // A link handed through elicitation ends the run as a connection error, not an internal one.
    const link = error instanceof ConnectionInputRequired ||
      error instanceof UrlElicitationRequiredError;
    recordCall(context, tool.name, args, started, {
      status: "error",
      errorKind: link ? "connection" : "internal",
    });
    throw error;
  }
  const { result, ...logged } = outcome;
  recordCall(context, tool.name, args, started, logged);
  return result;
}

/**
 * A direct call of a tool of the session's catalog: the name is resolved in the session's
 * view (so `readOnly` and `tools` apply, and a refusal names its rule and is logged), then the
 * tool runs through `runTool`.
 */
async function callCatalogTool(
  context: McpSessionContext,
  catalog: IndexedCatalog,
  name: string,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  const started = performance.now();
  let tool: ToolEntry;
  try {
    tool = resolveCallable(context, catalog, name);
  } catch (error) {
    recordCall(context, clip(name, 200), args, started, { status: "refused" });
    throw error;
  }
  return await runTool(context, tool, args, started);
}

/** Answers `tools/list` (one page: a cursor is refused). */
export async function answerListTools(
  context: McpSessionContext,
  params: { cursor?: unknown } | undefined,
): Promise<{ tools: Tool[] }> {
  if (params?.cursor !== undefined) {
    throw new McpError(ErrorCode.InvalidParams, "Invalid cursor: tools/list has one page");
  }
  const catalog = await loadCatalog(context);
  return { tools: listTools(context, catalog) };
}

/** Answers `tools/call`; `notify` sends `list_changed` after `enable-tools` changed the set. */
export async function answerCallTool(
  context: McpSessionContext,
  params: { name: string; arguments?: Record<string, unknown> },
  notify: () => Promise<void>,
): Promise<CallToolResult> {
  const { name } = params;
  const args = params.arguments ?? {};
  context.onToolCall?.(name);
  // Reading a kept result needs no catalog (it works while Integration.app is down).
  if (name === READ_RESULT_NAME && context.results && capOn(context)) {
    return await readResult(args, context.session.tenant, context.results);
  }
  const catalog = await loadCatalog(context);
  const meta = context.session.mode === "dynamic" ? metaTool(name) : undefined;
  if (meta) {
    const metaContext: MetaToolContext = {
      session: context,
      catalog,
      notifyListChanged: notify,
      runTool: (tool, toolArgs) => {
        context.onToolCall?.(tool.name);
        return runTool(context, tool, toolArgs);
      },
      isMetaTool: (other) => metaTool(other) !== undefined || other === READ_RESULT_NAME,
    };
    return await meta.handler(args, metaContext);
  }
  let current = catalog;
  if (!findTool(current, name) && !current.excluded?.(name)) {
    // The user may just have finished connecting: ask before answering "not connected".
    current = await loadCatalog(context, { checkConnections: true });
    if (!findTool(current, name)) {
      const missing = await missingConnectionResult(context, current, name);
      if (missing) return missing;
    }
  }
  return await callCatalogTool(context, current, name, args);
}

/**
 * Registers the resource methods on `server` (both eras): results cut by the size cap are
 * resources, read in pages; none is listed.
 */
export function setResourceHandlers(server: Server, context: McpSessionContext): void {
  server.setRequestHandler("resources/list", () => ({ resources: [] }));
  server.setRequestHandler(
    "resources/templates/list",
    () => ({ resourceTemplates: context.results ? [RESULT_RESOURCE_TEMPLATE] : [] }),
  );
  server.setRequestHandler("resources/read", (request) => {
    if (!context.results) {
      throw new McpError(-32002, `Resource not found: ${request.params.uri.slice(0, 200)}`);
    }
    return readResultResource(request.params.uri, context.session.tenant, context.results);
  });
}

/** Builds the MCP server that answers one request of a session. */
export function createMcpServer(context: McpSessionContext): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: SERVER_CAPABILITIES,
    instructions: INSTRUCTIONS,
    jsonSchemaValidator: SHARED_SCHEMA_VALIDATOR,
  });

  server.setRequestHandler("tools/list", (request) => answerListTools(context, request.params));

  server.setRequestHandler(
    "tools/call",
    (request, ctx) =>
      answerCallTool(
        context,
        request.params,
        () => ctx.mcpReq.notify({ method: "notifications/tools/list_changed" }),
      ),
  );

  setResourceHandlers(server, context);

  return server;
}
