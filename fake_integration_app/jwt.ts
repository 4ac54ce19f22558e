/**
 * HS256 JSON Web Tokens, as Integration.app workspaces sign them (for the fake API of the sandbox, the benchmark and the tests).
 *
 * @module
 */

const encoder = new TextEncoder();

function base64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function base64UrlDecode(text: string): Uint8Array {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(
    Math.ceil(text.length / 4) * 4,
    "=",
  );
  return Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
}

async function hmacKey(secret: string): Promise<CryptoKey> {
  return await crypto.subtle.importKey(
    "raw",
    encoder.encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign", "verify"],
  );
}

/** Signs `claims` with `secret` (HS256). */
export async function signToken(claims: Record<string, unknown>, secret: string): Promise<string> {
  const header = base64Url(encoder.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const payload = base64Url(encoder.encode(JSON.stringify(claims)));
  const signature = await crypto.subtle.sign(
    "HMAC",
    await hmacKey(secret),
    encoder.encode(`${header}.${payload}`),
  );
  return `${header}.${payload}.${base64Url(new Uint8Array(signature))}`;
}

/** Reads the claims of a token without checking it. */
export function decodeClaims(token: string): Record<string, unknown> | undefined {
  try {
    const part = token.split(".")[1];
    if (!part) return undefined;
    return JSON.parse(new TextDecoder().decode(base64UrlDecode(part)));
  } catch {
    return undefined;
  }
}

/** Checks the signature of `token` with `secret`. */
export async function verifySignature(token: string, secret: string): Promise<boolean> {
  const [header, payload, signature] = token.split(".");
  if (!header || !payload || !signature) return false;
  try {
    return await crypto.subtle.verify(
      "HMAC",
      await hmacKey(secret),
      base64UrlDecode(signature) as Uint8Array<ArrayBuffer>,
      encoder.encode(`${header}.${payload}`),
    );
  } catch {
    return false;
  }
}
