import assert from "node:assert/strict";
import { createLogger } from "../log.ts";
import { ChangeFeed } from "./change_feed.ts";

async function mark(kv: Deno.Kv, feed: ChangeFeed, tenant: string, chatId: string) {
  const op = kv.atomic();
  feed.markChatChanged(op, tenant, chatId);
  await op.commit();
}

function waitFor(condition: () => boolean): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const check = () => {
      if (condition()) return resolve();
      if (Date.now() - started > 5000) return reject(new Error("condition not met in 5 s"));
      setTimeout(check, 5);
    };
    check();
  });
}

Deno.test("a listener hears its customer's catalog and its chat, nothing else, and only changes", async () => {
  using kv = await Deno.openKv(":memory:");
  const feed = new ChangeFeed({ kv, logger: createLogger("silent"), maxListenersPerTenant: 5 });
  await feed.catalogChanged("t1"); // before listening: not heard
  let heard = 0;
  assert.ok(feed.reserve("t1"));
  const stop = feed.subscribe({ tenant: "t1", chatId: "c1" }, () => heard++);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(heard, 0);
  await mark(kv, feed, "t1", "c2");
  await feed.catalogChanged("t2");
  await mark(kv, feed, "t2", "c1");
  await mark(kv, feed, "t1", "c1");
  await waitFor(() => heard === 1);
  await feed.catalogChanged("t1");
  await waitFor(() => heard === 2);
  await new Promise((resolve) => setTimeout(resolve, 50));
  assert.equal(heard, 2, "nothing from other chats or customers");
  stop();
  assert.equal(feed.listeners("t1"), 0, "the slot is given back");
  await feed.close();
});

Deno.test("listener slots are bounded per customer and refused once closed", async () => {
  using kv = await Deno.openKv(":memory:");
  const feed = new ChangeFeed({ kv, logger: createLogger("silent"), maxListenersPerTenant: 2 });
  assert.ok(feed.reserve("t1"));
  assert.ok(feed.reserve("t1"));
  assert.equal(feed.reserve("t1"), false);
  assert.ok(feed.reserve("t2"), "another customer has its own slots");
  feed.release("t1");
  assert.ok(feed.reserve("t1"));
  let hooked = false;
  feed.onClose(() => {
    hooked = true;
    return Promise.resolve();
  });
  const stop = feed.subscribe({ tenant: "t2" }, () => {});
  await feed.close();
  assert.ok(hooked);
  assert.equal(feed.listeners("t2"), 0, "close stopped the open listener");
  assert.equal(feed.reserve("t3"), false);
  stop();
});
