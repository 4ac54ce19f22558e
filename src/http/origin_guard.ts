/**
 * DNS-rebinding and cross-site protection: which `Host` and `Origin` values are accepted.
 *
 * @module
 */
import { LruMap } from "../util/concurrency.ts";
import { clip } from "../util/text.ts";
import { HttpError } from "./errors.ts";

/** What the guard needs from the configuration. */
export interface OriginPolicy {
  /** The address the server listens on. */
  bindHost: string;
  /** Host names accepted on a public binding (empty = any). */
  allowedHosts: readonly string[];
  /** Origins accepted besides the request's own (lower case, no trailing slash). */
  allowedOrigins: readonly string[];
}

/** Whether `hostname` (no port) names this machine's loopback interface. */
function isLoopbackName(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/\.$/, "");
  return name === "localhost" || name === "[::1]" || name === "::1" ||
    /^127(\.\d{1,3}){3}$/.test(name) || name.endsWith(".localhost");
}

/** A `Host` header's host name, and host with port. */
interface ParsedHost {
  hostname: string;
  host: string;
}

function parseHostHeader(value: string): ParsedHost | undefined {
  try {
    const url = new URL(`http://${value}`);
    if (url.username || url.password || url.pathname !== "/" || url.search) return undefined;
    return { hostname: url.hostname, host: url.host };
  } catch {
    return undefined;
  }
}

function parseOrigin(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === "http:" || url.protocol === "https:" ? url : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the server listens on a loopback address only (127.0.0.0/8, `::1`, `localhost`). */
function isLoopbackBinding(bindHost: string): boolean {
  return isLoopbackName(bindHost);
}

/**
 * What an operator should know about the policy at start: on a public binding without
 * `ALLOWED_HOSTS`, any `Host` is accepted, so a page whose own name resolves to this server
 * (DNS rebinding) is "same origin" with it.
 */
export function originPolicyWarnings(policy: OriginPolicy): string[] {
  if (isLoopbackBinding(policy.bindHost) || policy.allowedHosts.length > 0) return [];
  return [
    `HOST=${policy.bindHost} is a public binding and ALLOWED_HOSTS is empty: any Host header ` +
    `is accepted, so a site whose name resolves to this server passes the Origin check as ` +
    `same-origin. Set ALLOWED_HOSTS to the names clients use (e.g. mcp.example.com)`,
  ];
}

/** Builds the check; it throws 403 for a request whose Host or Origin is not allowed. */
export function createOriginGuard(policy: OriginPolicy): (request: Request) => void {
  const loopbackOnly = isLoopbackBinding(policy.bindHost);
  const allowedHosts = new Set(policy.allowedHosts.map((h) => h.toLowerCase()));
  const allowedOrigins = new Set(policy.allowedOrigins);
  const forbidden = (what: string): HttpError =>
    new HttpError(403, `Forbidden: ${clip(what, 120)} is not allowed`);

  /** The `Host` header as parsed, or what is not allowed in it: `undefined` when accepted. */
  const judgeHost = (hostHeader: string): { host?: ParsedHost; refused?: string } => {
    const host = parseHostHeader(hostHeader);
    if (!host) return { refused: "Host header" };
    if (loopbackOnly && !isLoopbackName(host.hostname)) return { refused: `Host ${host.hostname}` };
    if (
      !loopbackOnly && allowedHosts.size > 0 && !allowedHosts.has(host.hostname) &&
      !allowedHosts.has(host.host)
    ) {
      return { refused: `Host ${host.hostname}` };
    }
    return { host };
  };
  // Clients send the same few Host values: each is parsed and judged once.
  const hostVerdicts = new LruMap<string, { host?: ParsedHost; refused?: string }>(256);

  return (request: Request): void => {
    const hostHeader = request.headers.get("host");
    let host: ParsedHost | undefined;
    if (hostHeader) {
      let verdict = hostVerdicts.get(hostHeader);
      if (verdict === undefined) hostVerdicts.set(hostHeader, verdict = judgeHost(hostHeader));
      if (verdict.refused !== undefined) throw forbidden(verdict.refused);
      host = verdict.host;
    } else if (hostHeader !== null) throw forbidden("Host header");
    const originHeader = request.headers.get("origin");
    if (originHeader === null) return; // not a browser: nothing cross-site to refuse
    const normalized = originHeader.replace(/\/+$/, "").toLowerCase();
    if (allowedOrigins.has(normalized)) return;
    const origin = parseOrigin(originHeader);
    if (!origin) throw forbidden(`Origin ${originHeader}`);
    if (loopbackOnly) {
      if (!isLoopbackName(origin.hostname)) throw forbidden(`Origin ${origin.origin}`);
      return;
    }
    if (host && origin.host === host.host) return; // same origin
    throw forbidden(`Origin ${origin.origin}`);
  };
}
