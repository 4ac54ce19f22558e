import assert from "node:assert/strict";
import { UpstreamError } from "../integration_app/errors.ts";
import type { IntegrationAppApi } from "../integration_app/types.ts";
import { AuthError, decodeTokenClaims, IdentityResolver, subjectOf } from "./identity.ts";

function jwt(claims: Record<string, unknown>): string {
  const part = (value: unknown) =>
    btoa(JSON.stringify(value)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  return `${part({ alg: "HS256" })}.${part(claims)}.signature`;
}

/** A resolver whose `/self` answers `self(token)`, or refuses with `refusal` when undefined. */
function resolverWith(
  self: (token: string) => Record<string, unknown> | undefined,
  kv: Deno.Kv,
  refusal: () => UpstreamError = () => new UpstreamError("auth", "Not authenticated"),
) {
  const calls: string[] = [];
  const resolver = new IdentityResolver({
    kv,
    ttlMs: 60_000,
    apiFactory: (token) =>
      ({
        getSelf: () => {
          calls.push(token);
          const answer = self(token);
          return answer ? Promise.resolve(answer) : Promise.reject(refusal());
        },
      }) as unknown as IntegrationAppApi,
  });
  return { resolver, calls };
}

/** What the fake (and, inferred, the live API) answers for a customer JWT. */
function selfOfJwt(token: string): Record<string, unknown> {
  const claims = JSON.parse(atob(token.split(".")[1] ?? "")) as Record<string, unknown>;
  return { id: `cust_${claims.id}`, internalId: claims.id };
}

Deno.test("the same customer id in two workspaces is two tenants", async () => {
  using kv = await Deno.openKv(":memory:");
  const { resolver } = resolverWith(selfOfJwt, kv);
  const a = await resolver.resolve(jwt({ iss: "ws-a", id: "alice" }));
  const b = await resolver.resolve(jwt({ iss: "ws-b", id: "alice" }));
  assert.notEqual(a.tenant, b.tenant);
  assert.equal(a.customerId, b.customerId);
});

Deno.test("accepted tokens are cached by hash and refused ones briefly refused", async () => {
  using kv = await Deno.openKv(":memory:");
  const good = jwt({ iss: "ws", id: "alice" });
  const bad = jwt({ iss: "ws", id: "mallory" });
  const { resolver, calls } = resolverWith((t) => t === good ? selfOfJwt(t) : undefined, kv);
  await resolver.resolve(good);
  await resolver.resolve(good);
  await assert.rejects(resolver.resolve(bad), AuthError);
  await assert.rejects(resolver.resolve(bad), AuthError);
  assert.equal(calls.length, 2, "one upstream check per token");
  for await (const entry of kv.list({ prefix: [] })) {
    assert.ok(!JSON.stringify(entry).includes(good), "no raw token in KV");
  }
});

Deno.test("only what cannot be a token is refused locally; opaque tokens are asked about", () => {
  assert.throws(() => decodeTokenClaims(""), AuthError);
  assert.throws(() => decodeTokenClaims("has space"), AuthError);
  assert.throws(() => decodeTokenClaims("x".repeat(20_000)), AuthError);
  assert.deepEqual(decodeTokenClaims("pat-abc123"), {});
  assert.deepEqual(decodeTokenClaims("oat_opaque.token"), {});
  assert.deepEqual(decodeTokenClaims(jwt({ id: "x" })), {});
  assert.deepEqual(decodeTokenClaims(jwt({ iss: "ws", id: 42, exp: 5 })), {
    workspace: "ws",
    exp: 5,
  });
  assert.deepEqual(decodeTokenClaims(jwt({ workspaceKey: "ws2", tenantKey: "t" })), {
    workspace: "ws2",
  });
});

Deno.test("the tenant is the customer /self names, not the token's unverified id or sub claim", async () => {
  using kv = await Deno.openKv(":memory:");
  // A token signed by the workspace, claiming alice in `sub`: Integration.app says it is bob.
  const token = jwt({ iss: "ws", sub: "alice" });
  const { resolver } = resolverWith(() => ({ id: "cust_bob", internalId: "bob" }), kv);
  const identity = await resolver.resolve(token);
  assert.equal(identity.customerId, "bob");
  const { resolver: other } = resolverWith(selfOfJwt, kv);
  const alice = await other.resolve(jwt({ iss: "ws", id: "alice" }));
  assert.notEqual(identity.tenant, alice.tenant);
});

Deno.test("personal access and OAuth tokens take their workspace and customer from /self", async () => {
  using kv = await Deno.openKv(":memory:");
  const { resolver } = resolverWith(
    (t) =>
      t === "pat-123" || t === "oat_abc"
        ? { id: "cust_alice", internalId: "alice", workspaceKey: "ws" }
        : t === "pat-nows"
        ? { id: "cust_alice", internalId: "alice" }
        : selfOfJwt(t),
    kv,
  );
  const viaJwt = await resolver.resolve(jwt({ iss: "ws", id: "alice" }));
  const viaPat = await resolver.resolve("pat-123");
  const viaOauth = await resolver.resolve("oat_abc");
  assert.equal(viaPat.tenant, viaJwt.tenant, "one customer is one tenant whatever the token kind");
  assert.equal(viaOauth.tenant, viaJwt.tenant);
  await assert.rejects(resolver.resolve("pat-nows"), /named no customer of a workspace/);
});

Deno.test("a 400 or 404 from /self refuses the token instead of reporting an outage", async () => {
  using kv = await Deno.openKv(":memory:");
  for (const kind of ["bad_request", "not_found"] as const) {
    const { resolver } = resolverWith(() => undefined, kv, () => new UpstreamError(kind, "no"));
    await assert.rejects(resolver.resolve(`pat-${kind}`), AuthError);
  }
  const { resolver } = resolverWith(
    () => undefined,
    kv,
    () => new UpstreamError("unavailable", "down"),
  );
  await assert.rejects(resolver.resolve("pat-down"), UpstreamError);
});

Deno.test("subjectOf reads the shapes /self answers in", () => {
  assert.deepEqual(subjectOf({ internalId: "a", workspaceKey: "w" }, {}), {
    workspace: "w",
    customerId: "a",
  });
  assert.deepEqual(subjectOf({ tenant: { key: "t" }, workspace: { id: "wid" } }, {}), {
    workspace: "wid",
    customerId: "t",
  });
  assert.equal(subjectOf({ workspaceKey: "w" }, {}), undefined);
});

Deno.test("an accepted JWT's workspace claim goes before a workspace id, so tenant keys stay", () => {
  assert.deepEqual(subjectOf({ internalId: "a", workspaceId: "wid" }, { workspace: "ws-key" }), {
    workspace: "ws-key",
    customerId: "a",
  });
});

/** A resolver with a first check that records what it was asked and answers `firstAnswer`. */
function resolverWithFirstCheck(kv: Deno.Kv, firstAnswer: () => Promise<void>) {
  const calls: string[] = [];
  const accepted: string[] = [];
  const resolver = new IdentityResolver({
    kv,
    ttlMs: 60_000,
    apiFactory: (token) =>
      ({
        getSelf: () => {
          calls.push("self");
          return Promise.resolve(selfOfJwt(token));
        },
      }) as unknown as IntegrationAppApi,
    firstCheck: () => {
      calls.push("first");
      return { answered: firstAnswer(), accept: (tenant) => accepted.push(tenant) };
    },
  });
  return { resolver, calls, accepted };
}

Deno.test("a customer never seen is checked by its first request, then /self; a known one by /self alone", async () => {
  using kv = await Deno.openKv(":memory:");
  const { resolver, calls, accepted } = resolverWithFirstCheck(kv, () => Promise.resolve());
  const identity = await resolver.resolve(jwt({ iss: "ws", id: "alice", exp: 4e9 }));
  assert.deepEqual(calls, ["first", "self"]);
  assert.deepEqual(accepted, [identity.tenant]);
  // Another token of the same customer, also on another instance sharing the KV.
  await resolver.resolve(jwt({ iss: "ws", id: "alice", exp: 4e9 + 1 }));
  const other = resolverWithFirstCheck(kv, () => Promise.resolve());
  await other.resolver.resolve(jwt({ iss: "ws", id: "alice", exp: 4e9 + 2 }));
  assert.deepEqual(calls, ["first", "self", "self"]);
  assert.deepEqual(other.calls, ["self"]);
  // Opaque tokens claim no customer: /self alone.
  const opaque = resolverWithFirstCheck(kv, () => Promise.resolve());
  await opaque.resolver.resolve("pat-0123456789abcdef").catch(() => {});
  assert.deepEqual(opaque.calls, ["self"]);
});

Deno.test("a refused first check refuses the token without /self; another failure leaves it to /self", async () => {
  using kv = await Deno.openKv(":memory:");
  const refused = resolverWithFirstCheck(
    kv,
    () => Promise.reject(new UpstreamError("auth", "Not authenticated")),
  );
  const token = jwt({ iss: "ws", id: "mallory" });
  await assert.rejects(refused.resolver.resolve(token), /Integration.app refused the token/);
  await assert.rejects(refused.resolver.resolve(token), AuthError);
  assert.deepEqual(refused.calls, ["first"], "one upstream call per forged token");
  const failed = resolverWithFirstCheck(
    kv,
    () => Promise.reject(new UpstreamError("unavailable", "Bad gateway")),
  );
  await failed.resolver.resolve(jwt({ iss: "ws", id: "bob" }));
  assert.deepEqual(failed.calls, ["first", "self"]);
  assert.deepEqual(failed.accepted, [], "nothing started is handed over");
});

Deno.test("a customer stays known while its tokens keep being accepted: each acceptance renews the mark", async () => {
  using kv = await Deno.openKv(":memory:");
  const { resolver } = resolverWithFirstCheck(kv, () => Promise.resolve());
  const marks = async () => {
    const entries = [];
    for await (const entry of kv.list({ prefix: ["customer_seen"] })) entries.push(entry);
    return entries;
  };
  await resolver.resolve(jwt({ iss: "ws", id: "alice", exp: 4e9 }));
  const [first] = await marks();
  await resolver.resolve(jwt({ iss: "ws", id: "alice", exp: 4e9 + 1 }));
  const after = await marks();
  assert.equal(after.length, 1);
  assert.notEqual(after[0]?.versionstamp, first?.versionstamp, "renewed");
  assert.ok(!JSON.stringify(after).includes("alice"), "the claims are kept only as a hash");
});
