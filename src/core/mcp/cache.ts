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
 * then rename) under a lock file shared with other processes, with a checksum, like count-cache.ts.
 */
import { promises as fs } from 'node:fs';
import { writeFileAtomic } from '../fs/write-atomic';
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { LRUCache } from 'lru-cache';
import type { McpTool } from '../context/mcp-types';
import { isObject } from '../is-object';
import { withFileLock, type FileLockOptions } from '../client/file-lock';
import { readRegularFile } from '../fs/read-regular';

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

interface CacheFile {
  format: string;
  version: number;
  checksum: string;
  entries: Row[];
}

const checksumOf = (entries: Row[]) => createHash('sha256').update(JSON.stringify(entries)).digest('hex');

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
  private readonly file: string | undefined;
  private readonly onProblem: (message: string) => void;
  private readonly lockOptions: FileLockOptions;
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
    this.file = options.file;
    this.onProblem = options.onProblem ?? (() => undefined);
    this.lockOptions = options.lock ?? {};
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
    for (const [hash, server, fetchedAt, tools] of await this.readFile()) {
      if (!this.lru.has(hash)) this.lru.set(hash, { server, fetchedAt, tools });
    }
  }

  private async readFile(): Promise<Row[]> {
    if (!this.file) return [];
    const read = await readRegularFile(this.file, FILE_MAX_BYTES);
    if (!read.ok) {
      if (read.problem !== 'missing') this.onProblem(`MCP tool cache ${this.file} could not be read (${read.message}); starting empty.`);
      return [];
    }
    try {
      const data = JSON.parse(read.bytes.toString('utf8')) as Partial<CacheFile>;
      if (data.format !== FORMAT || data.version !== VERSION || !Array.isArray(data.entries)) throw new Error('unknown format');
      if (data.checksum !== checksumOf(data.entries) || !data.entries.every(isRow)) throw new Error('checksum mismatch');
      return data.entries;
    } catch (err) {
      this.onProblem(`MCP tool cache ${this.file} is damaged (${(err as Error).message}); ignoring it.`);
      return [];
    }
  }

  private save(): Promise<void> {
    if (!this.file) return Promise.resolve();
    this.saving = this.saving.then(() => this.saveNow(this.file!));
    return this.saving;
  }

  private async saveNow(file: string): Promise<void> {
    try {
      await fs.mkdir(path.dirname(file), { recursive: true });
    } catch (err) {
      this.onProblem(`MCP tool cache ${file} could not be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
      return;
    }
    const outcome = await withFileLock(`${file}.lock`, () => this.mergeAndWrite(file), this.lockOptions);
    if (!outcome.locked) await this.mergeAndWrite(file);
  }

  private async mergeAndWrite(file: string): Promise<void> {
    if (!this.cleared) {
      // Lists another process saved since we loaded go in as older than ours.
      const theirs = (await this.readFile()).filter(([hash]) => !this.lru.has(hash) && !this.deleted.has(hash));
      if (theirs.length > 0) {
        const ours = this.rows();
        this.lru.clear();
        for (const [hash, server, fetchedAt, tools] of [...theirs, ...ours]) this.lru.set(hash, { server, fetchedAt, tools });
      }
    }
    this.cleared = false;
    this.deleted.clear();
    const entries = this.rows();
    const body: CacheFile = { format: FORMAT, version: VERSION, checksum: checksumOf(entries), entries };
    try {
      await writeFileAtomic(file, JSON.stringify(body));
    } catch (err) {
      this.onProblem(`MCP tool cache ${file} could not be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}).`);
    }
  }

  /** Entries, least recently used first. */
  private rows(): Row[] {
    const rows: Row[] = [];
    this.lru.rforEach((value, key) => rows.push([key, value.server, value.fetchedAt, value.tools]));
    return rows;
  }
}
