/**
 * Configuration from the environment, validated once at start.
 *
 * @module
 */
import { z } from "zod";

const LOG_LEVELS = ["debug", "info", "warn", "error", "silent"] as const;

/** A log level name, from the most to the least verbose. */
export type LogLevel = typeof LOG_LEVELS[number];

function list(): z.ZodType<string[]> {
  return z.string().optional().transform((value) =>
    (value ?? "").split(",").map((item) => item.trim()).filter((item) => item.length > 0)
  );
}

/** A duration given in seconds, read as milliseconds (the unit every `…Ms` setting is in). */
function secondsAsMs(defaultSeconds: number): z.ZodType<number> {
  return z.coerce.number().positive().default(defaultSeconds).transform((s) => s * 1000);
}

function integer(defaultValue: number, min = 0): z.ZodType<number> {
  return z.coerce.number().int().min(min).default(defaultValue);
}

function optional(): z.ZodType<string | undefined> {
  return z.string().optional().transform((value) => value?.trim() || undefined);
}

const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().trim().min(1).default("0.0.0.0"),
  INTEGRATION_APP_API_URL: z.string().trim().default("https://api.integration.app").pipe(
    z.url({ protocol: /^https?$/ }),
  ),
  KV_PATH: optional(),
  PUBLIC_URL: optional().pipe(z.url({ protocol: /^https?$/ }).optional()),
  OAUTH_AUTHORIZATION_SERVER_URL: optional().pipe(z.url({ protocol: /^https?$/ }).optional()),
  ALLOWED_HOSTS: list(),
  ALLOWED_ORIGINS: list(),
  LOG_LEVEL: z.enum(LOG_LEVELS).default("info"),
  SESSION_TTL_SECONDS: secondsAsMs(24 * 60 * 60),
  CHAT_TTL_SECONDS: secondsAsMs(30 * 24 * 60 * 60),
  SESSION_CACHE_SECONDS: z.coerce.number().min(0).max(60).default(1).transform((s) => s * 1000),
  CATALOG_TTL_SECONDS: secondsAsMs(5 * 60),
  CATALOG_MEMORY_TOOLS: integer(100_000, 1),
  IDENTITY_TTL_SECONDS: secondsAsMs(5 * 60),
  UPSTREAM_TIMEOUT_SECONDS: secondsAsMs(30),
  UPSTREAM_CONCURRENCY: integer(32, 1),
  UPSTREAM_BREAKER_THRESHOLD: integer(5, 1),
  UPSTREAM_BREAKER_COOLDOWN_SECONDS: secondsAsMs(10),
  MAX_BODY_BYTES: integer(4 * 1024 * 1024, 1024),
  MAX_SESSIONS_PER_TENANT: integer(10_000, 1),
  MAX_LISTEN_STREAMS_PER_TENANT: integer(20, 1),
  LISTEN_HEARTBEAT_SECONDS: secondsAsMs(15),
  RATE_LIMIT_PER_SECOND: integer(500, 1),
  RATE_LIMIT_BURST: integer(1_000, 1),
  TOOL_CALL_RATE_LIMIT_PER_SECOND: integer(300, 1),
  TOOL_CALL_RATE_LIMIT_BURST: integer(600, 1),
  SHUTDOWN_GRACE_SECONDS: secondsAsMs(10),
  MAX_RESULT_BYTES: z.coerce.number().int().default(60_000).refine(
    (value) => value === 0 || (value >= 1024 && value <= 16 * 1024 * 1024),
    "must be 0 (no cap) or from 1024 to 16777216",
  ),
  RESULT_TTL_SECONDS: secondsAsMs(60 * 60),
  LOG_ARGUMENT_VALUES: z.enum(["true", "false", "1", "0", ""]).default("false").transform(
    (value) => value === "true" || value === "1",
  ),
  CALL_LOG_TTL_SECONDS: secondsAsMs(7 * 24 * 60 * 60),
  CALL_LOG_MAX_PER_CUSTOMER: integer(1_000, 0),
  MAX_IN_FLIGHT_PER_TENANT: integer(256, 1),
  MAX_CHATS_PER_TENANT: integer(10_000, 1),
  BODY_TIMEOUT_SECONDS: secondsAsMs(20),
  MAX_BODY_BYTES_IN_FLIGHT_PER_TENANT: integer(32 * 1024 * 1024, 1024),
  UNVERIFIED_RATE_LIMIT_PER_SECOND: integer(10, 1),
  UNVERIFIED_RATE_LIMIT_BURST: integer(50, 1),
  IDENTITY_CHECK_CONCURRENCY: integer(16, 1),
  CLIENT_ADDRESS_HEADER: optional(),
  DENO_DEPLOYMENT_ID: optional(),
});

