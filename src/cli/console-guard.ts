import { redactKey } from '../core/client/sdk-log';

/**
 * Keeps the CLI's stdout for its report alone: whatever a library prints through `console`
 * (`console.log`, `console.debug`, ... all of which write to stdout or stderr as they please) goes
 * to stderr, with the API key taken out. `--json` stays one JSON document whatever the environment
 * says (`ANTHROPIC_LOG=debug`, `NODE_DEBUG`...).
 */
export function routeConsoleToStderr(write: (text: string) => void, apiKey: string | undefined): void {
  const { formatWithOptions } = require('node:util') as typeof import('node:util');
  const line = (...args: unknown[]) => {
    let text = formatWithOptions({ colors: false, depth: 2 }, ...args);
    if (apiKey) text = redactKey(text, apiKey);
    write(`${text}\n`);
  };
  for (const method of ['log', 'info', 'debug', 'warn', 'error', 'trace', 'dir'] as const) {
    (console as unknown as Record<string, unknown>)[method] = line;
  }
}
