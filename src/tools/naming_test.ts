import assert from "node:assert/strict";
import { looseToolName, TOOL_NAME_PATTERN, toolName } from "./naming.ts";

Deno.test("tool names follow {integrationKey}_{actionKey}", () => {
  assert.equal(toolName("google-calendar", "create-event"), "google-calendar_create-event");
  assert.equal(toolName("hubspot", "create_contact"), "hubspot_create_contact");
  assert.equal(toolName("hubspot", "create", "a1b2c3"), "hubspot-a1b2c3_create");
});

Deno.test("tool names replace refused characters and stay within 64 characters", () => {
  assert.equal(toolName("my.app", "do thing/now"), "my-app_do-thing-now");
  const long = toolName("integration", "x".repeat(100));
  assert.equal(long.length, 64);
  assert.match(long, TOOL_NAME_PATTERN);
  assert.notEqual(long, toolName("integration", "x".repeat(101)));
  assert.equal(long, toolName("integration", "x".repeat(100)), "deterministic");
});

Deno.test("loose names match the hyphen form and any case", () => {
  assert.equal(looseToolName("Gmail_Send-Email"), looseToolName("gmail-send-email"));
});
