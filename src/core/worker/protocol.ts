import type { ParseOptions } from '../payload';
import type { Chunk, Head } from './transfer';

/** Main thread to worker. */
export type ToWorker =
  | { type: 'prepare'; id: number; path: string; text: string; options: ParseOptions }
  /** The previous piece was taken in: send the next chunk. */
  | { type: 'next'; id: number };

/** Worker to main thread. */
export type FromWorker =
  /** The script loaded and listens. */
  | { type: 'ready' }
  | { type: 'head'; id: number; head: Head }
  | { type: 'chunk'; id: number; chunk: Chunk }
  | { type: 'error'; id: number; message: string };
