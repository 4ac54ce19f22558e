/**
 * The MCP server of one session for one request: `tools/list` and `tools/call` over the
 * session's catalog. Built per request from the stored session, so any instance can serve it.
 *
 * @module
 */
import type { IntegrationAppApi } from "../integration_app/types.ts";
import { toUpstreamError } from "../integration_app/errors.ts";
import type { Logger } from "../log.ts";
import type { SessionRecord } from "../store/session_store.ts";
import { checkArguments } from "../tools/arguments.ts";
import { type IndexedCatalog, toMcpTool, type ToolEntry } from "../tools/catalog.ts";
import { WRAPPED_INPUT_FIELD } from "../tools/input_schema.ts";
import { clip } from "../util/text.ts";
import { ENABLE_TOOLS_NAME, findTool } from "./enable_tools.ts";
import type { MetaToolContext } from "./meta_tool.ts";
import { META_TOOL_LISTING, metaTool } from "./meta_tools.ts";
import {
  AjvJsonSchemaValidator,
  type CallToolResult,
  ErrorCode,
  McpError,
  Server,
  type Tool,
} from "./sdk.ts";
import {
  errorResult,
  invalidatesCatalog,
  outputResult,
  upstreamErrorMessage,
} from "./tool_result.ts";

/** Name and version announced to clients (the reference server's name). */
export const SERVER_INFO = { name: "Integration App MCP Server", version: "0.1.0" } as const;

/** What clients are told about the server (both eras). */
export const INSTRUCTIONS =
  "Tools run actions of the user's connected apps through Integration.app. Tool names are " +
  "`{app}_{action}`. In dynamic mode only `enable-tools`, `search-tools` and `call-tool` are " +
  "listed at first: find tools with `search-tools` (a `query` describing the task) and run " +
  "them with `call-tool`, or enable them with `enable-tools` so they are listed.";

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
  /** The session's catalog (cached; built on first need). */
  catalog(): Promise<IndexedCatalog>;
  /** Stores a changed enabled set; resolves when it is durable. */
  saveEnabledTools(names: string[]): Promise<void>;
  /** Called when a run shows the catalog may be outdated. */
  invalidateCatalog(): void;
  /** Notes the tool called, for the request log. */
  onToolCall?(name: string): void;
}

/** The session's catalog; an upstream failure becomes a JSON-RPC error saying what to do. */
export async function loadCatalog(context: McpSessionContext): Promise<IndexedCatalog> {
  try {
    return await context.catalog();
  } catch (error) {
    const upstream = toUpstreamError(error);
    throw new McpError(
      ErrorCode.InternalError,
      `Cannot list the tools: Integration.app failed (${upstream.message}). ` +
        (upstream.retryable ? "Retry in a moment." : "Retrying will not help."),
    );
  }
}

function listTools(context: McpSessionContext, catalog: IndexedCatalog): Tool[] {
  if (context.session.mode === "static") return catalog.listing;
  const enabled = context.session.enabledTools
    .map((name) => catalog.byName.get(name))
    .filter((tool) => tool !== undefined)
    .map(toMcpTool);
  return [...META_TOOL_LISTING, ...enabled];
}

function resolveCallable(
  context: McpSessionContext,
  catalog: IndexedCatalog,
  name: string,
): ToolEntry {
  const tool = findTool(catalog, name);
  if (!tool) {
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

/**
 * Runs a catalog tool: argument checks, the action run and its result or error. The one path
 * of every call of an app's tool, direct or through `call-tool`.
 */
export async function runTool(
  context: McpSessionContext,
  tool: ToolEntry,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  const problems = checkArguments(tool.inputSchema, args);
  if (problems) {
    return errorResult(
      `Invalid arguments for ${tool.name}: ${problems.join("; ")}. Nothing was sent.`,
    );
  }
  const input = tool.wrapsInput ? args[WRAPPED_INPUT_FIELD] : args;
  try {
    const run = await context.api.runAction(tool.connectionId, tool.actionKey, input);
    return outputResult(run?.output);
  } catch (error) {
    const upstream = toUpstreamError(error);
    if (invalidatesCatalog(upstream)) context.invalidateCatalog();
    context.logger.info("tool call failed", {
      tool: tool.name,
      kind: upstream.kind,
      key: upstream.key,
    });
    return { ...errorResult(upstreamErrorMessage(tool, upstream)) };
  }
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
      isMetaTool: (other) => metaTool(other) !== undefined,
    };
    return await meta.handler(args, metaContext);
  }
  return await runTool(context, resolveCallable(context, catalog, name), args);
}

/** Builds the MCP server that answers one request of a session. */
export function createMcpServer(context: McpSessionContext): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: { listChanged: true } },
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

  return server;
}
