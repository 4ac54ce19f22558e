/**
 * `connect-app {app}` (dynamic mode): connects an app the customer lacks, or repairs a broken
 * connection, through an Integration.app connection request. The user gets a link: through
 * URL-mode elicitation where the client declared it (2025-11-25: the URL-elicitation-required
 * error, -32042; 2026-07-28: an `input_required` result, see `connect_input.ts`), else in the
 * result text. The same link is offered when a tool call fails
 * because its connection is broken. When the user finishes, the connection watch sees the
 * request complete and the next listing or call is served from a rebuilt catalog.
 *
 * @module
 */
import { toUpstreamError } from "../integration_app/errors.ts";
import type { WorkspaceApp } from "../catalog_cache/unconnected_apps.ts";
import type { ConnectionRequest, ConnectionRequestTarget } from "../integration_app/types.ts";
import { ConnectionInputRequired } from "./connect_input.ts";
import type { IndexedCatalog } from "../tools/catalog.ts";
import { MAX_TYPED_APP_KEY_CHARS } from "../tools/catalog_views.ts";
import type { McpSessionContext } from "./mcp_server.ts";
import type { MetaTool } from "./meta_tool.ts";
import { type CallToolResult, type Tool, UrlElicitationRequiredError } from "../sdk/server.ts";
import { errorResult, reconnectAdvice } from "./tool_result.ts";

/** The tool's name. */
export const CONNECT_APP_NAME = "connect-app";

/** The `tools/list` entry of `connect-app`. */
const CONNECT_APP_TOOL: Tool = {
  name: CONNECT_APP_NAME,
  title: "Connect App",
  description: "Connect an app (such as `gmail` or `hubspot`) the user has not connected yet, " +
    "or reconnect one whose connection broke. Returns a link the user must open to sign in " +
    "to the app; once they finish, the app's tools are available (enable them with " +
    "`enable-tools`).",
  inputSchema: {
    type: "object",
    properties: {
      app: {
        type: "string",
        minLength: 1,
        maxLength: MAX_TYPED_APP_KEY_CHARS,
        description: "The app's key, as in tool names before the first `_` (e.g. `gmail`).",
      },
    },
    required: ["app"],
    additionalProperties: false,
  },
  annotations: {
    title: "Connect App",
    readOnlyHint: false,
    destructiveHint: false,
    idempotentHint: false,
    openWorldHint: true,
  },
};

/**
 * Hands the user the link of `request` through URL-mode elicitation, where the client declared
 * it: in 2025-11-25 throws the URL-elicitation-required error (the client shows the link and
 * retries the call once the user is done); in 2026-07-28 throws `ConnectionInputRequired`,
 * which the modern server answers as an `input_required` result (`connect_input.ts`). Else
 * returns and the caller puts the link in its result.
 */
export function elicitConnection(
  context: McpSessionContext,
  request: ConnectionRequest,
  appName: string,
): void {
  if (context.session.clientCapabilities?.elicitationUrl !== true) return;
  if (context.inputRequired) throw new ConnectionInputRequired(request, appName);
  throw new UrlElicitationRequiredError([{
    mode: "url",
    elicitationId: request.id,
    url: request.url,
    message: `Connect ${appName} to continue: sign in to ${appName} on the page that opens.`,
  }]);
}

/**
 * Creates a connection request and starts watching it (or hands back the pending one made for
 * the same target a short while ago); throws what the API threw.
 */
async function requestConnection(
  context: McpSessionContext,
  target: ConnectionRequestTarget,
): Promise<ConnectionRequest> {
  const key = JSON.stringify([target.connectionId, target.integrationKey, target.connectorId]);
  const recent = context.reusableConnectionRequest?.(key);
  if (recent) return recent;
  const request = await context.api.createConnectionRequest(target);
  if (typeof request?.url !== "string" || request.url.length === 0) {
    throw new TypeError("Integration.app returned a connection request without a URL");
  }
  context.onConnectionRequest?.(request, key);
  return request;
}

