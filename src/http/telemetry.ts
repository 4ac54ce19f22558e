/**
 * OpenTelemetry: with `OTEL_DENO=true`, Deno traces every `Deno.serve` request; this names
 * the request's span after the MCP method and tool it served and adds them as attributes
 * (OpenTelemetry's MCP conventions). Without telemetry there is no active span: a no-op.
 *
 * @module
 */
import { trace } from "@opentelemetry/api";
import type { RequestContext } from "./request_context.ts";

/** Annotates the active (request) span with what `context` says the request did. */
export function annotateRequestSpan(context: RequestContext): void {
  const span = trace.getActiveSpan();
  if (!span || !context.mcpMethod) return;
  span.setAttribute("http.route", "/mcp");
  span.setAttribute("mcp.method.name", context.mcpMethod);
  if (context.tool) {
    span.setAttribute("gen_ai.tool.name", context.tool);
    span.setAttribute("gen_ai.operation.name", "execute_tool");
  }
  span.updateName(context.tool ? `${context.mcpMethod} ${context.tool}` : context.mcpMethod);
}
