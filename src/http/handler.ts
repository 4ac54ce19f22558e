/**
 * The HTTP handler: routing, origin checks, CORS, authentication, errors and request logs.
 *
 * @module
 */
import type { Caller } from "../auth/identity.ts";
import type { Services } from "../app.ts";
import { LimitExceededError } from "../limits/limit_error.ts";
import { Authenticator } from "./auth.ts";
import { clientAddress, type ConnectionInfo } from "./client_address.ts";
import { listCalls } from "./calls_endpoint.ts";
import { corsHeaders, preflightResponse } from "./cors.ts";
import { errorResponse, HttpError, jsonResponse, tooManyRequests } from "./errors.ts";
import { healthResponse } from "./health.ts";
import { McpEndpoint } from "./mcp_endpoint.ts";
import {
  authorizationServerMetadata,
  authorizeRedirect,
  metadataPreflight,
  type OAuthOptions,
  protectedResourceMetadata,
  resourceMetadataUrl,
} from "./oauth.ts";
import { createOriginGuard } from "./origin_guard.ts";
import { parseChatIdParam } from "./params.ts";
import type { RequestContext } from "./request_context.ts";
import { literalPath, matchRoute, type Route, type RouteHandler } from "./router.ts";
import { isTransientStorageError, storageBusy } from "./storage_errors.ts";
import { annotateRequestSpan } from "./telemetry.ts";
import { deleteChat, getChat, listChats } from "./sessions_endpoint.ts";
import { getTools } from "./tools_endpoint.ts";

/** A `Deno.serve` handler. */
export type Handler = (request: Request, info?: ConnectionInfo) => Promise<Response>;

type GuardedHandler = (
  request: Request,
  caller: Caller,
  params: Record<string, string | undefined>,
  context: RequestContext,
) => Promise<Response>;

