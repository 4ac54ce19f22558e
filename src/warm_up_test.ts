import assert from "node:assert/strict";
import { loadConfig } from "./config.ts";
import { warmUp } from "./warm_up.ts";

Deno.test("the warm-up answers every request in process, without any network call", async () => {
  const realFetch = globalThis.fetch;
  const fetched: string[] = [];
  globalThis.fetch = (input: string | URL | Request) => {
    fetched.push(String(input instanceof Request ? input.url : input));
    return Promise.reject(new Error("no network in the warm-up"));
  };
  try {
    const report = await warmUp(loadConfig({ HOST: "127.0.0.1", PORT: "0" }));
    assert.equal(report.requests, 12);
    assert.equal(report.ok, report.requests, "every warm-up request succeeded");
    assert.deepEqual(fetched, []);
  } finally {
    globalThis.fetch = realFetch;
  }
});

Deno.test("the warm-up also passes the origin guard of a public binding with allowed hosts", async () => {
  const config = loadConfig({ HOST: "0.0.0.0", PORT: "3000", ALLOWED_HOSTS: "mcp.example.com" });
  const report = await warmUp(config);
  assert.equal(report.ok, report.requests);
});
