/**
 * The sending side of Cyrus' notify protocol (what imapd's notify() does), for tests and benchmarks.
 */
import {createUnixDgramSocket, describeSocketError, errnoOf} from '../../base/system/unix-dgram.js';

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
