/**
 * Handing a prepared document from a worker thread to the main thread in pieces. Copying a large
 * parse between threads costs the receiving thread about 10 ms per megabyte of payload, nearly
 * all of it in the long arrays (messages, parts); sent whole, a 10 MB document would block the
 * receiver for over 100 ms in one go. So the long arrays travel in chunks of bounded size, each
 * asked for after the previous one is taken in, and the receiver never spends more than a few
 * milliseconds on any one of them.
 */
import type { Prepared } from '../prepare';
import { isObject } from '../is-object';

/** Property paths of the arrays that can be long. */
const LONG_ARRAYS: readonly (readonly string[])[] = [
  ['parse', 'doc', 'body', 'messages'],
  ['parse', 'doc', 'body', 'tools'],
  ['parse', 'doc', 'body', 'system'],
  ['parse', 'doc', 'parts'],
  ['parse', 'doc', 'findings'],
];

/** The prepared document with its long arrays emptied, and how to fill them again. */
export interface Head {
  value: Prepared;
  slots: { path: readonly string[]; length: number }[];
  /** Chunks that follow the head. */
  chunks: number;
}

export interface Chunk {
  slot: number;
  items: unknown[];
}

export interface ChunkLimits {
  /** Most JSON characters in one chunk (one item larger than this travels alone). */
  chars: number;
  /** Most items in one chunk. */
  items: number;
}

/** About 2-6 ms of work for the receiver on the machines measured (bench/responsiveness.ts). */
export const DEFAULT_CHUNK_LIMITS: ChunkLimits = { chars: 256 * 1024, items: 2_000 };

type Obj = Record<string, unknown>;

function sizeOf(item: unknown): number {
  try {
    return JSON.stringify(item)?.length ?? 4;
  } catch {
    return 4;
  }
}

/**
 * Splits a prepared document into a head and chunks. `prepared` is not changed: the head holds
 * shallow copies of the objects on the way to each long array.
 */
export function split(prepared: Prepared, limits: ChunkLimits = DEFAULT_CHUNK_LIMITS): { head: Head; chunks: Chunk[] } {
  const value = { ...prepared } as unknown as Obj;
  const slots: Head['slots'] = [];
  const chunks: Chunk[] = [];
  for (const path of LONG_ARRAYS) {
    // Walk down the path, copying each object so the original keeps its arrays.
    let parent: Obj | undefined = value;
    for (const key of path.slice(0, -1)) {
      const child: unknown = parent[key];
      if (!isObject(child)) {
        parent = undefined;
        break;
      }
      parent = parent[key] = { ...child };
    }
    const last = path[path.length - 1]!;
    const array = parent?.[last];
    if (!parent || !Array.isArray(array) || array.length === 0) continue;
    const slot = slots.length;
    slots.push({ path, length: array.length });
    parent[last] = [];
    let items: unknown[] = [];
    let chars = 0;
    for (const item of array) {
      const size = sizeOf(item);
      if (items.length > 0 && (chars + size > limits.chars || items.length >= limits.items)) {
        chunks.push({ slot, items });
        items = [];
        chars = 0;
      }
      items.push(item);
      chars += size;
    }
    chunks.push({ slot, items });
  }
  return { head: { value: value as unknown as Prepared, slots, chunks: chunks.length }, chunks };
}

/** Puts a split document back together, chunk by chunk. */
export class Assembler {
  private readonly arrays: unknown[][];
  private received = 0;

  constructor(private readonly head: Head) {
    this.arrays = head.slots.map(({ path }) => {
      let node: unknown = head.value;
      for (const key of path) node = (node as Obj)[key];
      return node as unknown[];
    });
  }

  get complete(): boolean {
    return this.received === this.head.chunks;
  }

  add(chunk: Chunk): void {
    const array = this.arrays[chunk.slot];
    if (!array || this.complete) throw new Error(`unexpected chunk for slot ${chunk.slot}`);
    for (const item of chunk.items) array.push(item);
    this.received++;
  }

  /** The whole document; throws when chunks are missing or an array came back short. */
  result(): Prepared {
    if (!this.complete) throw new Error(`${this.head.chunks - this.received} chunks missing`);
    this.head.slots.forEach(({ path, length }, i) => {
      if (this.arrays[i]!.length !== length) throw new Error(`${path.join('.')}: ${this.arrays[i]!.length} items of ${length}`);
    });
    return this.head.value;
  }
}
