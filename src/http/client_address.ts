/**
 * The address a request came from, for per-address limits.
 *
 * @module
 */

/** What `Deno.serve` tells about a connection (only the remote address is used). */
export interface ConnectionInfo {
  remoteAddr: Deno.Addr;
}

/**
 * The client address of `request`: the last entry of `header` when a trusted reverse proxy
 * sets it (the address the proxy itself saw), else the connection's remote address.
 */
export function clientAddress(
  request: Request,
  info: ConnectionInfo | undefined,
  header?: string,
): string {
  if (header) {
    const forwarded = request.headers.get(header)?.split(",").at(-1)?.trim();
    if (forwarded) return forwarded.slice(0, 100);
  }
  const remote = info?.remoteAddr;
  if (remote && "hostname" in remote) return remote.hostname;
  return "unknown";
}
