/**
 * Request/response over a Web Worker's messages: the benchmark and the load run host the fake
 * API and the clients in workers, so their work does not queue behind each other on one thread.
 *
 * @module
 */

interface RpcRequest {
  id: number;
  method: string;
  params: unknown;
}

interface RpcReply {
  id: number;
  result?: unknown;
  error?: string;
}

/** A worker that answers `call(method, params)`. */
export class WorkerRpc {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  #next = 0;
  #failure: Error | undefined;

  constructor(moduleUrl: URL) {
    this.#worker = new Worker(moduleUrl, { type: "module" });
    this.#worker.onmessage = (event: MessageEvent<RpcReply>) => {
      const pending = this.#pending.get(event.data.id);
      if (!pending) return;
      this.#pending.delete(event.data.id);
      if (event.data.error !== undefined) pending.reject(new Error(event.data.error));
      else pending.resolve(event.data.result);
    };
    this.#worker.onerror = (event) => {
      event.preventDefault();
      this.#failure = new Error(`Worker failed: ${event.message}`);
      for (const pending of this.#pending.values()) pending.reject(this.#failure);
      this.#pending.clear();
    };
  }

  /** Calls `method` in the worker. */
  call<T>(method: string, params: unknown = {}): Promise<T> {
    if (this.#failure) return Promise.reject(this.#failure);
    const id = this.#next++;
    return new Promise<T>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.#worker.postMessage({ id, method, params } satisfies RpcRequest);
    });
  }

  /** Stops the worker. */
  terminate(): void {
    this.#worker.terminate();
  }
}

/** Serves `handlers` from inside a worker. */
export function serveRpc(
  handlers: Record<string, (params: never) => unknown | Promise<unknown>>,
): void {
  const scope = self as unknown as {
    onmessage: ((event: MessageEvent<RpcRequest>) => void) | null;
    postMessage(message: RpcReply): void;
  };
  scope.onmessage = async (event) => {
    const { id, method, params } = event.data;
    try {
      const handler = handlers[method];
      if (!handler) throw new Error(`Unknown method: ${method}`);
      scope.postMessage({ id, result: await handler(params as never) });
    } catch (error) {
      scope.postMessage({
        id,
        error: error instanceof Error ? error.stack ?? error.message : String(error),
      });
    }
  };
}