/** Typed, validated server configuration. */
export interface Config {
  port: number;
  host: string;
  /** Base URL of the Integration.app API, without a trailing slash. */
  apiUrl: string;
  /** The server's public base URL (for OAuth metadata); `undefined` = the request's origin. */
  publicUrl: string | undefined;
  /** Base URL of Integration.app's OAuth endpoints (`/oauth/…`); the API URL by default. */
  oauthAuthorizationServerUrl: string;
  /** `undefined` means Deno's default KV (required on Deno Deploy). */
  kvPath: string | undefined;
  allowedHosts: string[];
  allowedOrigins: string[];
  logLevel: LogLevel;
  sessionTtlMs: number;
  chatTtlMs: number;
  /**
   * How long a static session read or written here answers without KV; changes made through
   * another instance show within this time (0: every request reads KV).
   */
  sessionCacheMs: number;
  catalogTtlMs: number;
  /** Tools kept in memory over all cached catalogs; the rest are read back from KV. */
  catalogMemoryTools: number;
  identityTtlMs: number;
  upstreamTimeoutMs: number;
  upstreamConcurrency: number;
  /** Consecutive Integration.app outages after which calls fail fast. */
  upstreamBreakerThreshold: number;
  upstreamBreakerCooldownMs: number;
  maxBodyBytes: number;
  maxSessionsPerTenant: number;
  /** Open `subscriptions/listen` streams per customer on one instance (2026-07-28). */
  maxListenStreamsPerTenant: number;
  /** Interval of SSE heartbeat comments on open streams. */
  listenHeartbeatMs: number;
  rateLimitPerSecond: number;
  rateLimitBurst: number;
  toolCallRateLimitPerSecond: number;
  toolCallRateLimitBurst: number;
  shutdownGraceMs: number;
  /** Largest tool result text in bytes before it is cut (0 = no cap); a session may ask another. */
  maxResultBytes: number;
  /** How long the full text of a cut result can be read back. */
  resultTtlMs: number;
  /** Whether the call log keeps argument values (names always). */
  logArgumentValues: boolean;
  callLogTtlMs: number;
  /** Calls kept per customer; 0 turns the call log off. */
  callLogMaxPerCustomer: number;
  /** Live chats of one customer; a new one past it gets 429 (none is evicted). */
  maxChatsPerTenant: number;
  /** Requests of one customer being served at once; more get 429. */
  maxInFlightPerTenant: number;
  /** Bytes of one customer's request bodies read at once; past it, 429. */
  maxBodyBytesInFlightPerTenant: number;
  /** How long a request body may take to arrive; a slower one gets 408. */
  bodyTimeoutMs: number;
  /** Per client address: requests without a verified token per second, and the burst. */
  unverifiedRatePerSecond: number;
  unverifiedBurst: number;
  /** Token checks with Integration.app in flight at once. */
  identityCheckConcurrency: number;
  /** Header a trusted reverse proxy puts the client address in (lower case), if any. */
  clientAddressHeader: string | undefined;
}

/** Default local KV file, used when `KV_PATH` is unset outside Deno Deploy. */
export const DEFAULT_KV_PATH = "./data/kv.sqlite3";

