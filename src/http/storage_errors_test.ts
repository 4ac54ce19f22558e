import assert from "node:assert/strict";
import { createServices } from "../app.ts";
import { loadConfig } from "../config.ts";
import { createIntegrationAppApiFactory } from "../integration_app/client.ts";
import { createLogger } from "../log.ts";
import { createHandler } from "./handler.ts";

Deno.test("a locked KV database is answered 503 with Retry-After, not 500", async () => {
  using real = await Deno.openKv(":memory:");
  const locked = new Proxy(real, {
    get(target, property) {
      if (property === "get") {
        return () => Promise.reject(new TypeError("database is locked"));
      }
      const value = Reflect.get(target, property);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  const logs: string[] = [];
  const config = loadConfig({ HOST: "127.0.0.1" });
  const handler = createHandler(createServices({
    config,
    kv: locked,
    logger: createLogger("debug", (line) => logs.push(line)),
    apiFactory: createIntegrationAppApiFactory({ apiUrl: config.apiUrl, timeoutMs: 1000 }),
  }));
  const claims = btoa(JSON.stringify({ iss: "ws", id: "alice", exp: 4_000_000_000 }));
  const response = await handler(
    new Request("http://127.0.0.1/mcp/sessions", {
      headers: { authorization: `Bearer eyJhbGciOiJIUzI1NiJ9.${claims}.c2ln` },
    }),
  );
  assert.equal(response.status, 503);
  assert.equal(response.headers.get("retry-after"), "1");
  assert.match((await response.json()).error.message, /session store is busy/);
  assert.ok(logs.some((line) => line.includes("storage busy")));
});
