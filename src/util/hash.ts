/**
 * Hashing helpers.
 *
 * @module
 */
import { createHash } from "node:crypto";

/**
 * SHA-256 of a string as lower-case hex. Synchronous: it runs on every request (token
 * hashes), and `node:crypto` takes about 2 µs where `crypto.subtle.digest` takes about 50.
 */
export function sha256Hex(text: string): string {
  return createHash("sha256").update(text).digest("hex");
}
