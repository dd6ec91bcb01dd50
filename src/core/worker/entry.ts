/**
 * The worker thread that parses and estimates large documents (bundled as dist/worker.js), so
 * the editor's thread never runs a parse of many megabytes. One job at a time; the result goes
 * back as a head and then one chunk per request (see ./transfer.ts). A job that is no longer
 * wanted is not cancelled here: the main thread stops the whole worker.
 */
import { parentPort } from 'node:worker_threads';
import { prepareDocument } from '../prepare';
import type { FromWorker, ToWorker } from './protocol';
import { split, type Chunk } from './transfer';

const port = parentPort;
if (!port) throw new Error('token-lens: the prepare worker must run as a worker thread');

/** Chunks not yet sent, per job. */
const pending = new Map<number, Chunk[]>();

function send(message: FromWorker): void {
  port!.postMessage(message);
}

port.on('message', (message: ToWorker) => {
  switch (message.type) {
    case 'prepare': {
      // Only the newest job is ever being received.
      pending.clear();
      try {
        const { head, chunks } = split(prepareDocument(message.path, message.text, message.options));
        if (chunks.length > 0) pending.set(message.id, chunks.reverse());
        send({ type: 'head', id: message.id, head });
      } catch (err) {
        send({ type: 'error', id: message.id, message: err instanceof Error ? err.message : String(err) });
      }
      return;
    }
    case 'next': {
      const chunks = pending.get(message.id);
      const chunk = chunks?.pop();
      if (!chunks || !chunk) return;
      if (chunks.length === 0) pending.delete(message.id);
      send({ type: 'chunk', id: message.id, chunk });
      return;
    }
  }
});

send({ type: 'ready' });
