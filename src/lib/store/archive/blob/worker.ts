/**
 * A worker thread of {@link BlobWorkerPool}: hashes messages (blob id, and the extra digest asked for),
 * compresses them into frames, and opens stored frames (decompress, check length and SHA-256), with the
 * same code the writer runs on its own thread (blob.ts). One compressor and one decompressor per thread.
 */
import {createHash} from 'node:crypto';
import {parentPort, workerData} from 'node:worker_threads';
import {BlobCompressor, BlobDecompressor, hashBlob, openFrame} from './blob.js';
import {openManifest, packMessage} from './manifest.js';
import {movable, type WorkerData, type WorkerReply, type WorkerRequest} from './pool.js';

const port = parentPort;
if (port === null) throw new Error('blob/worker.js runs as a worker thread of BlobWorkerPool');
const data = workerData as WorkerData;
const compressor = new BlobCompressor(data.level);
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
      const message = Buffer.from(request.message.buffer, request.message.byteOffset, request.message.byteLength);
      const packed = data.split === null ? {frame: compressor.compress(message), manifest: false, parts: []} : packMessage(compressor, message, data.split);
      const frame = movable(packed.frame);
      const parts = packed.parts.map((p) => ({id: new Uint8Array(p.id), frame: movable(p.frame), size: p.size}));
      reply = {seq: request.seq, frame, manifest: packed.manifest, parts};
      move = [...new Set([frame, ...parts.map((p) => p.frame)].map((f) => f.buffer as ArrayBuffer))];
    } else if (request.kind === 'assemble') {
      const parts = new Map(request.parts.map((p) => [p.hex, p.frame]));
      const opened = openManifest(decompressor, request.frame, parts, Buffer.from(request.id), request.originalLength);
      reply = {seq: request.seq, reason: typeof opened === 'string' ? opened : null};
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
