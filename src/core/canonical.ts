import { createHash, type Hash } from 'node:crypto';

type Frame = { value: unknown } | { text: string };

/**
 * Writes the canonical form of a value piece by piece: object keys sorted at every level, so
 * that two requests that differ only in key order (or in whitespace and comments in the source
 * file) share one cache key. `undefined` members are dropped, as `JSON.stringify` does.
 * Iterative, so deeply nested input cannot overflow the stack, and resumable, so a large value
 * can be written a slice at a time.
 */
class CanonicalWriter {
  private readonly stack: Frame[];

  constructor(value: unknown, private readonly emit: (piece: string) => void) {
    this.stack = [{ value }];
  }

  get done(): boolean {
    return this.stack.length === 0;
  }

  /** Writes up to `frames` more frames; returns true when the value is written whole. */
  step(frames = Infinity): boolean {
    const stack = this.stack;
    for (let n = 0; n < frames && stack.length > 0; n++) {
      const frame = stack.pop()!;
      if ('text' in frame) {
        this.emit(frame.text);
        continue;
      }
      const v = frame.value;
      if (v === null || typeof v !== 'object') {
        this.emit(JSON.stringify(v ?? null));
        continue;
      }
      const pending: Frame[] = [];
      if (Array.isArray(v)) {
        pending.push({ text: '[' });
        v.forEach((item, i) => {
          if (i > 0) pending.push({ text: ',' });
          pending.push({ value: item === undefined ? null : item });
        });
        pending.push({ text: ']' });
      } else {
        const obj = v as Record<string, unknown>;
        const keys = Object.keys(obj).filter((k) => obj[k] !== undefined).sort();
        pending.push({ text: '{' });
        keys.forEach((k, i) => {
          pending.push({ text: (i > 0 ? ',' : '') + JSON.stringify(k) + ':' });
          pending.push({ value: obj[k] });
        });
        pending.push({ text: '}' });
      }
      for (let i = pending.length - 1; i >= 0; i--) stack.push(pending[i]!);
    }
    return stack.length === 0;
  }
}

/** Serialises a JSON-like value in canonical form (see {@link CanonicalWriter}). */
export function canonicalJson(value: unknown): string {
  const out: string[] = [];
  new CanonicalWriter(value, (piece) => out.push(piece)).step();
  return out.join('');
}

/**
 * Feeds pieces to a hash in batches (one `update` per piece would dominate the cost), each batch
 * encoded to UTF-8 once; with `keep`, the encoded batches are kept too.
 */
function hashSink(hash: Hash, keep: boolean): { emit: (piece: string) => void; flush: () => void; kept: Buffer[] } {
  let batch: string[] = [];
  let size = 0;
  const kept: Buffer[] = [];
  const flush = () => {
    if (batch.length === 0) return;
    const bytes = Buffer.from(batch.join(''), 'utf8');
    hash.update(bytes);
    if (keep) kept.push(bytes);
    batch = [];
    size = 0;
  };
  return {
    emit: (piece) => {
      batch.push(piece);
      size += piece.length;
      if (size >= 65_536) flush();
    },
    flush,
    kept,
  };
}

/** SHA-256 (hex) of the canonical form: the identity of a count request. */
export function canonicalHash(value: unknown): string {
  const hash = createHash('sha256');
  const sink = hashSink(hash, false);
  new CanonicalWriter(value, sink.emit).step();
  sink.flush();
  return hash.digest('hex');
}

/** Frames written between two looks at the clock. */
const FRAMES_PER_CHECK = 4_096;

/** A value in canonical form: its hash and its UTF-8 bytes. */
export interface Canonical {
  /** Same as {@link canonicalHash}. */
  hash: string;
  /** {@link canonicalJson}, encoded: valid JSON, ready to send. */
  bytes: Buffer;
}

/**
 * The canonical form of a value and its hash, written in slices of at most about `sliceMs` of
 * work with a turn of the event loop between them, so that a request of many megabytes never
 * blocks the thread for long (a small value takes one slice). The bytes are what is sent: the
 * cache key is the hash of exactly what the API counted.
 */
export async function canonicalSliced(value: unknown, sliceMs = 8): Promise<Canonical> {
  const hash = createHash('sha256');
  const sink = hashSink(hash, true);
  const writer = new CanonicalWriter(value, sink.emit);
  let sliceStart = performance.now();
  while (!writer.step(FRAMES_PER_CHECK)) {
    if (performance.now() - sliceStart < sliceMs) continue;
    await new Promise<void>((resolve) => setImmediate(resolve));
    sliceStart = performance.now();
  }
  sink.flush();
  return { hash: hash.digest('hex'), bytes: sink.kept.length === 1 ? sink.kept[0]! : Buffer.concat(sink.kept) };
}