/** Builds the server's request handler. */
export function createHandler(services: Services): Handler {
  const { config, logger, identities, sessions, kv, limits, unverified } = services;
  const authenticator = new Authenticator({ identities, unverified });
  const guardOrigin = createOriginGuard({
    bindHost: config.host,
    allowedHosts: config.allowedHosts,
    allowedOrigins: config.allowedOrigins,
  });
  const mcp = new McpEndpoint(services);
  const oauth: OAuthOptions = {
    publicUrl: config.publicUrl,
    authorizationServerUrl: config.oauthAuthorizationServerUrl,
  };
  /** Wraps a handler that needs an allowed origin and an authenticated caller. */
  const guarded =
    (handler: GuardedHandler): RouteHandler => async (request, params, context, address) => {
      const caller = await authenticator.authenticate(
        request,
        address,
        resourceMetadataUrl(request, oauth),
      );
      const tenant = caller.identity.tenant;
      context.tenant = tenant.slice(0, 12);
      limits.checkRequest(tenant);
      const leave = limits.enterRequest(tenant);
      try {
        return await handler(request, caller, params, context);
      } finally {
        leave();
      }
    };

  const route = (method: string, pathname: string, name: string, handler: RouteHandler): Route => ({
    method,
    pattern: new URLPattern({ pathname }),
    literal: literalPath(pathname),
    name,
    handler,
  });

  /** A route of one chat, `/mcp/sessions/:chatId`, served by `serve`. */
  const chatRoute = (method: string, serve: typeof getChat): Route =>
    route(
      method,
      "/mcp/sessions/:chatId",
      "chat",
      guarded((_req, caller, params) =>
        serve(sessions, caller.identity.tenant, parseChatIdParam(params.chatId))
      ),
    );
  const routes: Route[] = [
    route("GET", "/healthz", "healthz", () => healthResponse(kv, logger)),
    route(
      "GET",
      "/",
      "root",
      () => jsonResponse({ name: "Integration App MCP Server", mcp: "/mcp", health: "/healthz" }),
    ),
    // The OAuth front door (no token needed: this is how clients learn to get one).
    route(
      "GET",
      "/.well-known/oauth-protected-resource{/mcp}?",
      "oauth-metadata",
      (req) => protectedResourceMetadata(req, oauth),
    ),
    route(
      "GET",
      "/.well-known/oauth-authorization-server",
      "oauth-metadata",
      (req) => authorizationServerMetadata(req, oauth),
    ),
    route("GET", "/oauth/authorize", "oauth-authorize", (req) => authorizeRedirect(req, oauth)),
    route(
      "POST",
      "/mcp",
      "mcp",
      guarded((req, caller, _p, ctx) => mcp.post(req, caller, ctx)),
    ),
    route("GET", "/mcp", "mcp", guarded((req, caller) => mcp.get(req, caller))),
    route("DELETE", "/mcp", "mcp", guarded((req, caller, _p, ctx) => mcp.delete(req, caller, ctx))),
    route(
      "GET",
      "/mcp/sessions",
      "sessions",
      guarded((req, caller) => listChats(sessions, caller.identity.tenant, req)),
    ),
    route("GET", "/mcp/tools", "tools", guarded((req, caller) => getTools(req, caller, services))),
    route(
      "GET",
      "/mcp/calls",
      "calls",
      guarded((req, caller) => listCalls(req, services.callLog, caller.identity.tenant)),
    ),
    chatRoute("GET", getChat),
    chatRoute("DELETE", deleteChat),
  ];

  async function dispatch(
    request: Request,
    context: RequestContext,
    address: string,
  ): Promise<Response> {
    const url = URL.parse(request.url);
    // Deno builds the URL from the Host header: a malformed one gives no URL at all.
    if (!url) throw new HttpError(400, "Bad Request: the Host header is not a valid host");
    const isMcpPath = url.pathname === "/mcp" || url.pathname.startsWith("/mcp/");
    if (isMcpPath) guardOrigin(request);
    if (request.method === "OPTIONS" && isMcpPath) {
      return preflightResponse(request.headers.get("origin"), "GET, POST, DELETE");
    }
    // Browser-based clients read the OAuth metadata cross-site (public, no credentials).
    if (request.method === "OPTIONS" && url.pathname.startsWith("/.well-known/oauth-")) {
      return metadataPreflight();
    }
    const { route, params } = matchRoute(routes, request, url.pathname);
    context.route = route.name;
    return await route.handler(request, params, context, address);
  }

  return async (request: Request, info?: ConnectionInfo): Promise<Response> => {
    const started = performance.now();
    const context: RequestContext = {};
    const address = clientAddress(request, info, config.clientAddressHeader);
    const pathname = URL.parse(request.url)?.pathname;
    const isMcp = pathname === "/mcp";
    // Only the MCP routes check the Origin: only they may tell a browser it is allowed.
    const isMcpPath = isMcp || (pathname?.startsWith("/mcp/") ?? false);
    let response: Response;
    try {
      response = await dispatch(request, context, address);
    } catch (error) {
      if (error instanceof HttpError) {
        response = errorResponse(error, isMcp, context.rpcId);
      } else if (error instanceof LimitExceededError) {
        response = errorResponse(tooManyRequests(error), isMcp, context.rpcId);
      } else if (isTransientStorageError(error)) {
        logger.warn("storage busy", { error, route: context.route });
        response = errorResponse(storageBusy(), isMcp, context.rpcId);
      } else {
        logger.error("request failed", { error, route: context.route });
        response = errorResponse(new HttpError(500, "Internal Server Error"), isMcp, context.rpcId);
      }
    }
    const origin = request.headers.get("origin");
    if (origin && isMcpPath && response.status !== 403) {
      for (const [name, value] of Object.entries(corsHeaders(origin))) {
        response.headers.set(name, value);
      }
    }
    annotateRequestSpan(context);
    logger.info("request", {
      method: request.method,
      route: context.route ?? "-",
      mcpMethod: context.mcpMethod,
      tool: context.tool,
      status: response.status,
      ms: Math.round((performance.now() - started) * 10) / 10,
      tenant: context.tenant,
      session: context.session,
    });
    return response;
  };
}