function parseApp(args: Record<string, unknown>): string | string[] {
  const problems: string[] = [];
  for (const key of Object.keys(args)) if (key !== "app") problems.push(`unknown field "${key}"`);
  const app = args.app;
  if (typeof app !== "string" || app.trim().length === 0) {
    problems.push('"app" must be a non-empty string');
  } else if (app.length > MAX_TYPED_APP_KEY_CHARS) {
    problems.push(`"app" must be at most ${MAX_TYPED_APP_KEY_CHARS} characters`);
  }
  return problems.length > 0 ? problems : (app as string).trim();
}

async function unknownAppMessage(context: McpSessionContext, app: string): Promise<string> {
  let known = "";
  try {
    const apps = await context.unconnectedApps?.();
    if (apps && apps.length > 0) {
      known = ` Apps that can be connected: ${
        apps.slice(0, 30).map((a) => a.integrationKey).join(", ")
      }.`;
    }
  } catch {
    // The list is a courtesy.
  }
  return `No app "${app.slice(0, 60)}" in this Integration.app workspace.${known}`;
}

/** The `connect-app` meta-tool (registered in `meta_tools.ts`). */
export const connectAppMetaTool: MetaTool = {
  tool: CONNECT_APP_TOOL,
  changesToolList: false,
  async handler(args, context) {
    // A retried call (after URL elicitation) must see the connection the user just made.
    let catalog = context.catalog;
    try {
      catalog = await context.session.catalog({ checkConnections: true });
    } catch {
      // The catalog the call was served with will do.
    }
    return await answerConnectApp(context.session, catalog, args);
  },
};

/** Answers `connect-app`. */
async function answerConnectApp(
  context: McpSessionContext,
  catalog: IndexedCatalog,
  args: Record<string, unknown>,
): Promise<CallToolResult> {
  const parsed = parseApp(args);
  if (Array.isArray(parsed)) {
    return errorResult(`Invalid arguments for ${CONNECT_APP_NAME}: ${parsed.join("; ")}`);
  }
  const app = parsed;
  const allowed = context.session.apps;
  if (allowed && !allowed.includes(app)) {
    return errorResult(
      `This session is limited to the apps ${allowed.join(", ")}; "${app.slice(0, 60)}" ` +
        `is not one of them.`,
    );
  }
  const connections = (catalog.connections ?? []).filter((c) => c.integrationKey === app);
  const broken = connections.find((c) => c.status === "broken");
  const active = connections.find((c) => c.status === "active");
  if (active && !broken) {
    const tools = catalog.tools.filter((tool) => tool.integrationKey === app).length;
    return {
      content: [{
        type: "text",
        text: `${active.integrationName} is already connected (${tools} tools). ` +
          `Enable the ones you need with enable-tools.`,
      }],
      structuredContent: { app, connected: true, tools },
    };
  }
  let request: ConnectionRequest;
  try {
    request = await requestConnection(
      context,
      broken ? { connectionId: broken.connectionId } : { integrationKey: app },
    );
  } catch (error) {
    const upstream = toUpstreamError(error);
    if (upstream.kind === "not_found" || upstream.kind === "bad_request") {
      return errorResult(await unknownAppMessage(context, app));
    }
    return errorResult(
      `Cannot create a link to connect ${app}: ${upstream.message}. ` +
        (upstream.retryable ? "Retry in a moment." : "Retrying will not help."),
    );
  }
  const name = broken?.integrationName ?? app;
  elicitConnection(context, request, name);
  return {
    content: [{
      type: "text",
      text: `Ask the user to open this link to ${broken ? "reconnect" : "connect"} ${name}: ` +
        `${request.url}\nOnce they have finished, ${name}'s tools are available: enable ` +
        `them with enable-tools (they are found at once, no waiting).`,
    }],
    structuredContent: {
      app,
      url: request.url,
      connectionRequestId: request.id,
      reconnect: Boolean(broken),
    },
  };
}

/**
 * A connection request that repairs a connection; `undefined` when none could be made (the
 * advice then says to reconnect in Integration.app). The connection watch notices when it
 * completes.
 */
export async function reconnectRequest(
  context: McpSessionContext,
  target: ConnectionRequestTarget,
): Promise<ConnectionRequest | undefined> {
  try {
    return await requestConnection(context, target);
  } catch (error) {
    context.logger.info("cannot create a connection request", {
      kind: toUpstreamError(error).kind,
    });
    return undefined;
  }
}

