/**
 * A small axios adapter on Deno's `fetch`. The server's SDK requests reach it through our
 * transport (`sdk_transport.ts`), which prepares a request the way axios does; it also works
 * as the `adapter` of an axios request, in place of axios' own `fetch` adapter, which builds a
 * second config, an extra `Request`, composed signals and header copies on every call. It
 * keeps axios' contract: the request is the one prepared for it (URL from `baseURL` and `url`,
 * method, headers, the already transformed body, the abort signal), the answer's body is handed
 * back as text for the caller to parse, a status outside `validateStatus` rejects with an error
 * shaped like axios' (`isAxiosError`, `code`, `response.status`, `.data`, `.headers`), and a
 * failed `fetch` rejects like axios' `Network Error`. An aborted request rejects with the abort
 * (axios turns that into its `CanceledError`).
 *
 * @module
 */

/** The part of axios' request config this adapter reads (after axios merged and transformed it). */
export interface AdapterConfig {
  url?: string;
  baseURL?: string;
  allowAbsoluteUrls?: boolean;
  method?: string;
  /** axios' `AxiosHeaders` (read through `toJSON(true)`) or a plain record. */
  headers?: unknown;
  data?: unknown;
  signal?: AbortSignal | null;
  params?: unknown;
  timeout?: number;
  responseType?: string;
  validateStatus?: ((status: number) => boolean) | null;
}

/** What an axios adapter resolves with. */
export interface AdapterResponse {
  /** The answer's text (whoever reads it may put its parsed body in its place). */
  data: unknown;
  status: number;
  statusText: string;
  /** The answer's headers by lower-case name (axios turns them into its `AxiosHeaders`). */
  headers: Record<string, string>;
  config: AdapterConfig;
  request: null;
}

/** An axios adapter: a function axios calls with the prepared config. */
export type AxiosAdapter = (config: AdapterConfig) => Promise<AdapterResponse>;

/** The error codes axios gives these failures (its `AxiosError.ERR_*` constants). */
const ERR_BAD_REQUEST = "ERR_BAD_REQUEST";
const ERR_BAD_RESPONSE = "ERR_BAD_RESPONSE";
const ERR_NETWORK = "ERR_NETWORK";

/**
 * An error shaped like axios' `AxiosError`: the SDK recognizes it by `isAxiosError` (and turns a
 * typed error body into its own error), and `toUpstreamError` reads `response` and `code`.
 */
export class AxiosLikeError extends Error {
  override name = "AxiosError";
  /** The mark axios' `isAxiosError` tests. */
  readonly isAxiosError = true;
  /** axios' error code (`ERR_BAD_REQUEST` for a 4xx, `ERR_BAD_RESPONSE` for a 5xx, …). */
  readonly code: string | undefined;
  /** The request config the call was made with. */
  readonly config: AdapterConfig;
  /** The fetch `Request` in axios; none here. */
  readonly request: null = null;
  /** The answer, when there was one. */
  readonly response: AdapterResponse | undefined;
  /** The answer's HTTP status, when there was one. */
  readonly status: number | undefined;

  constructor(
    message: string,
    code: string | undefined,
    config: AdapterConfig,
    options: { response?: AdapterResponse; cause?: unknown } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.config = config;
    this.response = options.response;
    this.status = options.response?.status;
  }
}

const ABSOLUTE_URL = /^([a-z][a-z\d+\-.]*:)?\/\//i;

/** The request URL as axios' `buildFullPath` makes it (no `params`: the SDK puts them in `url`). */
function fullUrl(config: AdapterConfig): string {
  const url = config.url ?? "";
  const base = config.baseURL;
  if (!base || (ABSOLUTE_URL.test(url) && config.allowAbsoluteUrls !== false)) return url;
  if (!url) return base;
  let end = base.length;
  while (end > 0 && base.charCodeAt(end - 1) === 47) end--;
  return `${base.slice(0, end)}/${url.replace(/^\/+/, "")}`;
}

