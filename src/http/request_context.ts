/**
 * Per-request facts gathered along the way, for the request log line.
 *
 * @module
 */

/** What a request did, filled in by the handlers that served it. */
export interface RequestContext {
  route?: string;
  mcpMethod?: string;
  tool?: string;
  tenant?: string;
  session?: string;
  /** The JSON-RPC id of the request being answered, so an error answer carries it. */
  rpcId?: string | number;
}
