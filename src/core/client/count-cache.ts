import { LRUCache } from 'lru-cache';
import { readRows, removeStaleTemporaries, saveRows, type RowFile } from '../fs/row-file';
import type { FileLockOptions } from '../fs/file-lock';

/** An exact count remembered for a request hash. */
export interface CachedCount {
  tokens: number;
  /** When the API returned it (ms since epoch). */
  at: number;
  /** The count before context editing, for a request with `context_management`. */
  original?: number;
}

export interface CountCacheOptions {
  /** Most entries kept, in memory and on disk. */
  maxEntries?: number;
  /** Most bytes kept (keys plus bookkeeping), in memory and on disk. */
  maxBytes?: number;
  /** File to persist to; none keeps the cache in memory only. */
  file?: string;
  /** Delay between the last change and the write to disk. */
  saveDelayMs?: number;
  /** Told about a cache file that was unreadable and ignored. Never given the key or prompt text. */
  onProblem?: (message: string) => void;
  /** The lock that serialises saves across processes (tests shorten its timings). */
  lock?: FileLockOptions;
}

const FORMAT = 'token-lens-count-cache';
const VERSION = 1;
const ENTRY_OVERHEAD_BYTES = 40;
/** Largest cache file read: far above what the entry bounds let a save write (about 2.5 MB at 20,000 entries). */
const CACHE_FILE_MAX_BYTES = 64 * 1024 * 1024;

/** A fourth number, when present, is the count before context editing. */
type Row = [key: string, tokens: number, at: number] | [key: string, tokens: number, at: number, original: number];

/** No request counts 0 tokens: such a row is a wrong answer cached before it was refused, and is dropped. */
const plausible = (row: Row): boolean => row[1] >= 1;

function entryOf(tokens: number, at: number, original: number | undefined): CachedCount {
  return original !== undefined ? { tokens, at, original } : { tokens, at };
}

function isRow(row: unknown): row is Row {
  return (
    Array.isArray(row) &&
    (row.length === 3 || (row.length === 4 && Number.isSafeInteger(row[3]) && (row[3] as number) >= 0)) &&
    typeof row[0] === 'string' &&
    /^[0-9a-f]{64}$/.test(row[0]) &&
    Number.isSafeInteger(row[1]) &&
    (row[1] as number) >= 0 &&
    Number.isFinite(row[2])
  );
}

/**
 * Exact counts keyed by the hash of a canonical count request, bounded in entries and bytes
 * (least recently used first out) and persisted so identical content never costs a second call,
 * also after a restart. The file holds hashes and numbers only: never a prompt, never a key.
 *
 * Writes are atomic (temporary file, then rename) and carry a checksum, so a crash mid-write
 * leaves either the old file or the new one, and a damaged file is ignored rather than trusted.
 * Several processes (the editor, CLIs, parallel CI jobs) may share one file: a save takes a lock
 * file (`counts.json.lock`, recovered when its holder died), merges what is on disk, and replaces
 * it (`../fs/row-file.ts`, shared with the MCP tool-list cache).
 */
export class CountCache {
  private readonly lru: LRUCache<string, CachedCount>;
  private readonly file: RowFile<Row> | undefined;
  private readonly saveDelayMs: number;
  private timer: NodeJS.Timeout | undefined;
  private dirty = false;
  private saving: Promise<void> = Promise.resolve();

  constructor(options: CountCacheOptions = {}) {
    this.lru = new LRUCache<string, CachedCount>({
      max: options.maxEntries ?? 20_000,
      maxSize: options.maxBytes ?? 4 * 1024 * 1024,
      sizeCalculation: (_value, key) => key.length + ENTRY_OVERHEAD_BYTES,
    });
    this.file = options.file === undefined ? undefined : {
      file: options.file,
      format: FORMAT,
      version: VERSION,
      maxBytes: CACHE_FILE_MAX_BYTES,
      isRow,
      label: 'Token count cache',
      onProblem: options.onProblem ?? (() => undefined),
      lock: options.lock,
    };
    this.saveDelayMs = options.saveDelayMs ?? 1_000;
  }

  get size(): number {
    return this.lru.size;
  }

  /** Bytes accounted for by the entries held. */
  get bytes(): number {
    return this.lru.calculatedSize;
  }

  get(key: string): CachedCount | undefined {
    return this.lru.get(key);
  }

  set(key: string, tokens: number, at = Date.now(), original?: number): void {
    this.lru.set(key, entryOf(tokens, at, original));
    this.dirty = true;
    this.scheduleSave();
  }

  /** Reads the cache file, if any, into memory. A missing or damaged file leaves the cache empty. */
  async load(): Promise<void> {
    for (const [key, tokens, at, original] of await this.readFile()) {
      if (!this.lru.has(key)) this.lru.set(key, entryOf(tokens, at, original));
    }
    if (this.file) await removeStaleTemporaries(this.file.file);
  }

  /** Writes pending changes now. */
  async flush(): Promise<void> {
    if (this.timer) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    if (!this.file || !this.dirty) return this.saving;
    this.dirty = false;
    this.saving = this.saving.then(() => this.save());
    return this.saving;
  }

  /** Stops the save timer and writes what is pending. */
  dispose(): Promise<void> {
    return this.flush();
  }

  /** Entries as rows, least recently used first. */
  private rows(): Row[] {
    const rows: Row[] = [];
    this.lru.rforEach((value, key) => rows.push(value.original !== undefined ? [key, value.tokens, value.at, value.original] : [key, value.tokens, value.at]));
    return rows;
  }

  private scheduleSave(): void {
    if (!this.file || this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.flush();
    }, this.saveDelayMs);
    this.timer.unref?.();
  }

  private async readFile(): Promise<Row[]> {
    if (!this.file) return [];
    return (await readRows(this.file)).filter(plausible);
  }

  private async save(): Promise<void> {
    const saved = await saveRows(this.file!, (onDisk) => {
      // Merge with what another process may have written since we loaded: its entries go in as
      // older than ours, so that when the bounds bite, what this process used recently stays.
      const theirs = onDisk.filter((row) => plausible(row) && !this.lru.has(row[0]));
      if (theirs.length > 0) {
        const ours = this.rows();
        this.lru.clear();
        for (const [key, tokens, at, original] of [...theirs, ...ours]) this.lru.set(key, entryOf(tokens, at, original));
      }
      // Oldest first, so that loading them in order leaves the newest as most recently used.
      return this.rows();
    });
    if (!saved) this.dirty = true;
  }
}
