/**
 * Worker threads that hash and compress messages and open stored frames (worker.ts), so that the writer's
 * thread reads and writes while hashing and zstd run on the other cores. Messages move between threads
 * (postMessage transfers their memory), they are not copied. Requests go to the least busy thread; replies
 * resolve in whatever order the threads finish.
 *
 * Contract: a thread that dies (or a request it cannot answer) breaks the pool: every request outstanding
 * and every later one rejects with the first error.
 */
import {Worker} from 'node:worker_threads';
import type {BlobId} from './blob.js';
import type {PackedMessage} from './manifest.js';
import type {SplitOptions} from './mime-split.js';

/** A digest the caller wants besides the blob id (Cyrus names a message by its SHA-1, its GUID). */
export type ExtraDigest = 'sha1';

/** What the writer sends a worker thread. */
export type WorkerRequest =
  | {seq: number; kind: 'hash'; message: Uint8Array; digest: ExtraDigest | null}
  | {seq: number; kind: 'compress'; message: Uint8Array; partIds: Uint8Array[] | null; held: string[]}
  | {seq: number; kind: 'open'; frame: Uint8Array; id: Uint8Array; originalLength: number}
  | {seq: number; kind: 'assemble'; frame: Uint8Array; parts: Array<{hex: string; frame: Uint8Array}>; id: Uint8Array; originalLength: number};

/** What a worker thread answers (in the order of {@link WorkerRequest}'s kinds), or an error. */
export type WorkerReply =
  | {seq: number; id: Uint8Array; digest: Uint8Array | null; message: Uint8Array; partIds: Uint8Array[] | null}
  | {seq: number; frame: Uint8Array; manifest: boolean; parts: Array<{id: Uint8Array; frame: Uint8Array | null; size: number}>}
  | {seq: number; reason: string | null}
  | {seq: number; error: string};

/** A message hashed by {@link BlobWorkerPool.hash}, handed back. */
export interface Hashed {
  id: BlobId;
  digest: Buffer | undefined;
  message: Uint8Array;
  /** The thread that hashed it: the message is still in its caches, compress it there. */
  thread: number;
  /** The ids of the parts the message splits into (archive format 3), in message order; empty when it is stored whole. */
  parts: Buffer[];
}

/**
 * `bytes` if postMessage may move its memory (a view of a whole ArrayBuffer), else a copy that it may.
 * Moving ~100 kB costs nothing; structured cloning copies it twice, which cost the writer's thread more
 * than hashing did. Small Buffers share a pooled ArrayBuffer with others: those are copied.
 */
export function movable(bytes: Uint8Array): Uint8Array {
  return bytes.buffer instanceof ArrayBuffer && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength ? bytes : new Uint8Array(bytes);
}

/**
 * worker.js next to this module. Run from the sources (vitest, tsx), this module is pool.ts: then
 * worker.ts, through tsx's loader (a worker thread does not inherit the loader of the thread that starts it).
 */
function startWorker(workerData: WorkerData): Worker {
  const fromSources = import.meta.url.endsWith('.ts');
  const script = new URL(fromSources ? './worker.ts' : './worker.js', import.meta.url);
  if (!fromSources) return new Worker(script, {workerData});
  const boot = `import('tsx/esm/api').then(({register}) => { register(); return import(${JSON.stringify(script.href)}); })`;
  return new Worker(boot, {eval: true, workerData});
}

/** What a worker thread is started with: the zstd level, and how messages are split (null: never). */
export interface WorkerData {
  level: number;
  split: SplitOptions | null;
}

