/**
 * Session records for unit tests and benches.
 *
 * @module
 */
import type { SessionRecord } from "../session_store.ts";

/** A session `s1` of tenant `t1` (dynamic mode, every app, nothing enabled), with `overrides`. */
export function sessionRecord(overrides: Partial<SessionRecord> = {}): SessionRecord {
  return {
    id: "s1",
    tenant: "t1",
    mode: "dynamic",
    apps: null,
    enabledTools: [],
    createdAt: 0,
    lastSeenAt: 0,
    ...overrides,
  };
}
