/**
 * The shapes of Integration.app objects this server reads. Only the fields it uses are named;
 * everything else passes through untouched.
 *
 * @module
 */

/** An integration (an app such as HubSpot) as embedded in a connection. */
export interface IntegrationInfo {
  id: string;
  key: string;
  name?: string;
  logoUri?: string;
}

/** A connector or external app a connection was made from (no integration behind it). */
export interface ConnectorInfo {
  id: string;
  key?: string;
  name?: string;
}

/** A customer's connection to an app. */
export interface Connection {
  id: string;
  name?: string;
  /** Absent on connections made from a connector. */
  integrationId?: string;
  integration?: IntegrationInfo;
  connectorId?: string;
  connector?: ConnectorInfo;
  externalAppId?: string;
  externalApp?: ConnectorInfo;
  /** Deprecated upstream: read `connected`, `state`, `isDefunct` as well. */
  disconnected?: boolean;
  connected?: boolean;
  /** `READY`, `BUILDING`, `CLIENT_ACTION_REQUIRED`, `SETUP_FAILED`, `CONFIGURATION_ERROR`, … */
  state?: string;
  isDeactivated?: boolean;
  isDefunct?: boolean;
  error?: unknown;
  createdAt?: string;
}

/** An action defined for an integration. */
export interface Action {
  id: string;
  key: string;
  name?: string;
  description?: string;
  type?: string;
  integrationId?: string;
  /** Set on actions defined for one connection (and on its customised instances). */
  connectionId?: string;
  state?: string;
  isDeactivated?: boolean;
  /** A workspace-level action that runs on any connection. */
  isUniversal?: boolean;
  /** A connection's own instance of the action, with its own `inputSchema`. */
  isCustomized?: boolean;
  inputSchema?: unknown;
  outputSchema?: unknown;
}

/** A request for the customer to connect (or reconnect) an app: a URL they open. */
export interface ConnectionRequest {
  id: string;
  url: string;
  /** `pending`, `completed`, `expired`, … (inferred). */
  status?: string;
  /** The connection made, once completed. */
  connectionId?: string;
  expiresAt?: string;
}

/** Which app a connection request is for. */
export interface ConnectionRequestTarget {
  integrationKey?: string;
  connectorId?: string;
  /** Reconnect this connection rather than make a new one. */
  connectionId?: string;
}

/** The result of running an action. */
export interface ActionRunResult {
  output: unknown;
  actionRunId?: string;
}

/** Every call this server makes to Integration.app, already paged, timed and retried. */
export interface IntegrationAppApi {
  /** Checks the token (`GET /self`); rejects with `UpstreamError` kind `auth` when refused. */
  getSelf(): Promise<Record<string, unknown>>;
  /** Every connection of the customer (all pages), disconnected ones included. */
  listConnections(): Promise<Connection[]>;
  /** Looks up an integration by id (for connections that do not embed it). */
  getIntegration(id: string): Promise<IntegrationInfo>;
  /** Every action of one integration (all pages). */
  listActions(integration: IntegrationInfo): Promise<Action[]>;
  /** The actions of one connection: its own, universal ones, customised instances. */
  listConnectionActions(connectionId: string): Promise<Action[]>;
  /** Every integration (app) of the workspace (all pages). */
  listIntegrations(): Promise<IntegrationInfo[]>;
  /** Runs an action on one exact connection. Never retried. */
  runAction(connectionId: string, actionKey: string, input: unknown): Promise<ActionRunResult>;
  /** Creates a connection request: a URL the customer opens to connect an app. */
  createConnectionRequest(target: ConnectionRequestTarget): Promise<ConnectionRequest>;
  /** Reads a connection request (to learn whether it completed). */
  getConnectionRequest(id: string): Promise<ConnectionRequest>;
}

/** Builds an API client for one customer token. */
export type IntegrationAppApiFactory = (token: string) => IntegrationAppApi;
