/**
 * A small `URLPattern` router: routes are checked in order; 404 when no path matches, 405
 * with `Allow` when the path matches with another method.
 *
 * @module
 */
import { HttpError } from "./errors.ts";
import type { RequestContext } from "./request_context.ts";

/**
 * Handles a matched request, given its path parameters, the context it is logged with and the
 * client's address.
 */
export type RouteHandler = (
  request: Request,
  params: Record<string, string | undefined>,
  context: RequestContext,
  address: string,
) => Promise<Response> | Response;

/** One route. */
export interface Route {
  method: string;
  pattern: URLPattern;
  /** A short stable name for logs. */
  name: string;
  handler: RouteHandler;
}

/** The route a request matched, with its path parameters. */
export interface RouteMatch {
  route: Route;
  params: Record<string, string | undefined>;
}

/** Pattern syntax in a pathname pattern: without any, the pattern matches one exact path. */
const PATTERN_SYNTAX = /[:*(){}?+\\]/;

/** Per route: the one path its pattern matches, or `null` when it has parameters or wildcards. */
const literalPaths = new WeakMap<Route, string | null>();

function literalPathOf(route: Route): string | null {
  let path = literalPaths.get(route);
  if (path === undefined) {
    const { pathname } = route.pattern;
    path = PATTERN_SYNTAX.test(pathname) ? null : pathname;
    literalPaths.set(route, path);
  }
  return path;
}

/**
 * Finds the route of a request (whose URL, `url`, the caller may have parsed already); throws
 * 404 or 405 when there is none. A route without parameters is matched by comparing its path,
 * without running its pattern.
 */
export function matchRoute(
  routes: readonly Route[],
  request: Request,
  url: URL = new URL(request.url),
): RouteMatch {
  const allowed = new Set<string>();
  const method = request.method === "HEAD" ? "GET" : request.method;
  for (const route of routes) {
    const literal = literalPathOf(route);
    let params: Record<string, string | undefined>;
    if (literal !== null) {
      if (url.pathname !== literal) continue;
      params = {};
    } else {
      const match = route.pattern.exec(request.url);
      if (!match) continue;
      params = match.pathname.groups;
    }
    if (route.method === method) return { route, params };
    allowed.add(route.method);
  }
  if (allowed.size === 0) throw new HttpError(404, "Not Found");
  throw new HttpError(405, "Method Not Allowed", {
    headers: { allow: [...allowed, "OPTIONS"].join(", ") },
  });
}
