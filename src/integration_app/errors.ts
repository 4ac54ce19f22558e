/**
 * Turns whatever the Integration.app SDK throws into one typed error with a message a model
 * (or an operator) can act on.
 *
 * @module
 */

/** What went wrong upstream, in terms that decide what the caller should do. */
export type UpstreamErrorKind =
  | "auth" // token refused
  | "forbidden"
  | "not_found"
  | "rate_limited"
  | "connection" // the app connection is broken: the customer must reconnect
  | "action_failed" // the action ran and the external app refused it
  | "bad_request"
  | "insufficient_credit" // the workspace ran out of credit (402): its owner must act
  | "setup" // a dependency or configuration of the workspace is broken: not an outage
  | "timeout"
  | "unavailable" // network failure or 5xx
  | "internal";

/** An error from Integration.app, classified. */
export class UpstreamError extends Error {
  override name = "UpstreamError";
  /** The class of failure. */
  readonly kind: UpstreamErrorKind;
  /** Whether the same call may succeed later without any change. */
  readonly retryable: boolean;
  /** Seconds to wait before retrying, when known. */
  readonly retryAfterSeconds: number | undefined;
  /** The HTTP status of an answer without a typed error body (e.g. a proxy's 502 page). */
  readonly httpStatus: number | undefined;
  /** True when no answer came at all (connection refused, reset, DNS failure). */
  readonly network: boolean;
  /** Integration.app's own error key, when it gave one. */
  readonly key: string | undefined;
  /** The run log of a failed action run, when Integration.app named it. */
  readonly actionRunId: string | undefined;

  constructor(
    kind: UpstreamErrorKind,
    message: string,
    options: {
      retryAfterSeconds?: number;
      key?: string;
      cause?: unknown;
      httpStatus?: number;
      network?: boolean;
      actionRunId?: string;
    } = {},
  ) {
    super(message, { cause: options.cause });
    this.kind = kind;
    this.key = options.key;
    this.actionRunId = options.actionRunId;
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.retryable = kind === "rate_limited" || kind === "timeout" || kind === "unavailable";
    this.httpStatus = options.httpStatus;
    this.network = options.network ?? false;
  }
}

interface ErrorBody {
  type?: unknown;
  key?: unknown;
  message?: unknown;
  data?: unknown;
  causedByError?: unknown;
}

/** How deep `causedByError` chains are followed. */
const MAX_CAUSE_DEPTH = 5;

/**
 * The error at the root of a `causedByError` chain that decides what to do: a `connection`
 * error anywhere in it means "reconnect", whatever wraps it.
 */
function connectionCause(body: ErrorBody): ErrorBody | undefined {
  let current: unknown = body.causedByError;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH; depth++) {
    const cause = asRecord(current) as ErrorBody | undefined;
    if (!cause) return undefined;
    if (cause.type === "connection") return cause;
    current = cause.causedByError;
  }
  return undefined;
}

function actionRunIdOf(body: ErrorBody): string | undefined {
  const data = asRecord(body.data);
  const id = data?.actionRunId ?? (body as Record<string, unknown>).actionRunId;
  return typeof id === "string" ? id : undefined;
}

function asRecord(value: unknown): Record<string, unknown> | undefined {
  return typeof value === "object" && value !== null ? value as Record<string, unknown> : undefined;
}

function parseRetryAfter(value: unknown): number | undefined {
  if (typeof value !== "string" && typeof value !== "number") return undefined;
  const seconds = Number(value);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
  const date = Date.parse(String(value));
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - Date.now()) / 1000));
}

function kindFromBody(body: ErrorBody, status: number | undefined): UpstreamErrorKind {
  const type = typeof body.type === "string" ? body.type : undefined;
  const key = typeof body.key === "string" ? body.key : undefined;
  if (key === "not_authenticated" || status === 401) return "auth";
  if (key === "access_denied" || status === 403) return "forbidden";
  if (key === "not_found" || status === 404) return "not_found";
  if (key === "rate_limit_exceeded" || status === 429 || type === "concurrency") {
    return "rate_limited";
  }
  if (type === "insufficient_credit" || key === "insufficient_credit" || status === 402) {
    return "insufficient_credit";
  }
  if (type === "connection" || connectionCause(body)) return "connection";
  if (type === "action_run" || type === "unit_run" || type === "custom_code") {
    return "action_failed";
  }
  // A dependency or setup failure is the workspace's to fix, not an outage to wait out.
  if (type === "dependency_error" || type === "configuration") return "setup";
  if (type === "internal" || (status !== undefined && status >= 500)) return "unavailable";
  if (type === "bad_request" || type === "action_instance_setup") return "bad_request";
  return "internal";
}

const NETWORK_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "EAI_AGAIN",
  "ETIMEDOUT",
  "ECONNABORTED",
  "EPIPE",
  "ERR_NETWORK",
  "ERR_BAD_RESPONSE",
]);

/** Classifies anything thrown by the Integration.app SDK (or by fetch) as an `UpstreamError`. */
export function toUpstreamError(error: unknown): UpstreamError {
  if (error instanceof UpstreamError) return error;
  const record = asRecord(error) ?? {};
  const message = error instanceof Error ? error.message : String(error);

  // Typed SDK errors (IntegrationAppError): `data` is the whole JSON error body.
  const data = asRecord(record.data);
  if (data && typeof data.type === "string") {
    const kind = kindFromBody(data, undefined);
    const bodyMessage = typeof data.message === "string" ? data.message : message;
    const cause = connectionCause(data);
    return new UpstreamError(kind, bodyMessage, {
      key: typeof data.key === "string"
        ? data.key
        : typeof cause?.key === "string"
        ? cause.key
        : undefined,
      actionRunId: actionRunIdOf(data),
      cause: error,
    });
  }

  // Raw AxiosError: a response without a typed body, or no response at all.
  const response = asRecord(record.response);
  if (response) {
    const status = typeof response.status === "number" ? response.status : undefined;
    const headers = asRecord(response.headers);
    const retryAfter = parseRetryAfter(
      headers?.["retry-after"] ??
        (typeof (headers?.get) === "function"
          ? (headers.get as (name: string) => unknown)("retry-after")
          : undefined),
    );
    const body = asRecord(response.data) ?? {};
    const kind = kindFromBody(body, status);
    const bodyMessage = typeof body.message === "string"
      ? body.message
      : `Integration.app answered HTTP ${status ?? "error"}`;
    return new UpstreamError(kind, bodyMessage, {
      key: typeof body.key === "string" ? body.key : undefined,
      actionRunId: actionRunIdOf(body),
      retryAfterSeconds: retryAfter,
      httpStatus: status,
      cause: error,
    });
  }
  const code = typeof record.code === "string" ? record.code : undefined;
  if (code && NETWORK_CODES.has(code)) {
    return new UpstreamError("unavailable", `Integration.app is unreachable (${code})`, {
      network: true,
      cause: error,
    });
  }
  if (/access token/i.test(message)) {
    // The SDK refuses tokens that are not JWTs before sending anything.
    return new UpstreamError("auth", message, { cause: error });
  }
  return new UpstreamError("internal", message, { cause: error });
}
