/**
 * One TCP handover (ETSI TS 102 232-1 section 6): the PDUs queued for one intercept and destination (HI2 or
 * HI3), sent in sequence order over one connection to `tcp://host:port`, reconnecting with back-off, with
 * keep-alives when idle (OpenLI's keepalivefreq and keepalivewait).
 *
 * What guarantees what (the handover has no acknowledgement of its own):
 * - Order: one PDU is written at a time, the next only once the previous write completed.
 * - Once: a PDU is marked delivered in the store as soon as its socket write completes (the kernel took
 *   every byte), and is never sent again; a write that fails is not marked, and the PDU is sent again, whole,
 *   on the next connection. Nothing is written after the agency closed its side (FIN seen).
 * - The edges that remain: (1) bytes the kernel took but the agency never read, because the connection died
 *   without a FIN (host down, cable cut) or was reset with bytes in the send buffer: counted as delivered,
 *   not received; (2) bonnie killed between a write completing and its commit (microseconds): that PDU is
 *   sent again after the restart, with the same sequence number. The agency sees both through the
 *   sequence numbers (a gap, or a repeat).
 */
import {connect, type Socket} from 'node:net';
import type {HandoverQueue, Hi} from '../queue.js';

/** First pause before reconnecting; doubled after each failure, up to {@link RECONNECT_MAX_MS}. */
export const RECONNECT_MIN_MS = 500;
export const RECONNECT_MAX_MS = 30_000;
/** A connection attempt that has not succeeded in this time is abandoned (and retried). */
export const CONNECT_TIMEOUT_MS = 10_000;
/** PDUs read from the store per query. */
const SEND_BATCH = 64;

export interface KeepAliveOptions {
  /** Idle time before a keep-alive is sent, ms (OpenLI keepalivefreq; 0: never). */
  frequencyMs: number;
  /** How long to wait for the agency's answer to a keep-alive before reconnecting, ms (OpenLI keepalivewait; 0: no answer expected). */
  waitMs: number;
}

/** What a sender reports: connected, or disconnected (why, and when it tries again). */
export type SenderEvent =
  | {kind: 'connected'; url: string}
  | {kind: 'disconnected'; url: string; error: string; retryInMs: number};

export interface TcpSenderOptions {
  url: string;
  queue: HandoverQueue;
  interceptId: number;
  hi: Hi;
  keepAlive: KeepAliveOptions;
  /** The bytes of a keep-alive PDU (encoded when sent). */
  encodeKeepAlive: () => Uint8Array;
  onEvent?: (event: SenderEvent) => void;
  /** Called after each PDU marked delivered (the bench and the serve loop count them). */
  onDelivered?: (seq: number) => void;
  now?: () => number;
}

/** Sends one destination's queue; {@link TcpSender.wake} after enqueueing, {@link TcpSender.close} to stop. */
export class TcpSender {
  private closing = false;
  private wakeUp: (() => void) | undefined;
  private woken = false;
  private running: Promise<void> | undefined;
  /**
   * PDUs handed over by serve as it queued them (they are in the store too), sent without reading them
   * back, but only while `drained`: everything queued before them was sent on this connection. Otherwise
   * (connecting, after a failure, with a backlog) the store is the source and these are dropped.
   */
  private handed: Array<{seq: number; pdu: Buffer}> = [];
  private drained = false;
  /** Woken for PDUs not handed over: the store is read on the next turn. */
  private unread = false;
  private readonly host: string;
  private readonly port: number;

  constructor(private readonly options: TcpSenderOptions) {
    const url = new URL(options.url);
    this.host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    this.port = Number(url.port);
  }

  /** Starts connecting, and keeps at it until closed. */
  start(): void {
    this.running ??= this.run();
  }

  /** New PDUs are queued: send them. `pdus`: those just queued, in sequence order (saves reading them back). */
  wake(pdus?: ReadonlyArray<{seq: number; pdu: Buffer}>): void {
    if (pdus !== undefined && this.drained) this.handed.push(...pdus);
    else this.unread = true;
    this.woken = true;
    this.wakeUp?.();
  }

  /** Stops: the PDU being written finishes (and is marked), then the connection is closed. */
  async close(): Promise<void> {
    this.closing = true;
    this.wakeUp?.();
    await this.running;
  }

  private async run(): Promise<void> {
    let backoffMs = RECONNECT_MIN_MS;
    while (!this.closing) {
      const state: {failed?: string} = {};
      let error: string;
      try {
        const socket = await this.open(state);
        backoffMs = RECONNECT_MIN_MS;
        this.options.onEvent?.({kind: 'connected', url: this.options.url});
        try {
          await this.pump(socket, state);
        } finally {
          socket.destroy();
        }
        error = state.failed ?? 'closed';
      } catch (failure) {
        error = failure instanceof Error ? failure.message : String(failure);
      }
      if (this.closing) break;
      this.options.onEvent?.({kind: 'disconnected', url: this.options.url, error, retryInMs: backoffMs});
      await this.sleep(backoffMs, false);
      backoffMs = Math.min(backoffMs * 2, RECONNECT_MAX_MS);
    }
  }

