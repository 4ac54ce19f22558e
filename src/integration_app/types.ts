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

/** A customer's connection to an app. */
export interface Connection {
  id: string;
  name?: string;
  integrationId?: string;
  integration?: IntegrationInfo;
  disconnected?: boolean;
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
  inputSchema?: unknown;
  outputSchema?: unknown;
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
  /** Runs an action on one exact connection. Never retried. */
  runAction(connectionId: string, actionKey: string, input: unknown): Promise<ActionRunResult>;
}

/** Builds an API client for one customer token. */
export type IntegrationAppApiFactory = (token: string) => IntegrationAppApi;
