/**
 * Session contexts for unit tests and benches, with no services behind them.
 *
 * @module
 */
import type { IntegrationAppApi } from "../../integration_app/types.ts";
import { createLogger } from "../../log.ts";
import type { SessionRecord } from "../../store/session_store.ts";
import type { IndexedCatalog } from "../../tools/catalog.ts";
import type { McpSessionContext } from "../mcp_server.ts";

/**
 * The context of `parts.session` over `catalog`: a silent logger, no upstream (`parts.api`
 * gives one), enabled sets and invalidations go nowhere; any other part from `parts`.
 */
export function contextOver(
  catalog: IndexedCatalog,
  parts: Partial<McpSessionContext> & { session: SessionRecord },
): McpSessionContext {
  return {
    api: {} as IntegrationAppApi,
    logger: createLogger("silent"),
    catalog: () => Promise.resolve(catalog),
    saveEnabledTools: () => Promise.resolve(),
    invalidateCatalog: () => {},
    ...parts,
  };
}
