/** Levels of the SDK's logger, most severe first. */
export type SdkLogLevel = 'error' | 'warn' | 'info' | 'debug';

/** Where SDK log lines go: the project's own log (stderr for the CLI, the output channel in the editor). */
export type SdkLogSink = (level: SdkLogLevel, line: string) => void;

/** Fields of the SDK's request details that may be logged: no body (the prompt, or an error body echoing the key), no headers. */
const SAFE_FIELDS = ['method', 'url', 'status', 'durationMs', 'retryOf'] as const;

/**
 * A logger for the SDK's `logger` option that sends its lines to `sink`, never to the console:
 * each line is the SDK's message plus the safe fields of its details (never a request or response
 * body, never headers), with the API key redacted from all of it. The SDK still picks the level
 * (`ANTHROPIC_LOG`, default `warn`).
 */
export function sdkLogger(sink: SdkLogSink, apiKey: string): Record<SdkLogLevel, (message: unknown, ...rest: unknown[]) => void> {
  const emit = (level: SdkLogLevel) => (message: unknown, ...rest: unknown[]) => {
    try {
      const details = rest.map(safeDetails).filter((d) => d !== '');
      sink(level, redactKey([String(message), ...details].join(' '), apiKey));
    } catch {
      // A log line is never worth a failed count.
    }
  };
  return { error: emit('error'), warn: emit('warn'), info: emit('info'), debug: emit('debug') };
}

function safeDetails(value: unknown): string {
  if (value instanceof Error) return value.name;
  if (value === null || typeof value !== 'object') return '';
  const picked: string[] = [];
  for (const field of SAFE_FIELDS) {
    const v = (value as Record<string, unknown>)[field];
    if (typeof v === 'string' || typeof v === 'number') picked.push(`${field}=${v}`);
  }
  return picked.join(' ');
}

/** The key, and any run of 20+ key-like characters that starts like one, out of a line. */
export function redactKey(text: string, apiKey: string): string {
  let out = apiKey.length >= 4 ? text.split(apiKey).join('[redacted]') : text;
  out = out.replace(/sk-ant-[A-Za-z0-9_-]{8,}/g, '[redacted]');
  return out;
}
