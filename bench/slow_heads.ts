/**
 * Measures whether `Deno.serve` closes connections whose request head never completes:
 * `deno run --allow-net=127.0.0.1 bench/slow_heads.ts [connections] [seconds]`.
 *
 * @module
 */
// deno-lint-ignore-file no-console
const server = Deno.serve(
  { hostname: "127.0.0.1", port: 0, onListen() {} },
  () => new Response("ok"),
);
const port = server.addr.port;
const N = Number(Deno.args[0] ?? 200);
const limitS = Number(Deno.args[1] ?? 65);
const conns: Deno.TcpConn[] = [];
const closedAt: (number | undefined)[] = [];
const started = performance.now();
for (let i = 0; i < N; i++) {
  const conn = await Deno.connect({ hostname: "127.0.0.1", port });
  await conn.write(new TextEncoder().encode("POST /mcp HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "));
  conns.push(conn);
  const idx = i;
  (async () => {
    const buf = new Uint8Array(1024);
    try {
      for (;;) {
        const n = await conn.read(buf);
        if (n === null) break;
      }
    } catch { /* reset */ }
    closedAt[idx] = (performance.now() - started) / 1000;
  })();
}
for (let t = 5; t <= limitS; t += 5) {
  await new Promise((r) => setTimeout(r, 5000));
  const closed = closedAt.filter((x) => x !== undefined).length;
  console.log(`after ${t} s: ${closed}/${N} closed by the server`);
}
const probe = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text());
console.log("a normal request still answers:", probe, "deno", Deno.version.deno);
for (const c of conns) {
  try {
    c.close();
  } catch { /* closed */ }
}
await server.shutdown();
Deno.exit(0);
