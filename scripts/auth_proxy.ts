/**
 * A reverse proxy on 127.0.0.1 that adds an `Authorization` header, for clients that cannot
 * send one (the MCP conformance suite). Everything else passes through unchanged, `Host` and
 * `Origin` included (fetch cannot set `Host`, so the upstream side uses `node:http`), and
 * response bodies stream, so SSE arrives event by event.
 *
 * @module
 */
import http from "node:http";
import { Readable } from "node:stream";

/** Options of `startAuthProxy`. */
export interface AuthProxyOptions {
  /** Where requests go, e.g. `http://127.0.0.1:3000`. */
  target: string;
  /** The `Authorization` header value to add, e.g. `Bearer …`. */
  authorization: string;
}

/** A running proxy. */
export interface AuthProxy extends AsyncDisposable {
  /** `http://localhost:PORT` (the proxy listens on 127.0.0.1). */
  url: string;
  port: number;
  close(): Promise<void>;
}

const HOP_BY_HOP = new Set([
  "connection",
  "keep-alive",
  "proxy-connection",
  "transfer-encoding",
  "upgrade",
  "te",
  "trailer",
]);

function forward(
  request: Request,
  completed: Promise<void>,
  target: URL,
  authorization: string,
): Promise<Response> {
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  request.headers.forEach((value, name) => {
    if (!HOP_BY_HOP.has(name)) headers[name] = value;
  });
  headers["authorization"] = authorization;
  return new Promise<Response>((resolve) => {
    const upstream = http.request({
      host: target.hostname,
      port: Number(target.port),
      method: request.method,
      path: `${url.pathname}${url.search}`,
      headers,
    }, (response) => {
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(response.headers)) {
        if (value === undefined || HOP_BY_HOP.has(name)) continue;
        for (const item of Array.isArray(value) ? value : [value]) {
          responseHeaders.append(name, item);
        }
      }
      const status = response.statusCode ?? 502;
      const hasBody = request.method !== "HEAD" && status !== 204 && status !== 304;
      if (!hasBody) response.resume();
      resolve(
        new Response(
          hasBody ? Readable.toWeb(response) as ReadableStream<Uint8Array> : null,
          { status, headers: responseHeaders },
        ),
      );
    });
    upstream.on("error", (error) => {
      resolve(new Response(`Bad gateway: ${error.message}`, { status: 502 }));
    });
    // Delivered or abandoned by the client (e.g. a closed SSE stream): end the upstream request.
    completed.then(() => upstream.destroy(), () => upstream.destroy());
    if (request.body) {
      Readable.fromWeb(request.body as import("node:stream/web").ReadableStream).pipe(upstream);
    } else {
      upstream.end();
    }
  });
}

/** Starts the proxy on 127.0.0.1 (a free port). */
export function startAuthProxy(options: AuthProxyOptions): AuthProxy {
  const target = new URL(options.target);
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen() {} },
    (request, info) => forward(request, info.completed, target, options.authorization),
  );
  const close = async (): Promise<void> => {
    await server.shutdown();
  };
  return {
    url: `http://localhost:${server.addr.port}`,
    port: server.addr.port,
    close,
    [Symbol.asyncDispose]: close,
  };
}
