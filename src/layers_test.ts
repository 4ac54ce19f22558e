import assert from "node:assert/strict";

/**
 * The layers of `src/`, highest first: a module may import its own layer and lower ones only.
 * `util` and `sdk` import nothing of the server at all.
 */
const LAYERS: readonly (readonly string[])[] = [
  ["http"],
  ["mcp"],
  ["store", "tools", "catalog_cache", "results", "calls", "limits", "auth"],
  ["integration_app"],
  ["util", "sdk"],
];

/** Top-level modules: who may import them (`*`: anyone). */
const TOP_LEVEL: Record<string, readonly string[] | "*"> = {
  // The composition root: its `Services` type is what the HTTP handlers are given.
  "app.ts": ["http"],
  "config.ts": "*",
  "kv.ts": "*",
  "log.ts": "*",
  "log_sink.ts": "*",
  // The server's name and version (imports nothing).
  "version.ts": "*",
};

const SRC = new URL("./", import.meta.url);

async function* modules(dir: URL): AsyncGenerator<URL> {
  for await (const entry of Deno.readDir(dir)) {
    if (entry.isDirectory) yield* modules(new URL(`${entry.name}/`, dir));
    else if (entry.name.endsWith(".ts")) yield new URL(entry.name, dir);
  }
}

/** The folder of `src/` a module is in, or its file name when it sits at the top. */
function placeOf(module: URL): string {
  return module.pathname.slice(SRC.pathname.length).split("/")[0]!;
}

function rankOf(place: string): number | undefined {
  const rank = LAYERS.findIndex((layer) => layer.includes(place));
  return rank < 0 ? undefined : rank;
}

/** The `src/` modules `module` imports (or re-exports from) by a relative path. */
async function importsOf(module: URL): Promise<URL[]> {
  const text = await Deno.readTextFile(module);
  return [...text.matchAll(/^(?:import|export)\b[^;]*?\bfrom\s+"(\.{1,2}\/[^"]+)"/gm)]
    .map((match) => new URL(match[1]!, module))
    .filter((target) => target.pathname.startsWith(SRC.pathname));
}

Deno.test("imports run one way: http → mcp → store, tools, … → integration_app → util, sdk", async () => {
  const wrong: string[] = [];
  for await (const module of modules(SRC)) {
    const from = placeOf(module);
    for (const target of await importsOf(module)) {
      const to = placeOf(target);
      if (to === from) continue;
      const line = `${module.pathname.slice(SRC.pathname.length)} imports src/${
        target.pathname.slice(SRC.pathname.length)
      }`;
      const allowed = TOP_LEVEL[to];
      if (allowed !== undefined) {
        if (allowed !== "*" && !allowed.includes(from) && rankOf(from) !== undefined) {
          wrong.push(line);
        }
        continue;
      }
      const [fromRank, toRank] = [rankOf(from), rankOf(to)];
      if (fromRank === undefined) continue; // a top-level module: the wiring may import any layer
      if (toRank === undefined || toRank < fromRank) wrong.push(line);
      else if (LAYERS.at(-1)!.includes(from)) wrong.push(line); // util and sdk import nothing
    }
  }
  assert.deepEqual(wrong, []);
});
