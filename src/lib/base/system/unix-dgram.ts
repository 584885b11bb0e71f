/**
 * Unix datagram sockets through the `unix-dgram` addon (Node's `dgram` has no unix sockets), typed, and
 * loaded on first use so that nothing else pays for the native module. Used by the socket dealer and by
 * syslog logging.
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
  /** Connected send; `callback` runs synchronously with the outcome. */
  send(buffer: Buffer, callback: (error?: Error) => void): void;
  close(): void;
  /** True once connect() succeeded. */
  readonly connected?: boolean;
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