function toBuffer(bytes: Uint8Array): Buffer {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

interface Thread {
  worker: Worker;
  outstanding: number;
}

interface Waiting {
  thread: Thread;
  resolve: (reply: WorkerReply) => void;
  reject: (error: Error) => void;
}

export class BlobWorkerPool {
  private readonly threads: Thread[] = [];
  private readonly waiting = new Map<number, Waiting>();
  private seq = 0;
  private broken: Error | undefined;
  private closed = false;

  /** Starts `size` threads (at least one) compressing at zstd `level`, splitting messages as `split` says (null: never). */
  constructor(size: number, level: number, split: SplitOptions | null = null) {
    for (let i = 0; i < Math.max(1, size); i++) {
      const worker = startWorker({level, split});
      const thread: Thread = {worker, outstanding: 0};
      // An idle thread must not keep the process alive; a busy one must (see dispatch).
      worker.unref();
      worker.on('message', (reply: WorkerReply) => this.settle(thread, reply));
      worker.on('error', (error) => this.breakPool(error));
      worker.on('exit', (code) => {
        if (!this.closed) this.breakPool(new Error(`a compression thread exited (status ${code})`));
      });
      this.threads.push(thread);
    }
  }

  /** Threads in the pool. */
  get size(): number {
    return this.threads.length;
  }

  /**
   * The blob id (SHA-256) of `message` and the extra `digest` if asked, with the message handed back. Takes
   * `message`: when it spans its whole ArrayBuffer, that memory moves to the worker thread and back (the
   * caller must use the one handed back).
   */
  async hash(message: Uint8Array, digest?: ExtraDigest): Promise<Hashed> {
    const moved = movable(message);
    const thread = this.leastBusy();
    const reply = await this.dispatch(thread, {seq: 0, kind: 'hash', message: moved, digest: digest ?? null}, moved.buffer as ArrayBuffer);
    if (!('id' in reply)) throw new Error('a compression thread answered a hash request with something else');
    return {
      id: toBuffer(reply.id),
      digest: reply.digest === null ? undefined : toBuffer(reply.digest),
      message: reply.message,
      thread: this.threads.indexOf(thread),
      parts: (reply.partIds ?? []).map(toBuffer),
    };
  }

  /**
   * A message {@link hash} handed back, packed as packMessage (manifest.ts) packs it: one frame, or split
   * into a manifest and parts (archive format 3), on the thread that hashed it. Parts in `held` (hex ids:
   * the archive holds them) are not compressed: they come back without a frame. Takes the message for good.
   */
  async compress(hashed: Hashed, held: ReadonlySet<string> = new Set()): Promise<PackedMessage> {
    const moved = movable(hashed.message);
    const thread = this.threads[hashed.thread] ?? this.leastBusy();
    const partIds = hashed.parts.length === 0 ? null : hashed.parts.map((id) => new Uint8Array(id));
    const reply = await this.dispatch(thread, {seq: 0, kind: 'compress', message: moved, partIds, held: [...held]}, moved.buffer as ArrayBuffer);
    if (!('manifest' in reply)) throw new Error('a compression thread answered a compress request with something else');
    return {
      frame: toBuffer(reply.frame),
      manifest: reply.manifest,
      parts: reply.parts.map((p) => ({id: toBuffer(p.id), frame: p.frame === null ? undefined : toBuffer(p.frame), size: p.size})),
    };
  }

  /**
   * Opens a split message's stored frames as openManifest (manifest.ts) does: undefined when the manifest
   * and the parts (`parts`: each frame by its hex id) reassemble into blob `id` of `originalLength` bytes,
   * else why not. Every frame's whole ArrayBuffer is the caller's to give away (read buffers): they move.
   */
  async assemble(frame: Uint8Array, parts: ReadonlyMap<string, Uint8Array>, id: BlobId, originalLength: number): Promise<string | undefined> {
    const list = [...parts].map(([hex, f]) => ({hex, frame: f}));
    const move = [...new Set([frame, ...list.map((p) => p.frame)].map((f) => f.buffer as ArrayBuffer))];
    const reply = await this.dispatch(this.leastBusy(), {seq: 0, kind: 'assemble', frame, parts: list, id, originalLength}, ...move);
    if (!('reason' in reply)) throw new Error('a compression thread answered an assemble request without a verdict');
    return reply.reason ?? undefined;
  }

  /**
   * Opens a stored frame as {@link openFrame} does: undefined when it is blob `id` of `originalLength` bytes,
   * else why not. With `takeBuffer`, the frame's whole ArrayBuffer is the caller's to give away (a read
   * buffer holding a member: header and frame): it moves to the thread, uncopied.
   */
  async open(frame: Uint8Array, id: BlobId, originalLength: number, takeBuffer = false): Promise<string | undefined> {
    const moved = takeBuffer && frame.buffer instanceof ArrayBuffer ? frame : movable(frame);
    const reply = await this.dispatch(this.leastBusy(), {seq: 0, kind: 'open', frame: moved, id, originalLength}, moved.buffer as ArrayBuffer);
    if (!('reason' in reply)) throw new Error('a compression thread answered an open request without a verdict');
    return reply.reason ?? undefined;
  }

  /** Stops the threads. Outstanding requests reject. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.breakPool(new Error('the compression threads were stopped'));
    for (const thread of this.threads) void thread.worker.terminate().catch(() => undefined);
  }

  private leastBusy(): Thread {
    return this.threads.reduce((best, t) => (t.outstanding < best.outstanding ? t : best));
  }

  private dispatch(thread: Thread, request: WorkerRequest, ...move: ArrayBuffer[]): Promise<WorkerReply> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    const seq = ++this.seq;
    return new Promise<WorkerReply>((resolve, reject) => {
      this.waiting.set(seq, {thread, resolve, reject});
      if (thread.outstanding++ === 0) thread.worker.ref();
      thread.worker.postMessage({...request, seq}, move);
    }).then((reply) => {
      if ('error' in reply) throw new Error(reply.error);
      return reply;
    });
  }

  private settle(thread: Thread, reply: WorkerReply): void {
    const waiting = this.waiting.get(reply.seq);
    if (waiting === undefined) return;
    this.waiting.delete(reply.seq);
    if (--thread.outstanding === 0) thread.worker.unref();
    waiting.resolve(reply);
  }

  private breakPool(error: Error): void {
    this.broken ??= error;
    for (const [seq, waiting] of this.waiting) {
      this.waiting.delete(seq);
      if (--waiting.thread.outstanding === 0) waiting.thread.worker.unref();
      waiting.reject(this.broken);
    }
  }
}
