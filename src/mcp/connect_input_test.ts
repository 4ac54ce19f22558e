import assert from "node:assert/strict";
import { createLogger } from "../log.ts";
import {
  connectInputRequired,
  ConnectionInputRequired,
  ConnectStates,
  sharedStateKey,
  stateMatches,
} from "./connect_input.ts";

const REQUEST = { id: "cr_1", url: "https://app.example/connect/cr_1" };
const CALL = { name: "hubspot_create-contact", args: { email: "a@example.com", tags: ["x"] } };
const LINK = { call: CALL, request: REQUEST, appName: "HubSpot" };

Deno.test("a sealed state opens for its customer and is bound to its call, in any key order", async () => {
  await using kv = await Deno.openKv(":memory:");
  const states = new ConnectStates(() => sharedStateKey(kv));
  const state = await states.seal("tenant-a", LINK);
  const opened = await states.open(state, "tenant-a");
  assert.equal(opened.r, "cr_1");
  assert.equal(opened.u, REQUEST.url);
  assert.equal(opened.a, "HubSpot");
  assert.ok(!JSON.stringify(opened).includes("tenant-a"), "the customer id is not in clear");
  assert.ok(
    stateMatches(opened, { name: CALL.name, args: { tags: ["x"], email: "a@example.com" } }),
  );
  assert.ok(
    !stateMatches(opened, { name: CALL.name, args: { email: "b@example.com", tags: ["x"] } }),
  );
  assert.ok(!stateMatches(opened, { name: "gmail_send-email", args: CALL.args }));
});

Deno.test("a state is refused for another customer, after its expiry, or under another key", async () => {
  await using kv = await Deno.openKv(":memory:");
  const states = new ConnectStates(() => sharedStateKey(kv));
  const state = await states.seal("tenant-a", LINK);
  await assert.rejects(states.open(state, "tenant-b"), /bind/);

  const expired = new ConnectStates(() => sharedStateKey(kv), -1);
  await assert.rejects(
    expired.open(await expired.seal("tenant-a", LINK), "tenant-a"),
    /expired/,
  );

  await using otherKv = await Deno.openKv(":memory:");
  const elsewhere = new ConnectStates(() => sharedStateKey(otherKv));
  await assert.rejects(elsewhere.open(state, "tenant-a"), /mac/);
});

Deno.test("instances sharing one KV agree on one key, made once", async () => {
  await using kv = await Deno.openKv(":memory:");
  const keys = await Promise.all([sharedStateKey(kv), sharedStateKey(kv), sharedStateKey(kv)]);
  assert.equal(keys[0]?.byteLength, 32);
  for (const key of keys) assert.deepEqual(key, keys[0]);
  const one = new ConnectStates(() => sharedStateKey(kv));
  const two = new ConnectStates(() => sharedStateKey(kv));
  const state = await one.seal("tenant-a", LINK);
  assert.equal((await two.open(state, "tenant-a")).r, "cr_1");
});

Deno.test("a key that cannot be loaded is asked for again on the next use", async () => {
  await using kv = await Deno.openKv(":memory:");
  let calls = 0;
  const states = new ConnectStates(() => {
    calls++;
    return calls === 1 ? Promise.reject(new Error("KV down")) : sharedStateKey(kv);
  });
  await assert.rejects(states.seal("tenant-a", LINK), /KV down/);
  const state = await states.seal("tenant-a", LINK);
  assert.equal((await states.open(state, "tenant-a")).r, "cr_1");
  assert.equal(calls, 2);
});

Deno.test("without a key to seal the state, the link goes in the result text", async () => {
  const lines: string[] = [];
  const logger = createLogger("warn", (line) => lines.push(line));
  const states = new ConnectStates(() => Promise.reject(new Error("KV down")));
  const signal = new ConnectionInputRequired(REQUEST, "HubSpot");
  const options = { states, tenant: "tenant-a", call: CALL, logger };
  const call = await connectInputRequired(signal, { ...options, connectApp: false });
  assert.equal("resultType" in call, false);
  assert.equal((call as { isError?: boolean }).isError, true);
  assert.match(JSON.stringify(call), /must connect HubSpot: ask them to open this link.*cr_1/);
  const connect = await connectInputRequired(signal, { ...options, connectApp: true });
  assert.equal((connect as { isError?: boolean }).isError, undefined);
  assert.equal(lines.length, 2);
  assert.match(lines[0]!, /cannot seal a requestState/);

  await using kv = await Deno.openKv(":memory:");
  const sealed = await connectInputRequired(signal, {
    ...options,
    states: new ConnectStates(() => sharedStateKey(kv)),
    connectApp: false,
  });
  assert.equal((sealed as { resultType?: string }).resultType, "input_required");
});
