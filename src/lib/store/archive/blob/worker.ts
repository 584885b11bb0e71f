/**
 * A worker thread of {@link BlobWorkerPool}: hashes messages (blob id, and the extra digest asked for),
 * compresses them into frames, and opens stored frames (decompress, check length and SHA-256), with the
 * same code the writer runs on its own thread (blob.ts). One compressor and one decompressor per thread.
 */
import {createHash} from 'node:crypto';
import {parentPort, workerData} from 'node:worker_threads';
import {BlobCompressor, BlobDecompressor, hashBlob, openFrame} from './blob.js';
import {movable, type WorkerReply, type WorkerRequest} from './pool.js';

const port = parentPort;
if (port === null) throw new Error('blob/worker.js runs as a worker thread of BlobWorkerPool');
const compressor = new BlobCompressor((workerData as {level: number}).level);
const decompressor = new BlobDecompressor();

port.on('message', (request: WorkerRequest) => {
  let reply: WorkerReply;
  let move: ArrayBuffer[] = [];
  try {
    if (request.kind === 'hash') {
      const digest = request.digest === null ? null : createHash(request.digest).update(request.message).digest();
      reply = {seq: request.seq, id: hashBlob(request.message), digest, message: request.message};
      move = [request.message.buffer as ArrayBuffer];
    } else if (request.kind === 'compress') {
      const frame = movable(compressor.compress(request.message));
      reply = {seq: request.seq, frame};
      move = [frame.buffer as ArrayBuffer];
    } else {
      const opened = openFrame(decompressor, request.frame, Buffer.from(request.id), request.originalLength);
      reply = {seq: request.seq, reason: typeof opened === 'string' ? opened : null};
    }
  } catch (error) {
    reply = {seq: request.seq, error: error instanceof Error ? error.message : String(error)};
    move = [];
  }
  port.postMessage(reply, move);
});