/** Thrown when the environment does not describe a valid configuration. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Reads the configuration from environment variables; throws `ConfigError` on bad values. */
export function loadConfig(env: Record<string, string | undefined>): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) =>
      `${issue.path.join(".")}: ${issue.message}`
    );
    throw new ConfigError(`Invalid configuration: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  const onDeploy = e.DENO_DEPLOYMENT_ID !== undefined;
  // Durations arrive in ms already (`secondsAsMs`).
  return {
    port: e.PORT,
    host: e.HOST,
    apiUrl: e.INTEGRATION_APP_API_URL.replace(/\/+$/, ""),
    publicUrl: e.PUBLIC_URL?.replace(/\/+$/, ""),
    oauthAuthorizationServerUrl: (e.OAUTH_AUTHORIZATION_SERVER_URL ?? e.INTEGRATION_APP_API_URL)
      .replace(/\/+$/, ""),
    kvPath: e.KV_PATH ?? (onDeploy ? undefined : DEFAULT_KV_PATH),
    allowedHosts: e.ALLOWED_HOSTS.map((host) => host.toLowerCase()),
    allowedOrigins: e.ALLOWED_ORIGINS.map((origin) => origin.replace(/\/+$/, "").toLowerCase()),
    logLevel: e.LOG_LEVEL,
    sessionTtlMs: e.SESSION_TTL_SECONDS,
    chatTtlMs: e.CHAT_TTL_SECONDS,
    sessionCacheMs: e.SESSION_CACHE_SECONDS,
    catalogTtlMs: e.CATALOG_TTL_SECONDS,
    catalogMemoryTools: e.CATALOG_MEMORY_TOOLS,
    identityTtlMs: e.IDENTITY_TTL_SECONDS,
    upstreamTimeoutMs: e.UPSTREAM_TIMEOUT_SECONDS,
    upstreamConcurrency: e.UPSTREAM_CONCURRENCY,
    upstreamBreakerThreshold: e.UPSTREAM_BREAKER_THRESHOLD,
    upstreamBreakerCooldownMs: e.UPSTREAM_BREAKER_COOLDOWN_SECONDS,
    maxBodyBytes: e.MAX_BODY_BYTES,
    maxSessionsPerTenant: e.MAX_SESSIONS_PER_TENANT,
    maxListenStreamsPerTenant: e.MAX_LISTEN_STREAMS_PER_TENANT,
    listenHeartbeatMs: e.LISTEN_HEARTBEAT_SECONDS,
    rateLimitPerSecond: e.RATE_LIMIT_PER_SECOND,
    rateLimitBurst: e.RATE_LIMIT_BURST,
    toolCallRateLimitPerSecond: e.TOOL_CALL_RATE_LIMIT_PER_SECOND,
    toolCallRateLimitBurst: e.TOOL_CALL_RATE_LIMIT_BURST,
    shutdownGraceMs: e.SHUTDOWN_GRACE_SECONDS,
    maxResultBytes: e.MAX_RESULT_BYTES,
    resultTtlMs: e.RESULT_TTL_SECONDS,
    logArgumentValues: e.LOG_ARGUMENT_VALUES,
    callLogTtlMs: e.CALL_LOG_TTL_SECONDS,
    callLogMaxPerCustomer: e.CALL_LOG_MAX_PER_CUSTOMER,
    maxInFlightPerTenant: e.MAX_IN_FLIGHT_PER_TENANT,
    maxChatsPerTenant: e.MAX_CHATS_PER_TENANT,
    bodyTimeoutMs: e.BODY_TIMEOUT_SECONDS,
    maxBodyBytesInFlightPerTenant: e.MAX_BODY_BYTES_IN_FLIGHT_PER_TENANT,
    unverifiedRatePerSecond: e.UNVERIFIED_RATE_LIMIT_PER_SECOND,
    unverifiedBurst: e.UNVERIFIED_RATE_LIMIT_BURST,
    identityCheckConcurrency: e.IDENTITY_CHECK_CONCURRENCY,
    clientAddressHeader: e.CLIENT_ADDRESS_HEADER?.toLowerCase(),
  };
}
