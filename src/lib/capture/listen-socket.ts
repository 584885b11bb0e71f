/**
 * Unix datagram sockets through the `unix-dgram` addon (Node's `dgram` has no unix sockets), typed, and
 * loaded on first use so that nothing else pays for the native module. Also the sending side of
 * Cyrus' notify protocol, for tests and benchmarks.
 *
 * unix-dgram's contract, read from its source (2.0.7): sockets are non-blocking; each readable event reads
 * one datagram into a 64 KiB buffer (Cyrus sends at most 65536 bytes); errors carry the negative errno as
 * `code`; `bind` and `connect` report failure by emitting `error` synchronously.
 */
import {createRequire} from 'node:module';
import {constants} from 'node:os';

/** The part of unix-dgram's socket bonnie uses. */
export interface UnixDgramSocket {
  bind(path: string): void;
  connect(path: string): void;
  /** Unconnected send (sendto); `callback` runs synchronously with the outcome. */
  send(buffer: Buffer, offset: number, length: number, path: string, callback: (error?: Error) => void): void;
  close(): void;
  on(event: 'message', listener: (buffer: Buffer) => void): this;
  on(event: 'error', listener: (error: Error) => void): this;
  removeListener(event: 'error', listener: (error: Error) => void): this;
}

interface UnixDgramModule {
  createSocket(type: 'unix_dgram', listener?: (buffer: Buffer) => void): UnixDgramSocket;
}

let unixDgram: UnixDgramModule | undefined;

/** A new unix datagram socket; `onMessage` receives each datagram. */
export function createUnixDgramSocket(onMessage?: (buffer: Buffer) => void): UnixDgramSocket {
  unixDgram ??= createRequire(import.meta.url)('unix-dgram') as UnixDgramModule;
  return unixDgram.createSocket('unix_dgram', onMessage);
}

/**
 * Runs `action` (a bind or connect) and returns the error it emitted, if any. unix-dgram emits it
 * synchronously and throws it when nobody listens, so listen for the duration of the call.
 */
export function socketCall(socket: UnixDgramSocket, action: () => void): Error | undefined {
  let failure: Error | undefined;
  const onError = (error: Error) => {
    failure = error;
  };
  socket.on('error', onError);
  try {
    action();
  } finally {
    socket.removeListener('error', onError);
  }
  return failure;
}

/** The errno name of a unix-dgram error (`ECONNREFUSED`), or undefined for another error. */
export function errnoOf(error: unknown): string | undefined {
  const code = (error as {code?: unknown}).code;
  if (typeof code === 'string') return code;
  if (typeof code !== 'number') return undefined;
  const errno = Math.abs(code);
  return Object.entries(constants.errno).find(([, value]) => value === errno)?.[0];
}

/** A readable form of a unix-dgram error: `connect ECONNREFUSED` rather than `connect -111`. */
export function describeSocketError(error: Error & {syscall?: string}): string {
  const name = errnoOf(error);
  return name === undefined ? error.message : `${error.syscall ?? 'socket'} ${name}`;
}

/** How long {@link NotifySender.send} keeps retrying while the receiver's queue is full. */
export const SEND_TIMEOUT_MS = 30 * 1000;
/** Pause between retries while the receiver's queue is full. */
const SEND_RETRY_MS = 1;

/** Sends datagrams to a socket path the way Cyrus' notify() does, waiting while the receiver is full. */
export interface NotifySender {
  /**
   * Sends one datagram. Cyrus' blocking sendto() waits while the receiver's queue is full; this
   * (non-blocking) socket gets EAGAIN instead, so it retries until {@link SEND_TIMEOUT_MS}.
   */
  send(datagram: Uint8Array): Promise<void>;
  close(): void;
}

/** Opens a sending socket for `socketPath`. */
export function createNotifySender(socketPath: string): NotifySender {
  const socket = createUnixDgramSocket();
  socket.on('error', () => undefined);
  const attempt = (buffer: Buffer): Error | undefined => {
    let failure: Error | undefined;
    socket.send(buffer, 0, buffer.length, socketPath, (error) => {
      failure = error;
    });
    return failure;
  };
  return {
    async send(datagram: Uint8Array): Promise<void> {
      const buffer = Buffer.isBuffer(datagram) ? datagram : Buffer.from(datagram.buffer, datagram.byteOffset, datagram.byteLength);
      const deadline = Date.now() + SEND_TIMEOUT_MS;
      for (;;) {
        const failure = attempt(buffer);
        if (failure === undefined) return;
        const errno = errnoOf(failure);
        if ((errno !== 'EAGAIN' && errno !== 'ENOBUFS') || Date.now() > deadline) {
          throw new Error(`cannot send to ${socketPath}: ${describeSocketError(failure)}`, {cause: failure});
        }
        await new Promise((resolve) => setTimeout(resolve, SEND_RETRY_MS));
      }
    },
    close: () => socket.close(),
  };
}
