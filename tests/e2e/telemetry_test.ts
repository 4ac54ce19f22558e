/**
 * Deno's built-in OpenTelemetry (`OTEL_DENO=true`) with the start task's permissions: request
 * spans reach an OTLP collector named after the MCP method and tool, without the token.
 *
 * @module
 */
import assert from "node:assert/strict";
import { connectClient } from "../support/harness.ts";
import { FakeIntegrationApp } from "../../fake_integration_app/server.ts";
import { fixtureWorkspace } from "../../fake_integration_app/fixtures.ts";
import { startFlaggedServer } from "../support/task_process.ts";
import {
  expandVariables,
  flagValues,
  readTask,
  runFlags,
  withFlagValues,
} from "../support/start_flags.ts";

/** Protobuf keeps strings as UTF-8 bytes: decoding as latin1 is enough to find them. */
function printable(body: Uint8Array): string {
  return new TextDecoder("latin1").decode(body);
}

Deno.test("with OTEL_DENO=true request spans name the MCP method and tool", async () => {
  const exported: { path: string; body: string }[] = [];
  await using collector = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    async (request) => {
      const body = printable(new Uint8Array(await request.arrayBuffer()));
      exported.push({ path: new URL(request.url).pathname, body });
      return new Response(null, { status: 200 });
    },
  );
  await using fake = new FakeIntegrationApp(fixtureWorkspace()).start();
  const cwd = await Deno.makeTempDir({ prefix: "mcp-otel-" });
  const token = await fake.token("alice");
  try {
    const flags = runFlags(expandVariables(await readTask("start:custom"), {
      INTEGRATION_APP_API_HOST: new URL(fake.url).host,
    }));
    const net = flagValues(flags, "net") as string[];
    const server = await startFlaggedServer({
      flags: withFlagValues(flags, "net", ["127.0.0.1:0", ...net.slice(1)]),
      cwd,
      env: {
        HOST: "127.0.0.1",
        PORT: "0",
        INTEGRATION_APP_API_URL: fake.url,
        KV_PATH: "./data/kv.sqlite3",
        LOG_LEVEL: "info",
        OTEL_DENO: "true",
        OTEL_SERVICE_NAME: "integration-app-mcp",
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${collector.addr.port}`,
      },
    });
    try {
      const client = await connectClient(`${server.url}/mcp`, token);
      try {
        await client.listTools();
        await client.callTool({ name: "gmail_read-email", arguments: { id: "m-1" } });
      } finally {
        await client.close();
      }
    } finally {
      const status = await server.stop();
      assert.equal(status.code, 0, server.lines.join("\n"));
    }
  } finally {
    await Deno.remove(cwd, { recursive: true });
  }

  const traces = exported.filter((e) => e.path === "/v1/traces").map((e) => e.body).join("\n");
  assert.ok(traces.length > 0, `no traces exported; got ${exported.map((e) => e.path)}`);
  assert.ok(traces.includes("integration-app-mcp"), "spans carry the service name");
  assert.ok(traces.includes("tools/call gmail_read-email"), "the call's span is named after it");
  assert.ok(traces.includes("tools/list"));
  for (const attribute of ["mcp.method.name", "gen_ai.tool.name", "http.route"]) {
    assert.ok(traces.includes(attribute), `spans have ${attribute}`);
  }
  const everything = exported.map((e) => e.body).join("\n");
  for (const part of token.split(".")) {
    assert.ok(!everything.includes(part), "no part of the token is exported");
  }
});