/** The headers to send: axios' `AxiosHeaders` flattened (no unset values, lists joined). */
function requestHeaders(headers: unknown): Record<string, string> {
  if (headers === null || typeof headers !== "object") return {};
  const toJSON = (headers as { toJSON?: unknown }).toJSON;
  const record = typeof toJSON === "function"
    ? toJSON.call(headers, true) as Record<string, unknown>
    : headers as Record<string, unknown>;
  const out: Record<string, string> = Object.create(null);
  for (const name in record) {
    const value = record[name];
    if (value === undefined || value === null || value === false) continue;
    out[name] = Array.isArray(value) ? value.join(", ") : String(value);
  }
  return out;
}

function hasHeader(headers: Record<string, string>, lowerCaseName: string): boolean {
  for (const name in headers) if (name.toLowerCase() === lowerCaseName) return true;
  return false;
}

/** An answer's headers as a record, as axios' response types have them. */
function responseHeaders(headers: Headers): Record<string, string> {
  // No prototype: a header named `constructor` or `__proto__` is a header like any other.
  const out: Record<string, string> = Object.create(null);
  for (const [name, value] of headers) {
    const before = out[name];
    out[name] = before === undefined ? value : `${before}, ${value}`;
  }
  return out;
}

/** Refuses request options this adapter does not carry out (the server never sets them). */
function checkSupported(config: AdapterConfig): void {
  const params = config.params;
  if (
    params !== undefined && params !== null &&
    !(typeof params === "object" && Object.keys(params).length === 0)
  ) {
    throw new TypeError("Cannot send the request: the fetch adapter takes no params");
  }
  if (config.timeout) {
    throw new TypeError("Cannot send the request: the fetch adapter takes no timeout");
  }
  if (config.responseType !== undefined && config.responseType !== "json") {
    throw new TypeError(`Cannot send the request: unsupported responseType ${config.responseType}`);
  }
}

/** Whether `fetch` failed the way axios reports as a network error. */
function isNetworkFailure(error: unknown): boolean {
  return error instanceof Error && error.name === "TypeError" &&
    /Load failed|fetch/i.test(error.message);
}

/** Options of `createFetchAdapter`. */
export interface FetchAdapterOptions {
  /** Sends with this (Deno's `fetch` unless a test passes another). */
  fetch?: typeof fetch;
  /** The `User-Agent` of requests that set none (else Deno's own, `Deno/<version>`). */
  userAgent?: string;
}

/** Creates the adapter. Pass it as axios' `adapter` request option. */
export function createFetchAdapter(options: FetchAdapterOptions = {}): AxiosAdapter {
  const fetchImpl = options.fetch ?? fetch;
  const { userAgent } = options;
  return async function fetchAdapter(config: AdapterConfig): Promise<AdapterResponse> {
    checkSupported(config);
    const method = (config.method ?? "get").toUpperCase();
    const data = config.data;
    const body = method === "GET" || method === "HEAD" || data === undefined || data === null
      ? null
      : data as BodyInit;
    const headers = requestHeaders(config.headers);
    if (userAgent !== undefined && !hasHeader(headers, "user-agent")) {
      headers["user-agent"] = userAgent;
    }
    let answer: Response;
    let text: string;
    try {
      answer = await fetchImpl(fullUrl(config), {
        method,
        headers,
        body,
        signal: config.signal ?? null,
      });
      text = await answer.text();
    } catch (error) {
      if (config.signal?.aborted) throw error; // axios turns it into its CanceledError
      if (isNetworkFailure(error)) {
        throw new AxiosLikeError("Network Error", ERR_NETWORK, config, { cause: error });
      }
      const code = (error as { code?: unknown } | null)?.code;
      throw new AxiosLikeError(
        error instanceof Error ? error.message : String(error),
        typeof code === "string" ? code : undefined,
        config,
        { cause: error },
      );
    }
    const response: AdapterResponse = {
      data: text,
      status: answer.status,
      statusText: answer.statusText,
      headers: responseHeaders(answer.headers),
      config,
      request: null,
    };
    const valid = config.validateStatus;
    if (!response.status || !valid || valid(response.status)) return response;
    throw new AxiosLikeError(
      `Request failed with status code ${response.status}`,
      response.status >= 400 && response.status < 500 ? ERR_BAD_REQUEST : ERR_BAD_RESPONSE,
      config,
      { response },
    );
  };
}
