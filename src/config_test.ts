import assert from "node:assert/strict";
import { ConfigError, DEFAULT_KV_PATH, loadConfig } from "./config.ts";

Deno.test("configuration defaults follow the product contract", () => {
  const config = loadConfig({});
  assert.equal(config.port, 3000);
  assert.equal(config.host, "0.0.0.0");
  assert.equal(config.apiUrl, "https://api.integration.app");
  assert.equal(config.kvPath, DEFAULT_KV_PATH);
  assert.deepEqual(config.allowedHosts, []);
});

Deno.test("configuration reads lists, trims URLs and leaves KV to Deno Deploy there", () => {
  const config = loadConfig({
    PORT: "8080",
    INTEGRATION_APP_API_URL: "http://127.0.0.1:9999/",
    ALLOWED_HOSTS: " a.example.com , B.example.com ,",
    DENO_DEPLOYMENT_ID: "abc",
  });
  assert.equal(config.port, 8080);
  assert.equal(config.apiUrl, "http://127.0.0.1:9999");
  assert.deepEqual(config.allowedHosts, ["a.example.com", "b.example.com"]);
  assert.equal(config.kvPath, undefined);
});

Deno.test("bad configuration values fail with a clear message", () => {
  assert.throws(
    () => loadConfig({ PORT: "seventy" }),
    (e: Error) => e instanceof ConfigError && /PORT/.test(e.message),
  );
  assert.throws(() => loadConfig({ INTEGRATION_APP_API_URL: "ftp://x" }), ConfigError);
  assert.throws(() => loadConfig({ LOG_LEVEL: "loud" }), /LOG_LEVEL/);
});

Deno.test("OAuth front door: PUBLIC_URL and the authorization server default to what is configured", () => {
  const defaults = loadConfig({ INTEGRATION_APP_API_URL: "https://api.example.test/" });
  assert.equal(defaults.publicUrl, undefined);
  assert.equal(defaults.oauthAuthorizationServerUrl, "https://api.example.test");
  const set = loadConfig({
    PUBLIC_URL: "https://mcp.example.com/",
    OAUTH_AUTHORIZATION_SERVER_URL: "https://auth.example.test/",
  });
  assert.equal(set.publicUrl, "https://mcp.example.com");
  assert.equal(set.oauthAuthorizationServerUrl, "https://auth.example.test");
  assert.throws(
    () => loadConfig({ PUBLIC_URL: "mcp.example.com" }),
    (e: Error) => e instanceof ConfigError && /PUBLIC_URL/.test(e.message),
  );
});

Deno.test("the result cap and the call log are configured from the environment", () => {
  const defaults = loadConfig({});
  assert.equal(defaults.maxResultBytes, 60_000);
  assert.equal(defaults.resultTtlMs, 3_600_000);
  assert.equal(defaults.logArgumentValues, false);
  assert.equal(defaults.callLogMaxPerCustomer, 1000);
  assert.equal(defaults.callLogTtlMs, 7 * 24 * 3_600_000);
  const set = loadConfig({
    MAX_RESULT_BYTES: "0",
    LOG_ARGUMENT_VALUES: "true",
    CALL_LOG_MAX_PER_CUSTOMER: "0",
  });
  assert.equal(set.maxResultBytes, 0);
  assert.equal(set.logArgumentValues, true);
  assert.equal(set.callLogMaxPerCustomer, 0);
  assert.throws(() => loadConfig({ MAX_RESULT_BYTES: "100" }), /MAX_RESULT_BYTES/);
  assert.throws(() => loadConfig({ LOG_ARGUMENT_VALUES: "yes" }), /LOG_ARGUMENT_VALUES/);
});

Deno.test("abuse limits have bounded defaults and read the client address header in lower case", () => {
  const defaults = loadConfig({});
  assert.equal(defaults.maxInFlightPerTenant, 256);
  assert.equal(defaults.maxChatsPerTenant, 10_000);
  assert.equal(defaults.bodyTimeoutMs, 20_000);
  assert.equal(defaults.maxBodyBytesInFlightPerTenant, 32 * 1024 * 1024);
  assert.equal(defaults.unverifiedRatePerSecond, 10);
  assert.equal(defaults.unverifiedBurst, 50);
  assert.equal(defaults.identityCheckConcurrency, 16);
  assert.equal(defaults.clientAddressHeader, undefined);
  assert.equal(
    loadConfig({ CLIENT_ADDRESS_HEADER: "X-Forwarded-For" }).clientAddressHeader,
    "x-forwarded-for",
  );
  assert.throws(() => loadConfig({ MAX_IN_FLIGHT_PER_TENANT: "0" }), /MAX_IN_FLIGHT_PER_TENANT/);
});
