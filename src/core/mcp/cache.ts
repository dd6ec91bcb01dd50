/**
 * Tool lists of earlier runs, keyed by the server definition's hash, so that a later run that does
 * not start servers (the CLI without --start-mcp-servers, the editor before the user allows a
 * server) can still show them, said to be cached.
 *
 * The file holds, per entry: the hash, the server's name (for people reading it), when the list
 * was fetched, and the tools in the Messages API form. Never the definition's environment,
 * headers, command line or any resolved placeholder: those may hold tokens.
 *
 * Bounded (entries and bytes, least recently used out first); writes are atomic (temporary file,
 * then rename) under a lock file shared with other processes, with a checksum, as the count
 * cache's are (`../fs/row-file.ts`).
 */
import { LRUCache } from 'lru-cache';
import type { FileLockOptions } from '../fs/file-lock';
import type { McpTool } from '../context/mcp-types';
import { readRows, removeStaleTemporaries, saveRows, type RowFile } from '../fs/row-file';
import { isObject } from '../is-object';

export interface CachedToolList {
  /** The server's name when the list was fetched (the key is the hash). */
  server: string;
  fetchedAt: number;
  tools: McpTool[];
}

export interface McpToolCacheOptions {
  /** File to persist to; none keeps the lists in memory only. */
  file?: string;
  /** Most lists kept (default 200). */
  maxEntries?: number;
  /** Most bytes of tools kept, as JSON (default 8 MB). */
  maxBytes?: number;
  /** Told about a cache file that was unreadable and ignored, or could not be written. */
  onProblem?: (message: string) => void;
  lock?: FileLockOptions;
}

const FORMAT = 'token-lens-mcp-tools';
const VERSION = 1;
const FILE_MAX_BYTES = 64 * 1024 * 1024;

type Row = [hash: string, server: string, fetchedAt: number, tools: McpTool[]];

function isTool(tool: unknown): tool is McpTool {
  return (
    isObject(tool) &&
    typeof tool.name === 'string' &&
    isObject(tool.input_schema) &&
    (tool.description === undefined || typeof tool.description === 'string') &&
    (tool.defer_loading === undefined || typeof tool.defer_loading === 'boolean')
  );
}

function isRow(row: unknown): row is Row {
  return (
    Array.isArray(row) &&
    row.length === 4 &&
    typeof row[0] === 'string' &&
    row[0].length > 0 &&
    row[0].length <= 256 &&
    typeof row[1] === 'string' &&
    Number.isFinite(row[2]) &&
    Array.isArray(row[3]) &&
    row[3].every(isTool)
  );
}

/** Only the fields of the Messages API form: nothing else a caller's objects carry is written. */
function cleanTools(tools: readonly McpTool[]): McpTool[] {
  return tools.map((t) => {
    const out: McpTool = { name: t.name, input_schema: t.input_schema };
    if (t.description !== undefined) out.description = t.description;
    if (t.defer_loading !== undefined) out.defer_loading = t.defer_loading;
    return out;
  });
}

export class McpToolCache {
  private readonly lru: LRUCache<string, CachedToolList>;
  private readonly file: RowFile<Row> | undefined;
  /** Hashes deleted since the last save, so that merging with the file does not bring them back. */
  private readonly deleted = new Set<string>();
  private cleared = false;
  private saving: Promise<void> = Promise.resolve();

  constructor(options: McpToolCacheOptions = {}) {
    this.lru = new LRUCache<string, CachedToolList>({
      max: options.maxEntries ?? 200,
      maxSize: options.maxBytes ?? 8 * 1024 * 1024,
      sizeCalculation: (value, key) => key.length + value.server.length + JSON.stringify(value.tools).length + 40,
    });
    this.file = options.file === undefined ? undefined : {
      file: options.file,
      format: FORMAT,
      version: VERSION,
      maxBytes: FILE_MAX_BYTES,
      isRow,
      label: 'MCP tool cache',
      onProblem: options.onProblem ?? (() => undefined),
      lock: options.lock,
    };
  }

  get size(): number {
    return this.lru.size;
  }

  get(hash: string): CachedToolList | undefined {
    return this.lru.get(hash);
  }

  /** Remembers a fetched list and writes the file (awaitable; failures go to onProblem). */
  set(hash: string, server: string, tools: readonly McpTool[], fetchedAt = Date.now()): Promise<void> {
    this.deleted.delete(hash);
    this.lru.set(hash, { server, fetchedAt, tools: cleanTools(tools) });
    return this.save();
  }

  delete(hash: string): Promise<void> {
    this.lru.delete(hash);
    this.deleted.add(hash);
    return this.save();
  }

  clear(): Promise<void> {
    this.lru.clear();
    this.cleared = true;
    return this.save();
  }

  /** Reads the file, if any, into memory. A missing or damaged file leaves the cache as it was. */
  async load(): Promise<void> {
    if (!this.file) return;
    for (const [hash, server, fetchedAt, tools] of await readRows(this.file)) {
      if (!this.lru.has(hash)) this.lru.set(hash, { server, fetchedAt, tools });
    }
    await removeStaleTemporaries(this.file.file);
  }

  private save(): Promise<void> {
    const file = this.file;
    if (!file) return Promise.resolve();
    this.saving = this.saving.then(async () => {
      await saveRows(file, (onDisk) => {
        if (!this.cleared) {
          // Lists another process saved since we loaded go in as older than ours.
          const theirs = onDisk.filter(([hash]) => !this.lru.has(hash) && !this.deleted.has(hash));
          if (theirs.length > 0) {
            const ours = this.rows();
            this.lru.clear();
            for (const [hash, server, fetchedAt, tools] of [...theirs, ...ours]) this.lru.set(hash, { server, fetchedAt, tools });
          }
        }
        this.cleared = false;
        this.deleted.clear();
        return this.rows();
      });
    });
    return this.saving;
  }

  /** Entries, least recently used first. */
  private rows(): Row[] {
    const rows: Row[] = [];
    this.lru.rforEach((value, key) => rows.push([key, value.server, value.fetchedAt, value.tools]));
    return rows;
  }
}
