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
  /**
   * The path itself when the pattern is a plain path (no parameter, group, wildcard or
   * escape): it matches exactly that path, compared without running the pattern.
   */
  literal?: string;
  /** A short stable name for logs. */
  name: string;
  handler: RouteHandler;
}

/** The route a request matched, with its path parameters. */
export interface RouteMatch {
  route: Route;
  params: Record<string, string | undefined>;
}

/** The path a pattern matches when it is a plain one (see `Route.literal`), else `undefined`. */
export function literalPath(pathname: string): string | undefined {
  return /^(\/[A-Za-z0-9._~-]+)+$|^\/$/.test(pathname) ? pathname : undefined;
}

/**
 * Finds the route of a request (whose URL's path is `pathname`); throws 404 or 405 when there
 * is none.
 */
export function matchRoute(
  routes: readonly Route[],
  request: Request,
  pathname: string = new URL(request.url).pathname,
): RouteMatch {
  const allowed = new Set<string>();
  const method = request.method === "HEAD" ? "GET" : request.method;
  for (const route of routes) {
    let params: Record<string, string | undefined> = {};
    if (route.literal !== undefined) {
      if (pathname !== route.literal) continue;
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
