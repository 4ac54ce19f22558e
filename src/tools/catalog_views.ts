/**
 * The views of a catalog, kept with it: its tools of some apps (`?apps=`), seen through a
 * session's view options (`readOnly`, `tools`, `maxNameLength`). Each catalog keeps its most
 * recent views (they die with it); `viewToolsOf` says how many tools they hold, so a cache can
 * count them against its memory bound.
 *
 * @module
 */
import { LruMap } from "../util/concurrency.ts";
import { indexCatalog, type IndexedCatalog } from "./catalog.ts";
import { shapeCatalog, type ToolViewOptions, viewKey } from "./session_view.ts";

/** The most apps a request may name (`?apps=`, the `apps` of `search-tools`). */
export const MAX_APPS = 100;
/** The longest app key a client may type, in characters (any longer names no app). */
export const MAX_TYPED_APP_KEY_CHARS = 200;

/** Views (apps sets and options) kept per catalog. */
const VIEWS_PER_CATALOG = 16;

const views = new WeakMap<IndexedCatalog, LruMap<string, IndexedCatalog>>();
/** The integration keys a catalog holds. */
const appKeys = new WeakMap<IndexedCatalog, Set<string>>();
/** Tools held by the views made of a catalog (not the catalog itself). */
const viewTools = new WeakMap<IndexedCatalog, number>();

/** The key of the view of `apps` (`undefined` = every app; no app at all is `""`). */
function appsKey(apps: readonly string[] | undefined): string {
  return apps ? [...new Set(apps)].sort().join(",") : "*";
}

/**
 * The tools of `catalog` from the integrations `apps` (keys the catalog does not hold are
 * left out first, so junk keys cannot make new views), seen through `options`. `created` when
 * this call made a view other than the catalog itself (it then counts in `viewToolsOf`).
 */
export function catalogView(
  catalog: IndexedCatalog,
  apps: readonly string[] | undefined,
  options: ToolViewOptions | undefined,
): { view: IndexedCatalog; created: boolean } {
  let known = appKeys.get(catalog);
  if (!known) appKeys.set(catalog, known = new Set(catalog.tools.map((t) => t.integrationKey)));
  const knownApps = apps?.filter((app) => known.has(app));
  const key = `${appsKey(knownApps)}|${viewKey(options)}`;
  let kept = views.get(catalog);
  if (!kept) views.set(catalog, kept = new LruMap(VIEWS_PER_CATALOG));
  const view = kept.get(key);
  if (view) return { view, created: false };
  let narrowed = catalog;
  if (knownApps) {
    const wanted = new Set(knownApps);
    const tools = catalog.tools.filter((tool) => wanted.has(tool.integrationKey));
    // A view of every app is the catalog itself: no second copy of its listing.
    if (tools.length !== catalog.tools.length) {
      narrowed = kept.get(`${appsKey(knownApps)}|`) ??
        indexCatalog({ builtAt: catalog.builtAt, tools, connections: catalog.connections });
    }
  }
  const made = shapeCatalog(narrowed, options);
  kept.set(key, made);
  if (made === catalog) return { view: made, created: false };
  // Views hold their own listing and search index: they count against a memory bound.
  viewTools.set(catalog, (viewTools.get(catalog) ?? 0) + made.tools.length);
  return { view: made, created: true };
}

/** How many tools the views made of `catalog` hold. */
export function viewToolsOf(catalog: IndexedCatalog): number {
  return viewTools.get(catalog) ?? 0;
}
