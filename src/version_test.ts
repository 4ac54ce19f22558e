import assert from "node:assert/strict";
import { SERVER_VERSION, USER_AGENT } from "./version.ts";

Deno.test("the version the server reports is the one in deno.json", async () => {
  const config = JSON.parse(await Deno.readTextFile(new URL("../deno.json", import.meta.url)));
  assert.equal(SERVER_VERSION, config.version);
  assert.match(USER_AGENT, /^integration-app-mcp-server-deno\/\d+\.\d+\.\d+$/);
});