  /** Connects; `state.failed` is set (and the pump woken) when the connection fails later. */
  private open(state: {failed?: string}): Promise<Socket> {
    return new Promise((resolve, reject) => {
      const socket = connect({host: this.host, port: this.port, timeout: CONNECT_TIMEOUT_MS});
      const fail = (why: string) => {
        state.failed ??= why;
        socket.destroy();
        reject(new Error(why));
        this.wakeUp?.();
      };
      socket.on('timeout', () => fail('connection timed out'));
      socket.on('error', (error) => fail(error.message));
      // The agency closed its side: nothing more is written on this connection (it would be lost).
      socket.on('end', () => fail('closed by the agency'));
      socket.on('close', () => fail('connection closed'));
      socket.once('connect', () => {
        socket.setTimeout(0);
        socket.setNoDelay(true);
        resolve(socket);
      });
    });
  }

  /** Sends what is queued, then waits for more or for the keep-alive time, until the connection fails or close(). */
  private async pump(socket: Socket, state: {failed?: string}): Promise<void> {
    const {queue, interceptId, hi, keepAlive} = this.options;
    const now = this.options.now ?? Date.now;
    let answered = true;
    let keepAliveSentAt = 0;
    // Anything the agency sends counts as the answer to a keep-alive (its keepaliveResponse PDU).
    socket.on('data', () => {
      answered = true;
    });
    let lastActivity = now();
    this.drained = false;
    this.handed = [];
    while (!this.closing && state.failed === undefined) {
      this.woken = false;
      // From the store (which holds the handed PDUs too) until drained, and when woken for PDUs not handed.
      const fromStore: boolean = !this.drained || this.unread;
      if (fromStore) {
        this.unread = false;
        this.handed = [];
      }
      const batch: Array<{seq: number; pdu: Buffer}> = fromStore ? queue.pending(interceptId, hi, SEND_BATCH) : this.handed.splice(0, SEND_BATCH);
      if (batch.length > 0) {
        // The batch is written at once (the socket keeps the order) and the PDUs whose writes completed
        // are marked delivered in one commit; after a failed write, none of the later ones completed.
        // Corked: the batch leaves in one writev, not one system call per PDU.
        socket.cork();
        const writes = batch.map((pdu) => writeAll(socket, pdu.pdu));
        socket.uncork();
        const written = await Promise.allSettled(writes);
        const done: number[] = [];
        for (const [i, result] of written.entries()) {
          if (result.status === 'rejected') break;
          done.push((batch[i] as {seq: number}).seq);
        }
        queue.markManyDelivered(interceptId, hi, done, now());
        for (const seq of done) this.options.onDelivered?.(seq);
        lastActivity = now();
        if (done.length < batch.length) {
          this.drained = false;
          state.failed ??= 'a write failed';
          return;
        }
      }
      // The store had no more than this batch: what serve hands over from now on follows it. A full batch
      // may have more behind it: the store again.
      if (fromStore) this.drained = batch.length < SEND_BATCH;
      if (batch.length === SEND_BATCH) continue;
      if (!answered && now() - keepAliveSentAt >= keepAlive.waitMs) {
        state.failed = `no answer to a keep-alive within ${keepAlive.waitMs} ms`;
        return;
      }
      const idleFor = now() - lastActivity;
      if (keepAlive.frequencyMs > 0 && idleFor >= keepAlive.frequencyMs && answered) {
        await writeAll(socket, this.options.encodeKeepAlive());
        keepAliveSentAt = now();
        lastActivity = keepAliveSentAt;
        answered = keepAlive.waitMs === 0;
        continue;
      }
      if (this.woken) continue;
      const untilKeepAlive = keepAlive.frequencyMs > 0 ? Math.max(0, keepAlive.frequencyMs - idleFor) : Number.POSITIVE_INFINITY;
      const untilAnswer = answered ? Number.POSITIVE_INFINITY : Math.max(0, keepAliveSentAt + keepAlive.waitMs - now());
      await this.sleep(Math.min(untilKeepAlive, untilAnswer), true);
    }
  }

  /** Waits `ms` (Infinity: until woken); close() always ends the wait, wake() only when `wakeable`. */
  private async sleep(ms: number, wakeable: boolean): Promise<void> {
    await new Promise<void>((resolve) => {
      const timer = Number.isFinite(ms) ? setTimeout(done, ms) : undefined;
      const closing = () => this.closing;
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.wakeUp = wakeable ? done : () => {
        if (closing()) done();
      };
    });
    this.wakeUp = undefined;
  }
}

/** Resolves once every byte of `bytes` was handed to the kernel; rejects when the write fails. */
function writeAll(socket: Socket, bytes: Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    socket.write(bytes, (error) => (error ? reject(error) : resolve()));
  });
}
