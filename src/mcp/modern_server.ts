/**
 * The MCP server of one 2026-07-28 request, on the SDK's current generation. It serves the
 * same tools with the same handlers as the 2025 server (`mcp_server.ts`); what differs is the
 * wire (the SDK stamps `resultType` and server info, and answers `server/discover`) and the
 * caching hints every list result carries, and how a connection link is asked for: an
 * `input_required` result and its retry (`connect_input.ts`).
 *
 * @module
 */
import {
  answerCallTool,
  answerListTools,
  INSTRUCTIONS,
  loadCatalog,
  SERVER_INFO,
  setResourceHandlers,
} from "./mcp_server.ts";
import type { McpSessionContext } from "./mcp_server.ts";
import type { IndexedCatalog } from "../tools/catalog.ts";
import { CONNECT_APP_NAME } from "./connect_app.ts";
import {
  type CallIdentity,
  connectAnswer,
  connectInputRequired,
  ConnectionInputRequired,
  type ConnectState,
  type ConnectStates,
  declinedResult,
  notFinishedResult,
  stateForAnotherCall,
  stateMatches,
} from "./connect_input.ts";
import {
  type CallToolResult,
  type InputRequiredResult,
  Server,
  type ServerContext,
} from "../sdk/server.ts";

/** `cacheScope` of every list: a customer's tools are theirs alone. */
export const CACHE_SCOPE = "private";

/** The 2025 instructions, and where the enabled tools live without sessions. */
export const MODERN_INSTRUCTIONS =
  `${INSTRUCTIONS} Tools enabled with \`enable-tools\` belong to the chat ` +
  "named by the `x-chat-id` header (there are no sessions).";

/**
 * What a 2026-07-28 request is served with: tools, prompts (an empty list for now) and
 * resources (cut results, read with read-result).
 */
export const MODERN_CAPABILITIES = {
  tools: { listChanged: true },
  prompts: {},
  resources: {},
} as const;

/** What a modern request's server needs besides the shared session context. */
export interface ModernServerOptions {
  /** How much longer `catalog` stays fresh, in ms: a static listing's `ttlMs`. */
  freshForMs(catalog: IndexedCatalog): number;
  /** `ttlMs` of lists that only change with a new release (prompts, resources, discover). */
  fixedTtlMs: number;
  /** Seals and opens the `requestState` of connection links. */
  states: ConnectStates;
  /**
   * The outcome of this request's `tools/call`, when it was run already (a plain call answered
   * directly whose outcome still needs the SDK's wire: an error or an `input_required` result).
   */
  callOutcome?: Promise<CallToolResult | InputRequiredResult>;
}

/** Builds the server that answers one 2026-07-28 request. */
export function createModernServer(
  context: McpSessionContext,
  options: ModernServerOptions,
): Server {
  const fixed = { ttlMs: options.fixedTtlMs, cacheScope: CACHE_SCOPE } as const;
  const server = new Server(SERVER_INFO, {
    capabilities: MODERN_CAPABILITIES,
    instructions: MODERN_INSTRUCTIONS,
    // Every echoed requestState is verified (MAC, expiry, customer) before a handler runs.
    requestState: { verify: (state) => options.states.open(state, context.session.tenant) },
    cacheHints: {
      "server/discover": fixed,
      "prompts/list": fixed,
      "resources/list": fixed,
      "resources/templates/list": fixed,
    },
  });

  server.setRequestHandler("tools/list", async (request) => {
    const listing = await answerListTools(context, request.params);
    // A dynamic listing can change at any moment (an enable-tools call): 0.
    const ttlMs = context.session.mode === "static"
      ? options.freshForMs(await loadCatalog(context))
      : 0;
    return { ...listing, ttlMs, cacheScope: CACHE_SCOPE };
  });

  server.setRequestHandler(
    "tools/call",
    (request, ctx) =>
      options.callOutcome ??
        answerModernCall(context, options.states, request.params, {
          state: ctx.mcpReq.requestState<ConnectState>(),
          inputResponses: ctx.mcpReq.inputResponses,
        }),
  );

  server.setRequestHandler("prompts/list", () => ({ prompts: [] }));
  setResourceHandlers(server, context);
  return server;
}

/** What the retry of a call carries: its verified `requestState` and the client's answers. */
export interface ModernCallRetry {
  state?: ConnectState;
  inputResponses?: ServerContext["mcpReq"]["inputResponses"];
}

/**
 * Answers a 2026-07-28 `tools/call`, asking for a connection link through an `input_required`
 * result where the call needs one, and answering its retry: declined or dismissed is an
 * `isError` result; accepted runs the call once the connection request completed (the
 * connection watch is asked at once), or says the connection is not finished yet.
 */
export async function answerModernCall(
  context: McpSessionContext,
  states: ConnectStates,
  params: { name: string; arguments?: Record<string, unknown> },
  retry: ModernCallRetry = {},
): Promise<CallToolResult | InputRequiredResult> {
  const call: CallIdentity = { name: params.name, args: params.arguments ?? {} };
  // Verified by the server's `requestState.verify` hook (else the call never got here).
  const state = retry.state;
  const connectApp = call.name === CONNECT_APP_NAME;
  let accepted = false;
  if (state !== undefined) {
    if (!stateMatches(state, call)) throw stateForAnotherCall();
    const answer = connectAnswer(retry.inputResponses);
    if (answer === "decline" || answer === "cancel") {
      return declinedResult(state, { action: answer, call, connectApp });
    }
    if (answer === "accept") {
      accepted = true;
      try {
        // Asks Integration.app about pending connection requests now, not at the next poll.
        await context.catalog({ checkConnections: true });
      } catch {
        // The call below reports what fails.
      }
    }
  }
  try {
    // Change notifications travel on `subscriptions/listen` streams (through the change feed).
    return await answerCallTool(context, params, () => Promise.resolve());
  } catch (error) {
    if (!(error instanceof ConnectionInputRequired)) throw error;
    // Asked once: after the user accepted, a connection still missing is said in the result
    // (asking again would loop through the client's elicitation handler).
    if (accepted) return notFinishedResult(error, { call, connectApp });
    return await connectInputRequired(error, {
      states,
      tenant: context.session.tenant,
      call,
      connectApp,
      logger: context.logger,
    });
  }
}
