/**
 * Summarizes a V8 CPU profile (`--cpu-prof`, e.g. from `deno task bench --cpu-prof`): self
 * time by function and by module, the largest first.
 *
 * Usage: `deno run --allow-read bench/profile_top.ts FILE.cpuprofile [--top=N] [--inclusive=a,b]`
 * (`--inclusive` adds the total time spent in and under the named functions).
 *
 * @module
 */

/** A node of a V8 CPU profile. */
export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** A V8 CPU profile (`.cpuprofile`). */
export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Where a script comes from, shortened: the npm package, or the path in this repository. */
function moduleOf(url: string): string {
  if (!url) return "(native, GC, idle)";
  const npm = url.match(/node_modules\/(?:\.deno\/[^/]+\/node_modules\/)?((?:@[^/]+\/)?[^/]+)/);
  if (npm) return `npm:${npm[1]}`;
  if (url.startsWith("ext:")) return url.split("/").slice(0, 2).join("/");
  const local = url.match(/\/(src|bench|tests)\/.*$/);
  return local ? local[0].slice(1) : url;
}

/** CPU time (not idle) of a profile, in ms. */
export function busyMs(profile: Profile): number {
  const idle = new Set(
    profile.nodes
      .filter((n) =>
        n.callFrame.functionName === "(idle)" || n.callFrame.functionName === "(program)"
      )
      .map((n) => n.id),
  );
  let us = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    if (!idle.has(profile.samples[i] as number)) us += profile.timeDeltas[i] ?? 0;
  }
  return us / 1000;
}

if (import.meta.main) {
  const file = Deno.args.find((a) => !a.startsWith("--"));
  if (!file) throw new Error("Usage: profile_top.ts FILE.cpuprofile [--top=N]");
  const top = Number(Deno.args.find((a) => a.startsWith("--top="))?.slice(6) ?? 25);
  const profile = JSON.parse(await Deno.readTextFile(file)) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = new Map<number, number>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i] as number;
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  }
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let busy = 0;
  for (const [id, us] of self) {
    const node = byId.get(id);
    if (!node) continue;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)" || functionName === "(program)") continue;
    busy += us;
    const fn = `${functionName || "(anonymous)"} ${moduleOf(url)}:${lineNumber + 1}`;
    byFunction.set(fn, (byFunction.get(fn) ?? 0) + us);
    const mod = functionName === "(garbage collector)" ? "(GC)" : moduleOf(url);
    byModule.set(mod, (byModule.get(mod) ?? 0) + us);
  }
  const wall = (profile.endTime - profile.startTime) / 1000;
  const line = (name: string, us: number) =>
    `${(us / 1000).toFixed(1).padStart(9)} ms ${
      ((100 * us) / busy).toFixed(1).padStart(5)
    } %  ${name}`;
  // deno-lint-ignore no-console
  const print = console.log;
  print(`Profile ${wall.toFixed(0)} ms, busy (not idle) ${(busy / 1000).toFixed(0)} ms\n`);
  print("By module (self time):");
  for (const [name, us] of [...byModule].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    print(line(name, us));
  }
  print("\nBy function (self time):");
  for (const [name, us] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, top)) {
    print(line(name, us));
  }
  const wanted = Deno.args.find((a) => a.startsWith("--inclusive="))?.slice(12).split(",");
  if (wanted) {
    // Time in and under each named function, counted once per sample even when it recurses.
    const parent = new Map<number, number>();
    for (const node of profile.nodes) {
      for (const child of node.children ?? []) parent.set(child, node.id);
    }
    const total = new Map<string, number>();
    for (const [id, us] of self) {
      const seen = new Set<string>();
      for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
        const name = byId.get(at)?.callFrame.functionName ?? "";
        if (wanted.includes(name) && !seen.has(name)) {
          seen.add(name);
          total.set(name, (total.get(name) ?? 0) + us);
        }
      }
    }
    print("\nInclusive (in and under):");
    for (const name of wanted) print(line(name, total.get(name) ?? 0));
  }
}
