/**
 * A warm-up before the server listens: a few MCP requests of both protocol eras (initialize,
 * a static listing, a call, a dynamic session's `enable-tools {query}`, a ping; a stateless
 * 2026-07-28 listing and call) through the real handler, on a throwaway in-memory KV and an
 * in-process stand-in for Integration.app, so the first real request does not pay for
 * compiling the code it runs. No network call, nothing written to the server's KV, no log
 * line.
 *
 * @module
 */
import { createServices } from "./app.ts";
import type { Config } from "./config.ts";
import { createHandler } from "./http/handler.ts";
import type {
  Action,
  Connection,
  IntegrationAppApi,
  IntegrationAppApiFactory,
} from "./integration_app/types.ts";
import { createLogger } from "./log.ts";

const APPS = ["crm", "mail", "calendar"];
const VERBS = ["create", "update", "delete", "find", "list", "search", "send", "archive"];

function actionsOf(app: string): Action[] {
  return VERBS.map((verb, i) => ({
    id: `${app}-${i}`,
    key: `${verb}-record`,
    name: `${verb} record`,
    description: `${verb} a record in ${app}`,
    type: verb === "list" ? "list-data-records" : "create-data-record",
    inputSchema: {
      type: "object",
      required: ["email"],
      properties: {
        email: { type: "string", format: "email", description: "Email address" },
        name: { type: "string", maxLength: 200 },
        tags: { type: "array", items: { type: "string" } },
      },
    },
  }));
}

/** A stand-in for Integration.app answering from memory. */
const standIn: IntegrationAppApiFactory = (): IntegrationAppApi => ({
  getSelf: () => Promise.resolve({ id: "warm-up", internalId: "warm-up", workspaceKey: "warm-up" }),
  listConnections: () =>
    Promise.resolve(APPS.map((app): Connection => ({
      id: `conn-${app}`,
      name: app,
      integration: { id: `int-${app}`, key: app, name: app },
    }))),
  getIntegration: (id) => Promise.resolve({ id, key: id.replace(/^int-/, "") }),
  listActions: (integration) => Promise.resolve(actionsOf(integration.key)),
  listConnectionActions: () => Promise.resolve([]),
  listIntegrations: () =>
    Promise.resolve(APPS.map((app) => ({ id: `int-${app}`, key: app, name: app }))),
  createConnectionRequest: () => Promise.reject(new Error("Not in the warm-up")),
  getConnectionRequest: () => Promise.reject(new Error("Not in the warm-up")),
  runAction: (connectionId, _actionKey, input) =>
    Promise.resolve({ output: { ok: true, connectionId, input } }),
});

function base64Url(value: unknown): string {
  return new TextEncoder().encode(JSON.stringify(value)).toBase64({
    alphabet: "base64url",
    omitPadding: true,
  });
}

/** What the warm-up did. */
export interface WarmUpReport {
  /** Requests sent through the handler. */
  requests: number;
  /** Of which answered with a 2xx status. */
  ok: number;
}

/**
 * Runs the warm-up requests; resolves when they are done and their resources released. A
 * request that fails is counted, never thrown: the warm-up must not keep the server from
 * starting.
 */
export async function warmUp(config: Config): Promise<WarmUpReport> {
  const report: WarmUpReport = { requests: 0, ok: 0 };
  const kv = await Deno.openKv(":memory:");
  const services = createServices({
    config: { ...config, logLevel: "silent" },
    kv,
    logger: createLogger("silent"),
    apiFactory: standIn,
  });
  try {
    const handler = createHandler(services);
    const token = [
      base64Url({ alg: "HS256", typ: "JWT" }),
      base64Url({ iss: "warm-up", id: "warm-up", exp: Math.floor(Date.now() / 1000) + 600 }),
      "warm-up",
    ].join(".");
    // A host the origin guard accepts: the first allowed one, or loopback.
    const origin = `http://${config.allowedHosts[0] ?? "127.0.0.1"}:${config.port || 3000}`;
    const post = async (
      body: unknown,
      options: { session?: string; query?: string; headers?: Record<string, string> } = {},
    ): Promise<Response> => {
      const response = await handler(
        new Request(`${origin}/mcp${options.query ?? ""}`, {
          method: "POST",
          headers: {
            host: new URL(origin).host,
            authorization: `Bearer ${token}`,
            "content-type": "application/json",
            accept: "application/json, text/event-stream",
            ...(options.session
              ? { "mcp-session-id": options.session, "mcp-protocol-version": "2025-11-25" }
              : {}),
            ...options.headers,
          },
          body: JSON.stringify(body),
        }),
      );
      await response.arrayBuffer();
      report.requests++;
      if (response.ok) report.ok++;
      return response;
    };
    const initialize = {
      jsonrpc: "2.0",
      id: 0,
      method: "initialize",
      params: {
        protocolVersion: "2025-11-25",
        capabilities: {},
        clientInfo: { name: "warm-up", version: "1" },
      },
    };
    for (const query of ["", "?mode=dynamic"]) {
      const session = (await post(initialize, { query })).headers.get("mcp-session-id");
      if (!session) return report;
      await post({ jsonrpc: "2.0", method: "notifications/initialized" }, { session });
      await post({ jsonrpc: "2.0", id: 1, method: "tools/list" }, { session });
      await post({ jsonrpc: "2.0", id: 2, method: "ping" }, { session });
      const call = query
        ? { name: "enable-tools", arguments: { query: "send an email to a lead" } }
        : { name: "crm_create-record", arguments: { email: "ada@example.com" } };
      await post({ jsonrpc: "2.0", id: 3, method: "tools/call", params: call }, { session });
    }
    // The 2026-07-28 era: no session, the revision on every request.
    const modern = (method: string, params: Record<string, unknown>) =>
      post({
        jsonrpc: "2.0",
        id: 4,
        method,
        params: {
          ...params,
          _meta: {
            "io.modelcontextprotocol/protocolVersion": "2026-07-28",
            "io.modelcontextprotocol/clientCapabilities": {},
          },
        },
      }, {
        headers: {
          "mcp-protocol-version": "2026-07-28",
          "mcp-method": method,
          ...(typeof params.name === "string" ? { "mcp-name": params.name } : {}),
        },
      });
    await modern("tools/list", {});
    await modern("tools/call", {
      name: "crm_create-record",
      arguments: { email: "ada@example.com" },
    });
  } finally {
    await services.background.drain();
    kv.close();
  }
  return report;
}
