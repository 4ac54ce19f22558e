/**
 * What one session (or chat) may see of a catalog: `?readOnly=true` keeps only read-only
 * tools, `?tools=a,b` keeps only the named tools, and `?maxNameLength=N` shortens every name to
 * N characters with the catalog's own rules (valid, unique, stable, a hash suffix). The view is
 * an `IndexedCatalog` of its own, so listing, search and calls obey it without knowing it; it
 * can say which rule hides a tool of the customer.
 *
 * @module
 */
import { indexCatalog, type IndexedCatalog, type ToolEntry } from "./catalog.ts";
import {
  fitToolName,
  looseToolName,
  MAX_TOOL_NAME_LENGTH,
  MIN_TOOL_NAME_LENGTH,
  shortHash,
} from "./naming.ts";

/** How a session (or chat) exposes tools: all listed, or enabled as the model asks. */
export type ToolMode = "static" | "dynamic";

/** The view parameters of a session; every field is optional (absent = no restriction). */
export interface ToolViewOptions {
  /** Only tools whose action is known to only read data. */
  readOnly?: boolean;
  /** Only these tools (any accepted name form: canonical, hyphen form, any case, long or short). */
  tools?: string[];
  /** Longest tool name, 32 to 64 (default 64). */
  maxNameLength?: number;
}

/** Whether `options` change anything. */
export function restrictsView(options: ToolViewOptions | undefined): boolean {
  return options !== undefined &&
    (options.readOnly === true || options.tools !== undefined ||
      (options.maxNameLength !== undefined && options.maxNameLength < MAX_TOOL_NAME_LENGTH));
}

/** A stable key of `options`, for caching views. */
export function viewKey(options: ToolViewOptions | undefined): string {
  if (!restrictsView(options)) return "";
  const o = options as ToolViewOptions;
  const tools = o.tools ? [...new Set(o.tools.map(looseToolName))].sort().join(",") : "*";
  return `ro=${o.readOnly === true ? 1 : 0};n=${
    o.maxNameLength ?? MAX_TOOL_NAME_LENGTH
  };t=${tools}`;
}

/** `tools` with every name fitting `maxLength`: names that fit stay, longer ones are cut. */
export function shortenNames(tools: ToolEntry[], maxLength: number): ToolEntry[] {
  const max = Math.max(MIN_TOOL_NAME_LENGTH, Math.min(MAX_TOOL_NAME_LENGTH, maxLength));
  if (tools.every((tool) => tool.name.length <= max)) return tools;
  // A name that already fits keeps it; a cut name that collides takes a second hash, as
  // `buildTools` does.
  const taken = new Set(tools.filter((tool) => tool.name.length <= max).map((t) => t.name));
  return tools.map((tool) => {
    if (tool.name.length <= max) return tool;
    let name = fitToolName(tool.name, max);
    if (taken.has(name)) {
      name = fitToolName(`${name}_${shortHash(`${tool.connectionId}/${tool.actionKey}`)}`, max);
    }
    taken.add(name);
    return { ...tool, name };
  });
}

function sameTool(a: ToolEntry, b: ToolEntry): boolean {
  return a.connectionId === b.connectionId && a.actionKey === b.actionKey;
}

/**
 * The view of `catalog` for `options` (the catalog itself when they restrict nothing). Its
 * `excluded(name)` says which rule hides a tool of `catalog`.
 */
export function shapeCatalog(
  catalog: IndexedCatalog,
  options: ToolViewOptions | undefined,
): IndexedCatalog {
  if (!restrictsView(options)) return catalog;
  const o = options as ToolViewOptions;
  const renamed = shortenNames(catalog.tools, o.maxNameLength ?? MAX_TOOL_NAME_LENGTH);
  // Loose forms of both the long and the short name of each tool, to resolve what agents type.
  const byLoose = new Map<string, number[]>();
  const addLoose = (name: string, index: number): void => {
    const loose = looseToolName(name);
    const list = byLoose.get(loose) ?? [];
    if (!list.includes(index)) list.push(index);
    byLoose.set(loose, list);
  };
  renamed.forEach((tool, index) => {
    addLoose(tool.name, index);
    addLoose(catalog.tools[index]!.name, index);
  });
  const resolve = (name: string): number[] => byLoose.get(looseToolName(name)) ?? [];

  const allowed = o.tools ? new Set(o.tools.flatMap(resolve)) : undefined;
  const listed = (index: number): boolean => !allowed || allowed.has(index);
  const readable = (index: number): boolean =>
    o.readOnly !== true || renamed[index]!.annotations.readOnlyHint === true;
  /** The rules that hide the tool at `index` (only made for a refusal). */
  const reasons = (index: number): string[] => {
    const rules: string[] = [];
    if (!listed(index)) {
      rules.push(
        `the tools allowlist of this session (tools=${o.tools!.join(",")}) does not name it`,
      );
    }
    if (!readable(index)) {
      rules.push("readOnly=true allows only read-only tools, and this one may change data");
    }
    return rules;
  };
  const visibleIndexes = renamed.map((_, index) => index).filter((i) => listed(i) && readable(i));
  const visible = visibleIndexes.map((index) => renamed[index]!);
  const view = indexCatalog({
    builtAt: catalog.builtAt,
    tools: visible,
    connections: catalog.connections,
  });
  // The long names of shortened tools resolve too.
  for (const index of visibleIndexes) {
    const tool = renamed[index]!;
    const original = catalog.tools[index]!;
    if (original.name === tool.name) continue;
    const loose = looseToolName(original.name);
    const list = view.byLooseName.get(loose) ?? [];
    if (!list.some((other) => sameTool(other, tool))) list.push(tool);
    view.byLooseName.set(loose, list);
  }
  view.excluded = (name: string): string | undefined => {
    const matches = resolve(name);
    if (matches.length !== 1) return undefined;
    const rules = reasons(matches[0]!);
    if (rules.length === 0) return undefined;
    return `Tool ${renamed[matches[0]!]!.name} is not available in this session: ${
      rules.join("; and ")
    }.`;
  };
  return view;
}
