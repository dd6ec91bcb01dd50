/**
 * `tools/list` tools in the Messages API form: `inputSchema` becomes `input_schema`; the name and
 * description are kept; MCP-only fields (`title`, `annotations`, `outputSchema`, `_meta`) are not
 * part of what the model is sent and are dropped.
 */
import type { Json } from '../types';
import type { McpTool } from '../context/mcp-types';
import { isObject } from '../is-object';

/** Which tools are deferred (`defer_loading: true`): all, none, or those the predicate names. */
export type DeferLoading = boolean | ((toolName: string) => boolean);

export function toMessagesTool(tool: unknown, defer: DeferLoading = false): McpTool | undefined {
  if (!isObject(tool) || typeof tool.name !== 'string') return undefined;
  const out: McpTool = {
    name: tool.name,
    input_schema: (isObject(tool.inputSchema) ? tool.inputSchema : { type: 'object' }) as Json,
  };
  if (typeof tool.description === 'string') out.description = tool.description;
  if (typeof defer === 'function' ? defer(tool.name) : defer) out.defer_loading = true;
  return out;
}

export function toMessagesTools(tools: readonly unknown[], defer: DeferLoading = false): McpTool[] {
  return tools.map((t) => toMessagesTool(t, defer)).filter((t): t is McpTool => t !== undefined);
}

/** The same list with `defer_loading` set as `defer` says (a config's marking applied to a cached list). */
export function markDeferred(tools: readonly McpTool[], defer: DeferLoading): McpTool[] {
  return tools.map((t) => {
    const deferred = typeof defer === 'function' ? defer(t.name) : defer;
    if (deferred) return { ...t, defer_loading: true };
    return t;
  });
}