/**
 * A call of a tool that is not listed because its app's connection is broken: says so and
 * offers the reconnect link (or elicits it). `undefined` when no broken connection fits.
 */
async function brokenConnectionResult(
  context: McpSessionContext,
  catalog: IndexedCatalog,
  name: string,
): Promise<CallToolResult | undefined> {
  const lower = name.toLowerCase();
  const broken = (catalog.connections ?? [])
    .filter((c) =>
      c.status === "broken" && (context.session.apps?.includes(c.integrationKey) ?? true) &&
      (lower.startsWith(`${c.integrationKey.toLowerCase()}_`) ||
        lower.startsWith(`${c.integrationKey.toLowerCase()}-`))
    )
    .sort((a, b) => b.integrationKey.length - a.integrationKey.length)[0];
  if (!broken) return undefined;
  const request = await reconnectRequest(context, { connectionId: broken.connectionId });
  if (request) elicitConnection(context, request, broken.integrationName);
  return errorResult(
    `${name.slice(0, 100)} cannot run: the ${broken.integrationName} connection is broken, ` +
      `so its tools are not listed. ${reconnectAdvice(broken.integrationName, request?.url)}`,
  );
}

/**
 * A call of a tool of a workspace app the customer never connected: says so and offers the
 * link that connects it (or elicits it). `undefined` when the name points at no such app.
 */
async function unconnectedAppResult(
  context: McpSessionContext,
  name: string,
): Promise<CallToolResult | undefined> {
  let app: WorkspaceApp | undefined;
  try {
    app = await context.unconnectedAppOf?.(name);
  } catch {
    return undefined; // Only a courtesy: the unknown tool is reported as such.
  }
  if (!app || (context.session.apps && !context.session.apps.includes(app.integrationKey))) {
    return undefined;
  }
  let request: ConnectionRequest | undefined;
  try {
    request = await requestConnection(context, { integrationKey: app.integrationKey });
  } catch {
    request = undefined;
  }
  if (request) elicitConnection(context, request, app.integrationName);
  return errorResult(
    `${name.slice(0, 100)} cannot run: ${app.integrationName} is not connected yet. ` +
      reconnectAdvice(app.integrationName, request?.url, "connect"),
  );
}

/**
 * The answer to a call of a tool that is not in the catalog because its app is not usable:
 * its connection is broken, or the customer never connected that workspace app. Says so and
 * offers the link (or elicits it); `undefined` when the name points at neither.
 */
export async function missingConnectionResult(
  context: McpSessionContext,
  catalog: IndexedCatalog,
  name: string,
): Promise<CallToolResult | undefined> {
  return await brokenConnectionResult(context, catalog, name) ??
    await unconnectedAppResult(context, name);
}

/**
 * For names `enable-tools` could not find: the apps among them the customer has not
 * connected (or whose connection is broken), as a hint to call `connect-app`; `undefined`
 * when there are none. Looks at five names at most.
 */
export async function connectHint(
  context: McpSessionContext,
  catalog: IndexedCatalog,
  names: readonly string[],
): Promise<string | undefined> {
  const apps = new Map<string, string>();
  for (const name of names.slice(0, 5)) {
    const lower = name.toLowerCase();
    const broken = (catalog.connections ?? []).find((c) =>
      c.status === "broken" && lower.startsWith(`${c.integrationKey.toLowerCase()}_`)
    );
    if (broken) {
      apps.set(broken.integrationKey, `${broken.integrationName} (its connection is broken)`);
      continue;
    }
    try {
      const app = await context.unconnectedAppOf?.(name);
      if (app) apps.set(app.integrationKey, `${app.integrationName} (not connected yet)`);
    } catch {
      // Only a hint.
    }
  }
  const allowed = context.session.apps;
  const entries = [...apps].filter(([key]) => !allowed || allowed.includes(key));
  if (entries.length === 0) return undefined;
  return `To use ${entries.map(([, what]) => what).join(", ")}: call ${CONNECT_APP_NAME} with ` +
    `${entries.map(([key]) => `{"app": "${key}"}`).join(" or ")} and give the user its link.`;
}
