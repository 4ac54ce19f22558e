/**
 * MCP tool annotations derived from an Integration.app action type.
 *
 * @module
 */
import type { ToolAnnotations } from "../sdk/server.ts";

const READ_TYPES = new Set([
  "list-data-records",
  "find-data-record-by-id",
  "search-data-records",
  "find-data-records",
  "match-data-record",
  "get-data-record",
  "list-data-collections",
]);

/** Hints for a client about what running an action of this type does. */
export function annotationsFor(actionType: string | undefined, title: string): ToolAnnotations {
  const base: ToolAnnotations = { title, openWorldHint: true };
  switch (actionType) {
    case undefined:
      return base;
    case "create-data-record":
      return { ...base, readOnlyHint: false, destructiveHint: false, idempotentHint: false };
    case "update-data-record":
    case "create-or-update-data-record":
      return { ...base, readOnlyHint: false, destructiveHint: true, idempotentHint: true };
    case "delete-data-record":
      return { ...base, readOnlyHint: false, destructiveHint: true, idempotentHint: true };
    default:
      if (READ_TYPES.has(actionType)) {
        return { ...base, readOnlyHint: true, destructiveHint: false, idempotentHint: true };
      }
      return base;
  }
}
