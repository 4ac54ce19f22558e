# Integration.app MCP server. Build: docker build -t integration-app-mcp .
# Run: docker run -p 3000:3000 -v mcp-data:/data integration-app-mcp (README, "Docker").
# The Deno version is the one CI uses (.ci/run); tests/e2e/docker_test.ts keeps them in step.
FROM denoland/deno:2.9.6

WORKDIR /app
RUN mkdir -p /data && chown deno:deno /app /data
USER deno

# Dependencies first, so this layer is rebuilt only when deno.json or deno.lock change.
COPY --chown=deno:deno deno.json deno.lock ./
RUN deno install --frozen

COPY --chown=deno:deno . .
RUN deno cache main.ts

ENV HOST=0.0.0.0 \
    PORT=3000 \
    KV_PATH=/data/kv.sqlite3
VOLUME /data
EXPOSE 3000

# No curl in the image: a tiny Deno script that may only reach the server's own port.
HEALTHCHECK --interval=30s --timeout=5s --start-period=15s --retries=3 \
  CMD deno run --allow-net=127.0.0.1:${PORT:-3000} --allow-env=PORT scripts/healthcheck.ts

# The same permissions as `deno task start`, with KV in the /data volume (README, "Permissions").
CMD ["run", "--allow-net=0.0.0.0,api.integration.app", "--allow-env", "--allow-read=/data", "--allow-write=/data", "main.ts"]
