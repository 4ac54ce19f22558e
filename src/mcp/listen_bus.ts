/**
 * The SDK's `subscriptions/listen` event bus over our `ChangeFeed`. The SDK has one bus for
 * every stream of the endpoint; this one gives each stream only the changes of its own
 * customer and chat: a request is served inside `run(scope, …)`, and a stream that subscribes
 * while serving it is bound to that scope (a subscription outside any scope hears nothing).
 *
 * @module
 */
import { AsyncLocalStorage } from "node:async_hooks";
import type { ChangeFeed, ChangeScope } from "../store/change_feed.ts";
import type { ServerEvent, ServerEventBus } from "../sdk/server.ts";

/** The scope of one request; `subscribed` turns true when its listen stream subscribed. */
export interface ListenScope extends ChangeScope {
  subscribed: boolean;
}

/** A `ServerEventBus` whose listeners hear only their own customer's and chat's changes. */
export class ListenBus implements ServerEventBus {
  readonly #feed: ChangeFeed;
  readonly #scope = new AsyncLocalStorage<ListenScope>();

  constructor(feed: ChangeFeed) {
    this.#feed = feed;
  }

  /** Runs `serve` with `scope` as the scope of any stream it opens. */
  run<T>(scope: ListenScope, serve: () => Promise<T>): Promise<T> {
    return this.#scope.run(scope, serve);
  }

  /** Changes are published through the `ChangeFeed` (so other instances see them), never here. */
  publish(_event: ServerEvent): void {}

  subscribe(listener: (event: ServerEvent) => void): () => void {
    const scope = this.#scope.getStore();
    if (!scope || scope.subscribed) return () => {};
    scope.subscribed = true;
    return this.#feed.subscribe(
      { tenant: scope.tenant, chatId: scope.chatId },
      () => listener({ kind: "tools_list_changed" }),
    );
  }
}
