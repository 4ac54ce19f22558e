import assert from "node:assert/strict";
import { UpstreamError } from "../integration_app/errors.ts";
import type { IntegrationAppApi } from "../integration_app/types.ts";
import { AuthError, decodeTokenClaims, IdentityResolver } from "./identity.ts";

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${part({ alg: "HS256" })}.${part(claims)}.signature`;
}

function resolverWith(accept: (token: string) => boolean, kv: Deno.Kv) {
  const calls: string[] = [];
  const resolver = new IdentityResolver({
    kv,
    ttlMs: 60_000,
    apiFactory: (token) =>
      ({
        getSelf: () => {
          calls.push(token);
          return accept(token)
            ? Promise.resolve({})
            : Promise.reject(new UpstreamError("auth", "Not authenticated"));
        },
      }) as unknown as IntegrationAppApi,
  });
  return { resolver, calls };
}

Deno.test("the same customer id in two workspaces is two tenants", async () => {
  using kv = await Deno.openKv(":memory:");
  const { resolver } = resolverWith(() => true, kv);
  const a = await resolver.resolve(jwt({ iss: "ws-a", id: "alice" }));
  const b = await resolver.resolve(jwt({ iss: "ws-b", id: "alice" }));
  assert.notEqual(a.tenant, b.tenant);
  assert.equal(a.customerId, b.customerId);
});

Deno.test("accepted tokens are cached by hash and refused ones briefly refused", async () => {
  using kv = await Deno.openKv(":memory:");
  const good = jwt({ iss: "ws", id: "alice" });
  const bad = jwt({ iss: "ws", id: "mallory" });
  const { resolver, calls } = resolverWith((token) => token === good, kv);
  await resolver.resolve(good);
  await resolver.resolve(good);
  await assert.rejects(resolver.resolve(bad), AuthError);
  await assert.rejects(resolver.resolve(bad), AuthError);
  assert.equal(calls.length, 2, "one upstream check per token");
  for await (const entry of kv.list({ prefix: [] })) {
    assert.ok(!JSON.stringify(entry).includes(good), "no raw token in KV");
  }
});

Deno.test("tokens without workspace or customer claims are refused locally", () => {
  assert.throws(() => decodeTokenClaims("abc"), AuthError);
  assert.throws(() => decodeTokenClaims(jwt({ id: "x" })), AuthError);
  assert.deepEqual(decodeTokenClaims(jwt({ iss: "ws", id: 42, exp: 5 })), {
    iss: "ws",
    id: "42",
    exp: 5,
  });
});
