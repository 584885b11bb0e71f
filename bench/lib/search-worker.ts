/**
 * bench/search's generator thread: runs the corpus simulation (search-corpus.ts) and sends its distinct
 * messages in batches, so that generating the next batch overlaps indexing this one. Flow control: at most
 * IN_FLIGHT batches are unanswered; the parent sends 'more' for each batch it has taken.
 *
 * Messages to the parent: {type: 'folders', folders}, then {type: 'batch', messages} (bytes and sha256 as
 * transferred Uint8Arrays), then {type: 'end'}.
 */
import {parentPort, workerData} from 'node:worker_threads';
import {SearchCorpus, type CorpusMessage, type SearchCorpusOptions} from './search-corpus.js';

/** What the parent passes as workerData. */
export interface GeneratorSpec {
  options: SearchCorpusOptions;
  /** Distinct messages per batch. */
  batch: number;
}

const IN_FLIGHT = 3;

/** A message as it crosses threads: Buffers arrive as Uint8Arrays. */
export type WireMessage = Omit<CorpusMessage, 'bytes' | 'sha256'> & {bytes: Uint8Array; sha256: Uint8Array};

async function main(): Promise<void> {
  const port = parentPort;
  if (port === null) throw new Error('search-worker.ts runs as a worker thread');
  const spec = workerData as GeneratorSpec;
  const corpus = new SearchCorpus(spec.options);
  port.postMessage({type: 'folders', folders: corpus.folders});
  let credits = IN_FLIGHT;
  let wake: (() => void) | undefined;
  port.on('message', () => {
    credits++;
    wake?.();
  });
  let batch: WireMessage[] = [];
  const flush = async () => {
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    credits--;
    port.postMessage({type: 'batch', messages: batch}, batch.flatMap((m) => [m.bytes.buffer as ArrayBuffer, m.sha256.buffer as ArrayBuffer]));
    batch = [];
  };
  for (const m of corpus.messages()) {
    // Only a buffer of its own can be moved (small Buffers share a pooled one).
    batch.push({...m, bytes: new Uint8Array(m.bytes), sha256: new Uint8Array(m.sha256)});
    if (batch.length >= spec.batch) await flush();
  }
  if (batch.length > 0) await flush();
  port.postMessage({type: 'end'});
  port.close();
}

await main();
