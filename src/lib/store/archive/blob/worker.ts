/**
 * A worker thread of {@link BlobWorkerPool}: hashes messages (blob id, and the extra digest asked for),
 * compresses them into frames, and opens stored frames (decompress, check length and SHA-256), with the
 * same code the writer runs on its own thread (blob.ts). One compressor and one decompressor per thread.
 */
import {createHash} from 'node:crypto';
import {parentPort, workerData} from 'node:worker_threads';
import {BlobCompressor, BlobDecompressor, hashBlob, openFrame} from './blob.js';
import {openManifest, packMessage, partIds} from './manifest.js';
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
      // The parts' ids too (archive format 3): the writer then asks to compress only those it does not hold.
      const message = Buffer.from(request.message.buffer, request.message.byteOffset, request.message.byteLength);
      const parts = data.split === null ? null : partIds(message, data.split).map((id) => new Uint8Array(id));
      reply = {seq: request.seq, id: hashBlob(request.message), digest, message: request.message, partIds: parts === null || parts.length === 0 ? null : parts};
      move = [request.message.buffer as ArrayBuffer];
    } else if (request.kind === 'compress') {
      const message = Buffer.from(request.message.buffer, request.message.byteOffset, request.message.byteLength);
      const known = request.partIds === null ? undefined : {ids: request.partIds.map((id) => Buffer.from(id)), held: new Set(request.held)};
      const packed = data.split === null ? {frame: compressor.compress(message), manifest: false, parts: []} : packMessage(compressor, message, data.split, known);
      const frame = movable(packed.frame);
      const parts = packed.parts.map((p) => ({id: new Uint8Array(p.id), frame: p.frame === undefined ? null : movable(p.frame), size: p.size}));
      reply = {seq: request.seq, frame, manifest: packed.manifest, parts};
      move = [...new Set([frame, ...parts.flatMap((p) => (p.frame === null ? [] : [p.frame]))].map((f) => f.buffer as ArrayBuffer))];
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
