/** `--json`: the result model itself (the schema in the README, "JSON output"), pretty-printed. */
import type { RenderContext } from './formats';
import type { CommandResult } from './model';

/** The JSON document of any command. */
export function renderJson(result: CommandResult, _ctx: RenderContext): string {
  return `${JSON.stringify(result, null, 2)}\n`;
}
